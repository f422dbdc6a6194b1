//! A Kubo daemon through its RPC API (`ipfs daemon`, port 5001 by default).
//!
//! Every option that decides a CID is sent explicitly (chunker, CID version, raw leaves,
//! `hash=sha2-256`, `inline=false`, `trickle=false`), so a daemon whose configuration
//! changes a default (`Import.*`) still returns the CID this crate computes; a CID that is
//! still not sha2-256 is refused with a message saying what to change. Reads (`cat`, `block
//! get`) have a timeout (no progress for that long ends them: a daemon looking for content
//! nobody has would otherwise wait forever) and a size bound past which they stop reading.

use crate::{
	cid::{Cid, CidError},
	Layout,
};
use futures_util::TryStreamExt;
use ipfs_api_backend_hyper::{request, IpfsApi, IpfsClient, TryFromUri};
use std::time::Duration;

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
	#[error(
		"the IPFS API at {url} returned `{cid}`, which is not a sha2-256 CID: OpenLedger names \
		 content by sha2-256 and the request asked for it (hash=sha2-256), so that node \
		 hashes with another function regardless; set `ipfs config Import.HashFunction \
		 sha2-256` (and `Import.CidVersion`, `Import.UnixFSRawLeaves` unset) on it and \
		 restart the daemon, or use another node"
	)]
	NotSha256 { url: String, cid: String },
	#[error(
		"the IPFS API at {url} made no progress on {what} for {seconds} s: check that the \
		 daemon runs and can find the content (`ipfs routing findprovs`), or raise the timeout"
	)]
	Timeout { url: String, what: String, seconds: u64 },
	#[error(
		"the IPFS API at {url} returned more than {max_bytes} bytes for {cid}; reading stopped"
	)]
	TooLarge { url: String, cid: Cid, max_bytes: u64 },
}

/// A connected Kubo RPC API (cheap to clone: clones share the HTTP client).
#[derive(Clone)]
pub struct Kubo {
	client: IpfsClient,
	url: String,
	timeout: Duration,
}

impl Kubo {
	/// How long a request may make no progress before it fails, unless `with_timeout`.
	pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

	/// Connects to `url` and checks that a Kubo API answers there.
	pub async fn connect(url: &str) -> Result<Kubo, KuboError> {
		let client = IpfsClient::from_str(url).map_err(|_| KuboError::BadUrl(url.to_string()))?;
		let kubo = Kubo { client, url: url.to_string(), timeout: Self::DEFAULT_TIMEOUT };
		kubo.within("the version request", kubo.client.version()).await?;
		Ok(kubo)
	}

	/// The same API with another timeout: how long a request may go without progress.
	pub fn with_timeout(mut self, timeout: Duration) -> Kubo {
		self.timeout = timeout;
		self
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

	fn timed_out(&self, what: &str) -> KuboError {
		KuboError::Timeout {
			url: self.url.clone(),
			what: what.to_string(),
			seconds: self.timeout.as_secs(),
		}
	}

	/// `request`, failed if it does not finish within the timeout.
	async fn within<T>(
		&self,
		what: &str,
		request: impl core::future::Future<Output = Result<T, ipfs_api_backend_hyper::Error>>,
	) -> Result<T, KuboError> {
		match tokio::time::timeout(self.timeout, request).await {
			Ok(result) => result.map_err(|error| self.failed(error)),
			Err(_) => Err(self.timed_out(what)),
		}
	}

	/// `ipfs add` (pinning) with the chunking and CID version of `layout`, and sha2-256,
	/// no inlining, balanced layout: every option that decides the CID.
	pub async fn add(&self, content: Vec<u8>, layout: Layout) -> Result<Cid, KuboError> {
		let options = request::Add {
			cid_version: Some(layout.cid_version.into()),
			raw_leaves: Some(layout.raw_leaves),
			chunker: Some("size-262144"),
			hash: Some("sha2-256"),
			inline: Some(false),
			trickle: Some(false),
			pin: Some(true),
			..Default::default()
		};
		let added = self
			.within(
				"adding a file",
				self.client.add_with_options(std::io::Cursor::new(content), options),
			)
			.await?;
		parse_cid(&self.url, added.hash)
	}

	/// `ipfs cat`: the file's bytes as the daemon returns them (the caller verifies them),
	/// at most `max_bytes` of them: past that, reading stops with `TooLarge`.
	pub async fn cat(&self, cid: &Cid, max_bytes: u64) -> Result<Vec<u8>, KuboError> {
		let what = format!("`cat {cid}`");
		self.read_bounded(&what, self.client.cat(&cid.to_string()), cid, max_bytes).await
	}

	/// `ipfs block get`: one block's bytes as the daemon returns them (the caller verifies
	/// them), at most `max_bytes` of them.
	pub async fn block(&self, cid: &Cid, max_bytes: u64) -> Result<Vec<u8>, KuboError> {
		let what = format!("`block get {cid}`");
		self.read_bounded(&what, self.client.block_get(&cid.to_string()), cid, max_bytes).await
	}

	/// Reads `stream` to its end, failing if a chunk takes longer than the timeout to come or
	/// the bytes pass `max_bytes`.
	async fn read_bounded<S, B>(
		&self,
		what: &str,
		mut stream: S,
		cid: &Cid,
		max_bytes: u64,
	) -> Result<Vec<u8>, KuboError>
	where
		S: futures_util::Stream<Item = Result<B, ipfs_api_backend_hyper::Error>> + Unpin,
		B: AsRef<[u8]>,
	{
		let mut content = Vec::new();
		loop {
			let chunk = match tokio::time::timeout(self.timeout, stream.try_next()).await {
				Ok(Ok(Some(chunk))) => chunk,
				Ok(Ok(None)) => return Ok(content),
				Ok(Err(error)) => return Err(self.failed(error)),
				Err(_) => return Err(self.timed_out(what)),
			};
			let chunk = chunk.as_ref();
			if (content.len() + chunk.len()) as u64 > max_bytes {
				return Err(KuboError::TooLarge { url: self.url.clone(), cid: *cid, max_bytes });
			}
			content.extend_from_slice(chunk);
		}
	}

	/// `ipfs pin add` (recursive).
	pub async fn pin(&self, cid: &Cid) -> Result<(), KuboError> {
		let what = format!("`pin add {cid}`");
		self.within(&what, self.client.pin_add(&cid.to_string(), true)).await.map(|_| ())
	}
}

/// The CID a daemon answered, refused with a message that says what to change if it is not
/// one OpenLedger uses.
fn parse_cid(url: &str, text: String) -> Result<Cid, KuboError> {
	match text.parse() {
		Ok(cid) => Ok(cid),
		Err(CidError::Hash) => Err(KuboError::NotSha256 { url: url.to_string(), cid: text }),
		Err(_) => Err(KuboError::BadCid { url: url.to_string(), cid: text }),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_cid_of_another_hash_function_says_what_to_change() {
		// What `ipfs add --hash=blake2b-256` answers: CIDv1, raw, multihash 0xb220 (varint
		// a0 e4 02), 32 bytes.
		let mut bytes = vec![0x01, 0x55, 0xa0, 0xe4, 0x02, 0x20];
		bytes.extend([7u8; 32]);
		let blake = format!("b{}", data_encoding::BASE32_NOPAD.encode(&bytes).to_lowercase());
		let error = parse_cid("http://127.0.0.1:5001", blake).unwrap_err();
		assert!(matches!(error, KuboError::NotSha256 { .. }), "{error:?}");
		assert!(error.to_string().contains("Import.HashFunction sha2-256"), "{error}");
		assert!(matches!(
			parse_cid("http://127.0.0.1:5001", "nonsense".into()),
			Err(KuboError::BadCid { .. })
		));
	}
}
