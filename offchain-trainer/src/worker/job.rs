//! A chain job → the training run every attesting worker performs: the same settings from
//! the same on-chain numbers, plus the worker-wide constants of [`PROTOCOL`], so that k
//! workers can agree bit for bit.

use crate::{
	kernels::Kernels, lora::LoraConfig, model::Precision, schedule::Decay, train::TrainOptions,
	Error, Result,
};
use openledger_client::models_json as json;
use serde::Serialize;

/// What a job does not say and every worker must still do alike; recorded in each manifest.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Protocol {
	/// Version of these rules; a change makes results incomparable with older workers.
	pub version: u32,
	/// AdamW's decoupled weight decay.
	pub weight_decay: f64,
	/// Gradient-norm clip.
	pub max_grad_norm: f64,
	/// Adapter dropout.
	pub lora_dropout: f64,
	/// At most this many eval windows (each is a forward pass before and after training).
	pub max_eval_windows: usize,
	/// Passes over the data when a job gives a step count (the step count then decides).
	pub epochs_for_steps: usize,
	/// TracIn's checkpoints for the attribution: the adapter is kept after this many steps,
	/// evenly spaced through the run, the last one the final step
	/// (`influence::checkpoint_steps`); each weighs the learning rates of the steps since the
	/// previous one (`influence::checkpoints`). See docs/ATTRIBUTION.md.
	pub influence_checkpoints: usize,
}

/// The rules of this worker version. v2: the TracIn attribution. v3: a job's eval datanet is
/// its eval set (a v2 worker ignores it, trains without eval windows and disagrees, so every
/// worker must upgrade before a runtime with eval datanets is enacted).
pub const PROTOCOL: Protocol = Protocol {
	version: 3,
	weight_decay: 0.0,
	max_grad_norm: 1.0,
	lora_dropout: 0.0,
	max_eval_windows: 32,
	epochs_for_steps: 1_000_000,
	influence_checkpoints: 4,
};

/// A job's run, as this worker performs it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
	pub precision: Precision,
	/// `target_modules` empty: every linear layer of the base.
	pub lora: LoraConfig,
	pub options: TrainOptions,
	pub eval_fraction: f64,
	pub kernels: Kernels,
}

fn decay(schedule: &str) -> Result<Decay> {
	Ok(match schedule {
		"constant" => Decay::Constant,
		"linear" => Decay::Linear,
		"cosine" => Decay::Cosine,
		other => return Err(Error::Invalid(format!("unknown schedule `{other}` in the job"))),
	})
}

/// The determinism class a job names.
pub fn kernels_of(determinism: &str) -> Result<Kernels> {
	match determinism {
		"portable" => Ok(Kernels::Portable),
		"fast" => Ok(Kernels::Fast),
		other => Err(Error::Invalid(format!("unknown determinism class `{other}` in the job"))),
	}
}

/// The run `job` asks for; `checkpoint_every` is this worker's own choice (it does not
/// change the result).
pub fn plan(job: &json::Job, checkpoint_every: usize) -> Result<RunPlan> {
	let method = &job.method;
	let precision = match (method.kind.as_str(), method.bits) {
		("lora", _) => Precision::Full,
		("qlora", Some(bits @ (4 | 8))) => Precision::Quantized { bits },
		(kind, bits) => {
			return Err(Error::Invalid(format!("unsupported method {kind} with bits {bits:?}")))
		},
	};
	let hyper = &job.hyper;
	let (epochs, max_steps) = match (hyper.steps, hyper.epochs) {
		(Some(steps), _) => (PROTOCOL.epochs_for_steps, Some(steps as usize)),
		(None, Some(epochs)) => (epochs as usize, None),
		(None, None) => {
			return Err(Error::Invalid("the job gives neither steps nor epochs".into()))
		},
	};
	Ok(RunPlan {
		precision,
		lora: LoraConfig {
			rank: method.rank as usize,
			alpha: f64::from(method.alpha),
			dropout: PROTOCOL.lora_dropout,
			use_rslora: false,
			target_modules: method.target_modules.clone(),
		},
		options: TrainOptions {
			seq_len: hyper.sequence_length as usize,
			batch_size: hyper.batch_size as usize,
			grad_accum: hyper.gradient_accumulation as usize,
			epochs,
			max_steps,
			learning_rate: hyper.learning_rate,
			weight_decay: PROTOCOL.weight_decay,
			warmup_steps: hyper.warmup_steps as usize,
			decay: decay(&hyper.schedule)?,
			max_grad_norm: PROTOCOL.max_grad_norm,
			eval_every: 0,
			checkpoint_every,
			seed: hyper.seed,
		},
		eval_fraction: hyper.eval_fraction,
		kernels: kernels_of(&job.determinism)?,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn job(method: serde_json::Value, steps: Option<u32>, epochs: Option<u32>) -> json::Job {
		serde_json::from_value(json!({
			"id": 4, "creator": "x", "base": 0, "parent": null, "snapshots": [],
			"method": method,
			"hyper": {
				"learningRate": 0.0002, "batchSize": 2, "gradientAccumulation": 3,
				"steps": steps, "epochs": epochs, "sequenceLength": 64, "warmupSteps": 1,
				"schedule": "linear", "seed": 7, "evalFraction": 0.1
			},
			"determinism": "portable", "bounty": "10", "attestations": 2, "maxAttesters": 3,
			"createdAt": 1, "commitEnds": 2, "revealEnds": 3, "commits": 0, "reveals": 0,
			"status": "open", "model": null, "phase": "committing", "settled": false,
			"sealed": []
		}))
		.unwrap()
	}

	fn lora(kind: &str, bits: Option<u8>) -> serde_json::Value {
		json!({ "kind": kind, "rank": 4, "alpha": 8, "targetModules": ["q_proj"], "bits": bits })
	}

	#[test]
	fn a_job_becomes_the_run_every_worker_performs() {
		let plan = plan(&job(lora("lora", None), Some(5), None), 2).unwrap();
		assert_eq!(plan.precision, Precision::Full);
		assert_eq!((plan.lora.rank, plan.lora.alpha), (4, 8.0));
		assert_eq!(plan.lora.target_modules, vec!["q_proj".to_string()]);
		assert_eq!(plan.lora.dropout, PROTOCOL.lora_dropout);
		let o = &plan.options;
		assert_eq!((o.max_steps, o.epochs), (Some(5), PROTOCOL.epochs_for_steps));
		assert_eq!((o.batch_size, o.grad_accum, o.seq_len, o.seed), (2, 3, 64, 7));
		assert_eq!((o.decay, o.warmup_steps, o.checkpoint_every), (Decay::Linear, 1, 2));
		assert_eq!((o.max_grad_norm, o.weight_decay), (1.0, 0.0));
		assert_eq!(plan.kernels, Kernels::Portable);

		let by_epochs = super::plan(&job(lora("qlora", Some(4)), None, Some(2)), 0).unwrap();
		assert_eq!(by_epochs.precision, Precision::Quantized { bits: 4 });
		assert_eq!((by_epochs.options.max_steps, by_epochs.options.epochs), (None, 2));
	}

	#[test]
	fn jobs_this_worker_cannot_run_are_explained() {
		let err = plan(&job(lora("qlora", Some(3)), Some(1), None), 0).unwrap_err().to_string();
		assert!(err.contains("unsupported method qlora"), "{err}");
		let err = plan(&job(lora("lora", None), None, None), 0).unwrap_err().to_string();
		assert!(err.contains("neither steps nor epochs"), "{err}");
		let mut fast = job(lora("lora", None), Some(1), None);
		fast.determinism = "fast".into();
		assert_eq!(plan(&fast, 0).unwrap().kernels, Kernels::Fast);
		fast.determinism = "exact".into();
		assert!(plan(&fast, 0).is_err());
	}
}
