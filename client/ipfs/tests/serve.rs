//! `serve::Server` in-process on ephemeral ports: ipfs-api-backend-hyper (the crate's `Kubo`
//! backend and the raw client) adds to and reads from its Kubo RPC API with the CIDs this
//! crate's importer gives; the trustless gateway serves raw blocks and CARs that verify,
//! and the spec's statuses. The gateway is read over a hand-written HTTP/1.1 client so the
//! wire (chunked bodies, a stream cut short) is what is checked.

#![cfg(all(feature = "kubo", feature = "serve"))]

mod common;

use common::{content, serve, TempDir};
use ipfs_api_backend_hyper::{request, IpfsApi, IpfsClient, TryFromUri};
use openledger_ipfs::{
	add, serve::car::read_car, BlockStore, Cid, ContentStore, Kubo, Layout, CHUNK_SIZE,
};
use std::{collections::HashMap, net::SocketAddr};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::TcpStream,
};

/// One HTTP/1.1 exchange as it came over the wire.
struct Reply {
	status: u16,
	headers: HashMap<String, String>,
	body: Vec<u8>,
	/// Whether the body ended as HTTP says it should (final chunk, or Content-Length bytes).
	complete: bool,
}

impl Reply {
	fn header(&self, name: &str) -> &str {
		self.headers.get(name).map(String::as_str).unwrap_or("")
	}
}

async fn http(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
	let mut stream = TcpStream::connect(addr).await.unwrap();
	let mut request =
		format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
	for (name, value) in headers {
		request.push_str(&format!("{name}: {value}\r\n"));
	}
	request.push_str("\r\n");
	stream.write_all(request.as_bytes()).await.unwrap();
	let mut raw = Vec::new();
	let mut buffer = vec![0u8; 65536];
	// A server that cuts a stream may reset the connection: keep what arrived.
	while let Ok(read @ 1..) = stream.read(&mut buffer).await {
		raw.extend_from_slice(&buffer[..read]);
	}
	let Some(split) = raw.windows(4).position(|window| window == b"\r\n\r\n") else {
		// The connection closed before a response head (a stream cut before its first flush).
		return Reply { status: 0, headers: HashMap::new(), body: raw, complete: false };
	};
	let head = String::from_utf8(raw[..split].to_vec()).unwrap();
	let mut lines = head.split("\r\n");
	let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
	let headers: HashMap<String, String> = lines
		.filter_map(|line| line.split_once(':'))
		.map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_string()))
		.collect();
	let rest = &raw[split + 4..];
	let (body, complete) = if method == "HEAD" || status == 304 {
		(Vec::new(), rest.is_empty())
	} else if headers.get("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
		dechunk(rest)
	} else {
		let length: usize = headers["content-length"].parse().unwrap();
		(rest[..length.min(rest.len())].to_vec(), rest.len() == length)
	};
	Reply { status, headers, body, complete }
}

/// A chunked body and whether its final chunk arrived.
fn dechunk(mut rest: &[u8]) -> (Vec<u8>, bool) {
	let mut body = Vec::new();
	loop {
		let Some(end) = rest.windows(2).position(|window| window == b"\r\n") else {
			return (body, false);
		};
		let size = std::str::from_utf8(&rest[..end]).unwrap().split(';').next().unwrap();
		let size = usize::from_str_radix(size.trim(), 16).unwrap();
		rest = &rest[end + 2..];
		if size == 0 {
			return (body, true);
		}
		if rest.len() < size + 2 {
			body.extend_from_slice(&rest[..size.min(rest.len())]);
			return (body, false);
		}
		body.extend_from_slice(&rest[..size]);
		rest = &rest[size + 2..];
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn kubo_clients_add_to_and_cat_from_the_kubo_api() {
	let dir = TempDir::new("kubo");
	let (store, server) = serve(&dir, true).await;
	let url = server.kubo_api_url().unwrap();
	let kubo = ContentStore::Kubo(Box::new(Kubo::connect(&url).await.unwrap()));

	for layout in [Layout::KUBO_V0, Layout::KUBO_V1] {
		for size in [0, 12, CHUNK_SIZE, CHUNK_SIZE * 3 + 17] {
			let file = content(size);
			let cid = kubo.add(file.clone(), layout).await.unwrap();
			assert_eq!(cid, add(&file, layout).root, "{size} bytes, {layout:?}");
			assert_eq!(kubo.cat(&cid).await.unwrap(), file);
			kubo.pin(&cid).await.unwrap();
			// It landed in the served store, pinned.
			assert_eq!(store.cat(&cid).unwrap(), file);
			assert!(store.pins().unwrap().contains(&cid));
		}
	}

	// The raw client: the shapes Kubo answers with.
	let client = IpfsClient::from_str(&url).unwrap();
	assert!(!client.version().await.unwrap().version.is_empty());
	let file = content(CHUNK_SIZE + 1);
	let options = request::Add { cid_version: Some(1), pin: Some(false), ..Default::default() };
	let added = client.add_with_options(std::io::Cursor::new(file.clone()), options).await.unwrap();
	let dag = add(&file, Layout::KUBO_V1);
	assert_eq!(added.hash, dag.root.to_string());
	assert_eq!(added.name, added.hash, "a part without a file name is named by its CID");
	let cumulative: usize = dag.blocks.iter().map(|block| block.bytes.len()).sum();
	assert_eq!(added.size, cumulative.to_string());
	assert!(!store.is_pinned(&dag.root), "pin=false leaves it unpinned");

	let pinned = client.pin_add(&added.hash, true).await.unwrap();
	assert_eq!(pinned.pins, vec![added.hash.clone()]);
	let listed = client.pin_ls(Some(&added.hash), None).await.unwrap();
	assert_eq!(listed.keys[&added.hash].typ, "recursive");
	let removed = client.pin_rm(&added.hash, true).await.unwrap();
	assert_eq!(removed.pins, vec![added.hash.clone()]);
	let error = client.pin_rm(&added.hash, true).await.unwrap_err().to_string();
	assert!(error.contains("not pinned"), "{error}");

	let small = add(b"one block", Layout::KUBO_V1);
	store.put(&small).unwrap();
	use futures_util::TryStreamExt;
	let block: Vec<u8> = client
		.block_get(&small.root.to_string())
		.map_ok(|chunk| chunk.to_vec())
		.try_concat()
		.await
		.unwrap();
	assert_eq!(block, b"one block");
	let ranged: Vec<u8> = client
		.cat_range(&dag.root.to_string(), CHUNK_SIZE - 2, 3)
		.map_ok(|chunk| chunk.to_vec())
		.try_concat()
		.await
		.unwrap();
	assert_eq!(ranged, file[CHUNK_SIZE - 2..CHUNK_SIZE + 1]);

	// Options that would give other CIDs are refused, Kubo-style, naming what to change.
	for (options, expected) in [
		(request::Add { chunker: Some("rabin-512-1024-2048"), ..Default::default() }, "chunker"),
		(request::Add { hash: Some("blake2b-256"), ..Default::default() }, "sha2-256"),
		(request::Add { trickle: Some(true), ..Default::default() }, "trickle"),
		(request::Add { inline: Some(true), ..Default::default() }, "inline"),
	] {
		let error = client
			.add_with_options(std::io::Cursor::new(b"x".to_vec()), options)
			.await
			.unwrap_err()
			.to_string();
		assert!(error.contains(expected), "{error}");
	}
	let absent = add(b"never added", Layout::KUBO_V1).root;
	let error = kubo.cat(&absent).await.unwrap_err().to_string();
	assert!(error.contains("block was not found locally"), "{error}");

	// The error shape and status, on the wire.
	let addr = server.kubo_api_addr().unwrap();
	let reply = http(addr, "POST", "/api/v0/add?chunker=size-1024", &[]).await;
	assert_eq!(reply.status, 500);
	let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
	assert_eq!(body["Code"], 0);
	assert_eq!(body["Type"], "error");
	assert!(body["Message"].as_str().unwrap().contains("size-262144"));
	assert_eq!(http(addr, "GET", "/api/v0/version", &[]).await.status, 405);
	let cross_site = http(addr, "POST", "/api/v0/version", &[("Origin", "http://evil.example")]);
	assert_eq!(cross_site.await.status, 403);
	assert_eq!(http(addr, "POST", "/api/v0/cat", &[]).await.status, 400);
	server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_serves_blocks_and_cars_that_verify() {
	let dir = TempDir::new("gateway");
	let (store, server) = serve(&dir, false).await;
	assert!(server.kubo_api_url().is_none(), "the Kubo API is opt-in");
	let addr = server.gateway_addr();
	let file = content(CHUNK_SIZE * 2 + 99);

	for layout in [Layout::KUBO_V0, Layout::KUBO_V1] {
		let dag = add(&file, layout);
		let root = store.put(&dag).unwrap();

		let raw = http(addr, "GET", &format!("/ipfs/{root}?format=raw"), &[]).await;
		assert_eq!(raw.status, 200);
		assert!(root.matches(&raw.body), "the block hashes to its CID");
		assert_eq!(raw.header("content-type"), "application/vnd.ipld.raw");
		assert_eq!(raw.header("x-content-type-options"), "nosniff");
		assert_eq!(raw.header("cache-control"), "public, max-age=29030400, immutable");
		assert_eq!(raw.header("etag"), format!("\"{root}.raw\""));
		assert_eq!(
			raw.header("content-disposition"),
			format!("attachment; filename=\"{root}.bin\"")
		);

		let leaf = dag.blocks[0].cid;
		let by_accept =
			http(addr, "GET", &format!("/ipfs/{leaf}"), &[("Accept", "application/vnd.ipld.raw")])
				.await;
		assert_eq!((by_accept.status, by_accept.body.as_slice()), (200, &dag.blocks[0].bytes[..]));
		assert_eq!(by_accept.header("content-location"), format!("/ipfs/{leaf}?format=raw"));

		let car = http(addr, "GET", &format!("/ipfs/{root}?format=car"), &[]).await;
		assert_eq!(car.status, 200);
		assert!(car.complete);
		assert_eq!(
			car.header("content-type"),
			"application/vnd.ipld.car; version=1; order=dfs; dups=n"
		);
		let parsed = read_car(&car.body).unwrap();
		assert_eq!(parsed.roots, vec![root.to_bytes()]);
		assert_eq!(parsed.blocks[0].0, root, "depth first: the root comes first");
		let blocks: HashMap<Cid, Vec<u8>> = parsed.blocks.into_iter().collect();
		let read = openledger_ipfs::read_file(&root, |cid| blocks.get(cid).cloned().ok_or(()));
		assert_eq!(read.unwrap(), file, "the CAR holds the whole file");

		let by_accept = http(
			addr,
			"GET",
			&format!("/ipfs/{root}?dag-scope=block"),
			&[("Accept", "application/vnd.ipld.car; version=1")],
		)
		.await;
		let parsed = read_car(&by_accept.body).unwrap();
		assert_eq!(parsed.blocks.len(), 1);
		assert_eq!(parsed.blocks[0].0, root);

		let head = http(addr, "HEAD", &format!("/ipfs/{root}?format=raw"), &[]).await;
		assert_eq!((head.status, head.body.len()), (200, 0));
		assert_eq!(head.header("content-length"), raw.body.len().to_string());
		let head = http(addr, "HEAD", &format!("/ipfs/{root}?format=car"), &[]).await;
		assert_eq!(head.status, 200);
		assert!(head.header("content-type").starts_with("application/vnd.ipld.car; version=1"));

		let etag = raw.header("etag").to_string();
		let cached =
			http(addr, "GET", &format!("/ipfs/{root}?format=raw"), &[("If-None-Match", &etag)])
				.await;
		assert_eq!(cached.status, 304);
	}

	// Repeated chunks: once with dups=n, every time with dups=y.
	let repeated = vec![9u8; CHUNK_SIZE * 3];
	let dag = add(&repeated, Layout::KUBO_V1);
	let root = store.put(&dag).unwrap();
	let once = http(addr, "GET", &format!("/ipfs/{root}?format=car"), &[]).await;
	assert_eq!(read_car(&once.body).unwrap().blocks.len(), 2);
	let every = http(addr, "GET", &format!("/ipfs/{root}?format=car&car-dups=y"), &[]).await;
	assert_eq!(
		every.header("content-type"),
		"application/vnd.ipld.car; version=1; order=dfs; dups=y"
	);
	assert_eq!(read_car(&every.body).unwrap().blocks.len(), 4);

	// The spec's errors.
	let absent = add(b"never added", Layout::KUBO_V1).root;
	for format in ["raw", "car"] {
		let missing = http(addr, "GET", &format!("/ipfs/{absent}?format={format}"), &[]).await;
		assert_eq!(missing.status, 404, "{format}");
		let head = http(addr, "HEAD", &format!("/ipfs/{absent}?format={format}"), &[]).await;
		assert_eq!(head.status, 404, "{format}");
	}
	let status = |target: String| async move { http(addr, "GET", &target, &[]).await.status };
	assert_eq!(status("/ipfs/not-a-cid?format=raw".to_string()).await, 400);
	assert_eq!(status(format!("/ipfs/{root}")).await, 400, "no format: no deserialized files");
	assert_eq!(status(format!("/ipfs/{root}?format=tar")).await, 406);
	assert_eq!(status(format!("/ipfs/{root}?format=raw&x=1")).await, 200);
	let cached_only = http(
		addr,
		"GET",
		&format!("/ipfs/{absent}?format=raw"),
		&[("Cache-Control", "only-if-cached")],
	)
	.await;
	assert_eq!(cached_only.status, 412);
	assert_eq!(http(addr, "POST", &format!("/ipfs/{root}?format=raw"), &[]).await.status, 405);

	// The probe path.
	let probe = http(addr, "GET", "/ipfs/bafkqaaa?format=raw", &[]).await;
	assert_eq!((probe.status, probe.body.len()), (200, 0));
	let probe = http(addr, "GET", "/ipfs/bafkqaaa?format=car", &[]).await;
	assert_eq!(read_car(&probe.body).unwrap().roots, vec![vec![0x01, 0x55, 0x00, 0x00]]);

	// A damaged block is never served: missing for raw, a cut-off stream for a CAR.
	let leaf = &dag.blocks[0];
	let hex: String = leaf.cid.sha256.iter().map(|byte| format!("{byte:02x}")).collect();
	std::fs::write(dir.0.join("blocks").join(&hex[..2]).join(&hex), b"other bytes").unwrap();
	let damaged = http(addr, "GET", &format!("/ipfs/{}?format=raw", leaf.cid), &[]).await;
	assert_eq!(damaged.status, 404);
	let cut = http(addr, "GET", &format!("/ipfs/{root}?format=car"), &[]).await;
	// The root was there, so the response had begun (200); the cut may come before hyper
	// flushed anything, in which case the connection just closes.
	assert!(matches!(cut.status, 0 | 200), "{}", cut.status);
	assert!(!cut.complete, "the stream is cut, not ended");
	assert!(read_car(&cut.body).map_or(true, |car| car.blocks.len() < 2));
	server.stop().await;
}

/// The crate's fetch client (what validators and workers run) reads through this gateway:
/// the two halves of "files reach other machines" agree on the wire.
#[cfg(feature = "gateway")]
#[tokio::test(flavor = "multi_thread")]
async fn the_fetch_client_reads_files_through_the_gateway() {
	use openledger_ipfs::{FetchOutcome, Fetcher, Gateway, Source};
	let host = TempDir::new("fetch-host");
	let (store, server) = serve(&host, false).await;
	let file = content(CHUNK_SIZE * 3 + 5);
	let v1 = store.add(&file, Layout::KUBO_V1).unwrap();
	let v0 = store.add(&file, Layout::KUBO_V0).unwrap();
	let gateway = || Gateway::new(&server.gateway_url()).unwrap();
	for root in [v1, v0] {
		let bound = file.len() as u64 + 1;
		assert_eq!(gateway().fetch(&root, bound).await, FetchOutcome::Ok(file.clone()));
	}

	let empty = TempDir::new("fetch-client");
	let client = BlockStore::open(&empty.0).unwrap();
	let fetched =
		Fetcher::new(Some(client.clone())).with_gateway(gateway()).fetch(&v1, 1 << 30).await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(file.clone()));
	assert_eq!(fetched.served_by, [Source::Gateway(gateway().url().to_string())]);

	let absent = add(b"never added", Layout::KUBO_V1).root;
	assert!(matches!(gateway().fetch(&absent, 100).await, FetchOutcome::Unavailable(_)));
	let small = file.len() as u64 - 1;
	assert!(matches!(gateway().fetch(&v1, small).await, FetchOutcome::TooLarge));
	server.stop().await;
}
