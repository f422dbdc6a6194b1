//! Fetching a file by CID from other machines: IPFS Trustless Gateways
//! (<https://specs.ipfs.tech/http-gateways/trustless-gateway/>) and a Kubo API, after the
//! local store.
//!
//! Why block by block (`GET {gateway}/ipfs/{cid}?format=raw`, one request per block) and not
//! the file or a CAR in one response: each block is checked against its CID before the next
//! is asked for, so no source is trusted for anything, and what is read is bounded before it
//! is read. The caller passes `max_bytes` (a submission's declared size + 1): a verified node
//! that declares more stops the fetch at once, and no block body is read past what the
//! verified nodes above it (or, for the root, the bound) allow, so a file larger than
//! declared is found without reading more than the bound, and a source streaming without
//! end costs nothing but the request.
//!
//! Outcomes keep apart what the fetch says about the content from what it says about the
//! sources, because a validator votes on the first and must not on the second:
//! `Ok` (the file), `TooLarge` and `Invalid` (facts about the CID, proved by verified
//! blocks) against `Unavailable` (nobody served it: timeouts, 404s, connection errors, a
//! damaged local block) and `Lied` (a source served bytes that do not hash to the CID it
//! was asked for; the `Fetcher` skips it and asks the next).
//!
//! The `Fetcher` asks, for every block, the local store first, then the current remote
//! source: the gateways in order, then the Kubo API. A source that fails (or lies) is
//! dropped for the rest of the file and the next one continues where it stopped. Blocks
//! fetched are kept in the local store (unpinned, as Kubo caches), so the next read is local.

use crate::{
	read::{FileWalk, FileWalkError},
	BlockStore, Cid, StoreError,
};
use http_body_util::{BodyExt, Empty};
use hyper::{body::Bytes, header, Request, StatusCode, Uri};
use hyper_rustls::{ConfigBuilderExt, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client},
	rt::TokioExecutor,
};
use std::{
	sync::{Arc, OnceLock},
	time::Duration,
};

/// The largest block any source may serve: bitswap's limit (Kubo's own `add` makes blocks
/// of at most 1 MiB), so no source can make a reader buffer more than this per request.
pub const MAX_BLOCK_SIZE: u64 = 2 << 20;

/// The content type of a raw block, asked for and required in answers.
const RAW_BLOCK: &str = "application/vnd.ipld.raw";

/// What fetching a file gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
	/// The file, every block verified against its CID.
	Ok(Vec<u8>),
	/// The file is larger than `max_bytes`, shown by blocks that hash to their CIDs (a
	/// verified node declares the larger size, or verified blocks hold more); reading
	/// stopped there. The root is read whole (one block), so no source can make an honest
	/// file look too large.
	TooLarge,
	/// The CID names verified blocks that are not a UnixFS file (or a DAG of far more
	/// structure than its size needs): a fact about the content, as `TooLarge`.
	Invalid(String),
	/// No source served the file: each source's reason (timeout, not found, unreachable,
	/// a damaged local block, a lie), joined.
	Unavailable(String),
	/// `Gateway::fetch` only (the `Fetcher` skips such a source and goes on): the gateway
	/// served a block that does not hash to its CID.
	Lied { gateway: String },
}

/// Where blocks came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
	Local,
	Gateway(String),
	Kubo(String),
}

impl core::fmt::Display for Source {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Source::Local => f.write_str("the local store"),
			Source::Gateway(url) => write!(f, "gateway {url}"),
			Source::Kubo(url) => write!(f, "Kubo API {url}"),
		}
	}
}

/// What `Fetcher::fetch` did.
#[derive(Clone, Debug)]
pub struct Fetched {
	/// Never `Lied`: a lying source is listed in `lied` and the next one asked.
	pub outcome: FetchOutcome,
	/// The sources that served blocks of the file, in the order they first did.
	pub served_by: Vec<Source>,
	/// The gateway (or Kubo API) URLs that served a block not hashing to its CID, or more
	/// bytes than the block has; each was skipped from then on.
	pub lied: Vec<String>,
	/// What went wrong on the way, one line each, also when another source then served
	/// the file (for logs and a validator's findings).
	pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
	#[error(
		"`{0}` is not the http:// or https:// URL of an IPFS gateway (e.g. \
		 https://trustless-gateway.link or http://127.0.0.1:8080)"
	)]
	BadUrl(String),
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// An IPFS Trustless Gateway: `GET {url}/ipfs/{cid}?format=raw` answers a block.
#[derive(Clone)]
pub struct Gateway {
	url: String,
	client: HttpClient,
	timeout: Duration,
	/// Why https cannot be used on this machine (no root certificates), if so.
	tls_problem: Option<String>,
}

impl core::fmt::Debug for Gateway {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("Gateway").field("url", &self.url).field("timeout", &self.timeout).finish()
	}
}

/// Why a source did not hand over a block.
enum BlockFailure {
	Unavailable(String),
	/// It served more bytes than the limit asked: the block was not read to its end.
	Overrun,
}

impl Gateway {
	/// How long one request (one block) may take, unless `with_timeout`.
	pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

	/// The gateway at `url` (`http://` or `https://`, optionally with a path prefix).
	pub fn new(url: &str) -> Result<Gateway, GatewayError> {
		let bad = || GatewayError::BadUrl(url.to_string());
		let base = url.trim_end_matches('/');
		let uri: Uri = base.parse().map_err(|_| bad())?;
		let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
		if !scheme_ok || uri.authority().is_none() || uri.query().is_some() {
			return Err(bad());
		}
		let Tls { config: tls, problem: tls_problem } = tls();
		let (tls, tls_problem) = (tls.clone(), tls_problem.clone());
		let connector = HttpsConnectorBuilder::new()
			.with_tls_config(tls)
			.https_or_http()
			.enable_http1()
			.build();
		let client = Client::builder(TokioExecutor::new()).build(connector);
		Ok(Gateway { url: base.to_string(), client, timeout: Self::DEFAULT_TIMEOUT, tls_problem })
	}

	/// The same gateway with another per-request timeout.
	pub fn with_timeout(mut self, timeout: Duration) -> Gateway {
		self.timeout = timeout;
		self
	}

	pub fn url(&self) -> &str {
		&self.url
	}

	/// The file under `root`, from this gateway alone, at most `max_bytes` of it.
	pub async fn fetch(&self, root: &Cid, max_bytes: u64) -> FetchOutcome {
		let fetched = fetch_file(root, max_bytes, None, &[Remote::Gateway(self)]).await;
		match fetched.outcome {
			FetchOutcome::Unavailable(_) if !fetched.lied.is_empty() => {
				FetchOutcome::Lied { gateway: self.url.clone() }
			},
			outcome => outcome,
		}
	}

	/// One block, its body read up to `limit` bytes (`Overrun` past that), within the
	/// timeout.
	async fn block(&self, cid: &Cid, limit: u64) -> Result<Vec<u8>, BlockFailure> {
		if let (true, Some(problem)) = (self.url.starts_with("https:"), &self.tls_problem) {
			return Err(BlockFailure::Unavailable(format!(
				"{} cannot be checked: {problem}",
				self.url
			)));
		}
		let uri: Uri = format!("{}/ipfs/{cid}?format=raw", self.url)
			.parse()
			.expect("a checked base URL and a CID make a URI");
		let request = Request::get(uri)
			.header(header::ACCEPT, RAW_BLOCK)
			.body(Empty::new())
			.expect("a GET with a valid URI and header is a valid request");
		match tokio::time::timeout(self.timeout, self.exchange(request, cid, limit)).await {
			Ok(result) => result,
			Err(_) => Err(BlockFailure::Unavailable(format!(
				"{} did not serve block {cid} within {} s",
				self.url,
				self.timeout.as_secs_f64()
			))),
		}
	}

	async fn exchange(
		&self,
		request: Request<Empty<Bytes>>,
		cid: &Cid,
		limit: u64,
	) -> Result<Vec<u8>, BlockFailure> {
		let url = &self.url;
		let unavailable = BlockFailure::Unavailable;
		let response =
			self.client.request(request).await.map_err(|error| {
				unavailable(format!("cannot reach {url}: {}", error_chain(&error)))
			})?;
		let status = response.status();
		if status != StatusCode::OK {
			return Err(unavailable(match status {
				StatusCode::NOT_FOUND | StatusCode::GONE => {
					format!("{url} does not have block {cid} (HTTP {status})")
				},
				_ => format!("{url} answered HTTP {status} for block {cid}"),
			}));
		}
		let content_type = response
			.headers()
			.get(header::CONTENT_TYPE)
			.and_then(|value| value.to_str().ok())
			.unwrap_or("");
		if !content_type.starts_with(RAW_BLOCK) {
			return Err(unavailable(format!(
				"{url} answered block {cid} as `{content_type}`, not {RAW_BLOCK}: it is not an \
				 IPFS trustless gateway (or ignores ?format=raw)"
			)));
		}
		let declared = response
			.headers()
			.get(header::CONTENT_LENGTH)
			.and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
		if declared.is_some_and(|length| length > limit) {
			return Err(BlockFailure::Overrun);
		}
		let mut body = response.into_body();
		let mut block = Vec::with_capacity(declared.unwrap_or(0) as usize);
		while let Some(frame) = body.frame().await {
			let frame = frame.map_err(|error| {
				unavailable(format!("{url} broke off block {cid}: {}", error_chain(&error)))
			})?;
			if let Ok(data) = frame.into_data() {
				if (block.len() + data.len()) as u64 > limit {
					return Err(BlockFailure::Overrun);
				}
				block.extend_from_slice(&data);
			}
		}
		Ok(block)
	}
}

/// The TLS settings every gateway client shares: the system's root certificates with ring.
/// Without any (a bare container), a configuration that trusts nothing and the reason, so
/// http gateways still work and https ones say why not.
struct Tls {
	config: rustls::ClientConfig,
	problem: Option<String>,
}

fn tls() -> &'static Tls {
	static TLS: OnceLock<Tls> = OnceLock::new();
	TLS.get_or_init(|| {
		let builder = || {
			rustls::ClientConfig::builder_with_provider(Arc::new(
				rustls::crypto::ring::default_provider(),
			))
			.with_safe_default_protocol_versions()
			.expect("ring supports the default TLS versions")
		};
		match builder().with_native_roots() {
			Ok(roots) => Tls { config: roots.with_no_client_auth(), problem: None },
			Err(error) => Tls {
				config: builder()
					.with_root_certificates(rustls::RootCertStore::empty())
					.with_no_client_auth(),
				problem: Some(format!(
					"this machine has no trusted root certificates for https ({error}); \
					 install them (Debian: apt-get install ca-certificates)"
				)),
			},
		}
	})
}

/// An error and its causes, `: `-joined (hyper's own message alone says little).
fn error_chain(error: &dyn std::error::Error) -> String {
	let mut text = error.to_string();
	let mut cause = error.source();
	while let Some(error) = cause {
		text.push_str(": ");
		text.push_str(&error.to_string());
		cause = error.source();
	}
	text
}

/// A source other than the local store.
enum Remote<'a> {
	Gateway(&'a Gateway),
	#[cfg(feature = "kubo")]
	Kubo(&'a crate::Kubo),
}

impl Remote<'_> {
	fn source(&self) -> Source {
		match self {
			Remote::Gateway(gateway) => Source::Gateway(gateway.url.clone()),
			#[cfg(feature = "kubo")]
			Remote::Kubo(kubo) => Source::Kubo(kubo.url().to_string()),
		}
	}

	fn url(&self) -> &str {
		match self {
			Remote::Gateway(gateway) => &gateway.url,
			#[cfg(feature = "kubo")]
			Remote::Kubo(kubo) => kubo.url(),
		}
	}

	async fn block(&self, cid: &Cid, limit: u64) -> Result<Vec<u8>, BlockFailure> {
		match self {
			Remote::Gateway(gateway) => gateway.block(cid, limit).await,
			#[cfg(feature = "kubo")]
			Remote::Kubo(kubo) => kubo.block(cid, limit).await.map_err(|error| match error {
				crate::KuboError::TooLarge { .. } => BlockFailure::Overrun,
				other => BlockFailure::Unavailable(other.to_string()),
			}),
		}
	}
}

/// Fetches files from the local store, gateways and a Kubo API, in that order.
#[derive(Default)]
pub struct Fetcher {
	store: Option<BlockStore>,
	gateways: Vec<Gateway>,
	#[cfg(feature = "kubo")]
	kubo: Option<crate::Kubo>,
}

impl Fetcher {
	/// A fetcher that reads from, and keeps what it fetches in, `store` (if any).
	pub fn new(store: Option<BlockStore>) -> Fetcher {
		Fetcher { store, ..Fetcher::default() }
	}

	/// Asks `gateway` after the ones added before (a URL already there is not added twice).
	pub fn with_gateway(mut self, gateway: Gateway) -> Fetcher {
		if !self.gateways.iter().any(|known| known.url == gateway.url) {
			self.gateways.push(gateway);
		}
		self
	}

	/// Asks `kubo` (its `block get`) after every gateway.
	#[cfg(feature = "kubo")]
	pub fn with_kubo(mut self, kubo: crate::Kubo) -> Fetcher {
		self.kubo = Some(kubo);
		self
	}

	/// The file under `root`, at most `max_bytes` of it (pass the declared size + 1).
	pub async fn fetch(&self, root: &Cid, max_bytes: u64) -> Fetched {
		let gateways = self.gateways.iter().map(Remote::Gateway);
		#[cfg(feature = "kubo")]
		let remotes: Vec<Remote> = gateways.chain(self.kubo.as_ref().map(Remote::Kubo)).collect();
		#[cfg(not(feature = "kubo"))]
		let remotes: Vec<Remote> = gateways.collect();
		fetch_file(root, max_bytes, self.store.as_ref(), &remotes).await
	}
}

/// The walk over every source: each block from `local` if it has it intact, else from the
/// current remote, moving to the next remote whenever one fails.
async fn fetch_file(
	root: &Cid,
	max_bytes: u64,
	local: Option<&BlockStore>,
	remotes: &[Remote<'_>],
) -> Fetched {
	let mut fetched = Fetched {
		outcome: FetchOutcome::Ok(Vec::new()),
		served_by: Vec::new(),
		lied: Vec::new(),
		problems: Vec::new(),
	};
	let served = |fetched: &mut Fetched, source: Source| {
		if !fetched.served_by.contains(&source) {
			fetched.served_by.push(source);
		}
	};
	let mut walk = FileWalk::new(*root, max_bytes);
	let mut current = 0;
	let mut keep_blocks = local;
	'blocks: loop {
		let cid = match walk.next() {
			Ok(Some(cid)) => cid,
			Ok(None) => break,
			Err(error) => return fetched.with(content_fault(root, error)),
		};
		if let Some(store) = local {
			match store.block(&cid) {
				Ok(block) => match walk.feed(&block) {
					Ok(()) => {
						served(&mut fetched, Source::Local);
						continue;
					},
					Err(FileWalkError::HashMismatch(_)) => {},
					Err(error) => {
						served(&mut fetched, Source::Local);
						return fetched.with(content_fault(root, error));
					},
				},
				Err(StoreError::NotFound { .. }) => {},
				Err(error @ StoreError::DamagedBlock { .. }) => {
					fetched.problems.push(error.to_string())
				},
				Err(error) => fetched.problems.push(format!("the local store: {error}")),
			}
		}
		let allowance = walk.allowance();
		// The root is read whole (it is one block, at most `MAX_BLOCK_SIZE`), so "larger
		// than declared" is only ever said of bytes that hash to the CID: a source that pads
		// the root, or announces a huge body, cannot turn an honest file into a rejection.
		let limit = if walk.at_root() { MAX_BLOCK_SIZE } else { allowance.min(MAX_BLOCK_SIZE) };
		while let Some(remote) = remotes.get(current) {
			let url = remote.url();
			match remote.block(&cid, limit).await {
				Ok(block) => match walk.feed(&block) {
					Ok(()) => {
						served(&mut fetched, remote.source());
						if let Some(store) = keep_blocks {
							if let Err(error) = store.store_block(&cid, &block) {
								fetched.problems.push(format!(
									"fetched blocks are not kept in the local store: {error}"
								));
								keep_blocks = None;
							}
						}
						continue 'blocks;
					},
					Err(FileWalkError::HashMismatch(_)) => {
						fetched.lied.push(url.to_string());
						fetched.problems.push(format!(
							"{} served bytes that do not hash to block {cid}: skipped",
							remote.source()
						));
					},
					Err(error) => {
						served(&mut fetched, remote.source());
						return fetched.with(content_fault(root, error));
					},
				},
				Err(BlockFailure::Unavailable(reason)) => fetched.problems.push(reason),
				Err(BlockFailure::Overrun) if allowance > MAX_BLOCK_SIZE || walk.at_root() => {
					fetched.problems.push(format!(
						"{} served more than {MAX_BLOCK_SIZE} bytes for block {cid}, more than \
						 an IPFS block may have",
						remote.source()
					))
				},
				Err(BlockFailure::Overrun) => fetched.problems.push(format!(
					"{} served more bytes for block {cid} than the node linking to it allows \
					 (a lying source, or a malformed DAG)",
					remote.source()
				)),
			}
			current += 1;
		}
		let outcome = if fetched.problems.is_empty() && remotes.is_empty() {
			FetchOutcome::Unavailable(format!(
				"block {cid} of {root} is not in the local store and no gateway or Kubo API is \
				 configured to fetch it from"
			))
		} else {
			FetchOutcome::Unavailable(format!(
				"no source served block {cid} of {root}: {}",
				fetched.problems.join("; ")
			))
		};
		return fetched.with(outcome);
	}
	fetched.with(FetchOutcome::Ok(walk.into_content()))
}

impl Fetched {
	fn with(mut self, outcome: FetchOutcome) -> Fetched {
		self.outcome = outcome;
		self
	}
}

/// What a verified walk's stop says about the content.
fn content_fault(root: &Cid, error: FileWalkError) -> FetchOutcome {
	match error {
		FileWalkError::TooLarge { .. } => FetchOutcome::TooLarge,
		FileWalkError::Malformed(cid, why) => FetchOutcome::Invalid(format!(
			"{root} is not a UnixFS file: block {cid} is malformed: {why}"
		)),
		FileWalkError::HashMismatch(cid) => {
			unreachable!("hash mismatches ({cid}) are handled per source")
		},
	}
}
