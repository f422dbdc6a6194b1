//! IPFS for the OpenLedger clients: the CIDs Kubo's `ipfs add` gives a file, computed
//! without a Kubo daemon; an embedded on-disk store of the blocks behind them; and Kubo's
//! RPC API for machines that run a daemon.
//!
//! - `Layout::KUBO_V0` is `ipfs add` with its defaults: CIDv0, UnixFS dag-pb leaves, 256 KiB
//!   chunks, balanced DAG of at most 174 links per node.
//! - `Layout::KUBO_V1` is `ipfs add --cid-version=1`: CIDv1, raw leaves, the same chunks and
//!   DAG shape. The CLI submits this form to the chain.
//!
//! `ContentStore` is what the CLI uses: either store, with the same add / cat / pin. It and
//! the Kubo backend are the default feature `kubo`; without it (the trainer's tests, which
//! only compute CIDs) the crate does not pull in an HTTP client.
//!
//! `Fetcher` (default feature `gateway`) gets a file by CID from other machines: the local
//! store, then IPFS trustless gateways, then a Kubo API, every block verified and the size
//! bounded, with outcomes that tell a file larger than declared from one nobody served.
//!
//! `serve::Server` (default feature `serve`) puts the embedded store on the network: an IPFS
//! Trustless Gateway and, opt-in, Kubo's RPC API for add / cat / pin, so files added on one
//! machine reach validators and trainers on others.

mod cid;
mod dagpb;
#[cfg(feature = "gateway")]
mod fetch;
#[cfg(feature = "kubo")]
mod kubo;
mod read;
#[cfg(feature = "serve")]
pub mod serve;
mod store;
mod unixfs;
mod varint;
mod walk;

pub use cid::{Cid, CidError, Codec};
#[cfg(feature = "gateway")]
pub use fetch::{FetchOutcome, Fetched, Fetcher, Gateway, GatewayError, Source, MAX_BLOCK_SIZE};
#[cfg(feature = "kubo")]
pub use kubo::{Kubo, KuboError};
pub use read::{read_file, ReadError};
pub use store::{BlockStore, StoreError};
pub use store::{GcReport, StoreGuard, StoreStat};
pub use unixfs::{add, Block, Dag, Layout, CHUNK_SIZE, MAX_LINKS};

/// Whether `content` is what `cid` names: re-imports it with the layout a CID of that
/// version and codec comes from and compares the roots.
pub fn content_matches(cid: &Cid, content: &[u8]) -> bool {
	let layouts: &[Layout] = match cid.version {
		0 => &[Layout::KUBO_V0],
		_ => &[Layout::KUBO_V1, Layout { cid_version: 1, raw_leaves: false }],
	};
	layouts.iter().any(|layout| add(content, *layout).root == *cid)
}

#[cfg(feature = "kubo")]
#[derive(Debug, thiserror::Error)]
pub enum IpfsError {
	#[error(transparent)]
	Store(#[from] StoreError),
	#[error(transparent)]
	Kubo(#[from] KuboError),
	#[error("the IPFS API returned content that does not hash to {0}")]
	ContentMismatch(Cid),
}

/// Where the CLI keeps and finds content.
#[cfg(feature = "kubo")]
pub enum ContentStore {
	Embedded(BlockStore),
	Kubo(Box<Kubo>),
}

#[cfg(feature = "kubo")]
impl ContentStore {
	/// A short description for messages: the store's directory or the API's URL.
	pub fn location(&self) -> String {
		match self {
			ContentStore::Embedded(store) => format!("embedded store {}", store.path().display()),
			ContentStore::Kubo(kubo) => format!("Kubo API {}", kubo.url()),
		}
	}

	/// Adds and pins `content`; the root CID is the one `ipfs add` gives with `layout`.
	pub async fn add(&self, content: Vec<u8>, layout: Layout) -> Result<Cid, IpfsError> {
		match self {
			ContentStore::Embedded(store) => Ok(store.add(&content, layout)?),
			ContentStore::Kubo(kubo) => Ok(kubo.add(content, layout).await?),
		}
	}

	/// Stores `content`, whose DAG the caller already built (to learn its CID), without
	/// importing it again where the store takes blocks; the CID the store reports.
	pub async fn put(&self, content: Vec<u8>, dag: &Dag) -> Result<Cid, IpfsError> {
		match self {
			ContentStore::Embedded(store) => Ok(store.put(dag)?),
			ContentStore::Kubo(kubo) => Ok(kubo.add(content, dag.layout).await?),
		}
	}

	/// The file `cid` names, verified against it whichever store served it.
	pub async fn cat(&self, cid: &Cid) -> Result<Vec<u8>, IpfsError> {
		match self {
			ContentStore::Embedded(store) => Ok(store.cat(cid)?),
			ContentStore::Kubo(kubo) => {
				let content = kubo.cat(cid, u64::MAX).await?;
				if !content_matches(cid, &content) {
					return Err(IpfsError::ContentMismatch(*cid));
				}
				Ok(content)
			},
		}
	}

	pub async fn pin(&self, cid: &Cid) -> Result<(), IpfsError> {
		match self {
			ContentStore::Embedded(store) => Ok(store.pin(cid)?),
			ContentStore::Kubo(kubo) => Ok(kubo.pin(cid).await?),
		}
	}
}
