//! The subset of Kubo's RPC API (https://docs.ipfs.tech/reference/kubo/rpc/) that
//! ipfs-api-backend-hyper and Kubo's own clients call to write and read files: `add`, `cat`,
//! `block/get`, `block/stat`, `pin/add`, `pin/rm`, `pin/ls` and `version`. It lets a
//! contributor on another machine add through this host (`--ipfs-api http://host:5001`)
//! exactly as through a Kubo daemon, with the CIDs Kubo would give.
//!
//! It writes, so it is off unless asked for and should stay on loopback or a trusted
//! network. Like Kubo, it takes POST only and refuses requests a browser sends from another
//! origin, so a web page cannot drive it. Options that would change the CIDs (another
//! chunker, hash, trickle DAGs, inlining) are refused with Kubo's error shape rather than
//! ignored: a client must never get a CID other than the one it asked for.

use super::{
	http::{blocking, full, query_all, query_get, query_pairs, streamed, Hangup, Response},
	multipart,
};
use crate::{
	add,
	walk::{walk, WalkError, WalkOptions},
	BlockStore, Cid, Layout, StoreError,
};
use http_body_util::{BodyExt, Limited};
use hyper::{
	body::Incoming,
	header::{self, HeaderValue},
	Method, Request, StatusCode,
};
use serde_json::{json, Value as Json};

/// The Kubo release whose RPC behaviour this subset follows, reported by `version`.
const KUBO_VERSION: &str = "0.29.0";

/// What the Kubo API serves from.
pub(crate) struct KuboApi {
	pub store: BlockStore,
	/// The largest `add` request body taken, in bytes.
	pub max_add_bytes: usize,
}

/// A refused request, answered with Kubo's error body.
pub(crate) struct ApiError {
	status: StatusCode,
	message: String,
}

impl ApiError {
	/// Kubo's error body: `{"Message", "Code", "Type": "error"}`. Code 0 (a command's
	/// failure) goes with status 500, code 1 (a client error such as a missing argument)
	/// with 400.
	fn into_response(self) -> Response {
		let code = if self.status == StatusCode::BAD_REQUEST { 1 } else { 0 };
		let body = object(&[
			("Message", json!(self.message)),
			("Code", json!(code)),
			("Type", json!("error")),
		]);
		json_response(self.status, body)
	}
}

fn kubo_error(status: StatusCode, message: impl Into<String>) -> ApiError {
	ApiError { status, message: message.into() }
}

fn failed(message: impl Into<String>) -> ApiError {
	kubo_error(StatusCode::INTERNAL_SERVER_ERROR, message)
}

/// A JSON object with its keys in the order given: Kubo's order (`{"Name","Hash","Size"}`),
/// for clients that read the text rather than parse it.
fn object(fields: &[(&str, Json)]) -> String {
	let fields: Vec<String> =
		fields.iter().map(|(key, value)| format!("{}:{value}", Json::from(*key))).collect();
	format!("{{{}}}", fields.join(","))
}

fn json_response(status: StatusCode, body: String) -> Response {
	let mut response = hyper::Response::new(full(body + "\n"));
	*response.status_mut() = status;
	response
		.headers_mut()
		.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
	response
}

fn ok(body: String) -> Response {
	json_response(StatusCode::OK, body)
}

fn text(status: StatusCode, message: &'static str) -> Response {
	let mut response = hyper::Response::new(full(message));
	*response.status_mut() = status;
	response
		.headers_mut()
		.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
	response
}

/// A store failure as Kubo words it: a missing block is "not found locally (offline)".
fn store_failed(error: StoreError) -> ApiError {
	match error {
		StoreError::NotFound { cid, .. } => {
			failed(format!("block was not found locally (offline): {cid} is not in this store"))
		},
		StoreError::DamagedBlock { cid, .. } => failed(format!(
			"block was not found locally (offline): {cid} is damaged in this store (add the \
			 file again to repair it)"
		)),
		other => failed(other.to_string()),
	}
}

/// Kubo's boolean options: Go's `strconv.ParseBool`.
fn flag(pairs: &[(String, String)], key: &str) -> Result<Option<bool>, ApiError> {
	match query_get(pairs, key) {
		None => Ok(None),
		Some("" | "1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(Some(true)),
		Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(Some(false)),
		Some(other) => Err(kubo_error(
			StatusCode::BAD_REQUEST,
			format!("option \"{key}\": `{other}` is not a boolean"),
		)),
	}
}

/// The CIDs named by the `arg` parameters (`CID` or `/ipfs/CID`); at least one.
fn cid_args(pairs: &[(String, String)]) -> Result<Vec<Cid>, ApiError> {
	let args = query_all(pairs, "arg");
	if args.is_empty() {
		return Err(kubo_error(StatusCode::BAD_REQUEST, "argument \"ipfs-path\" is required"));
	}
	args.into_iter()
		.map(|arg| {
			let text = arg.strip_prefix("/ipfs/").unwrap_or(arg);
			text.parse().map_err(|why| {
				failed(format!(
					"invalid path \"{arg}\": {why} (this API takes a CIDv0 Qm… or a base32 \
					 CIDv1 b…, with no path under it)"
				))
			})
		})
		.collect()
}

fn one_cid(pairs: &[(String, String)]) -> Result<Cid, ApiError> {
	Ok(cid_args(pairs)?[0])
}

/// Serves one Kubo RPC request.
pub(crate) async fn handle(api: std::sync::Arc<KuboApi>, request: Request<Incoming>) -> Response {
	if let Some(origin) = request.headers().get(header::ORIGIN) {
		let host = request.headers().get(header::HOST).and_then(|host| host.to_str().ok());
		let same_origin = origin.to_str().ok().zip(host).is_some_and(|(origin, host)| {
			origin == format!("http://{host}") || origin == format!("https://{host}")
		});
		if !same_origin {
			return text(StatusCode::FORBIDDEN, "403 - Forbidden\n");
		}
	}
	let Some(command) = request.uri().path().strip_prefix("/api/v0/") else {
		return text(StatusCode::NOT_FOUND, "404 page not found\n");
	};
	let command = command.trim_end_matches('/').to_string();
	if request.method() != Method::POST {
		return text(StatusCode::METHOD_NOT_ALLOWED, "405 - Method Not Allowed\n");
	}
	let pairs = query_pairs(request.uri().query());
	let store = api.store.clone();
	let result = match command.as_str() {
		"version" => Ok(version()),
		"add" => add_files(&api, &pairs, request).await,
		"cat" => cat(store, &pairs).await,
		"block/get" => block_get(store, &pairs).await,
		"block/stat" => block_stat(store, &pairs).await,
		"pin/add" => pin_add(store, &pairs).await,
		"pin/rm" => pin_rm(store, &pairs).await,
		"pin/ls" => pin_ls(store, &pairs).await,
		_ => Ok(text(StatusCode::NOT_FOUND, "404 page not found\n")),
	};
	result.unwrap_or_else(ApiError::into_response)
}

fn version() -> Response {
	ok(object(&[
		("Version", json!(KUBO_VERSION)),
		("Commit", json!("")),
		("Repo", json!("15")),
		("System", json!(format!("{}/{}", std::env::consts::ARCH, std::env::consts::OS))),
		("Golang", json!(format!("none (openledger-ipfs {})", env!("CARGO_PKG_VERSION")))),
	]))
}

/// The layout `add`'s options ask for, or Kubo's error for options that would give other
/// CIDs than this importer makes.
fn add_layout(pairs: &[(String, String)]) -> Result<Layout, ApiError> {
	let cid_version = match query_get(pairs, "cid-version") {
		None | Some("0") => 0,
		Some("1") => 1,
		Some(other) => return Err(failed(format!("unknown CID version: {other} (use 0 or 1)"))),
	};
	let raw_leaves = flag(pairs, "raw-leaves")?.unwrap_or(cid_version == 1);
	match query_get(pairs, "chunker") {
		None | Some("" | "size-262144") => {},
		Some(other) => {
			return Err(failed(format!(
				"chunker `{other}` is not supported by this store: it imports with Kubo's default \
				 size-262144 only (leave out --chunker)"
			)))
		},
	}
	match query_get(pairs, "hash") {
		None | Some("" | "sha2-256") => {},
		Some(other) => {
			return Err(failed(format!(
				"hash function `{other}` is not supported by this store: it uses sha2-256 only \
				 (Kubo's default; leave out --hash)"
			)))
		},
	}
	for (option, why) in [
		("trickle", "trickle DAGs are not supported: use the default balanced layout"),
		("inline", "inlined (identity) blocks are not supported: leave out --inline"),
		("wrap-with-directory", "directories are not supported: add files one by one"),
		("nocopy", "the filestore is not supported: leave out --nocopy"),
		("raw-leaves-with-metadata", "UnixFS metadata is not supported"),
		("preserve-mode", "UnixFS metadata (mode) is not supported: leave it out"),
		("preserve-mtime", "UnixFS metadata (mtime) is not supported: leave it out"),
	] {
		if flag(pairs, option)? == Some(true) {
			return Err(failed(why));
		}
	}
	for option in ["mode", "mtime", "to-files"] {
		if query_get(pairs, option).is_some_and(|value| !value.is_empty()) {
			return Err(failed(format!("option `{option}` is not supported by this store")));
		}
	}
	Ok(Layout { cid_version, raw_leaves })
}

/// `add`: every file part of the multipart body, imported as `ipfs add` would; one
/// `{"Name","Hash","Size"}` line per file (Size: the DAG's cumulative size, as Kubo reports).
async fn add_files(
	api: &KuboApi,
	pairs: &[(String, String)],
	request: Request<Incoming>,
) -> Result<Response, ApiError> {
	let layout = add_layout(pairs)?;
	let pin = flag(pairs, "pin")?.unwrap_or(true);
	let only_hash = flag(pairs, "only-hash")?.unwrap_or(false);
	let boundary = request
		.headers()
		.get(header::CONTENT_TYPE)
		.and_then(|value| value.to_str().ok())
		.and_then(multipart::boundary)
		.ok_or_else(|| kubo_error(StatusCode::BAD_REQUEST, "file argument 'path' is required"))?;
	let limit = api.max_add_bytes;
	let body = match Limited::new(request.into_body(), limit).collect().await {
		Ok(body) => body.to_bytes(),
		Err(error) if error.is::<http_body_util::LengthLimitError>() => {
			return Err(kubo_error(
				StatusCode::PAYLOAD_TOO_LARGE,
				format!(
					"this API takes at most {limit} bytes per add request: add larger files with \
					 `openledger ipfs add` on the serving host, or raise `serve --max-add-bytes`"
				),
			))
		},
		Err(error) => return Err(failed(format!("cannot read the request body: {error}"))),
	};
	let store = api.store.clone();
	let lines = blocking(move || {
		let parts = match multipart::parts(&body, &boundary) {
			Ok(parts) => parts,
			Err(why) => return Ok(Err(kubo_error(StatusCode::BAD_REQUEST, why))),
		};
		let mut lines = String::new();
		let files: Vec<_> = parts
			.iter()
			.filter(|part| part.content_type.as_deref() != Some("application/x-directory"))
			.collect();
		if files.len() != parts.len() {
			return Ok(Err(failed("directories are not supported: add files one by one")));
		}
		if files.is_empty() {
			return Ok(Err(kubo_error(
				StatusCode::BAD_REQUEST,
				"file argument 'path' is required",
			)));
		}
		for part in files {
			if part.content_type.as_deref() == Some("application/symlink") {
				return Ok(Err(failed("symlinks are not supported: add the file they point to")));
			}
			let dag = add(part.data, layout);
			if !only_hash {
				let _guard = store.write_guard()?;
				let was_pinned = store.is_pinned(&dag.root);
				store.put(&dag)?;
				if !pin && !was_pinned {
					store.unpin(&dag.root)?;
				}
			}
			let hash = dag.root.to_string();
			let size: usize = dag.blocks.iter().map(|block| block.bytes.len()).sum();
			let name = part.filename.clone().filter(|name| !name.is_empty());
			let line = object(&[
				("Name", json!(name.unwrap_or_else(|| hash.clone()))),
				("Hash", json!(hash)),
				("Size", json!(size.to_string())),
			]);
			lines.push_str(&format!("{line}\n"));
		}
		Ok(Ok(lines))
	})
	.await
	.map_err(store_failed)??;
	let mut response = hyper::Response::new(full(lines));
	let headers = response.headers_mut();
	headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
	headers.insert("x-chunked-output", HeaderValue::from_static("1"));
	Ok(response)
}

/// Why a streamed `cat` stopped early.
enum CatStop {
	Hangup,
	/// `length` bytes were sent.
	Done,
	Malformed(Cid, &'static str),
}

impl From<Hangup> for CatStop {
	fn from(_: Hangup) -> CatStop {
		CatStop::Hangup
	}
}

impl core::fmt::Display for CatStop {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			CatStop::Hangup => Hangup.fmt(f),
			CatStop::Done => f.write_str("done"),
			CatStop::Malformed(cid, why) => write!(f, "block {cid} is malformed: {why}"),
		}
	}
}

fn number(pairs: &[(String, String)], key: &str) -> Result<Option<u64>, ApiError> {
	query_get(pairs, key)
		.map(|value| {
			value.parse().map_err(|_| {
				kubo_error(
					StatusCode::BAD_REQUEST,
					format!("option \"{key}\": `{value}` is not a number"),
				)
			})
		})
		.transpose()
}

/// `cat`: the file's bytes, streamed block by block (each checked against its CID) from
/// `offset`, at most `length` of them.
async fn cat(store: BlockStore, pairs: &[(String, String)]) -> Result<Response, ApiError> {
	let root = one_cid(pairs)?;
	let offset = number(pairs, "offset")?.unwrap_or(0);
	let length = number(pairs, "length")?;
	// The first block decides between an error and a stream.
	blocking({
		let store = store.clone();
		move || store.get_block(&root)
	})
	.await
	.map_err(store_failed)?;
	let body = streamed(move |sink| {
		let (mut skip, mut left) = (offset, length.unwrap_or(u64::MAX));
		let options = WalkOptions { dedupe: false, read_raw: true };
		let walked = walk(&store, &root, options, |visit| {
			let file;
			let data = match visit.unixfs {
				None => visit.block,
				Some(unixfs) => {
					file = crate::dagpb::decode_file(unixfs)
						.map_err(|error| CatStop::Malformed(*visit.cid, error.0))?;
					&file.data
				},
			};
			let start = skip.min(data.len() as u64) as usize;
			skip -= start as u64;
			let end = start + (data.len() - start).min(left.min(usize::MAX as u64) as usize);
			if end > start {
				sink.send(data[start..end].to_vec())?;
				left -= (end - start) as u64;
			}
			if left == 0 {
				return Err(CatStop::Done);
			}
			Ok(())
		});
		match walked {
			Ok(()) | Err(WalkError::Visitor(CatStop::Hangup | CatStop::Done)) => {},
			Err(error) => sink.fail(format!("cat {root} stopped: {error}")),
		}
	});
	let mut response = hyper::Response::new(body);
	let headers = response.headers_mut();
	headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
	headers.insert("x-stream-output", HeaderValue::from_static("1"));
	Ok(response)
}

async fn block_get(store: BlockStore, pairs: &[(String, String)]) -> Result<Response, ApiError> {
	let cid = one_cid(pairs)?;
	let block = blocking(move || store.get_block(&cid)).await.map_err(store_failed)?;
	let mut response = hyper::Response::new(full(block));
	response
		.headers_mut()
		.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
	Ok(response)
}

async fn block_stat(store: BlockStore, pairs: &[(String, String)]) -> Result<Response, ApiError> {
	let cid = one_cid(pairs)?;
	let block = blocking(move || store.get_block(&cid)).await.map_err(store_failed)?;
	Ok(ok(object(&[("Key", json!(cid.to_string())), ("Size", json!(block.len()))])))
}

/// `pin/add`: recursive pins only (the store pins whole files).
async fn pin_add(store: BlockStore, pairs: &[(String, String)]) -> Result<Response, ApiError> {
	let cids = cid_args(pairs)?;
	if flag(pairs, "recursive")? == Some(false) {
		return Err(failed(
			"direct pins are not supported by this store: pin recursively (the default)",
		));
	}
	let pinned = blocking(move || {
		for cid in &cids {
			store.pin(cid)?;
		}
		Ok(cids)
	})
	.await
	.map_err(store_failed)?;
	Ok(ok(object(&[("Pins", json!(pinned.iter().map(Cid::to_string).collect::<Vec<_>>()))])))
}

/// `pin/rm`: every argument must be pinned, or nothing is unpinned.
async fn pin_rm(store: BlockStore, pairs: &[(String, String)]) -> Result<Response, ApiError> {
	let cids = cid_args(pairs)?;
	let removed = blocking(move || {
		if let Some(cid) = cids.iter().find(|cid| !store.is_pinned(cid)) {
			return Ok(Err(failed(format!("{cid} is not pinned or pinned indirectly"))));
		}
		for cid in &cids {
			store.unpin(cid)?;
		}
		Ok(Ok(cids))
	})
	.await
	.map_err(store_failed)??;
	Ok(ok(object(&[("Pins", json!(removed.iter().map(Cid::to_string).collect::<Vec<_>>()))])))
}

/// `pin/ls`: the recursive pins (this store keeps no direct or indirect ones), as a
/// `{"Keys": {cid: {"Type"}}}` map or, with `stream=true`, one `{"Cid","Type"}` per line.
async fn pin_ls(store: BlockStore, pairs: &[(String, String)]) -> Result<Response, ApiError> {
	let wanted = match query_get(pairs, "type") {
		None | Some("all" | "recursive") => true,
		Some("direct" | "indirect") => false,
		Some(other) => {
			return Err(failed(format!(
				"invalid type '{other}', must be one of {{direct, indirect, recursive, all}}"
			)))
		},
	};
	let args = if query_all(pairs, "arg").is_empty() { Vec::new() } else { cid_args(pairs)? };
	let pins = blocking(move || store.pins()).await.map_err(store_failed)?;
	if let Some(missing) = args.iter().find(|cid| !pins.contains(cid)) {
		return Err(failed(format!("path '{missing}' is not pinned")));
	}
	let listed: Vec<&Cid> =
		pins.iter().filter(|cid| wanted && (args.is_empty() || args.contains(cid))).collect();
	if flag(pairs, "stream")? == Some(true) {
		let lines: String = listed
			.iter()
			.map(|cid| {
				format!(
					"{}\n",
					object(&[
						("Cid", json!(cid.to_string())),
						("Name", json!("")),
						("Type", json!("recursive")),
					])
				)
			})
			.collect();
		let mut response = hyper::Response::new(full(lines));
		response
			.headers_mut()
			.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
		return Ok(response);
	}
	let keys: serde_json::Map<String, Json> =
		listed.iter().map(|cid| (cid.to_string(), json!({ "Type": "recursive" }))).collect();
	Ok(ok(object(&[("Keys", Json::Object(keys))])))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn objects_keep_kubos_key_order() {
		let line =
			object(&[("Name", json!("a \"b\"")), ("Hash", json!("Qm")), ("Size", json!("6"))]);
		assert_eq!(line, r#"{"Name":"a \"b\"","Hash":"Qm","Size":"6"}"#);
	}

	#[test]
	fn options_that_change_cids_are_refused() {
		let layout = |query: &str| add_layout(&query_pairs(Some(query))).map_err(|e| e.message);
		assert_eq!(layout("").unwrap(), Layout::KUBO_V0);
		assert_eq!(layout("cid-version=1").unwrap(), Layout::KUBO_V1);
		assert_eq!(
			layout("cid-version=1&raw-leaves=false&hash=sha2-256&inline=false&trickle=false")
				.unwrap(),
			Layout { cid_version: 1, raw_leaves: false }
		);
		assert!(layout("chunker=size-1024").unwrap_err().contains("size-262144"));
		assert!(layout("hash=blake3").unwrap_err().contains("sha2-256"));
		assert!(layout("cid-version=2").unwrap_err().contains("0 or 1"));
		assert!(layout("mtime=5").unwrap_err().contains("mtime"));
	}
}
