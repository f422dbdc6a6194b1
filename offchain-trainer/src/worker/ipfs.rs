//! Where the worker gets and puts content: its own block store (`--store`), gateways
//! (`--gateway`, plus each datanet's registered gateways) and a Kubo RPC API (`--ipfs-api`),
//! every block verified. Results are added to the store and, with `--ipfs-api`, to that node
//! (pinned), so other machines can fetch the adapter by its CID.

use crate::{Error, Result};
use openledger_ipfs::{add, BlockStore, Cid, FetchOutcome, Fetcher, Gateway, Kubo, Layout};
use std::path::PathBuf;

/// The worker's IPFS settings.
#[derive(Clone, Debug, Default)]
pub struct IpfsOptions {
	pub store: Option<PathBuf>,
	pub gateways: Vec<String>,
	pub ipfs_api: Option<String>,
}

/// Opened sources and sinks.
pub struct Ipfs {
	store: Option<BlockStore>,
	gateways: Vec<Gateway>,
	kubo: Option<Kubo>,
}

impl Ipfs {
	pub async fn open(options: &IpfsOptions) -> Result<Ipfs> {
		if options.store.is_none() && options.gateways.is_empty() && options.ipfs_api.is_none() {
			return Err(Error::Invalid(
				"no IPFS source: pass --store DIR, --gateway URL or --ipfs-api URL".into(),
			));
		}
		let store = options
			.store
			.as_ref()
			.map(BlockStore::open)
			.transpose()
			.map_err(|e| Error::Ipfs(e.to_string()))?;
		let gateways = options
			.gateways
			.iter()
			.map(|url| Gateway::new(url))
			.collect::<std::result::Result<Vec<_>, _>>()
			.map_err(|e| Error::Invalid(e.to_string()))?;
		let kubo = match &options.ipfs_api {
			Some(url) => Some(Kubo::connect(url).await.map_err(|e| Error::Ipfs(e.to_string()))?),
			None => None,
		};
		Ok(Ipfs { store, gateways, kubo })
	}

	/// A job's sources: the operator's own first (store, `--gateway`s, `--ipfs-api`), then the
	/// job's datanet gateways (`extra`). A datanet's gateway is anyone's URL: a dead or slow
	/// one must not cost its timeout on every file the operator's sources already serve.
	pub fn fetcher(&self, extra: &[String]) -> Sources {
		let mut own = Fetcher::new(self.store.clone());
		for gateway in &self.gateways {
			own = own.with_gateway(gateway.clone());
		}
		if let Some(kubo) = &self.kubo {
			own = own.with_kubo(kubo.clone());
		}
		let datanet_gateways: Vec<Gateway> =
			extra.iter().filter_map(|url| Gateway::new(url).ok()).collect();
		let datanets = (!datanet_gateways.is_empty()).then(|| {
			datanet_gateways
				.into_iter()
				.fold(Fetcher::new(self.store.clone()), |fetcher, gateway| {
					fetcher.with_gateway(gateway)
				})
		});
		Sources { own, datanets }
	}

	/// The file under `cid`, at most `max_bytes`, or an error saying where it was looked for.
	pub async fn fetch(
		&self,
		sources: &Sources,
		what: &str,
		cid: &str,
		max_bytes: u64,
	) -> Result<Vec<u8>> {
		let parsed: Cid =
			cid.parse().map_err(|e| Error::Ipfs(format!("{what}: bad CID {cid} ({e})")))?;
		match sources.fetch(&parsed, max_bytes).await {
			FetchOutcome::Ok(bytes) => Ok(bytes),
			FetchOutcome::Unavailable(why) => Err(Error::Ipfs(format!(
				"{what} ({cid}) is unavailable: {why}. Pass --gateway URL or --ipfs-api URL of a \
				 node that has it"
			))),
			other => Err(Error::Ipfs(format!("{what} ({cid}): {other:?}"))),
		}
	}

	/// Adds `content` (CIDv1, raw leaves: the form the chain stores) to the store and the Kubo
	/// API; returns its CID, which is computed here and must be what Kubo answers.
	pub async fn publish(&self, what: &str, content: Vec<u8>) -> Result<Cid> {
		let dag = add(&content, Layout::KUBO_V1);
		if let Some(store) = &self.store {
			store.put(&dag).map_err(|e| Error::Ipfs(format!("{what}: {e}")))?;
		}
		if let Some(kubo) = &self.kubo {
			let added = kubo
				.add(content, Layout::KUBO_V1)
				.await
				.map_err(|e| Error::Ipfs(format!("adding {what} to {}: {e}", kubo.url())))?;
			if added != dag.root {
				return Err(Error::Ipfs(format!(
					"{} gave {what} the CID {added}, this worker computes {}",
					kubo.url(),
					dag.root
				)));
			}
		}
		Ok(dag.root)
	}
}

/// Where a job's content is fetched from, in order (see [`Ipfs::fetcher`]).
pub struct Sources {
	own: Fetcher,
	datanets: Option<Fetcher>,
}

impl Sources {
	/// The operator's sources' outcome, or, when they have nothing, the datanet gateways'.
	pub async fn fetch(&self, cid: &Cid, max_bytes: u64) -> FetchOutcome {
		let own = self.own.fetch(cid, max_bytes).await.outcome;
		match (own, &self.datanets) {
			(FetchOutcome::Unavailable(why), Some(datanets)) => {
				match datanets.fetch(cid, max_bytes).await.outcome {
					FetchOutcome::Unavailable(also) => {
						FetchOutcome::Unavailable(format!("{why}; {also}"))
					},
					outcome => outcome,
				}
			},
			(outcome, _) => outcome,
		}
	}
}
