//! `openledger ipfs` as people run it, no node needed: files added on host A are served by
//! `openledger ipfs serve` (gateway on a free port, Kubo API opt-in); a "second machine"
//! (its own store directory) adds through A's Kubo API and reads back through it; blocks
//! fetched from A's gateway verify against their CIDs; then `ls`, `unpin`, `gc`, `stat`,
//! `get`, `cat`, and the errors and exit statuses of misuse.

use openledger_e2e::cli_binary;
use openledger_ipfs::{add, read_file, serve::car::read_car, Cid, Layout, CHUNK_SIZE};
use serde_json::Value as Json;
use std::{
	collections::HashMap,
	io::{BufRead, BufReader, Read, Write},
	net::TcpStream,
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
};

/// One machine's `openledger`: its own store directory, no node, no Kubo unless asked.
struct Host {
	dir: PathBuf,
}

impl Host {
	fn new(name: &str) -> Host {
		let dir =
			std::env::temp_dir().join(format!("openledger-ipfs-e2e-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).unwrap();
		Host { dir }
	}

	fn file(&self, name: &str, content: &[u8]) -> String {
		let path = self.dir.join(name);
		std::fs::write(&path, content).unwrap();
		path.to_str().unwrap().to_string()
	}

	fn command(&self, args: &[&str]) -> Command {
		let mut command = Command::new(cli_binary());
		command
			.args(args)
			.env("OPENLEDGER_STORE", self.dir.join("store"))
			.env("OPENLEDGER_URL", "ws://127.0.0.1:9")
			.env_remove("OPENLEDGER_IPFS_API")
			.stdin(Stdio::null());
		command
	}

	fn run(&self, args: &[&str]) -> Output {
		self.command(args).output().unwrap()
	}

	/// `openledger --json ARGS`, which must succeed.
	fn json(&self, args: &[&str]) -> Json {
		let output = self.run(&[&["--json"], args].concat());
		assert!(
			output.status.success(),
			"openledger {args:?} failed ({}): {}",
			output.status,
			String::from_utf8_lossy(&output.stderr)
		);
		serde_json::from_slice(&output.stdout).unwrap()
	}

	/// A command that must fail with `exit`; its error line.
	fn fails(&self, args: &[&str], exit: i32) -> String {
		let output = self.run(args);
		let stderr = String::from_utf8_lossy(&output.stderr).to_string();
		assert_eq!(output.status.code(), Some(exit), "openledger {args:?}: {stderr}");
		stderr.lines().find(|line| line.starts_with("error: ")).unwrap().to_string()
	}
}

impl Drop for Host {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.dir);
	}
}

/// `openledger ipfs serve` in the background, killed on drop.
struct Serving {
	child: Child,
	gateway: String,
	kubo_api: String,
}

impl Serving {
	fn start(host: &Host) -> Serving {
		let mut child = host
			.command(&[
				"ipfs",
				"serve",
				"--gateway-addr",
				"127.0.0.1:0",
				"--kubo-api-addr",
				"127.0.0.1:0",
			])
			.stdout(Stdio::piped())
			.stderr(Stdio::null())
			.spawn()
			.unwrap();
		// It prints its URLs once both ports are bound.
		let mut urls = HashMap::new();
		let mut stdout = BufReader::new(child.stdout.take().unwrap());
		while urls.len() < 3 {
			let mut line = String::new();
			assert!(
				stdout.read_line(&mut line).unwrap() > 0,
				"serve exited: {:?}",
				child.try_wait()
			);
			if let Some((label, value)) = line.split_once(": ") {
				urls.insert(label.trim().to_string(), value.trim().to_string());
			}
		}
		let gateway = urls["IPFS gateway"].split("/ipfs/").next().unwrap().to_string();
		let kubo_api = urls["Kubo RPC API"].split(' ').next().unwrap().to_string();
		Serving { child, gateway, kubo_api }
	}
}

impl Drop for Serving {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// `GET`/`HEAD` over HTTP/1.1: status and body (chunked bodies decoded).
fn http(base: &str, method: &str, target: &str) -> (u16, Vec<u8>) {
	let authority = base.strip_prefix("http://").unwrap();
	let mut stream = TcpStream::connect(authority).unwrap();
	write!(stream, "{method} {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n")
		.unwrap();
	let mut raw = Vec::new();
	stream.read_to_end(&mut raw).unwrap();
	let split = raw.windows(4).position(|window| window == b"\r\n\r\n").unwrap();
	let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
	let status = head.split(' ').nth(1).unwrap().parse().unwrap();
	let mut rest = &raw[split + 4..];
	if !head.contains("transfer-encoding: chunked") {
		return (status, rest.to_vec());
	}
	let mut body = Vec::new();
	loop {
		let end = rest.windows(2).position(|window| window == b"\r\n").unwrap();
		let size =
			usize::from_str_radix(std::str::from_utf8(&rest[..end]).unwrap().trim(), 16).unwrap();
		if size == 0 {
			return (status, body);
		}
		body.extend_from_slice(&rest[end + 2..end + 2 + size]);
		rest = &rest[end + 2 + size + 2..];
	}
}

fn cids(added: &Json) -> Vec<Cid> {
	added
		.as_array()
		.unwrap()
		.iter()
		.map(|file| file["cid"].as_str().unwrap().parse().unwrap())
		.collect()
}

fn pins(host: &Host) -> Vec<String> {
	let listed = host.json(&["ipfs", "ls"]);
	listed.as_array().unwrap().iter().map(|pin| pin["cid"].as_str().unwrap().to_string()).collect()
}

#[test]
fn files_added_on_one_host_are_served_to_another() {
	let a = Host::new("a");
	let big: Vec<u8> = (0..CHUNK_SIZE * 2 + 1000).map(|i| (i % 249) as u8).collect();
	let small = b"a small file\n".to_vec();
	let (big_path, small_path) = (a.file("big.bin", &big), a.file("small.txt", &small));

	let added = cids(&a.json(&["ipfs", "add", &big_path, &small_path]));
	let big_cid = add(&big, Layout::KUBO_V1).root;
	assert_eq!(added, [big_cid, add(&small, Layout::KUBO_V1).root], "CIDv1, as Kubo gives");
	let v0 = cids(&a.json(&["ipfs", "add", "--cid-version", "0", &small_path]));
	assert_eq!(v0, [add(&small, Layout::KUBO_V0).root]);

	let serving = Serving::start(&a);

	// Over the gateway: a raw block that hashes to its CID, a CAR that holds the file.
	let (status, block) = http(&serving.gateway, "GET", &format!("/ipfs/{big_cid}?format=raw"));
	assert_eq!(status, 200);
	assert!(big_cid.matches(&block));
	let (status, car) = http(&serving.gateway, "GET", &format!("/ipfs/{big_cid}?format=car"));
	assert_eq!(status, 200);
	let blocks: HashMap<Cid, Vec<u8>> = read_car(&car).unwrap().blocks.into_iter().collect();
	assert_eq!(read_file(&big_cid, |cid| blocks.get(cid).cloned().ok_or(())).unwrap(), big);
	let absent = add(b"never added", Layout::KUBO_V1).root;
	assert_eq!(http(&serving.gateway, "GET", &format!("/ipfs/{absent}?format=raw")).0, 404);
	assert_eq!(http(&serving.gateway, "HEAD", &format!("/ipfs/{big_cid}?format=car")).0, 200);

	// Host B has its own store and adds through A's Kubo API: the file lands on A.
	let b = Host::new("b");
	let from_b = b"written from host B\n".to_vec();
	let from_b_path = b.file("from-b.txt", &from_b);
	let api = serving.kubo_api.as_str();
	let added = cids(&b.json(&["--ipfs-api", api, "ipfs", "add", &from_b_path]));
	assert_eq!(added, [add(&from_b, Layout::KUBO_V1).root]);
	assert!(pins(&a).contains(&added[0].to_string()));
	assert!(pins(&b).is_empty(), "B's own store is untouched");
	let cat = b.run(&["--ipfs-api", api, "ipfs", "cat", &added[0].to_string()]);
	assert!(cat.status.success());
	assert_eq!(cat.stdout, from_b);
	let (status, block) = http(&serving.gateway, "GET", &format!("/ipfs/{}?format=raw", added[0]));
	assert_eq!((status, block), (200, from_b));

	// Administration of A's store.
	let out = a.dir.join("saved.bin");
	let saved = a.json(&["ipfs", "get", &big_cid.to_string(), "-o", out.to_str().unwrap()]);
	assert_eq!(saved["bytes"], big.len());
	assert_eq!(std::fs::read(&out).unwrap(), big);
	let stat = a.json(&["ipfs", "stat"]);
	assert_eq!(stat["pins"], 4);
	assert!(a.json(&["ipfs", "gc"])["removed_blocks"] == 0, "everything is pinned");

	let unpinned = a.json(&["ipfs", "unpin", &big_cid.to_string()]);
	assert_eq!(unpinned["pinned"], false);
	let error = a.fails(&["ipfs", "unpin", &big_cid.to_string()], 6);
	assert!(error.contains("is not pinned"), "{error}");
	let gc = a.json(&["ipfs", "gc"]);
	assert_eq!(gc["removed_blocks"], add(&big, Layout::KUBO_V1).blocks.len());
	assert_eq!(http(&serving.gateway, "GET", &format!("/ipfs/{big_cid}?format=raw")).0, 404);
	let stat = a.json(&["ipfs", "stat"]);
	assert_eq!(stat["pins"], 3);
	assert_eq!(stat["blocks"], 3);
	assert!(!pins(&a).contains(&big_cid.to_string()));

	// Misuse: one line, the documented exit status.
	let error = a.fails(&["ipfs", "cat", "not-a-cid"], 6);
	assert!(error.contains("is not a CID"), "{error}");
	let error = a.fails(&["ipfs", "cat", &absent.to_string()], 4);
	assert!(error.contains("not in the embedded IPFS store"), "{error}");
	let error = a.fails(&["--ipfs-api", api, "ipfs", "gc"], 6);
	assert!(error.contains("leave out --ipfs-api"), "{error}");
	let taken = serving.gateway.strip_prefix("http://").unwrap();
	let error = a.fails(&["ipfs", "serve", "--gateway-addr", taken], 4);
	assert!(error.contains("cannot listen on"), "{error}");
	let missing = Path::new(&a.dir).join("missing.txt");
	let error = a.fails(&["ipfs", "add", missing.to_str().unwrap()], 6);
	assert!(error.contains("cannot read"), "{error}");
}
