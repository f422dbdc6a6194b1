//! What pallet-models stores and what its calls take.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
pub use openledger_primitives::{cid::MAX_BINARY_CID_LEN, dataset::Snapshot, Hash32};
use scale_info::TypeInfo;
use sp_arithmetic::{FixedU64, Perbill};

/// Identifies a base model.
pub type BaseModelId = u32;
/// Identifies a training job.
pub type JobId = u64;
/// Identifies a verified model.
pub type ModelId = u64;
/// Identifies a datanet (pallet-datanets).
pub type DatanetId = u32;

/// Longest base-model name and licence, in bytes.
pub const MAX_LABEL_LEN: u32 = 64;
/// Longest text CID a call takes.
pub const MAX_CID_TEXT_LEN: u32 = 128;
/// Most datanets one job trains on.
pub const MAX_DATANETS_PER_JOB: u32 = 8;
/// Most trainers that may commit to one job; also bounds a model's attesters.
pub const MAX_ATTESTERS: u32 = 16;
/// Most LoRA target modules a job names.
pub const MAX_TARGET_MODULES: u32 = 16;
/// Longest target module name (`q_proj`, `c_attn`, …).
pub const MAX_MODULE_NAME_LEN: u32 = 32;
/// Most entries in each list of a trainer's capabilities.
pub const MAX_CAPABILITIES: u32 = 16;

/// A short UTF-8 label (name, licence).
pub type Label = BoundedVec<u8, ConstU32<MAX_LABEL_LEN>>;
/// A CID in the binary CIDv1 form the chain stores (see `openledger_primitives::cid`).
pub type Cid = BoundedVec<u8, ConstU32<MAX_BINARY_CID_LEN>>;
/// A CID as text (`bafy…`, `Qm…`), as `register_base_model` takes it.
pub type CidText = BoundedVec<u8, ConstU32<MAX_CID_TEXT_LEN>>;
/// A LoRA target module's short name.
pub type ModuleName = BoundedVec<u8, ConstU32<MAX_MODULE_NAME_LEN>>;

macro_rules! stored {
	($(#[$meta:meta])* $vis:vis $kind:ident $name:ident $($rest:tt)*) => {
		$(#[$meta])*
		#[derive(
			Encode,
			Decode,
			DecodeWithMemTracking,
			Clone,
			PartialEq,
			Eq,
			Debug,
			TypeInfo,
			MaxEncodedLen,
			serde::Serialize,
			serde::Deserialize,
		)]
		$vis $kind $name $($rest)*
	};
}

stored! {
	/// Architecture family of a base model: what a trainer must support to train it.
	#[derive(Copy, PartialOrd, Ord)]
	pub enum ModelFamily {
		/// Llama and Llama-architecture models.
		Llama,
		/// Mistral.
		Mistral,
		/// Qwen2.
		Qwen2,
		/// DeepSeek.
		Deepseek,
		/// SmolLM2 (llama architecture, its own tokenizer).
		Smollm2,
		/// GPT-2.
		Gpt2,
		/// BLOOM.
		Bloom,
		/// ChatGLM.
		Chatglm,
	}
}

stored! {
	/// Whether new jobs may name a base model.
	#[derive(Copy)]
	pub enum BaseModelStatus {
		/// Jobs may name it.
		Active,
		/// Retired by the registering origin: no new jobs; its models stay.
		Retired,
	}
}

stored! {
	/// A model jobs fine-tune, registered by a privileged origin.
	pub struct BaseModel<BlockNumber> {
		/// Display name.
		pub name: Label,
		/// Architecture family.
		pub family: ModelFamily,
		/// Where the weights are (binary CIDv1).
		pub weights_cid: Cid,
		/// Canonical hash of the weights, which the trainer checks after fetching them.
		pub weights_hash: Hash32,
		/// Hash of the tokenizer.
		pub tokenizer_hash: Hash32,
		/// Licence (SPDX id or name).
		pub licence: Label,
		/// Parameter count.
		pub parameters: u64,
		/// Active or retired.
		pub status: BaseModelStatus,
		/// Block of registration.
		pub registered_at: BlockNumber,
	}
}

stored! {
	/// Where a trainer can run.
	#[derive(Copy, PartialOrd, Ord)]
	pub enum Device {
		/// CPU.
		Cpu,
		/// NVIDIA GPU.
		Cuda,
		/// Apple GPU.
		Metal,
	}
}

stored! {
	/// How reproducible a training run is: k trainers can only agree on a model hash when
	/// the job's class makes their runs bit-identical.
	#[derive(Copy, PartialOrd, Ord)]
	pub enum DeterminismClass {
		/// Bit-identical on every CPU: fixed reduction order, explicit FMA.
		Portable,
		/// Fastest kernels; identical only on identical hardware and software.
		Fast,
	}
}

stored! {
	/// What a trainer offers; a commit to a job it cannot run is refused.
	pub struct Capabilities {
		/// Families it can train.
		pub families: BoundedVec<ModelFamily, ConstU32<MAX_CAPABILITIES>>,
		/// Largest base model, in parameters.
		pub max_parameters: u64,
		/// Devices it runs on.
		pub devices: BoundedVec<Device, ConstU32<MAX_CAPABILITIES>>,
		/// Determinism classes it can run.
		pub determinism: BoundedVec<DeterminismClass, ConstU32<MAX_CAPABILITIES>>,
	}
}

stored! {
	/// A registered trainer.
	pub struct Trainer<Balance, BlockNumber> {
		/// Held; slashed for unrevealed or dissenting attestations.
		pub bond: Balance,
		/// What it can train.
		pub capabilities: Capabilities,
		/// Jobs it committed to that are not settled: it cannot unbond while any.
		pub open_commitments: u32,
		/// Block from which `withdraw_trainer` releases the bond, once `unbond_trainer` ran.
		pub unbonding_until: Option<BlockNumber>,
		/// Block of registration.
		pub registered_at: BlockNumber,
	}
}

stored! {
	/// What a job starts from.
	#[derive(Copy)]
	pub enum ModelSource {
		/// Train a new adapter on a base model.
		Base(BaseModelId),
		/// Continue training a verified model's adapter (refine).
		Refine(ModelId),
	}
}

stored! {
	/// LoRA adapter settings.
	pub struct LoraSettings {
		/// Rank r of the adapter matrices.
		pub rank: u16,
		/// Scale numerator α (the update is scaled by α/r).
		pub alpha: u16,
		/// Short names of the linear layers that get an adapter; empty means all linear
		/// layers.
		pub target_modules: BoundedVec<ModuleName, ConstU32<MAX_TARGET_MODULES>>,
	}
}

stored! {
	/// How the base weights are trained.
	pub enum TrainingMethod {
		/// LoRA over the full-precision base.
		Lora(LoraSettings),
		/// LoRA over a base quantised to `bits` (4 or 8).
		Qlora {
			/// The adapter.
			lora: LoraSettings,
			/// Bits per quantised base weight: 4 or 8.
			bits: u8,
		},
	}
}

stored! {
	/// How long a job trains.
	#[derive(Copy)]
	pub enum TrainingLength {
		/// This many optimiser steps.
		Steps(u32),
		/// This many passes over the training split.
		Epochs(u32),
	}
}

stored! {
	/// Learning-rate schedule after warm-up.
	#[derive(Copy)]
	pub enum LrSchedule {
		/// Constant.
		Constant,
		/// Linear decay to zero.
		Linear,
		/// Cosine decay to zero.
		Cosine,
	}
}

stored! {
	/// Training hyper-parameters; fixed point, so every trainer reads the same numbers.
	pub struct HyperParameters {
		/// Peak learning rate.
		pub learning_rate: FixedU64,
		/// Sequences per micro-batch.
		pub batch_size: u32,
		/// Micro-batches per optimiser step.
		pub gradient_accumulation: u32,
		/// Steps or epochs.
		pub length: TrainingLength,
		/// Tokens per training sequence.
		pub sequence_length: u32,
		/// Steps of linear warm-up.
		pub warmup_steps: u32,
		/// Schedule after warm-up.
		pub schedule: LrSchedule,
		/// Seed of every random draw (adapter init, shuffling).
		pub seed: u64,
		/// Share of the dataset held out for the eval losses.
		pub eval_fraction: Perbill,
	}
}

stored! {
	/// A job as `create_job` takes it; the chain adds the datanets' snapshots.
	pub struct JobSpec<Balance, BlockNumber> {
		/// Base model or parent model.
		pub source: ModelSource,
		/// Datanets to train on; their snapshots are taken at creation.
		pub datanets: BoundedVec<DatanetId, ConstU32<MAX_DATANETS_PER_JOB>>,
		/// LoRA or QLoRA.
		pub method: TrainingMethod,
		/// Hyper-parameters.
		pub hyper: HyperParameters,
		/// Determinism class every attesting trainer must run.
		pub determinism: DeterminismClass,
		/// Paid to the k agreeing trainers; held from the creator until then.
		pub bounty: Balance,
		/// k: agreeing reveals that verify the model.
		pub attestations: u32,
		/// Most trainers that may commit, above k so that one junk commit cannot block an
		/// agreement; reveals open once this many have.
		pub max_attesters: u32,
		/// Blocks during which trainers commit.
		pub commit_period: BlockNumber,
		/// Blocks after the commit period during which they reveal.
		pub reveal_period: BlockNumber,
		/// A datanet held out of training whose accepted files are the eval set: what the
		/// model is for. The losses and the contributors' influence are measured on it
		/// instead of on a split of the training data (then `eval_fraction` must be zero).
		pub eval_datanet: Option<DatanetId>,
	}
}

stored! {
	/// Where a job is.
	#[derive(Copy)]
	pub enum JobStatus {
		/// Taking commits, then reveals.
		Open,
		/// A group of at least k agreeing reveals won: the model is verified; reveals still
		/// run to the deadline.
		Verified(ModelId),
		/// The reveal deadline passed without a winning group; the bounty was refunded.
		Failed,
		/// The commit deadline passed without a commit; the bounty was refunded.
		Expired,
		/// Cancelled by its creator before any commit; the bounty was refunded.
		Cancelled,
	}
}

stored! {
	/// A status without its payload: the key of the job index.
	#[derive(Copy, PartialOrd, Ord)]
	pub enum JobStatusKind {
		/// `JobStatus::Open`.
		Open,
		/// `JobStatus::Verified`.
		Verified,
		/// `JobStatus::Failed`.
		Failed,
		/// `JobStatus::Expired`.
		Expired,
		/// `JobStatus::Cancelled`.
		Cancelled,
	}
}

impl JobStatus {
	/// The index key of this status.
	pub fn kind(&self) -> JobStatusKind {
		match self {
			JobStatus::Open => JobStatusKind::Open,
			JobStatus::Verified(_) => JobStatusKind::Verified,
			JobStatus::Failed => JobStatusKind::Failed,
			JobStatus::Expired => JobStatusKind::Expired,
			JobStatus::Cancelled => JobStatusKind::Cancelled,
		}
	}
}

stored! {
	/// A training job.
	pub struct Job<AccountId, Balance, BlockNumber> {
		/// Who asked and escrowed the bounty.
		pub creator: AccountId,
		/// The base model trained (a refine's is its parent's).
		pub base: BaseModelId,
		/// The verified model refined, if any.
		pub parent: Option<ModelId>,
		/// Snapshots of the datanets, taken at creation.
		pub snapshots: BoundedVec<Snapshot, ConstU32<MAX_DATANETS_PER_JOB>>,
		/// LoRA or QLoRA.
		pub method: TrainingMethod,
		/// Hyper-parameters.
		pub hyper: HyperParameters,
		/// Determinism class.
		pub determinism: DeterminismClass,
		/// In escrow while open.
		pub bounty: Balance,
		/// k.
		pub attestations: u32,
		/// Most trainers that may commit.
		pub max_attesters: u32,
		/// Block of creation.
		pub created_at: BlockNumber,
		/// Last block of commits.
		pub commit_ends: BlockNumber,
		/// Last block of reveals.
		pub reveal_ends: BlockNumber,
		/// Commits so far.
		pub commits: u32,
		/// Reveals so far.
		pub reveals: u32,
		/// Where it is.
		pub status: JobStatus,
		/// Whether its attestations were settled (unrevealed commits penalised, trainers'
		/// commitments released) after the reveal deadline, or it ended without any.
		pub settled: bool,
		/// Snapshot of the eval datanet, taken at creation; `None`: the eval set is a split
		/// of the training data. Last, so that a v0 job decodes with `None` appended.
		pub eval: Option<Snapshot>,
	}
}

stored! {
	/// A trainer's result for a job, as revealed.
	pub struct AttestedResult {
		/// The LoRA adapter (binary CIDv1).
		pub adapter_cid: Cid,
		/// The canonical tensor hash of the adapter.
		pub model_hash: Hash32,
		/// Merkle root of the attribution table (see the attribution pallet).
		pub attribution_root: Hash32,
		/// Eval loss of the starting model.
		pub eval_loss_before: FixedU64,
		/// Eval loss of the trained model.
		pub eval_loss_after: FixedU64,
		/// Tokens trained on.
		pub tokens_trained: u64,
		/// The run's manifest (binary CIDv1).
		pub manifest_cid: Cid,
	}
}

/// What agreeing results share: everything the verified model stores from a result except
/// the manifest (which records each trainer's own run: host, version, timings). The model
/// hash and attribution root say the trainers trained the same adapter on the same data
/// with the same credit; the adapter CID and the metrics are in the key too, so that no
/// single attester chooses what the model points at or reports.
pub type AgreementKey = (Hash32, Hash32, Cid, FixedU64, FixedU64, u64);

impl AttestedResult {
	/// What k reveals must agree on.
	pub fn agreement_key(&self) -> AgreementKey {
		(
			self.model_hash,
			self.attribution_root,
			self.adapter_cid.clone(),
			self.eval_loss_before,
			self.eval_loss_after,
			self.tokens_trained,
		)
	}
}

stored! {
	/// A trainer's sealed (then revealed) attestation on a job.
	pub struct Attestation {
		/// `commitment(job, result, salt, trainer)`.
		pub commitment: Hash32,
		/// The result, once revealed.
		pub revealed: Option<AttestedResult>,
	}
}

stored! {
	/// A verified model and its lineage.
	pub struct Model<AccountId, BlockNumber> {
		/// The job that produced it.
		pub job: JobId,
		/// Its base model.
		pub base: BaseModelId,
		/// The model it refines, if any.
		pub parent: Option<ModelId>,
		/// The data it was trained on.
		pub snapshots: BoundedVec<Snapshot, ConstU32<MAX_DATANETS_PER_JOB>>,
		/// LoRA or QLoRA.
		pub method: TrainingMethod,
		/// Hyper-parameters.
		pub hyper: HyperParameters,
		/// The result the attesters agreed on (the manifest CID from the reveal that
		/// completed the agreement: manifests differ between runs).
		pub result: AttestedResult,
		/// The k trainers whose reveals agreed.
		pub attesters: BoundedVec<AccountId, ConstU32<MAX_ATTESTERS>>,
		/// Block of verification.
		pub verified_at: BlockNumber,
	}
}

stored! {
	/// A key of the model index: the models of a base, of a datanet or of a trainer.
	#[derive(PartialOrd, Ord)]
	pub enum ModelFilter<AccountId> {
		/// Models trained on this base (refines included).
		Base(BaseModelId),
		/// Models trained on a snapshot of this datanet.
		Datanet(DatanetId),
		/// Models this trainer attested.
		Trainer(AccountId),
	}
}

stored! {
	/// Why a trainer lost part of its bond.
	#[derive(Copy)]
	pub enum SlashReason {
		/// Revealed a result that disagrees with the verified one.
		Dissent,
		/// Committed and never revealed.
		Unrevealed,
	}
}
