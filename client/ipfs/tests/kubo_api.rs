//! The Kubo RPC backend (through ipfs-api-backend-hyper) against a stand-in for a Kubo
//! daemon's HTTP API: Kubo itself cannot be run here (the kubo-python wheel ships the
//! library, not the daemon). The stand-in answers /version, /add, /cat and /pin/add as
//! Kubo does, computing CIDs with this crate's importer; it checks that the backend asks
//! for the right chunker and CID options, and that `cat` refuses content that does not
//! hash to the CID asked for.

use openledger_ipfs::{add, ContentStore, IpfsError, Kubo, KuboError, Layout};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
};
use tokio::{
	io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
	net::{TcpListener, TcpStream},
};

#[derive(Default)]
struct Daemon {
	/// Content by CID text; `tamper` serves other bytes for every CID.
	files: HashMap<String, Vec<u8>>,
	pins: Vec<String>,
	tamper: bool,
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
		let (status, payload): (&str, Vec<u8>) = {
			let mut daemon = daemon.lock().unwrap();
			match path {
				"/api/v0/version" => ("200 OK", br#"{"Version":"0.22.0","Commit":"","Repo":"14","System":"amd64/linux","Golang":"go1.20"}"#.to_vec()),
				"/api/v0/add" => {
					assert_eq!(query(&target, "chunker").as_deref(), Some("size-262144"));
					let layout = Layout {
						cid_version: query(&target, "cid-version").unwrap().parse().unwrap(),
						raw_leaves: query(&target, "raw-leaves").as_deref() == Some("true"),
					};
					let content_type = &headers["content-type"];
					let boundary = content_type.split("boundary=").nth(1).unwrap();
					let content = first_part(&body, boundary);
					let cid = add(&content, layout).root.to_string();
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
