//! A Kubo daemon through its RPC API (`ipfs daemon`, port 5001 by default).

use crate::{cid::Cid, Layout};
use futures_util::TryStreamExt;
use ipfs_api_backend_hyper::{request, IpfsApi, IpfsClient, TryFromUri};

#[derive(Debug, thiserror::Error)]
pub enum KuboError {
	#[error("`{0}` is not an HTTP URL of a Kubo RPC API (e.g. http://127.0.0.1:5001)")]
	BadUrl(String),
	#[error(
		"cannot reach the IPFS API at {url} ({reason}): start Kubo (`ipfs daemon`) or leave \
		 out --ipfs-api to use the embedded store"
	)]
	Unreachable { url: String, reason: String },
	#[error("the IPFS API at {url} refused the request: {reason}")]
	Api { url: String, reason: String },
	#[error("the IPFS API at {url} returned `{cid}`, which is not a CID")]
	BadCid { url: String, cid: String },
}

/// A connected Kubo RPC API.
pub struct Kubo {
	client: IpfsClient,
	url: String,
}

impl Kubo {
	/// Connects to `url` and checks that a Kubo API answers there.
	pub async fn connect(url: &str) -> Result<Kubo, KuboError> {
		let client = IpfsClient::from_str(url).map_err(|_| KuboError::BadUrl(url.to_string()))?;
		let kubo = Kubo { client, url: url.to_string() };
		kubo.client.version().await.map_err(|error| kubo.failed(error))?;
		Ok(kubo)
	}

	pub fn url(&self) -> &str {
		&self.url
	}

	fn unreachable(&self, error: ipfs_api_backend_hyper::Error) -> KuboError {
		KuboError::Unreachable { url: self.url.clone(), reason: error.to_string() }
	}

	fn failed(&self, error: ipfs_api_backend_hyper::Error) -> KuboError {
		match error {
			ipfs_api_backend_hyper::Error::Client(_) => self.unreachable(error),
			other => KuboError::Api { url: self.url.clone(), reason: other.to_string() },
		}
	}

	/// `ipfs add` (pinning) with the chunking and CID version of `layout`.
	pub async fn add(&self, content: Vec<u8>, layout: Layout) -> Result<Cid, KuboError> {
		let options = request::Add {
			cid_version: Some(layout.cid_version.into()),
			raw_leaves: Some(layout.raw_leaves),
			chunker: Some("size-262144"),
			pin: Some(true),
			..Default::default()
		};
		let added = self
			.client
			.add_with_options(std::io::Cursor::new(content), options)
			.await
			.map_err(|error| self.failed(error))?;
		added.hash.parse().map_err(|_| KuboError::BadCid { url: self.url.clone(), cid: added.hash })
	}

	/// `ipfs cat`: the file's bytes as the daemon returns them (the caller verifies them).
	pub async fn cat(&self, cid: &Cid) -> Result<Vec<u8>, KuboError> {
		self.client
			.cat(&cid.to_string())
			.map_ok(|chunk| chunk.to_vec())
			.try_concat()
			.await
			.map_err(|error| self.failed(error))
	}

	/// `ipfs pin add` (recursive).
	pub async fn pin(&self, cid: &Cid) -> Result<(), KuboError> {
		self.client
			.pin_add(&cid.to_string(), true)
			.await
			.map(|_| ())
			.map_err(|error| self.failed(error))
	}
}
