//! What the read paths return: the view functions, the runtime API and (as JSON) the
//! node's `models_*` RPC methods. Generic over the runtime's account, balance and block
//! number types so that the runtime API can name them without a `Config`.

use crate::{AttestedResult, BaseModel, BaseModelId, Job, JobId, Model, ModelId, Trainer};
use alloc::vec::Vec;
use codec::{Decode, Encode};
pub use openledger_primitives::query::{Page, MAX_PAGE_SIZE};
use scale_info::TypeInfo;

/// Why a read has no answer.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
pub enum QueryError {
	/// No base model has this id.
	BaseModelNotFound,
	/// The account is not a registered trainer.
	TrainerNotFound,
	/// No job has this id.
	JobNotFound,
	/// No verified model has this id.
	ModelNotFound,
	/// `limit` above `MAX_PAGE_SIZE`.
	PageTooLarge {
		/// The largest limit.
		max: u32,
	},
}

/// A base model and its id.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct BaseModelInfo<BlockNumber> {
	/// Its id.
	pub id: BaseModelId,
	/// The model.
	pub model: BaseModel<BlockNumber>,
}

/// A trainer and its account.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct TrainerInfo<AccountId, Balance, BlockNumber> {
	/// The trainer's account.
	pub account: AccountId,
	/// The trainer.
	pub trainer: Trainer<Balance, BlockNumber>,
}

/// Where a job is in its commit–reveal cycle, at the block read.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
pub enum JobPhase {
	/// Taking commits.
	Committing,
	/// Taking reveals.
	Revealing,
	/// Past its deadline, waiting for `finalize_job`.
	Due,
	/// Settled: nothing more happens to it.
	Settled,
}

/// An attestation of a job whose attestations are not settled.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct AttestationInfo<AccountId> {
	/// The trainer.
	pub trainer: AccountId,
	/// `None` while sealed.
	pub revealed: Option<AttestedResult>,
}

/// A job, its phase and its unsettled attestations.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct JobInfo<AccountId, Balance, BlockNumber> {
	/// Its id.
	pub id: JobId,
	/// The job.
	pub job: Job<AccountId, Balance, BlockNumber>,
	/// Its phase now.
	pub phase: JobPhase,
	/// Attestations until settlement.
	pub attestations: Vec<AttestationInfo<AccountId>>,
}

/// A verified model and its id.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ModelInfo<AccountId, BlockNumber> {
	/// Its id.
	pub id: ModelId,
	/// The model and its lineage.
	pub model: Model<AccountId, BlockNumber>,
}

/// `BaseModelInfo` of a runtime.
pub type BaseModelInfoOf<T> = BaseModelInfo<frame_system::pallet_prelude::BlockNumberFor<T>>;
/// `TrainerInfo` of a runtime.
pub type TrainerInfoOf<T> = TrainerInfo<
	<T as frame_system::Config>::AccountId,
	crate::BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;
/// `JobInfo` of a runtime.
pub type JobInfoOf<T> = JobInfo<
	<T as frame_system::Config>::AccountId,
	crate::BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;
/// `ModelInfo` of a runtime.
pub type ModelInfoOf<T> = ModelInfo<
	<T as frame_system::Config>::AccountId,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;
