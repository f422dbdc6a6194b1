//! `datanets_*` JSON-RPC methods: typed, paged reads of pallet-datanets through its runtime
//! API, at the best block or at a given block hash.
//!
//! Pages default to `DEFAULT_PAGE_SIZE` items and refuse a `limit` above the runtime's
//! `MAX_PAGE_SIZE` with an invalid-params error. See the README for curl examples and
//! `error::code` for the error codes.

pub mod error;
pub mod json;

use codec::Codec;
use json::{AccountIdFor, Accounts};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use pallet_datanets_runtime_api::{Board, QueryError};
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;
use std::{marker::PhantomData, sync::Arc};

pub use pallet_datanets_runtime_api::{DatanetsApi as DatanetsRuntimeApi, MAX_PAGE_SIZE};

/// Items per page when a call gives no `limit`.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

#[rpc(server, namespace = "datanets")]
pub trait DatanetsApi<BlockHash> {
	/// A page of a datanet's leaderboard, or of the global one when `datanet` is null:
	/// score descending, then accepted count descending, then earliest first acceptance,
	/// then account id. Ranks are 1-based.
	#[method(name = "leaderboard")]
	fn leaderboard(
		&self,
		datanet: Option<u32>,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<json::Page<json::LeaderboardEntry>>;

	/// One account's stats and rank on a datanet, or globally when `datanet` is null.
	#[method(name = "contributor")]
	fn contributor(
		&self,
		account: String,
		datanet: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<json::Contributor>;

	#[method(name = "submission")]
	fn submission(&self, id: u64, at: Option<BlockHash>) -> RpcResult<json::Submission>;

	/// A datanet's pending submissions, oldest first.
	#[method(name = "pending")]
	fn pending(
		&self,
		datanet: u32,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<json::Page<json::Submission>>;

	/// Datanets by id, with their details.
	#[method(name = "list")]
	fn list(
		&self,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<json::Page<json::Datanet>>;

	#[method(name = "datanet")]
	fn datanet(&self, id: u32, at: Option<BlockHash>) -> RpcResult<json::Datanet>;

	#[method(name = "validator")]
	fn validator(
		&self,
		datanet: u32,
		account: String,
		at: Option<BlockHash>,
	) -> RpcResult<json::Validator>;

	/// An account's unclaimed rewards, one entry per (datanet, epoch).
	#[method(name = "rewards")]
	fn rewards(
		&self,
		account: String,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<json::Page<json::Reward>>;

	/// A page of a datanet's accepted log in acceptance order, each entry with the log's
	/// running head after it: chaining the entries from a zero head recomputes every
	/// dataset snapshot of the datanet.
	#[method(name = "accepted")]
	fn accepted(
		&self,
		datanet: u32,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<json::Page<json::Accepted>>;
}

/// The runtime types the server is generic over, carried without being stored.
type RuntimeTypes<Block, AccountId, Balance, BlockNumber> =
	PhantomData<fn() -> (Block, AccountId, Balance, BlockNumber)>;

/// The `datanets_*` methods over a client whose runtime implements `DatanetsApi`.
pub struct Datanets<C, Block, AccountId, Balance, BlockNumber> {
	client: Arc<C>,
	accounts: Accounts,
	_types: RuntimeTypes<Block, AccountId, Balance, BlockNumber>,
}

impl<C, Block, AccountId, Balance, BlockNumber>
	Datanets<C, Block, AccountId, Balance, BlockNumber>
{
	/// `ss58_format`: how accounts are written and read (the runtime's `SS58Prefix`).
	pub fn new(client: Arc<C>, ss58_format: u16) -> Self {
		Self { client, accounts: Accounts { ss58_format }, _types: PhantomData }
	}
}

impl<C, Block, AccountId, Balance, BlockNumber> Datanets<C, Block, AccountId, Balance, BlockNumber>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: DatanetsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: Codec,
	Balance: Codec,
	BlockNumber: Codec,
{
	/// Runs `call` against the runtime at `at` (default: the best block), mapping a failed
	/// call and a `QueryError` (described by `what`) to JSON-RPC errors.
	fn query<R>(
		&self,
		at: Option<Block::Hash>,
		what: &str,
		call: impl FnOnce(&C::Api, Block::Hash) -> Result<Result<R, QueryError>, sp_api::ApiError>,
	) -> RpcResult<R> {
		call_runtime_api::<
			Block,
			C,
			dyn DatanetsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
			_,
			_,
		>(&*self.client, at, "DatanetsApi", call, |e| error::query(e, what))
	}

	fn parse_account(&self, text: &str) -> RpcResult<AccountId>
	where
		AccountId: AccountIdFor,
	{
		self.accounts.parse(text).map_err(error::invalid_params)
	}
}

/// Calls a runtime API at `at` (default: the best block) for any pallet's RPC methods:
/// refuses a runtime without the API `Api` (called `api_name` in the message), maps a
/// failed call to `error::runtime` and the API's own error with `query_error`.
pub fn call_runtime_api<Block, C, Api, R, E>(
	client: &C,
	at: Option<Block::Hash>,
	api_name: &str,
	call: impl FnOnce(&C::Api, Block::Hash) -> Result<Result<R, E>, sp_api::ApiError>,
	query_error: impl FnOnce(E) -> jsonrpsee::types::ErrorObjectOwned,
) -> RpcResult<R>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	Api: sp_api::RuntimeApiInfo + ?Sized,
{
	let at = at.unwrap_or_else(|| client.info().best_hash);
	let api = client.runtime_api();
	if !api.has_api::<Api>(at).map_err(error::runtime)? {
		return Err(error::runtime(format!("the runtime at {at} has no {api_name}")));
	}
	call(&api, at).map_err(error::runtime)?.map_err(query_error)
}

fn page_limit(limit: Option<u32>) -> u32 {
	limit.unwrap_or(DEFAULT_PAGE_SIZE)
}

fn board(datanet: Option<u32>) -> Board {
	datanet.map_or(Board::Global, Board::Datanet)
}

fn board_name(datanet: Option<u32>) -> String {
	datanet.map_or_else(|| "global leaderboard".into(), |id| format!("datanet {id}"))
}

impl<C, Block, AccountId, Balance, BlockNumber> DatanetsApiServer<Block::Hash>
	for Datanets<C, Block, AccountId, Balance, BlockNumber>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: DatanetsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: AccountIdFor,
	Balance: Codec + ToString + Send + Sync + 'static,
	BlockNumber: Codec + Into<u64> + Send + Sync + 'static,
{
	fn leaderboard(
		&self,
		datanet: Option<u32>,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<json::Page<json::LeaderboardEntry>> {
		let page = self.query(at, &board_name(datanet), |api, at| {
			api.leaderboard(at, board(datanet), offset.unwrap_or(0), page_limit(limit))
		})?;
		Ok(json::Page::convert(page, |entry| self.accounts.leaderboard_entry(entry)))
	}

	fn contributor(
		&self,
		account: String,
		datanet: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<json::Contributor> {
		let account = self.parse_account(&account)?;
		let info = self.query(at, &board_name(datanet), |api, at| {
			api.contributor(at, board(datanet), account)
		})?;
		Ok(self.accounts.contributor(info))
	}

	fn submission(&self, id: u64, at: Option<Block::Hash>) -> RpcResult<json::Submission> {
		let info = self.query(at, &format!("submission {id}"), |api, at| api.submission(at, id))?;
		Ok(self.accounts.submission(info))
	}

	fn pending(
		&self,
		datanet: u32,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<json::Page<json::Submission>> {
		let page = self.query(at, &format!("datanet {datanet}"), |api, at| {
			api.pending(at, datanet, offset.unwrap_or(0), page_limit(limit))
		})?;
		Ok(json::Page::convert(page, |info| self.accounts.submission(info)))
	}

	fn list(
		&self,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<json::Page<json::Datanet>> {
		let page = self.query(at, "datanets", |api, at| {
			api.datanets(at, offset.unwrap_or(0), page_limit(limit))
		})?;
		Ok(json::Page::convert(page, |info| self.accounts.datanet(info)))
	}

	fn datanet(&self, id: u32, at: Option<Block::Hash>) -> RpcResult<json::Datanet> {
		let info = self.query(at, &format!("datanet {id}"), |api, at| api.datanet(at, id))?;
		Ok(self.accounts.datanet(info))
	}

	fn validator(
		&self,
		datanet: u32,
		account: String,
		at: Option<Block::Hash>,
	) -> RpcResult<json::Validator> {
		let validator = self.parse_account(&account)?;
		let info = self.query(at, &format!("{account} on datanet {datanet}"), |api, at| {
			api.validator(at, datanet, validator)
		})?;
		Ok(self.accounts.validator(info))
	}

	fn rewards(
		&self,
		account: String,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<json::Page<json::Reward>> {
		let account = self.parse_account(&account)?;
		let page = self.query(at, "rewards", |api, at| {
			api.rewards(at, account, offset.unwrap_or(0), page_limit(limit))
		})?;
		Ok(json::Page::convert(page, Into::into))
	}

	fn accepted(
		&self,
		datanet: u32,
		offset: Option<u32>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<json::Page<json::Accepted>> {
		let page = self.query(at, &format!("datanet {datanet}"), |api, at| {
			api.accepted(at, datanet, offset.unwrap_or(0), page_limit(limit))
		})?;
		Ok(json::Page::convert(page, |entry| self.accounts.accepted(entry)))
	}
}
