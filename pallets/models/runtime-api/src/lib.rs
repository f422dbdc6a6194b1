//! The runtime API behind the node's `models_*` RPC methods. Every method is a bounded read
//! (see pallet-models' `queries.rs`); the same reads are the pallet's view functions.

#![cfg_attr(not(feature = "std"), no_std)]

use codec::Codec;
pub use pallet_models::{
	views::{BaseModelInfo, JobInfo, JobPhase, ModelInfo, Page, TrainerInfo, MAX_PAGE_SIZE},
	BaseModelId, JobId, JobStatusKind, ModelFilter, ModelId, QueryError,
};

sp_api::decl_runtime_apis! {
	pub trait ModelsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		fn base_model(base: BaseModelId) -> Result<BaseModelInfo<BlockNumber>, QueryError>;

		/// Base models by id.
		fn base_models(offset: u32, limit: u32) -> Result<Page<BaseModelInfo<BlockNumber>>, QueryError>;

		fn trainer(account: AccountId) -> Result<TrainerInfo<AccountId, Balance, BlockNumber>, QueryError>;

		/// A job, its phase and its unsettled attestations.
		fn job(job: JobId) -> Result<JobInfo<AccountId, Balance, BlockNumber>, QueryError>;

		/// Jobs by id, all or of one status.
		fn jobs(
			status: Option<JobStatusKind>,
			offset: u32,
			limit: u32,
		) -> Result<Page<JobInfo<AccountId, Balance, BlockNumber>>, QueryError>;

		fn model(model: ModelId) -> Result<ModelInfo<AccountId, BlockNumber>, QueryError>;

		/// Verified models by id: all, or of one base, datanet or trainer.
		fn models(
			filter: Option<ModelFilter<AccountId>>,
			offset: u32,
			limit: u32,
		) -> Result<Page<ModelInfo<AccountId, BlockNumber>>, QueryError>;
	}
}
