//! `Fetcher` and `Gateway` against small local trustless gateways that serve raw blocks
//! (`GET /ipfs/{cid}?format=raw`) honestly, with other bytes, slowly, or not at all, each
//! counting the body bytes it sends: the outcomes a validator votes on (or does not) and
//! the bounds on what is read.

#![cfg(feature = "gateway")]

mod common;

use common::content;
use openledger_ipfs::{
	add, BlockStore, Cid, FetchOutcome, Fetcher, Gateway, GatewayError, Layout, Source, CHUNK_SIZE,
};
use std::{
	collections::HashMap,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};
use tokio::{
	io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
	net::{TcpListener, TcpStream},
};

#[derive(Clone, Copy)]
enum Behaviour {
	Honest,
	/// Serves every block with one byte changed.
	Lying,
	/// Answers after this long.
	Slow(Duration),
	/// Answers with the block as `text/plain`, as a gateway that ignores `format=raw` would
	/// (it would send the file).
	NotTrustless,
	/// Sends bodies without a Content-Length (delimited by closing the connection).
	Unsized,
	/// Serves every block with 100 bytes more.
	Padded,
}

struct TestGateway {
	url: String,
	/// Body bytes written.
	served: Arc<AtomicU64>,
	requests: Arc<AtomicU64>,
}

async fn respond(
	stream: &mut TcpStream,
	status: &str,
	content_type: &str,
	body: &[u8],
	sized: bool,
) -> std::io::Result<()> {
	let length = if sized { format!("Content-Length: {}\r\n", body.len()) } else { String::new() };
	let connection = if sized { "" } else { "Connection: close\r\n" };
	let head =
		format!("HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{length}{connection}\r\n");
	stream.write_all(head.as_bytes()).await?;
	stream.write_all(body).await
}

async fn serve(
	stream: TcpStream,
	blocks: Arc<HashMap<[u8; 32], Vec<u8>>>,
	behaviour: Behaviour,
	served: Arc<AtomicU64>,
	requests: Arc<AtomicU64>,
) {
	let mut reader = BufReader::new(stream);
	loop {
		let mut request_line = String::new();
		if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
			return;
		}
		let mut accept = String::new();
		loop {
			let mut line = String::new();
			if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
				return;
			}
			if line.trim().is_empty() {
				break;
			}
			if let Some(value) = line.to_ascii_lowercase().strip_prefix("accept:") {
				accept = value.trim().to_string();
			}
		}
		requests.fetch_add(1, Ordering::SeqCst);
		let target = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
		let (path, query) = target.split_once('?').unwrap_or((&target, ""));
		assert_eq!(query, "format=raw");
		assert_eq!(accept, "application/vnd.ipld.raw");
		let cid: Option<Cid> = path.strip_prefix("/ipfs/").and_then(|cid| cid.parse().ok());
		let block = cid.and_then(|cid| blocks.get(&cid.sha256)).cloned();
		let stream = reader.get_mut();
		let Some(mut block) = block else {
			let _ = respond(stream, "404 Not Found", "text/plain", b"not found", true).await;
			continue;
		};
		let mut content_type = "application/vnd.ipld.raw";
		let mut sized = true;
		match behaviour {
			Behaviour::Honest => {},
			Behaviour::Lying => block[0] ^= 1,
			Behaviour::Slow(delay) => tokio::time::sleep(delay).await,
			Behaviour::NotTrustless => content_type = "text/plain",
			Behaviour::Unsized => sized = false,
			Behaviour::Padded => block.extend([0; 100]),
		}
		if respond(stream, "200 OK", content_type, &block, sized).await.is_err() {
			return;
		}
		served.fetch_add(block.len() as u64, Ordering::SeqCst);
		if !sized {
			return;
		}
	}
}

/// A gateway on a free port serving the blocks of `dags`.
async fn start(dags: &[&openledger_ipfs::Dag], behaviour: Behaviour) -> TestGateway {
	let blocks: HashMap<[u8; 32], Vec<u8>> = dags
		.iter()
		.flat_map(|dag| &dag.blocks)
		.map(|block| (block.cid.sha256, block.bytes.clone()))
		.collect();
	let blocks = Arc::new(blocks);
	let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}", listener.local_addr().unwrap());
	let (served, requests) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
	let (served_, requests_) = (served.clone(), requests.clone());
	tokio::spawn(async move {
		while let Ok((stream, _)) = listener.accept().await {
			tokio::spawn(serve(
				stream,
				blocks.clone(),
				behaviour,
				served_.clone(),
				requests_.clone(),
			));
		}
	});
	TestGateway { url, served, requests }
}

fn gateway(test: &TestGateway) -> Gateway {
	Gateway::new(&test.url).unwrap()
}

/// A store in a fresh temporary directory, removed on drop.
struct TempStore(BlockStore);

impl TempStore {
	fn new(name: &str) -> TempStore {
		let dir = std::env::temp_dir().join(format!("ol-fetch-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		TempStore(BlockStore::open(dir).unwrap())
	}
}

impl Drop for TempStore {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(self.0.path());
	}
}

#[tokio::test]
async fn an_honest_gateway_serves_verified_bytes_that_are_then_local() {
	let bytes = content(CHUNK_SIZE * 3 + 5);
	let dag = add(&bytes, Layout::KUBO_V1);
	let honest = start(&[&dag], Behaviour::Honest).await;
	assert_eq!(
		gateway(&honest).fetch(&dag.root, bytes.len() as u64 + 1).await,
		FetchOutcome::Ok(bytes.clone())
	);

	let store = TempStore::new("honest");
	let fetcher = Fetcher::new(Some(store.0.clone())).with_gateway(gateway(&honest));
	let fetched = fetcher.fetch(&dag.root, bytes.len() as u64 + 1).await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(bytes.clone()));
	assert_eq!(fetched.served_by, [Source::Gateway(honest.url.clone())]);
	assert!(fetched.lied.is_empty() && fetched.problems.is_empty(), "{fetched:?}");

	// Kept (unpinned) in the store: the next read is local, without any gateway.
	assert_eq!(store.0.cat(&dag.root).unwrap(), bytes);
	assert!(store.0.pins().unwrap().is_empty());
	let requests = honest.requests.load(Ordering::SeqCst);
	let fetched = Fetcher::new(Some(store.0.clone()))
		.with_gateway(gateway(&honest))
		.fetch(&dag.root, bytes.len() as u64 + 1)
		.await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(bytes));
	assert_eq!(fetched.served_by, [Source::Local]);
	assert_eq!(honest.requests.load(Ordering::SeqCst), requests);

	// CIDv0 (dag-pb leaves) and bodies without a Content-Length work alike.
	let small = content(1000);
	let v0 = add(&small, Layout::KUBO_V0);
	let unsized_ = start(&[&v0], Behaviour::Unsized).await;
	assert_eq!(gateway(&unsized_).fetch(&v0.root, 1001).await, FetchOutcome::Ok(small));
}

#[tokio::test]
async fn a_lying_gateway_is_reported_and_the_next_source_serves() {
	let bytes = content(CHUNK_SIZE * 2 + 77);
	let dag = add(&bytes, Layout::KUBO_V1);
	let (liar, honest) =
		(start(&[&dag], Behaviour::Lying).await, start(&[&dag], Behaviour::Honest).await);
	let max = bytes.len() as u64 + 1;
	assert_eq!(
		gateway(&liar).fetch(&dag.root, max).await,
		FetchOutcome::Lied { gateway: liar.url.clone() }
	);

	let fetched = Fetcher::new(None)
		.with_gateway(gateway(&liar))
		.with_gateway(gateway(&honest))
		.fetch(&dag.root, max)
		.await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(bytes));
	assert_eq!(fetched.lied, vec![liar.url.clone()]);
	assert_eq!(fetched.served_by, [Source::Gateway(honest.url.clone())]);
	// The liar was asked once (the root) and then never again.
	assert_eq!(liar.requests.load(Ordering::SeqCst), 2, "one from Gateway::fetch, one here");

	// Only liars: unavailable (nothing about the content is known), with the liars named.
	let fetched = Fetcher::new(None).with_gateway(gateway(&liar)).fetch(&dag.root, max).await;
	let FetchOutcome::Unavailable(reason) = &fetched.outcome else { panic!("{fetched:?}") };
	assert!(reason.contains("do not hash"), "{reason}");
	assert_eq!(fetched.lied, vec![liar.url.clone()]);
}

#[tokio::test]
async fn a_file_larger_than_declared_stops_at_the_bound() {
	// Declared 1000 bytes; the CID names 768 KiB. The root says so: nothing else is read.
	let bytes = content(CHUNK_SIZE * 3);
	let dag = add(&bytes, Layout::KUBO_V1);
	let declared = 1000u64;
	let honest = start(&[&dag], Behaviour::Honest).await;
	let fetched =
		Fetcher::new(None).with_gateway(gateway(&honest)).fetch(&dag.root, declared + 1).await;
	assert_eq!(fetched.outcome, FetchOutcome::TooLarge);
	assert_eq!(honest.requests.load(Ordering::SeqCst), 1);
	let served = honest.served.load(Ordering::SeqCst);
	assert!(served <= declared + 1, "{served} bytes served");

	// The declared size itself is fine.
	let exact = Fetcher::new(None).with_gateway(gateway(&honest));
	let fetched = exact.fetch(&dag.root, bytes.len() as u64 + 1).await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(bytes));

	// A single-block file (the root is the raw leaf): the root is read whole (one block) and
	// hashed, so "too large" is proved by verified bytes, from the first source.
	let leaf = content(5000);
	let single = add(&leaf, Layout::KUBO_V1);
	let (sized, unsized_) =
		(start(&[&single], Behaviour::Honest).await, start(&[&single], Behaviour::Unsized).await);
	let fetched = Fetcher::new(None)
		.with_gateway(gateway(&sized))
		.with_gateway(gateway(&unsized_))
		.fetch(&single.root, declared + 1)
		.await;
	assert_eq!(fetched.outcome, FetchOutcome::TooLarge);
	assert_eq!(sized.served.load(Ordering::SeqCst), leaf.len() as u64, "one block, no more");
	assert!(fetched.lied.is_empty());

	// A source that served more than the block has, shown by another that served it
	// verified within the bound, is a liar.
	let padded = start(&[&single], Behaviour::Padded).await;
	let fetched = Fetcher::new(None)
		.with_gateway(gateway(&padded))
		.with_gateway(gateway(&sized))
		.fetch(&single.root, leaf.len() as u64 + 1)
		.await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(leaf));
	assert_eq!(fetched.lied, vec![padded.url.clone()]);
}

#[tokio::test]
async fn a_slow_gateway_times_out_as_unavailable() {
	let bytes = content(CHUNK_SIZE + 1);
	let dag = add(&bytes, Layout::KUBO_V1);
	let (slow, honest) = (
		start(&[&dag], Behaviour::Slow(Duration::from_secs(10))).await,
		start(&[&dag], Behaviour::Honest).await,
	);
	let impatient = gateway(&slow).with_timeout(Duration::from_millis(300));
	let began = Instant::now();
	let outcome = impatient.fetch(&dag.root, bytes.len() as u64 + 1).await;
	assert!(began.elapsed() < Duration::from_secs(5));
	let FetchOutcome::Unavailable(reason) = outcome else { panic!("{outcome:?}") };
	assert!(reason.contains("did not serve block") && reason.contains("0.3 s"), "{reason}");

	let fetched = Fetcher::new(None)
		.with_gateway(impatient)
		.with_gateway(gateway(&honest))
		.fetch(&dag.root, bytes.len() as u64 + 1)
		.await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(bytes));
	assert!(fetched.lied.is_empty());
	assert_eq!(fetched.problems.len(), 1, "{fetched:?}");
}

#[tokio::test]
async fn missing_content_and_non_trustless_gateways_are_unavailable() {
	let bytes = content(3000);
	let dag = add(&bytes, Layout::KUBO_V1);
	let other = add(b"something else", Layout::KUBO_V1);
	let (empty, plain) =
		(start(&[&other], Behaviour::Honest).await, start(&[&dag], Behaviour::NotTrustless).await);
	let fetched = Fetcher::new(None)
		.with_gateway(gateway(&empty))
		.with_gateway(gateway(&plain))
		.fetch(&dag.root, 3001)
		.await;
	let FetchOutcome::Unavailable(reason) = &fetched.outcome else { panic!("{fetched:?}") };
	assert!(reason.contains("does not have block") && reason.contains("404"), "{reason}");
	assert!(reason.contains("not an IPFS trustless gateway"), "{reason}");
	assert!(fetched.lied.is_empty());

	// Nothing listening there.
	let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}", closed.local_addr().unwrap());
	drop(closed);
	let outcome = Gateway::new(&url).unwrap().fetch(&dag.root, 3001).await;
	let FetchOutcome::Unavailable(reason) = outcome else { panic!("{outcome:?}") };
	assert!(
		reason.starts_with(&format!(
			"no source served block {} of {}: cannot reach {url}",
			dag.root, dag.root
		)),
		"{reason}"
	);

	// No source at all.
	let store = TempStore::new("nothing");
	let fetched = Fetcher::new(Some(store.0.clone())).fetch(&dag.root, 3001).await;
	let FetchOutcome::Unavailable(reason) = &fetched.outcome else { panic!("{fetched:?}") };
	assert!(reason.contains("no gateway or Kubo API is configured"), "{reason}");

	for bad in ["ftp://host", "localhost:8080", "http://host/?x=1", ""] {
		assert!(matches!(Gateway::new(bad), Err(GatewayError::BadUrl(_))), "{bad}");
	}
}

#[tokio::test]
async fn a_damaged_local_block_is_fetched_again_and_repaired() {
	let bytes = content(CHUNK_SIZE * 2 + 3);
	let dag = add(&bytes, Layout::KUBO_V1);
	let store = TempStore::new("damaged");
	store.0.put(&dag).unwrap();
	let leaf = dag.blocks[0].cid;
	let hex: String = leaf.sha256.iter().map(|byte| format!("{byte:02x}")).collect();
	let path = store.0.path().join("blocks").join(&hex[..2]).join(&hex);
	std::fs::write(&path, b"damaged").unwrap();

	// Without another source: unavailable (this machine's fault), never a mismatch.
	let alone = Fetcher::new(Some(store.0.clone()));
	let fetched = alone.fetch(&dag.root, bytes.len() as u64 + 1).await;
	let FetchOutcome::Unavailable(reason) = &fetched.outcome else { panic!("{fetched:?}") };
	assert!(reason.contains("damaged"), "{reason}");

	let honest = start(&[&dag], Behaviour::Honest).await;
	let fetched = Fetcher::new(Some(store.0.clone()))
		.with_gateway(gateway(&honest))
		.fetch(&dag.root, bytes.len() as u64 + 1)
		.await;
	assert_eq!(fetched.outcome, FetchOutcome::Ok(bytes.clone()));
	assert_eq!(fetched.served_by, [Source::Local, Source::Gateway(honest.url.clone())]);
	assert_eq!(honest.requests.load(Ordering::SeqCst), 1, "only the damaged block");
	assert_eq!(store.0.cat(&dag.root).unwrap(), bytes, "repaired");
}
