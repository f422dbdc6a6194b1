//! The JSON the `models_*` methods return, in the conventions of `datanets_*`: accounts in
//! SS58, balances as decimal strings, CIDs as base32 CIDv1 text, hashes as 0x-hex, enums as
//! lower-case names, fixed-point numbers as decimals, fields in camelCase.

use pallet_datanets_rpc::json::{cid_text, Accounts};
use pallet_models::{
	AttestedResult, BaseModelStatus, DeterminismClass, Device, HyperParameters, JobStatus,
	LrSchedule, ModelFamily, TrainingLength, TrainingMethod,
};
use pallet_models_runtime_api as api;
use serde::{Deserialize, Serialize};
use sp_arithmetic::FixedPointNumber;
use sp_core::{crypto::Ss58Codec, H256};

fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

fn fixed(value: sp_arithmetic::FixedU64) -> f64 {
	value.into_inner() as f64 / sp_arithmetic::FixedU64::DIV as f64
}

/// Lower-case name of a serialisable unit enum (`ModelFamily::Smollm2` → `"smollm2"`).
fn name<E: Serialize>(value: &E) -> String {
	serde_json::to_value(value)
		.ok()
		.and_then(|v| v.as_str().map(str::to_lowercase))
		.unwrap_or_default()
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BaseModel {
	pub id: u32,
	pub name: String,
	pub family: String,
	pub weights_cid: String,
	pub weights_hash: H256,
	pub tokenizer_hash: H256,
	pub licence: String,
	pub parameters: u64,
	pub status: String,
	pub registered_at: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Trainer {
	pub account: String,
	pub bond: String,
	pub families: Vec<String>,
	pub max_parameters: u64,
	pub devices: Vec<String>,
	pub determinism: Vec<String>,
	pub open_commitments: u32,
	pub unbonding_until: Option<u64>,
	pub registered_at: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
	pub datanet: u32,
	pub count: u32,
	pub head: H256,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Method {
	/// `lora` or `qlora`.
	pub kind: String,
	pub rank: u16,
	pub alpha: u16,
	/// Empty: every linear layer.
	pub target_modules: Vec<String>,
	/// QLoRA only.
	pub bits: Option<u8>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Hyper {
	pub learning_rate: f64,
	pub batch_size: u32,
	pub gradient_accumulation: u32,
	pub steps: Option<u32>,
	pub epochs: Option<u32>,
	pub sequence_length: u32,
	pub warmup_steps: u32,
	pub schedule: String,
	pub seed: u64,
	pub eval_fraction: f64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Result {
	pub adapter_cid: String,
	pub model_hash: H256,
	pub attribution_root: H256,
	pub eval_loss_before: f64,
	pub eval_loss_after: f64,
	pub tokens_trained: u64,
	pub manifest_cid: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Attestation {
	pub trainer: String,
	/// Absent while sealed.
	pub revealed: Option<Result>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Job {
	pub id: u64,
	pub creator: String,
	pub base: u32,
	pub parent: Option<u64>,
	pub snapshots: Vec<Snapshot>,
	/// The held-out eval datanet's snapshot; absent: the eval set is a split of `snapshots`
	/// (`hyper.evalFraction`).
	#[serde(default)]
	pub eval: Option<Snapshot>,
	pub method: Method,
	pub hyper: Hyper,
	pub determinism: String,
	pub bounty: String,
	pub attestations: u32,
	pub max_attesters: u32,
	pub created_at: u64,
	pub commit_ends: u64,
	pub reveal_ends: u64,
	pub commits: u32,
	pub reveals: u32,
	/// `open`, `verified`, `failed`, `expired` or `cancelled`.
	pub status: String,
	/// The verified model, once verified.
	pub model: Option<u64>,
	/// `committing`, `revealing`, `due` or `settled`.
	pub phase: String,
	pub settled: bool,
	pub sealed: Vec<Attestation>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Model {
	pub id: u64,
	pub job: u64,
	pub base: u32,
	pub parent: Option<u64>,
	pub snapshots: Vec<Snapshot>,
	pub method: Method,
	pub hyper: Hyper,
	/// The agreed result.
	pub result: Result,
	pub attesters: Vec<String>,
	pub verified_at: u64,
}

fn snapshot(s: &openledger_primitives::dataset::Snapshot) -> Snapshot {
	Snapshot { datanet: s.datanet, count: s.count, head: s.head.into() }
}

fn method(method: &TrainingMethod) -> Method {
	let (kind, lora, bits) = match method {
		TrainingMethod::Lora(lora) => ("lora", lora, None),
		TrainingMethod::Qlora { lora, bits } => ("qlora", lora, Some(*bits)),
	};
	Method {
		kind: kind.into(),
		rank: lora.rank,
		alpha: lora.alpha,
		target_modules: lora.target_modules.iter().map(|m| text(m)).collect(),
		bits,
	}
}

fn hyper(hyper: &HyperParameters) -> Hyper {
	let (steps, epochs) = match hyper.length {
		TrainingLength::Steps(steps) => (Some(steps), None),
		TrainingLength::Epochs(epochs) => (None, Some(epochs)),
	};
	Hyper {
		learning_rate: fixed(hyper.learning_rate),
		batch_size: hyper.batch_size,
		gradient_accumulation: hyper.gradient_accumulation,
		steps,
		epochs,
		sequence_length: hyper.sequence_length,
		warmup_steps: hyper.warmup_steps,
		schedule: match hyper.schedule {
			LrSchedule::Constant => "constant",
			LrSchedule::Linear => "linear",
			LrSchedule::Cosine => "cosine",
		}
		.into(),
		seed: hyper.seed,
		eval_fraction: f64::from(hyper.eval_fraction.deconstruct()) / 1e9,
	}
}

fn result(result: &AttestedResult) -> Result {
	Result {
		adapter_cid: cid_text(&result.adapter_cid),
		model_hash: result.model_hash.into(),
		attribution_root: result.attribution_root.into(),
		eval_loss_before: fixed(result.eval_loss_before),
		eval_loss_after: fixed(result.eval_loss_after),
		tokens_trained: result.tokens_trained,
		manifest_cid: cid_text(&result.manifest_cid),
	}
}

/// `ModelFamily` from its lower-case name, as the RPC and CLI take it.
pub fn family(name: &str) -> Option<ModelFamily> {
	serde_json::from_value(serde_json::Value::String(capitalised(name))).ok()
}

fn capitalised(name: &str) -> String {
	let mut chars = name.chars();
	chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The JSON conversions that write accounts.
pub trait ModelsJson {
	fn base_model<B: Into<u64>>(&self, info: api::BaseModelInfo<B>) -> BaseModel;
	fn trainer<A: Ss58Codec, Bal: ToString, B: Into<u64>>(
		&self,
		info: api::TrainerInfo<A, Bal, B>,
	) -> Trainer;
	fn job<A: Ss58Codec, Bal: ToString, B: Into<u64>>(&self, info: api::JobInfo<A, Bal, B>) -> Job;
	fn model<A: Ss58Codec, B: Into<u64>>(&self, info: api::ModelInfo<A, B>) -> Model;
}

impl ModelsJson for Accounts {
	fn base_model<B: Into<u64>>(&self, info: api::BaseModelInfo<B>) -> BaseModel {
		let model = info.model;
		BaseModel {
			id: info.id,
			name: text(&model.name),
			family: name(&model.family),
			weights_cid: cid_text(&model.weights_cid),
			weights_hash: model.weights_hash.into(),
			tokenizer_hash: model.tokenizer_hash.into(),
			licence: text(&model.licence),
			parameters: model.parameters,
			status: match model.status {
				BaseModelStatus::Active => "active",
				BaseModelStatus::Retired => "retired",
			}
			.into(),
			registered_at: model.registered_at.into(),
		}
	}

	fn trainer<A: Ss58Codec, Bal: ToString, B: Into<u64>>(
		&self,
		info: api::TrainerInfo<A, Bal, B>,
	) -> Trainer {
		let trainer = info.trainer;
		let caps = trainer.capabilities;
		Trainer {
			account: self.show(&info.account),
			bond: trainer.bond.to_string(),
			families: caps.families.iter().map(name).collect(),
			max_parameters: caps.max_parameters,
			devices: caps.devices.iter().map(|d: &Device| name(d)).collect(),
			determinism: caps.determinism.iter().map(|d: &DeterminismClass| name(d)).collect(),
			open_commitments: trainer.open_commitments,
			unbonding_until: trainer.unbonding_until.map(Into::into),
			registered_at: trainer.registered_at.into(),
		}
	}

	fn job<A: Ss58Codec, Bal: ToString, B: Into<u64>>(&self, info: api::JobInfo<A, Bal, B>) -> Job {
		let job = info.job;
		let (status, model) = match job.status {
			JobStatus::Open => ("open", None),
			JobStatus::Verified(model) => ("verified", Some(model)),
			JobStatus::Failed => ("failed", None),
			JobStatus::Expired => ("expired", None),
			JobStatus::Cancelled => ("cancelled", None),
		};
		Job {
			id: info.id,
			creator: self.show(&job.creator),
			base: job.base,
			parent: job.parent,
			snapshots: job.snapshots.iter().map(snapshot).collect(),
			eval: job.eval.as_ref().map(snapshot),
			method: method(&job.method),
			hyper: hyper(&job.hyper),
			determinism: name(&job.determinism),
			bounty: job.bounty.to_string(),
			attestations: job.attestations,
			max_attesters: job.max_attesters,
			created_at: job.created_at.into(),
			commit_ends: job.commit_ends.into(),
			reveal_ends: job.reveal_ends.into(),
			commits: job.commits,
			reveals: job.reveals,
			status: status.into(),
			model,
			phase: match info.phase {
				api::JobPhase::Committing => "committing",
				api::JobPhase::Revealing => "revealing",
				api::JobPhase::Due => "due",
				api::JobPhase::Settled => "settled",
			}
			.into(),
			settled: job.settled,
			sealed: info
				.attestations
				.into_iter()
				.map(|a| Attestation {
					trainer: self.show(&a.trainer),
					revealed: a.revealed.as_ref().map(result),
				})
				.collect(),
		}
	}

	fn model<A: Ss58Codec, B: Into<u64>>(&self, info: api::ModelInfo<A, B>) -> Model {
		let model = info.model;
		Model {
			id: info.id,
			job: model.job,
			base: model.base,
			parent: model.parent,
			snapshots: model.snapshots.iter().map(snapshot).collect(),
			method: method(&model.method),
			hyper: hyper(&model.hyper),
			result: result(&model.result),
			attesters: model.attesters.iter().map(|a| self.show(a)).collect(),
			verified_at: model.verified_at.into(),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn families_read_and_write_in_lower_case() {
		assert_eq!(name(&ModelFamily::Smollm2), "smollm2");
		assert_eq!(family("smollm2"), Some(ModelFamily::Smollm2));
		assert_eq!(family("qwen2"), Some(ModelFamily::Qwen2));
		assert_eq!(family("gpt-5"), None);
	}

	#[test]
	fn fixed_point_numbers_become_decimals() {
		assert_eq!(fixed(sp_arithmetic::FixedU64::from_rational(2, 10_000)), 0.0002);
	}
}
