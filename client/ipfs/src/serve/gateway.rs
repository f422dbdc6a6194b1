//! The IPFS Trustless Gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/)
//! over the embedded store: `GET`/`HEAD /ipfs/{cid}` as a raw block or a CAR of the DAG under
//! it. Only verifiable responses are served, so a validator on another machine can fetch a
//! contributor's file from this host without trusting it: every byte it receives is checked
//! against the CID it asked for. The store checks blocks too, so a corrupt local block is a
//! server error (or a cut-off CAR), never wrong bytes.

use super::{
	car,
	http::{blocking, empty, full, query_get, query_pairs, streamed, Hangup, Response},
};
use crate::{
	walk::{walk, WalkError, WalkOptions},
	BlockStore, Cid, StoreError,
};
use hyper::{
	body::Incoming,
	header::{self, HeaderMap, HeaderValue},
	Method, Request, StatusCode,
};

const RAW: &str = "application/vnd.ipld.raw";
const CAR: &str = "application/vnd.ipld.car";
/// What every `/ipfs/` response may be cached for: content under a CID never changes.
const IMMUTABLE: &str = "public, max-age=29030400, immutable";
/// The identity CID of no bytes, the spec's probe path (`/ipfs/bafkqaaa`).
const PROBE: &str = "bafkqaaa";
const PROBE_BYTES: [u8; 4] = [0x01, 0x55, 0x00, 0x00];
const USAGE: &str = "this is a trustless gateway: ask for /ipfs/{cid}?format=raw (one block) or \
	/ipfs/{cid}?format=car (the whole DAG), or send Accept: application/vnd.ipld.raw or \
	application/vnd.ipld.car; it does not serve deserialized files";

/// Which blocks of the DAG a CAR carries (`dag-scope`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scope {
	/// The whole DAG (`all`; `entity` is the same for a UnixFS file).
	All,
	/// The root block alone.
	Block,
}

/// The response format a request negotiated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
	Raw,
	Car {
		/// `dups=y`: a block is sent every time the walk reaches it.
		dups: bool,
		scope: Scope,
	},
}

/// A plain-text error response.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
	let mut response = hyper::Response::new(full(format!("{}\n", message.into())));
	*response.status_mut() = status;
	let headers = response.headers_mut();
	headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
	headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
	headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
	response
}

/// A request refused before any work: its status and why.
type Refused = (StatusCode, String);

fn refuse(status: StatusCode, message: impl Into<String>) -> Refused {
	(status, message.into())
}

/// Serves one gateway request.
pub(crate) async fn handle(store: BlockStore, request: Request<Incoming>) -> Response {
	let head = match *request.method() {
		Method::GET => false,
		Method::HEAD => true,
		Method::OPTIONS => return preflight(),
		_ => {
			let mut response = error(
				StatusCode::METHOD_NOT_ALLOWED,
				"this gateway is read-only: GET or HEAD /ipfs/{cid}",
			);
			response
				.headers_mut()
				.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
			return response;
		},
	};
	let path = request.uri().path();
	let Some(rest) = path.strip_prefix("/ipfs/") else {
		if path.starts_with("/ipns/") {
			return error(StatusCode::NOT_IMPLEMENTED, "this gateway serves /ipfs/ only, not IPNS");
		}
		return error(StatusCode::NOT_FOUND, USAGE);
	};
	let (cid_text, sub_path) = rest.split_once('/').unwrap_or((rest, ""));
	let pairs = query_pairs(request.uri().query());
	let format = match negotiate(&pairs, request.headers()) {
		Ok(format) => format,
		Err((status, message)) => return error(status, message),
	};
	if !sub_path.is_empty() {
		return error(
			StatusCode::BAD_REQUEST,
			format!(
				"paths under a CID are not served here (this store holds single files): ask for \
				 /ipfs/{cid_text}"
			),
		);
	}
	let request_headers = request.headers();
	let negotiated_by_accept = query_get(&pairs, "format").is_none();
	if cid_text == PROBE {
		return probe(format, head);
	}
	let cid: Cid = match cid_text.parse() {
		Ok(cid) => cid,
		Err(why) => {
			return error(
				StatusCode::BAD_REQUEST,
				format!("`{cid_text}` is not a CID this gateway can name: {why}"),
			)
		},
	};
	let only_if_cached = request_headers
		.get_all(header::CACHE_CONTROL)
		.iter()
		.any(|value| value.to_str().is_ok_and(|value| value.contains("only-if-cached")));
	let etag = etag(&cid, format);
	let mut response = if if_none_match(request_headers, &etag) {
		let mut response = hyper::Response::new(empty());
		*response.status_mut() = StatusCode::NOT_MODIFIED;
		response
	} else {
		// The root block decides the status: 404 when it is not here, before any byte.
		let root = {
			let store = store.clone();
			blocking(move || store.get_block(&cid)).await
		};
		let root = match root {
			Ok(root) => root,
			Err(StoreError::NotFound { .. } | StoreError::DamagedBlock { .. })
				if only_if_cached =>
			{
				return error(
					StatusCode::PRECONDITION_FAILED,
					format!("{cid} is not in this store"),
				)
			},
			Err(StoreError::NotFound { .. }) => {
				return error(
					StatusCode::NOT_FOUND,
					format!("{cid} is not in this gateway's store"),
				)
			},
			// A damaged block counts as missing: the client should fetch it elsewhere.
			Err(StoreError::DamagedBlock { .. }) => {
				return error(
					StatusCode::NOT_FOUND,
					format!("{cid} is damaged in this gateway's store; fetch it from another"),
				)
			},
			Err(other) => return error(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
		};
		match format {
			Format::Raw => raw(root, head),
			Format::Car { dups, scope } => car_response(store, cid, root, dups, scope, head),
		}
	};
	let headers = response.headers_mut();
	set_content_headers(headers, &cid.to_string(), format);
	headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("CIDs are ASCII"));
	if negotiated_by_accept {
		// The spec asks for the URL that names this representation without `Accept`.
		let location = content_location(path, &pairs, format);
		if let Ok(location) = HeaderValue::from_str(&location) {
			headers.insert(header::CONTENT_LOCATION, location);
		}
	}
	response
}

/// The response format: `?format=` first, then `Accept`.
fn negotiate(pairs: &[(String, String)], headers: &HeaderMap) -> Result<Format, Refused> {
	let accept: Vec<MediaRange> = headers
		.get_all(header::ACCEPT)
		.iter()
		.filter_map(|v| v.to_str().ok())
		.flat_map(media_ranges)
		.collect();
	let car_from_accept = accept.iter().find(|range| range.mime == CAR);
	let format = match query_get(pairs, "format") {
		Some("raw") => Format::Raw,
		Some("car") => car_format(pairs, car_from_accept)?,
		Some(other @ ("tar" | "dag-json" | "dag-cbor" | "json" | "cbor" | "ipns-record")) => {
			return Err(refuse(
				StatusCode::NOT_ACCEPTABLE,
				format!("format={other} is not served here. {USAGE}"),
			))
		},
		Some(other) => {
			return Err(refuse(StatusCode::BAD_REQUEST, format!("unknown format={other}. {USAGE}")))
		},
		None => {
			let mut ranked: Vec<&MediaRange> = accept.iter().collect();
			ranked.sort_by(|a, b| b.quality.total_cmp(&a.quality));
			let mut specific = false;
			let mut chosen = None;
			for range in ranked.into_iter().filter(|range| range.quality > 0.0) {
				if range.mime == RAW {
					chosen = Some(Format::Raw);
				} else if range.mime == CAR {
					match car_format(pairs, Some(range)) {
						Ok(format) => chosen = Some(format),
						Err(_) => specific = true,
					}
				} else if range.mime.starts_with("application/vnd.ipld.")
					|| range.mime.starts_with("application/vnd.ipfs.")
					|| range.mime == "application/x-tar"
				{
					specific = true;
				}
				if chosen.is_some() {
					break;
				}
			}
			match chosen {
				Some(format) => format,
				None if specific => {
					return Err(refuse(
						StatusCode::NOT_ACCEPTABLE,
						format!("none of the accepted types is served here. {USAGE}"),
					))
				},
				None => return Err(refuse(StatusCode::BAD_REQUEST, USAGE)),
			}
		},
	};
	Ok(format)
}

/// One entry of an `Accept` header.
struct MediaRange {
	mime: String,
	quality: f32,
	params: Vec<(String, String)>,
}

fn media_ranges(accept: &str) -> Vec<MediaRange> {
	accept
		.split(',')
		.filter_map(|range| {
			let mut fields = range.split(';');
			let mime = fields.next()?.trim().to_ascii_lowercase();
			if mime.is_empty() {
				return None;
			}
			let mut quality = 1.0;
			let mut params = Vec::new();
			for field in fields {
				let Some((key, value)) = field.split_once('=') else { continue };
				let (key, value) =
					(key.trim().to_ascii_lowercase(), value.trim().trim_matches('"'));
				if key == "q" {
					quality = value.parse().unwrap_or(0.0);
				} else {
					params.push((key, value.to_ascii_lowercase()));
				}
			}
			Some(MediaRange { mime, quality, params })
		})
		.collect()
}

/// A CAR format from the `car-*` and `dag-scope` query parameters, which win over the
/// `Accept` range's `version`, `order` and `dups`.
fn car_format(pairs: &[(String, String)], accept: Option<&MediaRange>) -> Result<Format, Refused> {
	let param = |query: &str, name: &str| {
		query_get(pairs, query).map(str::to_string).or_else(|| {
			accept?.params.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
		})
	};
	if let Some(version) = param("car-version", "version").filter(|version| version != "1") {
		return Err(refuse(
			StatusCode::BAD_REQUEST,
			format!("CAR version {version} is not served here: ask for version=1"),
		));
	}
	if let Some(order) =
		param("car-order", "order").filter(|order| order != "dfs" && order != "unk")
	{
		return Err(refuse(
			StatusCode::BAD_REQUEST,
			format!("CAR order={order} is not served here: this gateway sends order=dfs"),
		));
	}
	let dups = match param("car-dups", "dups").as_deref() {
		None | Some("n") => false,
		Some("y") => true,
		Some(other) => {
			return Err(refuse(
				StatusCode::BAD_REQUEST,
				format!("CAR dups={other}: use dups=y or dups=n"),
			))
		},
	};
	let scope = match query_get(pairs, "dag-scope") {
		None | Some("all" | "entity") => Scope::All,
		Some("block") => Scope::Block,
		Some(other) => {
			return Err(refuse(
				StatusCode::BAD_REQUEST,
				format!("dag-scope={other}: use all, entity or block"),
			))
		},
	};
	match query_get(pairs, "entity-bytes") {
		None | Some("0:*") => {},
		Some(range) => {
			return Err(refuse(
				StatusCode::BAD_REQUEST,
				format!(
					"entity-bytes={range} is not served here: fetch the whole file (leave \
					 entity-bytes out) and read the range from it"
				),
			))
		},
	}
	Ok(Format::Car { dups, scope })
}

fn car_content_type(dups: bool) -> String {
	format!("{CAR}; version=1; order=dfs; dups={}", if dups { "y" } else { "n" })
}

/// The strong Etag of a response: its bytes depend only on the CID and the format, since the
/// walk order is fixed.
fn etag(cid: &Cid, format: Format) -> String {
	match format {
		Format::Raw => format!("\"{cid}.raw\""),
		Format::Car { dups, scope } => {
			let scope = if scope == Scope::Block { "block" } else { "all" };
			format!("\"{cid}.car.{scope}.dfs.dups-{}\"", if dups { "y" } else { "n" })
		},
	}
}

/// Whether `If-None-Match` names `etag` (or `*`).
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
	headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|value| {
		value
			.split(',')
			.map(str::trim)
			.any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
	})
}

/// The request URL with `format=` set: what names this representation without `Accept`.
fn content_location(path: &str, pairs: &[(String, String)], format: Format) -> String {
	let mut query = vec![format!("format={}", if format == Format::Raw { "raw" } else { "car" })];
	query.extend(pairs.iter().map(|(key, value)| format!("{key}={value}")));
	format!("{path}?{}", query.join("&"))
}

/// The headers of a found (or not modified) resource.
fn set_content_headers(headers: &mut HeaderMap, cid: &str, format: Format) {
	let (content_type, extension) = match format {
		Format::Raw => (RAW.to_string(), "bin"),
		Format::Car { dups, .. } => (car_content_type(dups), "car"),
	};
	let value = |text: &str| HeaderValue::from_str(text).expect("ASCII header values");
	headers.insert(header::CONTENT_TYPE, value(&content_type));
	headers.insert(
		header::CONTENT_DISPOSITION,
		value(&format!("attachment; filename=\"{cid}.{extension}\"")),
	);
	headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
	headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
	headers.insert(header::VARY, HeaderValue::from_static("Accept"));
	headers.insert("x-ipfs-path", value(&format!("/ipfs/{cid}")));
	headers.insert("x-ipfs-roots", value(cid));
	headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
	headers.insert(
		header::ACCESS_CONTROL_EXPOSE_HEADERS,
		HeaderValue::from_static("Content-Length, Content-Type, Etag, X-Ipfs-Path, X-Ipfs-Roots"),
	);
}

fn preflight() -> Response {
	let mut response = hyper::Response::new(empty());
	*response.status_mut() = StatusCode::NO_CONTENT;
	let headers = response.headers_mut();
	headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
	headers.insert(
		header::ACCESS_CONTROL_ALLOW_METHODS,
		HeaderValue::from_static("GET, HEAD, OPTIONS"),
	);
	headers.insert(
		header::ACCESS_CONTROL_ALLOW_HEADERS,
		HeaderValue::from_static("Accept, Cache-Control, If-None-Match, Range"),
	);
	response
}

fn raw(block: Vec<u8>, head: bool) -> Response {
	let length = block.len();
	let mut response = hyper::Response::new(if head { empty() } else { full(block) });
	response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
	response
}

/// The probe (`/ipfs/bafkqaaa`): an empty raw block, or a CAR naming it with no blocks.
fn probe(format: Format, head: bool) -> Response {
	let body = match format {
		Format::Raw => Vec::new(),
		Format::Car { .. } => car::header(&PROBE_BYTES),
	};
	let length = body.len();
	let mut response = hyper::Response::new(if head { empty() } else { full(body) });
	let headers = response.headers_mut();
	set_content_headers(headers, PROBE, format);
	headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
	response
}

fn car_response(
	store: BlockStore,
	cid: Cid,
	root: Vec<u8>,
	dups: bool,
	scope: Scope,
	head: bool,
) -> Response {
	if head {
		return hyper::Response::new(empty());
	}
	hyper::Response::new(streamed(move |sink| {
		if sink.send(car::header(&cid.to_bytes())).is_err() {
			return;
		}
		if scope == Scope::Block {
			let _ = sink.send(car::section_prefix(&cid, root.len())).and_then(|()| sink.send(root));
			return;
		}
		let options = WalkOptions { dedupe: !dups, read_raw: true };
		let walked = walk(&store, &cid, options, |visit| {
			sink.send(car::section_prefix(visit.cid, visit.block.len()))?;
			sink.send(visit.block.to_vec())
		});
		match walked {
			Ok(()) | Err(WalkError::Visitor(Hangup)) => {},
			// Headers are out: cutting the stream is how a gateway reports a missing child.
			Err(error) => sink.fail(format!("the CAR of {cid} stopped: {error}")),
		}
	}))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn headers(accept: &str) -> HeaderMap {
		let mut headers = HeaderMap::new();
		headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
		headers
	}

	fn pairs(query: &str) -> Vec<(String, String)> {
		query_pairs(Some(query))
	}

	#[test]
	fn formats_are_negotiated_as_the_spec_says() {
		let none = HeaderMap::new();
		assert_eq!(negotiate(&pairs("format=raw"), &none).unwrap(), Format::Raw);
		assert_eq!(
			negotiate(&pairs("format=car"), &headers(RAW)).unwrap(),
			Format::Car { dups: false, scope: Scope::All },
			"format wins over Accept"
		);
		assert_eq!(
			negotiate(&pairs(""), &headers("application/vnd.ipld.car; version=1; dups=y")).unwrap(),
			Format::Car { dups: true, scope: Scope::All }
		);
		assert_eq!(
			negotiate(
				&pairs("dag-scope=block"),
				&headers("text/html, application/vnd.ipld.car;q=0.5")
			)
			.unwrap(),
			Format::Car { dups: false, scope: Scope::Block }
		);
		assert_eq!(
			negotiate(
				&pairs(""),
				&headers("application/vnd.ipld.car;q=0.2, application/vnd.ipld.raw")
			)
			.unwrap(),
			Format::Raw
		);
		let status = |query: &str, accept: Option<&str>| {
			negotiate(&pairs(query), &accept.map(headers).unwrap_or_default()).unwrap_err().0
		};
		assert_eq!(status("", None), StatusCode::BAD_REQUEST);
		assert_eq!(status("", Some("text/html,*/*;q=0.8")), StatusCode::BAD_REQUEST);
		assert_eq!(status("", Some("application/x-tar")), StatusCode::NOT_ACCEPTABLE);
		assert_eq!(status("format=tar", None), StatusCode::NOT_ACCEPTABLE);
		assert_eq!(status("format=html", None), StatusCode::BAD_REQUEST);
		assert_eq!(status("format=car&car-version=2", None), StatusCode::BAD_REQUEST);
		assert_eq!(status("format=car&entity-bytes=0:10", None), StatusCode::BAD_REQUEST);
		assert_eq!(
			status("", Some("application/vnd.ipld.car; version=2")),
			StatusCode::NOT_ACCEPTABLE
		);
	}

	#[test]
	fn etags_match_loosely() {
		let mut headers = HeaderMap::new();
		headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\", W/\"a.raw\""));
		assert!(if_none_match(&headers, "\"a.raw\""));
		assert!(!if_none_match(&headers, "\"b.raw\""));
	}
}
