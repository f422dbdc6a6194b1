//! The Kubo RPC backend (through ipfs-api-backend-hyper) against a stand-in for a Kubo
//! daemon's HTTP API: Kubo itself cannot be run here (the kubo-python wheel ships the
//! library, not the daemon). The stand-in answers /version, /add, /cat and /pin/add as
//! Kubo does, computing CIDs with this crate's importer; it checks that the backend asks
//! for the right chunker, CID version, hash, inlining and layout, that `cat` refuses content
//! that does not hash to the CID asked for, that reads stop at their bound and time out,
//! that a CID of another hash function is refused with a message, and that the `Fetcher`
//! reads blocks through the API (/block/get), verified.

#![cfg(all(feature = "kubo", feature = "gateway"))]

use openledger_ipfs::{
	add, ContentStore, FetchOutcome, Fetcher, IpfsError, Kubo, KuboError, Layout, Source,
};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};
use tokio::{
	io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
	net::{TcpListener, TcpStream},
};

#[derive(Default)]
struct Daemon {
	/// Content by CID text; `tamper` serves other bytes for every CID.
	files: HashMap<String, Vec<u8>>,
	/// Blocks of the files added, by CID text.
	blocks: HashMap<String, Vec<u8>>,
	pins: Vec<String>,
	tamper: bool,
	/// Answers after 10 s.
	slow: bool,
	/// Hashes with blake2b-256, as a Kubo with `Import.HashFunction` set otherwise that
	/// ignored `hash=sha2-256` would.
	blake: bool,
}

fn query(target: &str, key: &str) -> Option<String> {
	let (_, query) = target.split_once('?')?;
	query.split('&').find_map(|pair| {
		let (k, v) = pair.split_once('=')?;
		(k == key).then(|| v.to_string())
	})
}

/// The body of the first part of a multipart form.
fn first_part(body: &[u8], boundary: &str) -> Vec<u8> {
	let find = |haystack: &[u8], needle: &[u8]| {
		haystack.windows(needle.len()).position(|window| window == needle)
	};
	let start = find(body, b"\r\n\r\n").expect("part headers") + 4;
	let end = find(&body[start..], format!("\r\n--{boundary}").as_bytes()).expect("boundary");
	body[start..start + end].to_vec()
}

async fn read_body(
	reader: &mut BufReader<TcpStream>,
	headers: &HashMap<String, String>,
) -> Vec<u8> {
	let mut body = Vec::new();
	if let Some(length) = headers.get("content-length") {
		body.resize(length.parse().unwrap(), 0);
		reader.read_exact(&mut body).await.unwrap();
	} else if headers.get("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
		loop {
			let mut size = String::new();
			reader.read_line(&mut size).await.unwrap();
			let size = usize::from_str_radix(size.trim(), 16).unwrap();
			let mut chunk = vec![0; size + 2];
			reader.read_exact(&mut chunk).await.unwrap();
			if size == 0 {
				break;
			}
			body.extend_from_slice(&chunk[..size]);
		}
	}
	body
}

async fn serve(stream: TcpStream, daemon: Arc<Mutex<Daemon>>) {
	let mut reader = BufReader::new(stream);
	loop {
		let mut request_line = String::new();
		if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
			return;
		}
		let target = request_line.split_whitespace().nth(1).unwrap().to_string();
		let mut headers = HashMap::new();
		loop {
			let mut line = String::new();
			reader.read_line(&mut line).await.unwrap();
			let Some((name, value)) = line.trim_end().split_once(':') else { break };
			headers.insert(name.to_ascii_lowercase(), value.trim().to_string());
		}
		let body = read_body(&mut reader, &headers).await;
		let path = target.split('?').next().unwrap();
		if daemon.lock().unwrap().slow && path != "/api/v0/version" {
			tokio::time::sleep(Duration::from_secs(10)).await;
		}
		let (status, payload): (&str, Vec<u8>) = {
			let mut daemon = daemon.lock().unwrap();
			match path {
				"/api/v0/version" => ("200 OK", br#"{"Version":"0.22.0","Commit":"","Repo":"14","System":"amd64/linux","Golang":"go1.20"}"#.to_vec()),
				"/api/v0/add" => {
					assert_eq!(query(&target, "chunker").as_deref(), Some("size-262144"));
					assert_eq!(query(&target, "hash").as_deref(), Some("sha2-256"));
					assert_eq!(query(&target, "inline").as_deref(), Some("false"));
					assert_eq!(query(&target, "trickle").as_deref(), Some("false"));
					let layout = Layout {
						cid_version: query(&target, "cid-version").unwrap().parse().unwrap(),
						raw_leaves: query(&target, "raw-leaves").as_deref() == Some("true"),
					};
					let content_type = &headers["content-type"];
					let boundary = content_type.split("boundary=").nth(1).unwrap();
					let content = first_part(&body, boundary);
					let dag = add(&content, layout);
					for block in &dag.blocks {
						daemon.blocks.insert(block.cid.to_string(), block.bytes.clone());
					}
					let mut cid = dag.root.to_string();
					if daemon.blake {
						// CIDv1, raw, multihash blake2b-256 (0xb220), as Kubo prints it.
						let mut bytes = vec![0x01, 0x55, 0xa0, 0xe4, 0x02, 0x20];
						bytes.extend(dag.root.sha256);
						let base32 = data_encoding::BASE32_NOPAD.encode(&bytes);
						cid = format!("b{}", base32.to_lowercase());
					}
					let answer =
						format!(r#"{{"Name":"file","Hash":"{cid}","Size":"{}"}}"#, content.len());
					daemon.files.insert(cid, content);
					("200 OK", answer.into_bytes())
				},
				"/api/v0/cat" => {
					let cid = query(&target, "arg").unwrap();
					match daemon.files.get(&cid) {
						Some(_) if daemon.tamper => ("200 OK", b"not the content".to_vec()),
						Some(content) => ("200 OK", content.clone()),
						None => ("500 Internal Server Error", br#"{"Message":"block was not found locally (offline)","Code":0,"Type":"error"}"#.to_vec()),
					}
				},
				"/api/v0/block/get" => {
					let cid = query(&target, "arg").unwrap();
					match daemon.blocks.get(&cid) {
						Some(block) => ("200 OK", block.clone()),
						None => ("500 Internal Server Error", br#"{"Message":"block was not found locally (offline)","Code":0,"Type":"error"}"#.to_vec()),
					}
				},
				"/api/v0/pin/add" => {
					let cid = query(&target, "arg").unwrap();
					daemon.pins.push(cid.clone());
					("200 OK", format!(r#"{{"Pins":["{cid}"]}}"#).into_bytes())
				},
				_ => ("404 Not Found", b"404 page not found".to_vec()),
			}
		};
		let head = format!(
			"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
			payload.len()
		);
		let stream = reader.get_mut();
		stream.write_all(head.as_bytes()).await.unwrap();
		stream.write_all(&payload).await.unwrap();
	}
}

async fn start_daemon() -> (String, Arc<Mutex<Daemon>>) {
	let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}", listener.local_addr().unwrap());
	let daemon = Arc::new(Mutex::new(Daemon::default()));
	let shared = daemon.clone();
	tokio::spawn(async move {
		while let Ok((stream, _)) = listener.accept().await {
			tokio::spawn(serve(stream, shared.clone()));
		}
	});
	(url, daemon)
}

#[tokio::test]
async fn add_cat_and_pin_go_through_the_kubo_api() {
	let (url, daemon) = start_daemon().await;
	let store = ContentStore::Kubo(Box::new(Kubo::connect(&url).await.unwrap()));
	let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
	for layout in [Layout::KUBO_V0, Layout::KUBO_V1] {
		let cid = store.add(content.clone(), layout).await.unwrap();
		assert_eq!(cid, add(&content, layout).root);
		assert_eq!(store.cat(&cid).await.unwrap(), content);
		store.pin(&cid).await.unwrap();
		assert!(daemon.lock().unwrap().pins.contains(&cid.to_string()));
	}

	daemon.lock().unwrap().tamper = true;
	let cid = add(&content, Layout::KUBO_V1).root;
	assert!(matches!(store.cat(&cid).await, Err(IpfsError::ContentMismatch(c)) if c == cid));
	let absent = add(b"never added", Layout::KUBO_V1).root;
	let error = store.cat(&absent).await.unwrap_err().to_string();
	assert!(error.contains("block was not found"), "{error}");
}

#[tokio::test]
async fn an_unreachable_api_is_one_clear_error() {
	let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}", closed.local_addr().unwrap());
	drop(closed);
	let error = Kubo::connect(&url).await.err().expect("nothing listens there");
	assert!(matches!(error, KuboError::Unreachable { .. }));
	assert!(error.to_string().starts_with(&format!("cannot reach the IPFS API at {url}")));
	assert!(matches!(
		Kubo::connect("ftp:/nonsense").await,
		Err(KuboError::BadUrl(_) | KuboError::Unreachable { .. })
	));
}

#[tokio::test]
async fn reads_are_bounded_and_time_out() {
	let (url, daemon) = start_daemon().await;
	let kubo = Kubo::connect(&url).await.unwrap();
	let content: Vec<u8> = (0..600_000u32).map(|i| (i % 249) as u8).collect();
	let cid = kubo.add(content.clone(), Layout::KUBO_V1).await.unwrap();
	let size = content.len() as u64;
	assert_eq!(kubo.cat(&cid, size).await.unwrap(), content);
	let error = kubo.cat(&cid, size - 1).await.unwrap_err();
	assert!(matches!(error, KuboError::TooLarge { max_bytes, .. } if max_bytes == size - 1));

	// The Fetcher reads the file block by block through the API, each verified.
	let fetched = Fetcher::new(None).with_kubo(kubo).fetch(&cid, size + 1).await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(content.clone()));
	assert_eq!(fetched.served_by, [Source::Kubo(url.clone())]);
	let kubo = Kubo::connect(&url).await.unwrap();
	let fetched = Fetcher::new(None).with_kubo(kubo).fetch(&cid, 1000).await;
	assert_eq!(fetched.outcome, FetchOutcome::TooLarge);

	daemon.lock().unwrap().slow = true;
	let kubo = Kubo::connect(&url).await.unwrap().with_timeout(Duration::from_millis(300));
	let began = Instant::now();
	let error = kubo.cat(&cid, size).await.unwrap_err();
	assert!(began.elapsed() < Duration::from_secs(5));
	assert!(matches!(error, KuboError::Timeout { .. }), "{error:?}");
	assert!(error.to_string().contains("made no progress"), "{error}");
	let fetched = Fetcher::new(None).with_kubo(kubo).fetch(&cid, size + 1).await;
	assert!(matches!(fetched.outcome, FetchOutcome::Unavailable(_)), "{fetched:?}");
}

#[tokio::test]
async fn a_cid_of_another_hash_function_is_refused_with_what_to_change() {
	let (url, daemon) = start_daemon().await;
	daemon.lock().unwrap().blake = true;
	let kubo = Kubo::connect(&url).await.unwrap();
	let error = kubo.add(b"hello".to_vec(), Layout::KUBO_V1).await.unwrap_err();
	assert!(matches!(error, KuboError::NotSha256 { .. }), "{error:?}");
	assert!(error.to_string().contains("ipfs config Import.HashFunction sha2-256"), "{error}");
}
