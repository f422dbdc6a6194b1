//! A connection to a node: signed calls that wait for finality, and the node's queries.
//!
//! A node whose runtime was upgraded is still served: each call, storage entry and view
//! function is checked against the node's metadata when used (see `compat`), and a changed
//! one is reported by name as `ChainError::StaleMetadata`.

use crate::{compat, json, runtime, AccountId};
use codec::{Decode, Encode};
use serde::de::DeserializeOwned;
use subxt::{
	config::PolkadotExtrinsicParamsBuilder,
	error::{
		BackendError, DispatchError, EventsError, ExtrinsicError, RpcError, TransactionEventsError,
		TransactionFinalizedSuccessError, TransactionProgressError, TransactionStatusError,
	},
	events::DecodeAsEvent,
	extrinsics::ExtrinsicEvents,
	rpcs::{rpc_params, RpcClient},
	transactions::{Payload, Signer},
	OnlineClient, PolkadotConfig,
};

pub type Included = ExtrinsicEvents<PolkadotConfig>;

/// Blocks a signed transaction stays valid for after the finalized block it was made at:
/// past that, one that did not land never will.
pub const MORTAL_FOR: u64 = 32;

/// A signed transaction's nonce and the last block it may land in: enough to learn later,
/// from the signer's nonce alone, whether it landed (`Chain::landing`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sent {
	pub nonce: u64,
	pub valid_until: u64,
}

/// What became of a transaction whose outcome was unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landing {
	/// The signer's finalized nonce passed it: a transaction with that nonce was finalized
	/// (this one, if no one else signs with the key).
	Landed,
	/// Its lifetime is over and the nonce did not move: it never will land.
	Dead,
	/// Neither yet.
	Pending,
}

impl Sent {
	/// Where the transaction stands, given the signer's `nonce` at finalized block `block`.
	pub fn landing(&self, nonce: u64, block: u64) -> Landing {
		if nonce > self.nonce {
			Landing::Landed
		} else if block > self.valid_until {
			Landing::Dead
		} else {
			Landing::Pending
		}
	}
}

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
		"the node at {url} runs a runtime that changed `{item}` since this openledger was \
		 built: update client/chain/metadata (scripts/update-metadata.sh) and rebuild, or use \
		 an openledger built for that runtime"
	)]
	StaleMetadata { url: String, item: String },
	#[error(
		"the transaction was finalized, but the node's runtime changed its `{event}` event, so \
		 its result cannot be shown: update client/chain/metadata (scripts/update-metadata.sh) \
		 and rebuild"
	)]
	ChangedEvent { event: String },
	#[error("the chain refused the transaction: {error}{}", docs_suffix(.docs))]
	Refused { error: String, docs: String },
	#[error("the node did not accept the transaction: {0}")]
	Transaction(String),
	#[error(
		"whether `{call}` took effect is unknown: {reason}; check the chain (e.g. `openledger \
		 balance`, `openledger datanet show`) before sending it again{}",
		lifetime_suffix(.sent)
	)]
	OutcomeUnknown {
		call: String,
		reason: String,
		/// Its nonce and lifetime, when it was signed: `Chain::landing` tells later whether
		/// it landed.
		sent: Option<Sent>,
	},
	#[error("{message}")]
	Query { code: i32, message: String },
	#[error("the node failed: {0}")]
	Node(String),
}

fn lifetime_suffix(sent: &Option<Sent>) -> String {
	sent.map_or_else(String::new, |sent| {
		format!(
			" (it was signed with nonce {}; it cannot land after block {})",
			sent.nonce, sent.valid_until
		)
	})
}

fn docs_suffix(docs: &str) -> String {
	if docs.is_empty() {
		String::new()
	} else {
		format!(" ({docs})")
	}
}

impl ChainError {
	pub(crate) fn node(error: impl std::fmt::Display) -> ChainError {
		ChainError::Node(error.to_string())
	}
}

/// The first event of type `E` among a transaction's events.
pub fn find_event<E: DecodeAsEvent>(included: &Included) -> Result<E, ChainError> {
	match included.find_first::<E>() {
		Some(Ok(event)) => Ok(event),
		Some(Err(
			EventsError::CannotDecodeEventFields { pallet_name, event_name, .. }
			| EventsError::CannotDecodeFieldInEvent { pallet_name, event_name, .. }
			| EventsError::CannotDecodeEventEnum { pallet_name, event_name, .. },
		)) => Err(ChainError::ChangedEvent { event: format!("{pallet_name}.{event_name}") }),
		Some(Err(other)) => Err(ChainError::node(other)),
		None => Err(ChainError::ChangedEvent { event: event_name::<E>() }),
	}
}

/// `Pallet.Event` of a generated event type (`…::datanets::events::Submitted`).
fn event_name<E>() -> String {
	let path: Vec<&str> = std::any::type_name::<E>().split("::").collect();
	let pallet = path.len().checked_sub(3).map(|at| path[at]).unwrap_or("?");
	let pallet: String = pallet
		.split('_')
		.map(|word| {
			let mut chars = word.chars();
			chars
				.next()
				.map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
				.unwrap_or_default()
		})
		.collect();
	format!("{pallet}.{}", path.last().unwrap_or(&"?"))
}

/// Finalized blocks as the node announces them.
pub struct FinalizedBlocks(subxt::client::Blocks<PolkadotConfig>);

impl FinalizedBlocks {
	/// The next finalized block's number; `None` when the node closed the subscription.
	pub async fn next(&mut self) -> Option<Result<u64, ChainError>> {
		Some(self.0.next().await?.map(|block| block.number()).map_err(ChainError::node))
	}
}

/// A connected node.
pub struct Chain {
	api: OnlineClient<PolkadotConfig>,
	rpc: RpcClient,
	url: String,
}

impl Chain {
	/// Connects to the node's WebSocket RPC. Its runtime may differ from the one the code
	/// was generated from: each item is checked when used.
	pub async fn connect(url: &str) -> Result<Chain, ChainError> {
		let unreachable = |error: &dyn std::fmt::Display| ChainError::Unreachable {
			url: url.into(),
			reason: error.to_string(),
		};
		let rpc = RpcClient::from_insecure_url(url).await.map_err(|e| unreachable(&e))?;
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| unreachable(&e))?;
		Ok(Chain { api, rpc, url: url.into() })
	}

	/// The node's state at its last finalized block.
	pub(crate) async fn at(
		&self,
	) -> Result<
		subxt::client::ClientAtBlock<
			PolkadotConfig,
			subxt::client::OnlineClientAtBlockImpl<PolkadotConfig>,
		>,
		ChainError,
	> {
		self.api.at_current_block().await.map_err(ChainError::node)
	}

	/// `StaleMetadata` naming `item`.
	pub(crate) fn stale(&self, item: String) -> ChainError {
		ChainError::StaleMetadata { url: self.url.clone(), item }
	}

	/// Signs `call`, submits it and waits until its block is finalized. A call whose shape
	/// the node's runtime changed is refused before signing (`StaleMetadata`); a refusal
	/// by the chain comes back as `Refused` with the pallet error's name and doc; a lost
	/// connection after sending as `OutcomeUnknown`.
	pub async fn submit<Call: Payload, S: Signer<PolkadotConfig>>(
		&self,
		call: &Call,
		signer: &S,
	) -> Result<Included, ChainError> {
		let name = format!("{}.{}", call.pallet_name(), call.call_name());
		let at = self.at().await?;
		compat::call(at.metadata_ref(), call).map_err(|item| self.stale(item))?;
		let transactions = at.transactions();
		let nonce =
			transactions.account_nonce(&signer.account_id()).await.map_err(ChainError::node)?;
		let sent = Sent { nonce, valid_until: at.block_number().saturating_add(MORTAL_FOR) };
		// Nonce and birth block given, so signing fetches neither again.
		let params = PolkadotExtrinsicParamsBuilder::new()
			.mortal_from_unchecked(MORTAL_FOR, at.block_number(), at.block_hash())
			.nonce(nonce)
			.build();
		let with_sent = |error: ChainError| match error {
			ChainError::OutcomeUnknown { call, reason, .. } => {
				ChainError::OutcomeUnknown { call, reason, sent: Some(sent) }
			},
			other => other,
		};
		let not_sent = |error| with_sent(self.not_sent(&name, error));
		let signed = transactions
			.create_signable_offline(call, params)
			.and_then(|mut signable| signable.sign(signer))
			.map_err(not_sent)?;
		let progress = signed.submit_and_watch().await.map_err(not_sent)?;
		progress
			.wait_for_finalized_success()
			.await
			.map_err(|error| with_sent(outcome(&name, error)))
	}

	/// What became of a transaction `account` signed whose outcome was unknown.
	pub async fn landing(&self, account: &AccountId, sent: &Sent) -> Result<Landing, ChainError> {
		let at = self.at().await?;
		let nonce = at.transactions().account_nonce(account).await.map_err(ChainError::node)?;
		Ok(sent.landing(nonce, at.block_number()))
	}

	/// A failure to sign or send `call`.
	fn not_sent(&self, call: &str, error: ExtrinsicError) -> ChainError {
		let unknown =
			|reason: String| ChainError::OutcomeUnknown { call: call.into(), reason, sent: None };
		match error {
			ExtrinsicError::IncompatibleCodegen
			| ExtrinsicError::PalletNameNotFound(_)
			| ExtrinsicError::CallNameNotFound { .. } => self.stale(call.into()),
			// The node answered: it refused the transaction (bad nonce, fees, …).
			ExtrinsicError::ErrorSubmittingTransaction(BackendError::Rpc(
				RpcError::ClientError(subxt::rpcs::Error::User(error)),
			)) => ChainError::Transaction(error.message),
			ExtrinsicError::TransactionStatusError(TransactionStatusError::Invalid(why)) => {
				ChainError::Transaction(why)
			},
			// Sent, or maybe sent, when the connection failed.
			ExtrinsicError::ErrorSubmittingTransaction(error)
			| ExtrinsicError::TransactionStatusStreamError(error) => {
				unknown(format!("the connection to the node failed as it was sent ({error})"))
			},
			ExtrinsicError::TransactionStatusError(status) => unknown(status.to_string()),
			ExtrinsicError::UnexpectedEndOfTransactionStatusStream => {
				unknown("the node stopped reporting on it".into())
			},
			other => ChainError::node(other),
		}
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

	/// The node's finalized blocks from now on (a long-running client's clock).
	pub async fn finalized_blocks(&self) -> Result<FinalizedBlocks, ChainError> {
		Ok(FinalizedBlocks(self.api.stream_blocks().await.map_err(ChainError::node)?))
	}

	/// The number of the node's best block.
	pub async fn block_number(&self) -> Result<u64, ChainError> {
		Ok(self.at().await?.block_number())
	}

	pub async fn datanet(&self, id: u32) -> Result<json::Datanet, ChainError> {
		self.query("datanets_datanet", rpc_params![id]).await
	}

	/// The first `count` entries of a datanet's accepted log (a snapshot's files), in
	/// acceptance order.
	pub async fn accepted(
		&self,
		datanet: u32,
		count: u32,
	) -> Result<Vec<json::Accepted>, ChainError> {
		let mut entries: Vec<json::Accepted> = Vec::with_capacity(count as usize);
		while (entries.len() as u32) < count {
			let limit = (count - entries.len() as u32).min(pallet_datanets::MAX_PAGE_SIZE);
			let page: json::Page<json::Accepted> = self
				.query("datanets_accepted", rpc_params![datanet, entries.len() as u32, limit])
				.await?;
			if page.items.is_empty() {
				break;
			}
			entries.extend(page.items);
		}
		entries.truncate(count as usize);
		Ok(entries)
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
		let result: Result<pallet_datanets::Allowance, pallet_datanets::QueryError> = self
			.view(
				&runtime::view_functions().datanets().allowance(datanet, *account),
				(datanet, account.0).encode(),
			)
			.await?;
		result.map_err(|error| ChainError::Query {
			code: 0,
			message: format!("no allowance on datanet {datanet}: {error:?}"),
		})
	}

	/// Calls the Datanets view function `name` with SCALE-encoded `args`, after checking
	/// that the node's has the shape of the generated `payload`.
	///
	/// Built by hand from the metadata's query id: subxt 0.51.1's typed view-function call
	/// ran `validator` when asked for `allowance` (both take a datanet id and an account).
	async fn view<R: Decode>(
		&self,
		payload: &impl subxt::view_functions::Payload,
		args: Vec<u8>,
	) -> Result<R, ChainError> {
		let name = payload.function_name();
		let at = self.at().await?;
		compat::view_function(at.metadata_ref(), payload).map_err(|item| self.stale(item))?;
		let query_id = *at
			.metadata_ref()
			.pallet_by_name("Datanets")
			.and_then(|pallet| pallet.view_function_by_name(name))
			.ok_or_else(|| self.stale(format!("Datanets.{name}")))?
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
		let at = self.at().await?;
		let key = runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(canonical);
		let address = runtime::storage().datanets().submission_by_cid();
		compat::storage(at.metadata_ref(), &address).map_err(|item| self.stale(item))?;
		let entry =
			at.storage().try_fetch(address, (datanet, key)).await.map_err(ChainError::node)?;
		entry.map(|value| value.decode().map_err(ChainError::node)).transpose()
	}
}

/// A failed wait for `call`'s finality: a pallet error's name and doc where the runtime
/// refused the call, `OutcomeUnknown` where the wait ended without an answer.
fn outcome(call: &str, error: TransactionFinalizedSuccessError) -> ChainError {
	let unknown =
		|reason: String| ChainError::OutcomeUnknown { call: call.into(), reason, sent: None };
	use TransactionFinalizedSuccessError::{FinalizationError, SuccessError};
	match error {
		SuccessError(TransactionEventsError::ExtrinsicFailed(dispatch)) => refusal(&dispatch),
		SuccessError(error @ TransactionEventsError::CannotDecodeDispatchError { .. }) => {
			ChainError::Refused { error: error.to_string(), docs: String::new() }
		},
		// Finalized, but its events (success or failure) could not be read.
		SuccessError(error) => {
			unknown(format!("it was finalized, but its events could not be read ({error})"))
		},
		FinalizationError(TransactionProgressError::TransactionStatusError(
			TransactionStatusError::Invalid(why),
		)) => ChainError::Transaction(why),
		FinalizationError(TransactionProgressError::TransactionStatusError(status)) => {
			unknown(format!("the node stopped tracking it ({status})"))
		},
		other => unknown(format!(
			"the connection to the node was lost while waiting for finality ({other})"
		)),
	}
}

/// A dispatch error as the pallet error's name and doc.
fn refusal(dispatch: &DispatchError) -> ChainError {
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

#[cfg(test)]
mod tests {
	#[test]
	fn events_are_named_as_the_runtime_names_them() {
		use crate::runtime::datanets::events::Submitted;
		assert_eq!(super::event_name::<Submitted>(), "Datanets.Submitted");
	}

	#[test]
	fn a_sent_transaction_lands_when_the_nonce_passes_it_and_dies_after_its_lifetime() {
		use super::{Landing, Sent};
		let sent = Sent { nonce: 7, valid_until: 132 };
		assert_eq!(sent.landing(7, 100), Landing::Pending);
		assert_eq!(sent.landing(7, 132), Landing::Pending, "it may still land in block 132");
		assert_eq!(sent.landing(8, 120), Landing::Landed);
		assert_eq!(sent.landing(8, 500), Landing::Landed, "landed before it died");
		assert_eq!(sent.landing(7, 133), Landing::Dead);
	}
}
