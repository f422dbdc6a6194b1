//! Red-team tests: a malicious gateway or DAG against `Fetcher` (what `openledger validate`
//! votes on), and malformed or hostile clients against `openledger ipfs serve`. Each test
//! asserts the SAFE behaviour; one whose attack still works is `#[ignore = "known limit: …"]` (see the closing note).
//!
//! The rule checked for votes: only faults of the content the CID names may lead to a
//! content verdict (`TooLarge`, `Invalid` → a REJECT vote, slashing the contributor);
//! whatever a source does may at worst make the file `Unavailable` (no vote).

#![cfg(all(feature = "gateway", feature = "serve"))]

mod common;

use common::{content, serve, TempDir};
use openledger_ipfs::{
	add, BlockStore, Cid, Codec, FetchOutcome, Fetcher, Gateway, Layout, CHUNK_SIZE,
};
use std::{
	collections::HashMap,
	net::SocketAddr,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};
use tokio::{
	io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
	net::{TcpListener, TcpStream},
};

// ---------------------------------------------------------------------------------------
// A malicious trustless gateway: a handler decides every answer.

/// One answer of the test gateway.
struct Answer {
	status: &'static str,
	content_type: &'static str,
	/// `Content-Length` to announce; `None` for a body delimited by closing.
	content_length: Option<u64>,
	body: Vec<u8>,
}

impl Answer {
	fn block(body: Vec<u8>) -> Answer {
		Answer {
			status: "200 OK",
			content_type: "application/vnd.ipld.raw",
			content_length: Some(body.len() as u64),
			body,
		}
	}

	fn not_found() -> Answer {
		Answer {
			status: "404 Not Found",
			content_type: "text/plain",
			content_length: Some(9),
			body: b"not found".to_vec(),
		}
	}
}

type Handler = Arc<dyn Fn(&Cid, Option<&Vec<u8>>) -> Answer + Send + Sync>;

struct Evil {
	url: String,
	requests: Arc<AtomicU64>,
}

/// A gateway serving `blocks` through `handler` (given the asked CID and the honest block).
async fn evil(blocks: HashMap<[u8; 32], Vec<u8>>, handler: Handler) -> Evil {
	let blocks = Arc::new(blocks);
	let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}", listener.local_addr().unwrap());
	let requests = Arc::new(AtomicU64::new(0));
	let counter = requests.clone();
	tokio::spawn(async move {
		while let Ok((stream, _)) = listener.accept().await {
			let (blocks, handler, counter) = (blocks.clone(), handler.clone(), counter.clone());
			tokio::spawn(async move {
				let mut reader = BufReader::new(stream);
				loop {
					let mut line = String::new();
					if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
						return;
					}
					loop {
						let mut header = String::new();
						if reader.read_line(&mut header).await.unwrap_or(0) == 0 {
							return;
						}
						if header.trim().is_empty() {
							break;
						}
					}
					counter.fetch_add(1, Ordering::SeqCst);
					let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
					let path = target.split('?').next().unwrap_or("");
					let Some(cid) =
						path.strip_prefix("/ipfs/").and_then(|cid| cid.parse::<Cid>().ok())
					else {
						return;
					};
					let answer = handler(&cid, blocks.get(&cid.sha256));
					let length = match answer.content_length {
						Some(length) => format!("Content-Length: {length}\r\n"),
						None => "Connection: close\r\n".to_string(),
					};
					let head = format!(
						"HTTP/1.1 {}\r\nContent-Type: {}\r\n{length}\r\n",
						answer.status, answer.content_type
					);
					let stream = reader.get_mut();
					if stream.write_all(head.as_bytes()).await.is_err()
						|| stream.write_all(&answer.body).await.is_err()
					{
						return;
					}
					let honest_length = answer.content_length == Some(answer.body.len() as u64);
					if !honest_length {
						let _ = stream.shutdown().await;
						return;
					}
				}
			});
		}
	});
	Evil { url, requests }
}

fn blocks_of(dags: &[&openledger_ipfs::Dag]) -> HashMap<[u8; 32], Vec<u8>> {
	dags.iter()
		.flat_map(|dag| &dag.blocks)
		.map(|block| (block.cid.sha256, block.bytes.clone()))
		.collect()
}

fn gateway(evil: &Evil) -> Gateway {
	Gateway::new(&evil.url).unwrap().with_timeout(Duration::from_secs(5))
}

/// A store in a fresh temporary directory, removed on drop.
struct TempStore(BlockStore);

impl TempStore {
	fn new(name: &str) -> TempStore {
		let dir = std::env::temp_dir().join(format!("ol-red-team-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		TempStore(BlockStore::open(dir).unwrap())
	}
}

impl Drop for TempStore {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(self.0.path());
	}
}

/// Whether a validator would vote on this outcome (REJECT for these two).
fn is_content_verdict(outcome: &FetchOutcome) -> bool {
	matches!(outcome, FetchOutcome::TooLarge | FetchOutcome::Invalid(_))
}

// Hand-made dag-pb UnixFS nodes (the crate's encoder is private).

fn varint(out: &mut Vec<u8>, mut value: u64) {
	while value >= 0x80 {
		out.push(value as u8 | 0x80);
		value >>= 7;
	}
	out.push(value as u8);
}

fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
	varint(out, field << 3 | 2);
	varint(out, bytes.len() as u64);
	out.extend_from_slice(bytes);
}

fn varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
	varint(out, field << 3);
	varint(out, value);
}

/// A UnixFS file node linking `children` (CID, file size), holding `data` itself.
fn file_node(children: &[(Cid, u64)], data: &[u8]) -> Vec<u8> {
	let filesize = data.len() as u64 + children.iter().map(|(_, size)| size).sum::<u64>();
	let mut unixfs = Vec::new();
	varint_field(&mut unixfs, 1, 2);
	if !data.is_empty() {
		bytes_field(&mut unixfs, 2, data);
	}
	varint_field(&mut unixfs, 3, filesize);
	for (_, size) in children {
		varint_field(&mut unixfs, 4, *size);
	}
	let mut out = Vec::new();
	for (cid, size) in children {
		let mut link = Vec::new();
		bytes_field(&mut link, 1, &cid.to_bytes());
		bytes_field(&mut link, 2, b"");
		varint_field(&mut link, 3, *size);
		bytes_field(&mut out, 2, &link);
	}
	bytes_field(&mut out, 1, &unixfs);
	out
}

// ---------------------------------------------------------------------------------------
// Making validate REJECT an honest file.

/// An honest single-block file (root = raw leaf) of exactly the declared size. The only
/// gateway that answers pads the root past `declared + 1`, hoping the fetcher calls the file
/// too large unverified (a REJECT). The root is read whole and hashed: the padding is a lie.
#[tokio::test]
async fn a_gateway_padding_the_root_cannot_make_an_honest_file_too_large() {
	let bytes = content(5000);
	let dag = add(&bytes, Layout::KUBO_V1);
	let padder = evil(
		blocks_of(&[&dag]),
		Arc::new(|_, block| match block {
			Some(block) => Answer::block([block.clone(), vec![0; 100]].concat()),
			None => Answer::not_found(),
		}),
	)
	.await;
	let fetched = Fetcher::new(None)
		.with_gateway(gateway(&padder))
		.fetch(&dag.root, bytes.len() as u64 + 1)
		.await;
	assert!(!is_content_verdict(&fetched.outcome), "{:?}", fetched.outcome);
}

/// The same with no body work at all: an announced `Content-Length` past the bound, for a
/// multi-block file's dag-pb root, while the honest gateway listed after it lacks the file
/// (or is down).
#[tokio::test]
async fn a_huge_content_length_on_the_root_cannot_make_an_honest_file_too_large() {
	let bytes = content(CHUNK_SIZE * 2 + 9);
	let dag = add(&bytes, Layout::KUBO_V1);
	let liar = evil(
		blocks_of(&[&dag]),
		Arc::new(|_, _| Answer {
			status: "200 OK",
			content_type: "application/vnd.ipld.raw",
			content_length: Some(1 << 40),
			body: Vec::new(),
		}),
	)
	.await;
	let empty = evil(HashMap::new(), Arc::new(|_, _| Answer::not_found())).await;
	let fetched = Fetcher::new(None)
		.with_gateway(gateway(&liar))
		.with_gateway(gateway(&empty))
		.fetch(&dag.root, bytes.len() as u64 + 1)
		.await;
	assert!(!is_content_verdict(&fetched.outcome), "{:?}", fetched.outcome);
}

/// Against every inner block, whatever a gateway does (other bytes, padding, a huge
/// Content-Length, another valid block, an HTML page, an endless body) never gives a
/// content verdict, and the honest gateway after it still serves the file.
#[tokio::test]
async fn inner_block_lies_never_give_a_content_verdict() {
	let bytes = content(CHUNK_SIZE * 3 + 77);
	let dag = add(&bytes, Layout::KUBO_V1);
	let other = add(&content(CHUNK_SIZE + 5)[1..], Layout::KUBO_V1);
	let other_leaf = other.blocks[0].bytes.clone();
	let root = dag.root;
	type Trick = fn(&[u8], &[u8]) -> Answer;
	let tricks: [(&str, Trick); 6] = [
		("flipped", |block, _| {
			let mut block = block.to_vec();
			block[7] ^= 0x40;
			Answer::block(block)
		}),
		("padded", |block, _| Answer::block([block, &[1u8; 10]].concat())),
		("announced 1 TiB", |_, _| Answer {
			status: "200 OK",
			content_type: "application/vnd.ipld.raw",
			content_length: Some(1 << 40),
			body: Vec::new(),
		}),
		("another valid block", |_, other| Answer::block(other.to_vec())),
		("html", |block, _| Answer { content_type: "text/html", ..Answer::block(block.to_vec()) }),
		("endless", |_, _| Answer {
			status: "200 OK",
			content_type: "application/vnd.ipld.raw",
			content_length: None,
			body: vec![0; 4 << 20],
		}),
	];
	let honest = evil(
		blocks_of(&[&dag]),
		Arc::new(|_, block| block.cloned().map(Answer::block).unwrap_or_else(Answer::not_found)),
	)
	.await;
	for (name, trick) in tricks {
		let other_leaf = other_leaf.clone();
		let liar = evil(
			blocks_of(&[&dag]),
			Arc::new(move |cid, block| match block {
				Some(block) if *cid == root => Answer::block(block.clone()),
				Some(block) => trick(block, &other_leaf),
				None => Answer::not_found(),
			}),
		)
		.await;
		let alone = Fetcher::new(None)
			.with_gateway(gateway(&liar))
			.fetch(&dag.root, bytes.len() as u64 + 1)
			.await;
		assert!(
			matches!(alone.outcome, FetchOutcome::Unavailable(_)),
			"{name}: {:?}",
			alone.outcome
		);
		let fetched = Fetcher::new(None)
			.with_gateway(gateway(&liar))
			.with_gateway(gateway(&honest))
			.fetch(&dag.root, bytes.len() as u64 + 1)
			.await;
		assert_eq!(fetched.outcome, FetchOutcome::Ok(bytes.clone()), "{name}");
	}
}

/// A gateway that serves the root verified but then a *valid* block of another file for a
/// raw leaf, of the right length: the hash check catches it (Unavailable, never Ok with the
/// wrong bytes, which `validate` would compare with the declared format and approve).
#[tokio::test]
async fn a_same_length_substitute_leaf_is_never_accepted() {
	let bytes = content(CHUNK_SIZE * 2);
	let dag = add(&bytes, Layout::KUBO_V1);
	let root = dag.root;
	let substitute = vec![0u8; CHUNK_SIZE];
	let liar = evil(
		blocks_of(&[&dag]),
		Arc::new(move |cid, block| match block {
			Some(block) if *cid == root => Answer::block(block.clone()),
			Some(_) => Answer::block(substitute.clone()),
			None => Answer::not_found(),
		}),
	)
	.await;
	let fetched =
		Fetcher::new(None).with_gateway(gateway(&liar)).fetch(&root, bytes.len() as u64 + 1).await;
	assert!(matches!(fetched.outcome, FetchOutcome::Unavailable(_)), "{:?}", fetched.outcome);
	assert_eq!(fetched.lied, vec![liar.url.clone()]);
}

// ---------------------------------------------------------------------------------------
// The local store only ever gets verified blocks.

#[tokio::test]
async fn unverified_blocks_are_never_stored() {
	let bytes = content(CHUNK_SIZE * 2 + 3);
	let dag = add(&bytes, Layout::KUBO_V1);
	let root = dag.root;
	let store = TempStore::new("unverified");
	let liar = evil(
		blocks_of(&[&dag]),
		Arc::new(move |cid, block| match block {
			Some(block) if *cid == root => Answer::block(block.clone()),
			Some(block) => {
				let mut block = block.clone();
				block[0] ^= 1;
				Answer::block(block)
			},
			None => Answer::not_found(),
		}),
	)
	.await;
	let fetched = Fetcher::new(Some(store.0.clone()))
		.with_gateway(gateway(&liar))
		.fetch(&root, bytes.len() as u64 + 1)
		.await;
	assert!(matches!(fetched.outcome, FetchOutcome::Unavailable(_)), "{:?}", fetched.outcome);
	// Only the (verified) root is kept; every block file there hashes to its name.
	let stat = store.0.stat().unwrap();
	assert_eq!((stat.blocks, stat.pins), (1, 0), "{stat:?}");
	assert!(store.0.block(&root).is_ok());
	for block in &dag.blocks[..dag.blocks.len() - 1] {
		assert!(!store.0.has_block(&block.cid));
	}
}

// ---------------------------------------------------------------------------------------
// Resource bounds against a malicious DAG (the contributor is the attacker: the blocks are
// valid, the structure is hostile).

/// An empty-looking file whose root links one leaf thousands of times, inside a small
/// declared size: refused from the root alone, before any child is asked for.
#[tokio::test]
async fn a_root_with_a_huge_link_count_is_refused_from_the_root_alone() {
	let leaf = b"x".to_vec();
	let leaf_cid = Cid::of(1, Codec::Raw, &leaf);
	let children: Vec<(Cid, u64)> = (0..20_000).map(|_| (leaf_cid, 1)).collect();
	let root_block = file_node(&children, b"");
	assert!(root_block.len() < 2 << 20);
	let root = Cid::of(1, Codec::DagPb, &root_block);
	let blocks: HashMap<[u8; 32], Vec<u8>> =
		[(root.sha256, root_block), (leaf_cid.sha256, leaf)].into();
	let gateway_ = evil(
		blocks,
		Arc::new(|_, block| block.cloned().map(Answer::block).unwrap_or_else(Answer::not_found)),
	)
	.await;
	// Declared as 1 MB, so the ~900 KB root may be read: far too much structure for it.
	let fetched = Fetcher::new(None).with_gateway(gateway(&gateway_)).fetch(&root, 1_000_000).await;
	assert!(matches!(fetched.outcome, FetchOutcome::Invalid(_)), "{:?}", fetched.outcome);
	assert_eq!(gateway_.requests.load(Ordering::SeqCst), 1, "only the root");
}

/// A chain of nested one-link nodes thousands deep: stopped by the structure budget, with
/// a bounded number of requests, and no recursion to overflow.
#[tokio::test]
async fn a_deeply_nested_dag_is_cut_off_by_the_structure_budget() {
	let leaf = b"y".to_vec();
	let mut child = (Cid::of(1, Codec::Raw, &leaf), 1u64);
	let mut blocks: HashMap<[u8; 32], Vec<u8>> = [(child.0.sha256, leaf)].into();
	for _ in 0..20_000 {
		let node = file_node(&[child], b"");
		let cid = Cid::of(1, Codec::DagPb, &node);
		blocks.insert(cid.sha256, node);
		child = (cid, 1);
	}
	let root = child.0;
	let gateway_ = evil(
		blocks,
		Arc::new(|_, block| block.cloned().map(Answer::block).unwrap_or_else(Answer::not_found)),
	)
	.await;
	let fetched = Fetcher::new(None).with_gateway(gateway(&gateway_)).fetch(&root, 2).await;
	// Either verdict is safe here (no honest file looks like this). Today it ends as
	// Unavailable: once the budget left is below a node's size, the node "overruns" its
	// allowance and that is blamed on the source, so the contributor escapes a REJECT.
	assert!(
		matches!(fetched.outcome, FetchOutcome::Invalid(_) | FetchOutcome::Unavailable(_)),
		"{:?}",
		fetched.outcome
	);
	// 64 KiB of structure at ~50 bytes a level.
	let requests = gateway_.requests.load(Ordering::SeqCst);
	assert!(requests < 2_000, "{requests} requests");
}

/// Many distinct tiny leaves within a declared size: how many requests (and fsynced block
/// files) a hostile DAG can cost compared with the honest file of that size. Bounded by the
/// structure budget (max_bytes / 64 bytes of links), i.e. ~1 request per ~3 KB declared,
/// against one per 256 KiB for an honest file (~90x). Asserts the bound the code promises.
#[tokio::test]
async fn tiny_leaves_cost_requests_bounded_by_the_structure_budget() {
	let declared: u64 = 1 << 20;
	let leaves: Vec<Vec<u8>> = (0u32..5_000).map(|i| i.to_le_bytes()[..3].to_vec()).collect();
	let mut blocks: HashMap<[u8; 32], Vec<u8>> = HashMap::new();
	let mut children = Vec::new();
	for leaf in leaves {
		let cid = Cid::of(1, Codec::Raw, &leaf);
		children.push((cid, leaf.len() as u64));
		blocks.insert(cid.sha256, leaf);
	}
	// Balanced by 1000s so no single node is refused for its own size.
	let mut inner = Vec::new();
	for group in children.chunks(1000) {
		let node = file_node(group, b"");
		let cid = Cid::of(1, Codec::DagPb, &node);
		inner.push((cid, group.iter().map(|(_, size)| size).sum()));
		blocks.insert(cid.sha256, node);
	}
	let root_block = file_node(&inner, b"");
	let root = Cid::of(1, Codec::DagPb, &root_block);
	blocks.insert(root.sha256, root_block);
	let gateway_ = evil(
		blocks,
		Arc::new(|_, block| block.cloned().map(Answer::block).unwrap_or_else(Answer::not_found)),
	)
	.await;
	let store = TempStore::new("tiny-leaves");
	let fetched = Fetcher::new(Some(store.0.clone()))
		.with_gateway(gateway(&gateway_))
		.fetch(&root, declared + 1)
		.await;
	assert!(matches!(fetched.outcome, FetchOutcome::Invalid(_)), "{:?}", fetched.outcome);
	let requests = gateway_.requests.load(Ordering::SeqCst);
	let budget = 64 * 1024 + declared / 64;
	// Each link costs at least ~44 bytes of structure.
	assert!(requests <= budget / 40 + 2, "{requests} requests");
	eprintln!(
		"hostile DAG declared {declared} bytes: {requests} block requests (an honest file \
		 of that size: {})",
		declared.div_ceil(CHUNK_SIZE as u64) + 1
	);
}

// ---------------------------------------------------------------------------------------
// `openledger ipfs serve`.

/// Sends `request` raw and returns the status code and the whole response (the server is
/// asked to close).
async fn raw_http(addr: SocketAddr, request: &[u8]) -> (u16, Vec<u8>) {
	let mut stream = TcpStream::connect(addr).await.unwrap();
	stream.write_all(request).await.unwrap();
	let mut response = Vec::new();
	let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut response)).await;
	let line_end = response.iter().position(|&byte| byte == b'\n').unwrap_or(response.len());
	let status = std::str::from_utf8(&response[..line_end])
		.ok()
		.and_then(|text| text.split_whitespace().nth(1))
		.and_then(|code| code.parse().ok())
		.unwrap_or(0);
	(status, response)
}

fn get(addr: SocketAddr, target: &str) -> Vec<u8> {
	format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes()
}

fn post(addr: SocketAddr, target: &str) -> Vec<u8> {
	format!(
		"POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	)
	.into_bytes()
}

/// Paths that try to leave `/ipfs/{cid}` or the store's directories: never a 200, never a
/// file created or removed outside the store.
#[tokio::test]
async fn path_traversal_in_cids_and_paths_is_refused() {
	let dir = TempDir::new("traversal");
	let (store, server) = serve(&dir, true).await;
	let cid = store.add(b"secret-free content", Layout::KUBO_V1).unwrap();
	let marker = dir.0.join("outside.txt");
	std::fs::write(&marker, b"keep me").unwrap();
	let gateway = server.gateway_addr();
	for target in [
		"/ipfs/../outside.txt?format=raw".to_string(),
		"/ipfs/..%2F..%2Foutside.txt?format=raw".to_string(),
		"/ipfs/%2e%2e/outside.txt?format=raw".to_string(),
		format!("/ipfs/{cid}/../../outside.txt?format=raw"),
		format!("/ipfs/{cid}%2F..%2F..%2Foutside.txt?format=raw"),
		"/ipfs/b../../pins?format=raw".to_string(),
		"/ipfs/Qm../../../etc/passwd?format=raw".to_string(),
		"/ipfs/\u{0}?format=raw".to_string(),
	] {
		let (status, _) = raw_http(gateway, &get(gateway, &target)).await;
		assert_ne!(status, 200, "{target}");
	}
	let api = server.kubo_api_addr().unwrap();
	for arg in ["../outside.txt", "..%2Foutside.txt", "/ipfs/../../outside.txt", "b..%2F..%2Fx"] {
		for command in ["pin/add", "pin/rm", "cat", "block/get", "block/stat"] {
			let (status, _) =
				raw_http(api, &post(api, &format!("/api/v0/{command}?arg={arg}"))).await;
			assert!(status >= 400, "{command} {arg}: {status}");
		}
	}
	assert_eq!(std::fs::read(&marker).unwrap(), b"keep me");
	assert_eq!(store.pins().unwrap(), vec![cid]);
	server.stop().await;
}

/// Malformed requests (garbage request lines, huge headers, odd methods, many Accept
/// ranges) get an error or a closed connection, and the server keeps serving.
#[tokio::test]
async fn malformed_requests_do_not_take_the_gateway_down() {
	let dir = TempDir::new("malformed");
	let (store, server) = serve(&dir, true).await;
	let cid = store.add(&content(1000), Layout::KUBO_V1).unwrap();
	let gateway = server.gateway_addr();
	let accept = format!("Accept: {}\r\n", vec!["application/vnd.ipld.car;q=0.5"; 2000].join(","));
	let requests: Vec<Vec<u8>> = vec![
		b"\x00\xff\xfe garbage\r\n\r\n".to_vec(),
		b"GET\r\n\r\n".to_vec(),
		format!("GET /ipfs/{cid}?format=raw HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(1 << 20))
			.into_bytes(),
		format!("BREW /ipfs/{cid} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes(),
		format!("GET /ipfs/{cid} HTTP/1.1\r\nHost: x\r\n{accept}Connection: close\r\n\r\n")
			.into_bytes(),
		format!("GET /ipfs/{cid}?format=car&car-dups=%ff%fe HTTP/1.1\r\nConnection: close\r\n\r\n")
			.into_bytes(),
		format!("GET /ipfs/{cid}?{} HTTP/1.1\r\nConnection: close\r\n\r\n", "%".repeat(100_000))
			.into_bytes(),
	];
	for (i, request) in requests.into_iter().enumerate() {
		let (status, _) = raw_http(gateway, &request).await;
		let (after, _) = raw_http(gateway, &get(gateway, &format!("/ipfs/{cid}?format=raw"))).await;
		assert_eq!(after, 200, "after malformed request {i} (answered {status})");
	}
	let (status, _) = raw_http(gateway, &get(gateway, &format!("/ipfs/{cid}?format=raw"))).await;
	assert_eq!(status, 200);
	server.stop().await;
}

/// A multipart body crafted so a naive boundary search would go quadratic (long runs that
/// match most of the boundary): answered quickly, as an error.
#[tokio::test]
async fn a_pathological_multipart_body_is_parsed_in_linear_time() {
	let dir = TempDir::new("multipart");
	let (_store, server) = serve(&dir, true).await;
	let api = server.kubo_api_addr().unwrap();
	let boundary = format!("{}b", "a".repeat(16 * 1024));
	let mut body = Vec::new();
	while body.len() < 8 << 20 {
		body.extend_from_slice(b"\r\n--");
		body.extend_from_slice(&boundary.as_bytes()[..boundary.len() - 1]);
	}
	let mut request = format!(
		"POST /api/v0/add HTTP/1.1\r\nHost: {api}\r\nContent-Type: multipart/form-data; \
		 boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
		body.len()
	)
	.into_bytes();
	request.extend_from_slice(&body);
	let began = Instant::now();
	let (status, _) = raw_http(api, &request).await;
	assert!(began.elapsed() < Duration::from_secs(15), "{:?}", began.elapsed());
	assert_eq!(status, 400);
	server.stop().await;
}

/// Clients that ask for a CAR and never read it each hold a blocking thread (the DAG walk
/// blocks in `blocking_send` once the 8-deep channel and the socket buffers are full), with
/// no write timeout. With the blocking pool used up, every request that touches the store
/// waits: here a pool of 4 (the CLI's runtime has tokio's default 512; an attacker opens
/// 512 connections).
#[test]
#[ignore = "known limit: CAR requests whose client never reads pin blocking threads forever; enough \
            of them stall the whole gateway"]
fn stalled_car_readers_cannot_starve_the_gateway() {
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.max_blocking_threads(4)
		.enable_all()
		.build()
		.unwrap();
	runtime.block_on(async {
		let dir = TempDir::new("stall");
		let (store, server) = serve(&dir, false).await;
		let big = store.add(&content(24 << 20), Layout::KUBO_V1).unwrap();
		let small = store.add(b"small", Layout::KUBO_V1).unwrap();
		let gateway = server.gateway_addr();
		let mut stalled = Vec::new();
		for _ in 0..4 {
			let mut stream = TcpStream::connect(gateway).await.unwrap();
			let request = format!(
				"GET /ipfs/{big}?format=car&car-dups=y HTTP/1.1\r\nHost: {gateway}\r\n\r\n"
			);
			stream.write_all(request.as_bytes()).await.unwrap();
			stalled.push(stream);
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
		let target = format!("/ipfs/{small}?format=raw");
		let answered = tokio::time::timeout(
			Duration::from_secs(10),
			raw_http(gateway, &get(gateway, &target)),
		)
		.await;
		assert!(matches!(answered, Ok((200, _))), "the gateway did not answer");
		drop(stalled);
		drop(server);
	});
}

/// A pinned "zip bomb" — a root linking one inner node many times, which links one leaf many
/// times — is a few hundred KiB in the store and GiBs as a file. `pin/add` reads the whole
/// file into memory (`BlockStore::pin` → `cat`) with no bound; it now walks the DAG once per
/// distinct block. (Blocks are keyed by their
/// multihash, so the bomb's blocks get into a store as the raw leaves of ordinary small files:
/// the Kubo API's `add`, or a validator's fetcher.) Scaled down here (~261 MiB read from
/// ~270 KiB stored); the safe behaviour is a pin that checks the DAG's presence without
/// materialising the file (deduplicated walk, as `gc` does).
#[tokio::test]
async fn pinning_a_dag_bomb_does_not_materialise_it() {
	let dir = TempDir::new("bomb");
	let (store, server) = serve(&dir, true).await;
	let leaf = content(CHUNK_SIZE);
	let leaf_cid = Cid::of(1, Codec::Raw, &leaf);
	let inner = file_node(&vec![(leaf_cid, CHUNK_SIZE as u64); 174], b"");
	let inner_cid = Cid::of(1, Codec::DagPb, &inner);
	// Planted as ordinary raw single-block files (same multihash, same block file).
	for block in [&leaf, &inner] {
		store.add(block, Layout::KUBO_V1).unwrap();
	}
	let root = file_node(&[(inner_cid, 174 * CHUNK_SIZE as u64); 6], b"");
	store.add(&root, Layout::KUBO_V1).unwrap();
	let root_cid = Cid::of(1, Codec::DagPb, &root);
	let api = server.kubo_api_addr().unwrap();
	let (status, answer) =
		raw_http(api, &post(api, &format!("/api/v0/pin/add?arg={root_cid}"))).await;
	eprintln!("pin/add answered {}", String::from_utf8_lossy(&answer));
	// Pinned, through a walk that reads each distinct block once (by construction: the
	// walk deduplicates, as `gc`'s does); the file it spells is never built. (No timing
	// assertion: the old whole-file read only showed as time and memory.)
	assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
	assert!(store.is_pinned(&root_cid));
	server.stop().await;
}
