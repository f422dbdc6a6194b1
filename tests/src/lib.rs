//! Helpers for end-to-end tests: a real `openledger-node` process on free loopback ports,
//! and subxt clients connected to it.

pub mod cli;
pub mod files;
pub mod http;
pub mod net;
pub mod worker;

use std::{
	net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};
use subxt::{dynamic::Value, ext::scale_value::At, OnlineClient, PolkadotConfig};

pub type Client = OnlineClient<PolkadotConfig>;

/// The node binary: `$OPENLEDGER_NODE`, or the one cargo built next to this test binary.
pub fn node_binary() -> PathBuf {
	workspace_binary("openledger-node", "OPENLEDGER_NODE")
}

/// The `openledger` CLI: `$OPENLEDGER_CLI`, or the one cargo built next to this binary.
pub fn cli_binary() -> PathBuf {
	workspace_binary("openledger", "OPENLEDGER_CLI")
}

/// A binary of this workspace: `$variable`, or the one cargo built into this profile's
/// directory (build it with scripts/build-node.sh).
fn workspace_binary(name: &str, variable: &str) -> PathBuf {
	if let Some(path) = std::env::var_os(variable) {
		return path.into();
	}
	// Test binaries live in target/<profile>/deps/, other binaries in target/<profile>/.
	let exe = std::env::current_exe().expect("the running binary has a path");
	let found = exe
		.ancestors()
		.skip(1)
		.take(2)
		.map(|dir| dir.join(name))
		.find(|candidate| candidate.exists());
	found.unwrap_or_else(|| {
		panic!(
			"no {name} next to {}: build it first (scripts/build-node.sh) or set {variable}",
			exe.display()
		)
	})
}

/// A free loopback port (for a process about to bind it).
pub fn free_port() -> u16 {
	TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
		.and_then(|listener| listener.local_addr())
		.map(|address| address.port())
		.expect("a free loopback port")
}

/// Waits (up to a minute) until something listens on loopback `port`.
pub fn wait_for_port(port: u16) {
	let start = Instant::now();
	while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
		assert!(start.elapsed() < Duration::from_secs(60), "nothing listens on port {port}");
		std::thread::sleep(Duration::from_millis(100));
	}
}

/// A process killed when the test ends.
pub struct Running(pub Child);

impl Drop for Running {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

/// `openledger-trainer`: `$OPENLEDGER_TRAINER`, or the optimised build (training in a debug
/// build would take hours; scripts/test.sh builds it in its trainer step).
pub fn trainer_binary() -> PathBuf {
	if let Some(path) = std::env::var_os("OPENLEDGER_TRAINER") {
		return path.into();
	}
	let exe = std::env::current_exe().expect("the running binary has a path");
	let target = exe.ancestors().nth(3).expect("target/<profile>/deps/<test>");
	let release = target.join("release").join("openledger-trainer");
	assert!(
		release.exists(),
		"no {}: cargo build --release -p openledger-trainer, or set OPENLEDGER_TRAINER",
		release.display()
	);
	release
}

/// The real base model and texts (scripts/fetch-trainer-data.sh): `$OPENLEDGER_TRAINER_DATA`
/// or ~/.cache/openledger/trainer.
pub fn trainer_data() -> PathBuf {
	let dir = std::env::var_os("OPENLEDGER_TRAINER_DATA").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/openledger/trainer")
	});
	assert!(
		dir.join("SmolLM2-135M-Instruct.Q4_1.gguf").exists(),
		"run scripts/fetch-trainer-data.sh first"
	);
	dir
}

/// A running node, killed when dropped; its log is kept in a temporary file.
pub struct Node {
	child: Child,
	pub rpc_port: u16,
	pub p2p_port: u16,
	log: PathBuf,
	_base: TempDir,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.0);
	}
}

impl Node {
	/// Starts `openledger-node` with `args` (plus its own base path and ports), and waits
	/// for its RPC port.
	pub fn start(args: &[&str]) -> Node {
		Self::start_within(args, Duration::from_secs(120))
	}

	/// `start`, allowing `timeout` for the node to come up (a large genesis takes minutes).
	pub fn start_within(args: &[&str], timeout: Duration) -> Node {
		let base = std::env::temp_dir().join(format!(
			"openledger-e2e-{}-{}",
			std::process::id(),
			free_port()
		));
		std::fs::create_dir_all(&base).expect("temporary directory");
		let log = base.join("node.log");
		let (rpc_port, p2p_port) = (free_port(), free_port());
		let child = Command::new(node_binary())
			.args(args)
			.args(["--base-path", base.to_str().expect("utf-8 temp path")])
			.args(["--rpc-port", &rpc_port.to_string(), "--port", &p2p_port.to_string()])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.stdout(Stdio::null())
			.stderr(std::fs::File::create(&log).expect("log file"))
			.spawn()
			.expect("the node binary starts");
		let mut node = Node { child, rpc_port, p2p_port, log, _base: TempDir(base) };
		node.wait_for_rpc(timeout);
		node
	}

	fn wait_for_rpc(&mut self, timeout: Duration) {
		wait_for_rpc("the node", self.rpc_port, &mut self.child, &self.log, timeout);
	}

	pub fn url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	pub async fn client(&self) -> Client {
		Client::from_insecure_url(self.url()).await.expect("subxt connects to the node")
	}

	pub async fn rpc(&self) -> subxt::rpcs::RpcClient {
		subxt::rpcs::RpcClient::from_insecure_url(self.url()).await.expect("RPC client connects")
	}

	/// The number of the last finalized block.
	pub async fn finalized_number(&self) -> u64 {
		finalized_number(&self.rpc().await).await
	}

	/// Stops the node now, as a crash would.
	pub fn kill(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	/// The last lines the node logged, for failure messages.
	pub fn log_tail(&self) -> String {
		log_tail(&self.log)
	}
}

/// Waits until `child` (`name`, logging to `log`) serves RPC on loopback `port`; fails with
/// the log's tail if it exits first or `timeout` passes.
fn wait_for_rpc(name: &str, port: u16, child: &mut Child, log: &Path, timeout: Duration) {
	let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
	let start = Instant::now();
	while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
		if let Ok(Some(status)) = child.try_wait() {
			panic!("{name} exited ({status}) before serving RPC:\n{}", log_tail(log));
		}
		assert!(start.elapsed() < timeout, "{name}: no RPC after {timeout:?}:\n{}", log_tail(log));
		std::thread::sleep(Duration::from_millis(200));
	}
}

/// The number of the last block the node behind `rpc` finalized.
async fn finalized_number(rpc: &subxt::rpcs::RpcClient) -> u64 {
	let hash: String =
		rpc.request("chain_getFinalizedHead", subxt::rpcs::rpc_params![]).await.expect("head");
	header_number(
		&rpc.request("chain_getHeader", subxt::rpcs::rpc_params![hash]).await.expect("header"),
	)
}

/// A header's block number (hex in the RPC's JSON).
fn header_number(header: &serde_json::Value) -> u64 {
	let number = header["number"].as_str().expect("hex block number");
	u64::from_str_radix(number.trim_start_matches("0x"), 16).expect("hex block number")
}

/// The last 40 lines of a node's log, for failure messages.
fn log_tail(log: &Path) -> String {
	let log = std::fs::read_to_string(log).unwrap_or_default();
	let lines: Vec<&str> = log.lines().collect();
	lines[lines.len().saturating_sub(40)..].join("\n")
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// Field `name` of a composite value, as an unsigned number.
pub fn field_u128(value: &Value, name: &str) -> u128 {
	value
		.at(name)
		.and_then(|field| field.as_u128())
		.unwrap_or_else(|| panic!("no numeric field `{name}` in {value}"))
}

/// The name of the variant `value` holds (an enum value as decoded by subxt).
pub fn variant_name(value: &Value) -> String {
	match &value.value {
		subxt::ext::scale_value::ValueDef::Variant(variant) => variant.name.clone(),
		other => panic!("not an enum value: {other:?}"),
	}
}

/// Signs `call` as `who`, submits it and waits until its block is finalized; the error text
/// (a dispatch error's name included) when the chain refuses it.
pub async fn sign_and_finalize<Call: subxt::transactions::Payload>(
	api: &Client,
	call: &Call,
	who: &subxt_signer::sr25519::Keypair,
) -> Result<(), String> {
	let at = api.at_current_block().await.map_err(|e| e.to_string())?;
	at.transactions()
		.sign_and_submit_then_watch_default(call, who)
		.await
		.map_err(|e| e.to_string())?
		.wait_for_finalized_success()
		.await
		.map(|_| ())
		.map_err(|e| e.to_string())
}

/// Reserves `cid` (text) for `who` on `datanet`, then submits it in a later block, as
/// `openledger submit` does; returns the submission id. `format` is a `FileFormat` variant
/// name. Refusals come back as the error text.
pub async fn reserve_and_submit(
	api: &Client,
	who: &subxt_signer::sr25519::Keypair,
	datanet: u32,
	cid: &str,
	bytes: u64,
	format: &str,
) -> Result<u64, String> {
	let binary = pallet_datanets::cid::parse(cid.as_bytes()).map_err(|e| format!("{e:?}"))?;
	let reservation = pallet_datanets::reservation(datanet, &binary, &who.public_key().0);
	let reserve = subxt::dynamic::transaction("Datanets", "reserve", (vec![reservation],));
	sign_and_finalize(api, &reserve, who).await?;
	let call = subxt::dynamic::transaction(
		"Datanets",
		"submit",
		(
			datanet,
			cid.as_bytes().to_vec(),
			bytes,
			subxt::dynamic::Value::unnamed_variant(format, []),
		),
	);
	sign_and_finalize(api, &call, who).await?;
	Ok(last_submission_id(api).await)
}

/// A submission's voting windows: (commit_ends, reveal_ends), from the RPC.
pub async fn windows(node: &Node, submission: u64) -> (u64, u64) {
	let info: serde_json::Value = node
		.rpc()
		.await
		.request("datanets_submission", subxt::rpcs::rpc_params![submission])
		.await
		.expect("the submission exists");
	(info["commitEnds"].as_u64().unwrap(), info["revealEnds"].as_u64().unwrap())
}

/// Seals empty blocks (dev chain, `engine_createBlock`) until the best block is past
/// `block`.
pub async fn seal_past(node: &Node, block: u64) {
	let rpc = node.rpc().await;
	while node.finalized_number().await <= block {
		let _: serde_json::Value = rpc
			.request(
				"engine_createBlock",
				subxt::rpcs::rpc_params![true, true, Option::<String>::None],
			)
			.await
			.expect("the dev node seals on request");
	}
}

/// Each validator commits its ballot `(approve, quality)` with a fixed salt, then (past
/// the commit period) reveals it; then blocks are sealed past the reveal period so that
/// the votes are settled.
pub async fn vote_sealed(
	api: &Client,
	node: &Node,
	submission: u64,
	ballots: &[(&subxt_signer::sr25519::Keypair, bool, u8)],
) {
	vote_sealed_on(api, node, &[submission], ballots).await
}

/// `vote_sealed` on several submissions of one voting window at once: every commitment,
/// then every reveal, then past the last reveal period.
pub async fn vote_sealed_on(
	api: &Client,
	node: &Node,
	submissions: &[u64],
	ballots: &[(&subxt_signer::sr25519::Keypair, bool, u8)],
) {
	let salt = [7u8; 32];
	let mut commit_ends = 0;
	let mut reveal_ends = 0;
	for &submission in submissions {
		for (validator, approve, quality) in ballots {
			let account = validator.public_key().0;
			let commitment =
				pallet_datanets::commitment(submission, *approve, *quality, &salt, &account);
			let call =
				subxt::dynamic::transaction("Datanets", "commit_vote", (submission, commitment));
			sign_and_finalize(api, &call, validator).await.expect("commitment taken");
		}
		let (commit, reveal) = windows(node, submission).await;
		commit_ends = commit_ends.max(commit);
		reveal_ends = reveal_ends.max(reveal);
	}
	seal_past(node, commit_ends).await;
	for &submission in submissions {
		for (validator, approve, quality) in ballots {
			let call = subxt::dynamic::transaction(
				"Datanets",
				"reveal_vote",
				(submission, *approve, *quality, salt),
			);
			sign_and_finalize(api, &call, validator).await.expect("reveal taken");
		}
	}
	seal_past(node, reveal_ends).await;
}

/// A distinct valid CIDv1 text (raw leaves, sha2-256 multihash) for each `n`; the chain
/// checks the CID's form, not the content behind it.
pub fn cid_v1(n: u8) -> String {
	let mut binary = vec![0x01, 0x55, 0x12, 0x20];
	binary.extend((0..32).map(|i| i ^ n));
	String::from_utf8(pallet_datanets::cid::to_text(&binary)).expect("base32 is ASCII")
}

/// Runs `tests/js/<script>` with Node.js and returns the JSON line it prints; panics with
/// its stderr when it fails.
pub fn run_js_check(script: &str, args: &[&str]) -> serde_json::Value {
	let js_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
	assert!(
		js_dir.join("node_modules/@polkadot/api").exists(),
		"@polkadot/api is not installed: run `npm ci --prefix tests/js` (scripts/setup.sh does)"
	);
	let output = Command::new("node")
		.arg(js_dir.join(script))
		.args(args)
		.output()
		.expect("Node.js runs (apt-get install nodejs)");
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(
		output.status.success(),
		"{script} failed:\n{}\n{stdout}",
		String::from_utf8_lossy(&output.stderr)
	);
	serde_json::from_str(stdout.trim())
		.unwrap_or_else(|e| panic!("{script} printed no JSON ({e}):\n{stdout}"))
}

/// The id of the last submission on the chain (`NextSubmissionId` − 1), read at the best
/// block: the id of a submission just finalized when nothing else is submitting.
pub async fn last_submission_id(api: &Client) -> u64 {
	let at = api.at_current_block().await.expect("a best block");
	let next: u64 = at
		.storage()
		.fetch(subxt::dynamic::storage::<(), u64>("Datanets", "NextSubmissionId"), ())
		.await
		.expect("NextSubmissionId readable")
		.decode()
		.expect("NextSubmissionId is a u64");
	next.checked_sub(1).expect("a submission exists")
}

/// `openledger-node build-spec --chain <chain>` as JSON.
pub fn build_spec(chain: &str) -> serde_json::Value {
	let output = Command::new(node_binary())
		.args(["build-spec", "--chain", chain, "--disable-default-bootnode"])
		.output()
		.expect("the node runs");
	assert!(
		output.status.success(),
		"build-spec failed: {}",
		String::from_utf8_lossy(&output.stderr)
	);
	serde_json::from_slice(&output.stdout).expect("build-spec prints JSON")
}

/// The metadata version the client's codegen reads (view functions need 16).
pub const METADATA_VERSION: u32 = 16;

/// The node's runtime metadata at `METADATA_VERSION`, as the bytes subxt's codegen reads
/// from a `.scale` file.
pub async fn runtime_metadata(node: &Node) -> Vec<u8> {
	use subxt::ext::codec::{Decode, Encode};
	let rpc = node.rpc().await;
	let version = format!("0x{}", hex::encode(METADATA_VERSION.encode()));
	let result: String = rpc
		.request("state_call", subxt::rpcs::rpc_params!["Metadata_metadata_at_version", version])
		.await
		.expect("Metadata_metadata_at_version answers");
	let encoded = hex::decode(result.trim_start_matches("0x")).expect("hex from the node");
	Option::<Vec<u8>>::decode(&mut &encoded[..])
		.expect("an Option<OpaqueMetadata>")
		.unwrap_or_else(|| panic!("the runtime has no metadata V{METADATA_VERSION}"))
}
