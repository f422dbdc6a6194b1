//! `models_*` JSON-RPC methods: typed, paged reads of pallet-models through its runtime API,
//! at the best block or at a given block hash, in the conventions of `datanets_*` (see
//! pallet-datanets-rpc: accounts in SS58, default page size, error codes).

pub mod json;

use codec::Codec;
use json::ModelsJson;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::INVALID_PARAMS_CODE, ErrorObjectOwned},
};
use pallet_datanets_rpc::{
	call_runtime_api,
	error::invalid_params,
	json::{AccountIdFor, Accounts, Page},
	DEFAULT_PAGE_SIZE,
};
use pallet_models_runtime_api::{JobStatusKind, ModelFilter, QueryError};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;
use std::{marker::PhantomData, sync::Arc};

pub use pallet_models_runtime_api::ModelsApi as ModelsRuntimeApi;

/// Error codes of the `models_*` methods besides JSON-RPC's own `-32602` and the shared
/// runtime failure code of `datanets_*`.
pub mod code {
	pub const BASE_MODEL_NOT_FOUND: i32 = 4101;
	pub const TRAINER_NOT_FOUND: i32 = 4102;
	pub const JOB_NOT_FOUND: i32 = 4103;
	pub const MODEL_NOT_FOUND: i32 = 4104;
}

/// `what` names the thing asked for, e.g. "job 7".
pub fn query_error(error: QueryError, what: &str) -> ErrorObjectOwned {
	let (code, message) = match error {
		QueryError::BaseModelNotFound => (
			code::BASE_MODEL_NOT_FOUND,
			format!("{what}: no such base model (see models_baseModels)"),
		),
		QueryError::TrainerNotFound => {
			(code::TRAINER_NOT_FOUND, format!("{what}: the account is not a registered trainer"))
		},
		QueryError::JobNotFound => {
			(code::JOB_NOT_FOUND, format!("{what}: no such job (see models_jobs)"))
		},
		QueryError::ModelNotFound => {
			(code::MODEL_NOT_FOUND, format!("{what}: no such verified model (see models_models)"))
		},
		QueryError::PageTooLarge { max } => {
			(INVALID_PARAMS_CODE, format!("limit is above the maximum page size of {max}"))
		},
	};
	ErrorObjectOwned::owned(code, message, None::<()>)
}

#[rpc(server, namespace = "models")]
pub trait ModelsApi<BlockHash> {
	/// One base model.
	#[method(name = "baseModel")]
	fn base_model(&self, id: u32, at: Option<BlockHash>) -> RpcResult<json::BaseModel>;

	/// Base models by id.
	#[method(name = "baseModels")]
	fn base_models(
		&self,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Page<json::BaseModel>>;

	/// A registered trainer.
	#[method(name = "trainer")]
	fn trainer(&self, account: String, at: Option<BlockHash>) -> RpcResult<json::Trainer>;

	/// A job, its phase and its attestations until settlement (results once revealed).
	#[method(name = "job")]
	fn job(&self, id: u64, at: Option<BlockHash>) -> RpcResult<json::Job>;

	/// Jobs by id; `status` (`open`, `verified`, `failed`, `expired`, `cancelled`) filters.
	#[method(name = "jobs")]
	fn jobs(
		&self,
		status: Option<String>,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Page<json::Job>>;

	/// A verified model and its lineage.
	#[method(name = "model")]
	fn model(&self, id: u64, at: Option<BlockHash>) -> RpcResult<json::Model>;

	/// Verified models by id: all, or those of one `base`, `datanet` or `trainer` (give at
	/// most one).
	#[method(name = "models")]
	#[allow(clippy::too_many_arguments)]
	fn models(
		&self,
		base: Option<u32>,
		datanet: Option<u32>,
		trainer: Option<String>,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Page<json::Model>>;
}

/// The runtime types the server is generic over, carried without being stored.
type RuntimeTypes<Block, AccountId, Balance, BlockNumber> =
	PhantomData<fn() -> (Block, AccountId, Balance, BlockNumber)>;

/// The `models_*` methods over a client whose runtime implements `ModelsApi`.
pub struct Models<C, Block, AccountId, Balance, BlockNumber> {
	client: Arc<C>,
	accounts: Accounts,
	_types: RuntimeTypes<Block, AccountId, Balance, BlockNumber>,
}

impl<C, Block, AccountId, Balance, BlockNumber> Models<C, Block, AccountId, Balance, BlockNumber> {
	/// `ss58_format`: how accounts are written and read (the runtime's `SS58Prefix`).
	pub fn new(client: Arc<C>, ss58_format: u16) -> Self {
		Self { client, accounts: Accounts { ss58_format }, _types: PhantomData }
	}
}

impl<C, Block, AccountId, Balance, BlockNumber> Models<C, Block, AccountId, Balance, BlockNumber>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ModelsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: Codec,
	Balance: Codec,
	BlockNumber: Codec,
{
	fn query<R>(
		&self,
		at: Option<Block::Hash>,
		what: &str,
		call: impl FnOnce(&C::Api, Block::Hash) -> Result<Result<R, QueryError>, sp_api::ApiError>,
	) -> RpcResult<R> {
		call_runtime_api::<
			Block,
			C,
			dyn ModelsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
			_,
			_,
		>(&*self.client, at, "ModelsApi", call, |e| query_error(e, what))
	}
}

fn status(name: &str) -> RpcResult<JobStatusKind> {
	Ok(match name {
		"open" => JobStatusKind::Open,
		"verified" => JobStatusKind::Verified,
		"failed" => JobStatusKind::Failed,
		"expired" => JobStatusKind::Expired,
		"cancelled" => JobStatusKind::Cancelled,
		other => {
			return Err(invalid_params(format!(
				"unknown job status {other:?}: use open, verified, failed, expired or cancelled"
			)))
		},
	})
}

impl<C, Block, AccountId, Balance, BlockNumber> ModelsApiServer<Block::Hash>
	for Models<C, Block, AccountId, Balance, BlockNumber>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ModelsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: AccountIdFor,
	Balance: Codec + ToString + Send + Sync + 'static,
	BlockNumber: Codec + Into<u64> + Send + Sync + 'static,
{
	fn base_model(&self, id: u32, at: Option<Block::Hash>) -> RpcResult<json::BaseModel> {
		let info = self.query(at, &format!("base model {id}"), |api, at| api.base_model(at, id))?;
		Ok(self.accounts.base_model(info))
	}

	fn base_models(
		&self,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<Page<json::BaseModel>> {
		let page = self.query(at, "base models", |api, at| {
			api.base_models(at, offset.unwrap_or(0), limit.unwrap_or(DEFAULT_PAGE_SIZE))
		})?;
		Ok(Page::convert(page, |info| self.accounts.base_model(info)))
	}

	fn trainer(&self, account: String, at: Option<Block::Hash>) -> RpcResult<json::Trainer> {
		let who: AccountId = self.accounts.parse(&account).map_err(invalid_params)?;
		let info = self.query(at, &account, |api, at| api.trainer(at, who))?;
		Ok(self.accounts.trainer(info))
	}

	fn job(&self, id: u64, at: Option<Block::Hash>) -> RpcResult<json::Job> {
		let info = self.query(at, &format!("job {id}"), |api, at| api.job(at, id))?;
		Ok(self.accounts.job(info))
	}

	fn jobs(
		&self,
		status_name: Option<String>,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<Page<json::Job>> {
		let status = status_name.as_deref().map(status).transpose()?;
		let page = self.query(at, "jobs", |api, at| {
			api.jobs(at, status, offset.unwrap_or(0), limit.unwrap_or(DEFAULT_PAGE_SIZE))
		})?;
		Ok(Page::convert(page, |info| self.accounts.job(info)))
	}

	fn model(&self, id: u64, at: Option<Block::Hash>) -> RpcResult<json::Model> {
		let info = self.query(at, &format!("model {id}"), |api, at| api.model(at, id))?;
		Ok(self.accounts.model(info))
	}

	fn models(
		&self,
		base: Option<u32>,
		datanet: Option<u32>,
		trainer: Option<String>,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<Page<json::Model>> {
		let filter = match (base, datanet, trainer) {
			(None, None, None) => None,
			(Some(base), None, None) => Some(ModelFilter::Base(base)),
			(None, Some(datanet), None) => Some(ModelFilter::Datanet(datanet)),
			(None, None, Some(trainer)) => {
				Some(ModelFilter::Trainer(self.accounts.parse(&trainer).map_err(invalid_params)?))
			},
			_ => return Err(invalid_params("give at most one of base, datanet and trainer")),
		};
		let page = self.query(at, "models", |api, at| {
			api.models(at, filter, offset.unwrap_or(0), limit.unwrap_or(DEFAULT_PAGE_SIZE))
		})?;
		Ok(Page::convert(page, |info| self.accounts.model(info)))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn query_errors_have_codes_and_say_what_was_asked() {
		let error = query_error(QueryError::JobNotFound, "job 9");
		assert_eq!(error.code(), code::JOB_NOT_FOUND);
		assert!(error.message().starts_with("job 9: no such job"));
		assert_eq!(query_error(QueryError::ModelNotFound, "m").code(), code::MODEL_NOT_FOUND);
		assert_eq!(query_error(QueryError::TrainerNotFound, "t").code(), code::TRAINER_NOT_FOUND);
		assert_eq!(
			query_error(QueryError::BaseModelNotFound, "b").code(),
			code::BASE_MODEL_NOT_FOUND
		);
		let oversize = query_error(QueryError::PageTooLarge { max: 1000 }, "jobs");
		assert_eq!(oversize.code(), INVALID_PARAMS_CODE);
	}

	#[test]
	fn job_statuses_parse_by_name() {
		assert_eq!(status("verified").unwrap(), JobStatusKind::Verified);
		assert!(status("done").unwrap_err().message().contains("open, verified"));
	}
}
