//! `attribution_*` JSON-RPC methods: typed reads of pallet-attribution through its runtime
//! API, at the best block or at a given block hash, in the conventions of `datanets_*` (see
//! pallet-datanets-rpc: accounts in SS58, error codes).

pub mod json;

use codec::Codec;
use json::AttributionJson;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::INVALID_PARAMS_CODE, ErrorObjectOwned},
};
use pallet_attribution_runtime_api::QueryError;
use pallet_datanets_rpc::{
	call_runtime_api,
	error::invalid_params,
	json::{AccountIdFor, Accounts},
};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;
use std::{marker::PhantomData, sync::Arc};

pub use pallet_attribution_runtime_api::AttributionApi as AttributionRuntimeApi;

/// Error codes of the `attribution_*` methods besides JSON-RPC's own `-32602` and the shared
/// runtime failure code of `datanets_*`.
pub mod code {
	pub const MODEL_NOT_VERIFIED: i32 = 4201;
	pub const OTHER_ROW_CLAIMED: i32 = 4202;
}

/// `what` names the thing asked for, e.g. "model 7".
pub fn query_error(error: QueryError, what: &str) -> ErrorObjectOwned {
	let (code, message) = match error {
		QueryError::ModelNotVerified => (
			code::MODEL_NOT_VERIFIED,
			format!("{what}: no verified model has this id (see models_models)"),
		),
		QueryError::OtherRowClaimed { parts } => (
			code::OTHER_ROW_CLAIMED,
			format!("{what}: the account claimed this model with a row of {parts} parts"),
		),
		QueryError::PartsAboveWhole => {
			(INVALID_PARAMS_CODE, format!("{what}: parts are at most 1000000000 (a whole)"))
		},
	};
	ErrorObjectOwned::owned(code, message, None::<()>)
}

#[rpc(server, namespace = "attribution")]
pub trait AttributionApi<BlockHash> {
	/// A verified model's attribution root, payees, and payments and claims so far.
	#[method(name = "model")]
	fn model(&self, model: u64, at: Option<BlockHash>) -> RpcResult<json::Model>;

	/// What `account`'s row of `parts` (from the model's published table) may claim now.
	#[method(name = "claimable")]
	fn claimable(
		&self,
		model: u64,
		account: String,
		parts: u32,
		at: Option<BlockHash>,
	) -> RpcResult<json::Claimable>;
}

/// The runtime types the server is generic over, carried without being stored.
type RuntimeTypes<Block, AccountId, Balance> = PhantomData<fn() -> (Block, AccountId, Balance)>;

/// The `attribution_*` methods over a client whose runtime implements `AttributionApi`.
pub struct Attribution<C, Block, AccountId, Balance> {
	client: Arc<C>,
	accounts: Accounts,
	_types: RuntimeTypes<Block, AccountId, Balance>,
}

impl<C, Block, AccountId, Balance> Attribution<C, Block, AccountId, Balance> {
	/// `ss58_format`: how accounts are written and read (the runtime's `SS58Prefix`).
	pub fn new(client: Arc<C>, ss58_format: u16) -> Self {
		Self { client, accounts: Accounts { ss58_format }, _types: PhantomData }
	}
}

impl<C, Block, AccountId, Balance> Attribution<C, Block, AccountId, Balance>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: AttributionRuntimeApi<Block, AccountId, Balance>,
	AccountId: Codec,
	Balance: Codec,
{
	fn query<R>(
		&self,
		at: Option<Block::Hash>,
		what: &str,
		call: impl FnOnce(&C::Api, Block::Hash) -> Result<Result<R, QueryError>, sp_api::ApiError>,
	) -> RpcResult<R> {
		call_runtime_api::<Block, C, dyn AttributionRuntimeApi<Block, AccountId, Balance>, _, _>(
			&*self.client,
			at,
			"AttributionApi",
			call,
			|e| query_error(e, what),
		)
	}
}

impl<C, Block, AccountId, Balance> AttributionApiServer<Block::Hash>
	for Attribution<C, Block, AccountId, Balance>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: AttributionRuntimeApi<Block, AccountId, Balance>,
	AccountId: AccountIdFor,
	Balance: Codec + ToString + Send + Sync + 'static,
{
	fn model(&self, model: u64, at: Option<Block::Hash>) -> RpcResult<json::Model> {
		let info = self.query(at, &format!("model {model}"), |api, at| api.model(at, model))?;
		Ok(self.accounts.model(info))
	}

	fn claimable(
		&self,
		model: u64,
		account: String,
		parts: u32,
		at: Option<Block::Hash>,
	) -> RpcResult<json::Claimable> {
		let who: AccountId = self.accounts.parse(&account).map_err(invalid_params)?;
		let info = self.query(at, &format!("model {model}, {account}"), |api, at| {
			api.claimable(at, model, who, parts)
		})?;
		Ok(self.accounts.claimable(info))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_attribution_runtime_api::{Claimable, ModelAttribution, Pool};
	use sp_core::crypto::AccountId32;

	#[test]
	fn query_errors_have_codes_and_say_what_was_asked() {
		let error = query_error(QueryError::ModelNotVerified, "model 9");
		assert_eq!(error.code(), code::MODEL_NOT_VERIFIED);
		assert!(error.message().starts_with("model 9: no verified model"));
		let other = query_error(QueryError::OtherRowClaimed { parts: 5 }, "m");
		assert_eq!(other.code(), code::OTHER_ROW_CLAIMED);
		assert!(other.message().contains("5 parts"));
		assert_eq!(query_error(QueryError::PartsAboveWhole, "m").code(), INVALID_PARAMS_CODE);
	}

	#[test]
	fn answers_are_json_in_the_house_conventions() {
		let accounts = Accounts { ss58_format: 42 };
		let model = accounts.model(ModelAttribution {
			model: 3,
			attribution_root: [1; 32],
			attesters: vec![AccountId32::new([2; 32])],
			creator: AccountId32::new([3; 32]),
			pool: Pool { paid_in: 10u128, to_contributors: 7, claimed: 2, claimed_parts: 9 },
		});
		let value = serde_json::to_value(&model).unwrap();
		assert_eq!(value["paidIn"], "10");
		assert_eq!(value["toContributors"], "7");
		assert_eq!(value["claimedParts"], 9);
		assert!(value["attributionRoot"].as_str().unwrap().starts_with("0x0101"));
		assert!(value["creator"].as_str().unwrap().starts_with('5'));
		let claimable =
			accounts.claimable(Claimable { parts: 1, owed: 5u128, paid: 2, claimable: 3 });
		assert_eq!(serde_json::to_value(&claimable).unwrap()["claimable"], "3");
	}
}
