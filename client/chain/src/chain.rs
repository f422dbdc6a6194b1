//! A connection to a node: signed calls that wait for finality, and the node's queries.

use crate::{json, runtime, AccountId};
use codec::{Decode, Encode};
use serde::de::DeserializeOwned;
use subxt::{
	error::{DispatchError, TransactionEventsError, TransactionFinalizedSuccessError},
	extrinsics::ExtrinsicEvents,
	rpcs::{rpc_params, RpcClient},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

pub type Included = ExtrinsicEvents<PolkadotConfig>;

/// `frame_support::view_functions::ViewFunctionDispatchError`, as the runtime encodes it.
#[derive(Debug, Decode)]
enum ViewFunctionDispatchError {
	NotImplemented,
	NotFound(#[allow(dead_code)] [u8; 32]),
	Codec,
}

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	#[error(
		"cannot reach the node at {url} ({reason}): start one (`openledger-node --dev`) or pass \
		 --url"
	)]
	Unreachable { url: String, reason: String },
	#[error(
		"the node at {url} runs a runtime this openledger was not built for (its metadata \
		 differs): update client/chain/metadata with scripts/update-metadata.sh and rebuild"
	)]
	StaleMetadata { url: String },
	#[error("the chain refused the transaction: {error}{}", docs_suffix(.docs))]
	Refused { error: String, docs: String },
	#[error("the node did not accept the transaction: {0}")]
	Transaction(String),
	#[error("{message}")]
	Query { code: i32, message: String },
	#[error("the node failed: {0}")]
	Node(String),
}

fn docs_suffix(docs: &str) -> String {
	if docs.is_empty() {
		String::new()
	} else {
		format!(" ({docs})")
	}
}

impl ChainError {
	fn node(error: impl std::fmt::Display) -> ChainError {
		ChainError::Node(error.to_string())
	}
}

/// A connected node.
pub struct Chain {
	api: OnlineClient<PolkadotConfig>,
	rpc: RpcClient,
	url: String,
}

impl Chain {
	/// Connects to the node's WebSocket RPC and checks that it runs the runtime the
	/// generated code was built from.
	pub async fn connect(url: &str) -> Result<Chain, ChainError> {
		let unreachable = |error: &dyn std::fmt::Display| ChainError::Unreachable {
			url: url.into(),
			reason: error.to_string(),
		};
		let rpc = RpcClient::from_insecure_url(url).await.map_err(|e| unreachable(&e))?;
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| unreachable(&e))?;
		let at = api.at_current_block().await.map_err(|e| unreachable(&e))?;
		if !runtime::is_codegen_valid_for(at.metadata_ref()) {
			return Err(ChainError::StaleMetadata { url: url.into() });
		}
		Ok(Chain { api, rpc, url: url.into() })
	}

	/// Signs `call`, submits it and waits until its block is finalized; a refusal comes back
	/// as `ChainError::Refused` with the pallet error's name and doc.
	pub async fn submit<Call: subxt::transactions::Payload>(
		&self,
		call: &Call,
		signer: &Keypair,
	) -> Result<Included, ChainError> {
		let at = self.api.at_current_block().await.map_err(ChainError::node)?;
		let progress = at
			.transactions()
			.sign_and_submit_then_watch_default(call, signer)
			.await
			.map_err(|error| ChainError::Transaction(error.to_string()))?;
		progress.wait_for_finalized_success().await.map_err(refusal)
	}

	/// A `datanets_*` (or any) RPC method's JSON result.
	pub async fn query<R: DeserializeOwned>(
		&self,
		method: &str,
		params: subxt::rpcs::client::RpcParams,
	) -> Result<R, ChainError> {
		self.rpc.request(method, params).await.map_err(|error| match error {
			subxt::rpcs::Error::User(error) => {
				ChainError::Query { code: error.code, message: error.message }
			},
			other => ChainError::node(other),
		})
	}

	/// The number of the node's best block.
	pub async fn block_number(&self) -> Result<u64, ChainError> {
		let at = self.api.at_current_block().await.map_err(ChainError::node)?;
		Ok(at.block_number())
	}

	pub async fn datanet(&self, id: u32) -> Result<json::Datanet, ChainError> {
		self.query("datanets_datanet", rpc_params![id]).await
	}

	/// Every datanet, by id.
	pub async fn datanets(&self) -> Result<Vec<json::Datanet>, ChainError> {
		self.all_pages("datanets_list", |offset, limit| rpc_params![offset, limit]).await
	}

	/// Every item of a paged method, fetched a maximum page at a time; `params` gives the
	/// method's parameters for an offset and a limit.
	pub(crate) async fn all_pages<Item: DeserializeOwned>(
		&self,
		method: &str,
		params: impl Fn(u32, u32) -> subxt::rpcs::client::RpcParams,
	) -> Result<Vec<Item>, ChainError> {
		let mut all = Vec::new();
		loop {
			let page: json::Page<Item> = self
				.query(method, params(all.len() as u32, pallet_datanets::MAX_PAGE_SIZE))
				.await?;
			let done = page.items.is_empty() || all.len() + page.items.len() >= page.total as usize;
			all.extend(page.items);
			if done {
				return Ok(all);
			}
		}
	}

	pub async fn leaderboard(
		&self,
		datanet: Option<u32>,
		offset: u32,
		limit: u32,
	) -> Result<json::Page<json::LeaderboardEntry>, ChainError> {
		self.query("datanets_leaderboard", rpc_params![datanet, offset, limit]).await
	}

	pub async fn contributor(
		&self,
		account: &str,
		datanet: Option<u32>,
	) -> Result<json::Contributor, ChainError> {
		self.query("datanets_contributor", rpc_params![account, datanet]).await
	}

	pub async fn submission(&self, id: u64) -> Result<json::Submission, ChainError> {
		self.query("datanets_submission", rpc_params![id]).await
	}

	/// Every pending submission of a datanet, oldest first.
	pub async fn pending(&self, datanet: u32) -> Result<Vec<json::Submission>, ChainError> {
		self.all_pages("datanets_pending", |offset, limit| rpc_params![datanet, offset, limit])
			.await
	}

	pub async fn validator(
		&self,
		datanet: u32,
		account: &str,
	) -> Result<json::Validator, ChainError> {
		self.query("datanets_validator", rpc_params![datanet, account]).await
	}

	/// Every unclaimed reward entry of an account.
	pub async fn rewards(&self, account: &str) -> Result<Vec<json::Reward>, ChainError> {
		self.all_pages("datanets_rewards", |offset, limit| rpc_params![account, offset, limit])
			.await
	}

	/// What `account` may still submit to `datanet` today, as the runtime computes it.
	pub async fn allowance(
		&self,
		datanet: u32,
		account: &AccountId,
	) -> Result<pallet_datanets::Allowance, ChainError> {
		let result: Result<pallet_datanets::Allowance, pallet_datanets::QueryError> =
			self.view("allowance", (datanet, account.0).encode()).await?;
		result.map_err(|error| ChainError::Query {
			code: 0,
			message: format!("no allowance on datanet {datanet}: {error:?}"),
		})
	}

	/// Calls the Datanets view function `name` with SCALE-encoded `args`.
	///
	/// Built by hand from the metadata's query id: subxt 0.51.1's typed view-function call
	/// ran `validator` when asked for `allowance` (both take a datanet id and an account).
	async fn view<R: Decode>(&self, name: &str, args: Vec<u8>) -> Result<R, ChainError> {
		let at = self.api.at_current_block().await.map_err(ChainError::node)?;
		let query_id = *at
			.metadata_ref()
			.pallet_by_name("Datanets")
			.and_then(|pallet| pallet.view_function_by_name(name))
			.ok_or(ChainError::StaleMetadata { url: self.url.clone() })?
			.query_id();
		let input = (query_id, args).encode();
		let bytes = at.view_functions().call_raw(Some(&input)).await.map_err(ChainError::node)?;
		let output: Result<Vec<u8>, ViewFunctionDispatchError> =
			Decode::decode(&mut &bytes[..]).map_err(ChainError::node)?;
		let output = output.map_err(|error| ChainError::Node(format!("view {name}: {error:?}")))?;
		R::decode(&mut &output[..]).map_err(ChainError::node)
	}

	/// The submission already made of `cid` on `datanet`, if any (the chain refuses a
	/// second one).
	pub async fn submission_of_cid(
		&self,
		datanet: u32,
		cid: &str,
	) -> Result<Option<u64>, ChainError> {
		let Ok(canonical) = pallet_datanets::cid::parse(cid.as_bytes()) else {
			return Ok(None);
		};
		let at = self.api.at_current_block().await.map_err(ChainError::node)?;
		let key = runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(canonical);
		let entry = at
			.storage()
			.try_fetch(runtime::storage().datanets().submission_by_cid(), (datanet, key))
			.await
			.map_err(ChainError::node)?;
		entry.map(|value| value.decode().map_err(ChainError::node)).transpose()
	}
}

/// A failed wait, as a pallet error's name and doc where the runtime refused the call.
fn refusal(error: TransactionFinalizedSuccessError) -> ChainError {
	let TransactionFinalizedSuccessError::SuccessError(TransactionEventsError::ExtrinsicFailed(
		dispatch,
	)) = &error
	else {
		return ChainError::Transaction(error.to_string());
	};
	match dispatch {
		DispatchError::Module(module) => match module.details() {
			Ok(details) => ChainError::Refused {
				error: format!("{}::{}", details.pallet.name(), details.variant.name),
				docs: details.variant.docs.join(" ").trim().to_string(),
			},
			Err(_) => ChainError::Refused { error: module.to_string(), docs: String::new() },
		},
		other => ChainError::Refused { error: other.to_string(), docs: String::new() },
	}
}
