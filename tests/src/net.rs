//! A local network of real `openledger-node` processes on the `local` chain spec: the four
//! Aura/GRANDPA validators (Alice, Bob, Charlie, Dave) and any full nodes, each with its own
//! base path, loopback ports and node key kept across restarts, so that a node can be
//! killed, stopped, wiped and started again as on a real machine.

use crate::{free_port, node_binary};
use serde_json::Value as Json;
use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};
use subxt::rpcs::{rpc_params, RpcClient};

/// The validators of the `local` spec, in authority order.
pub const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// How long a node may take to open its RPC port.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// One node of the network: what it is, where it keeps its state, and its process while it
/// runs.
pub struct NetNode {
	/// `alice` … `dave`, or `full-N`.
	pub name: String,
	pub rpc_port: u16,
	pub p2p_port: u16,
	/// Its libp2p ed25519 secret: the same peer id after every restart.
	node_key: String,
	/// Learnt at its first start (`system_localPeerId`).
	peer_id: Option<String>,
	base: PathBuf,
	log: PathBuf,
	child: Option<Child>,
	/// Set while partitioned: the only peers it talks to (`--reserved-only`).
	reserved: Option<Vec<String>>,
}

impl NetNode {
	pub fn url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	pub fn is_running(&self) -> bool {
		self.child.is_some()
	}

	/// Its address for the others' `--bootnodes`, once its peer id is known.
	fn multiaddr(&self) -> Option<String> {
		let peer = self.peer_id.as_ref()?;
		Some(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", self.p2p_port))
	}

	fn start(&mut self, bootnodes: &[String]) {
		assert!(self.child.is_none(), "{} is already running", self.name);
		std::fs::create_dir_all(&self.base).expect("base path");
		let log = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(&self.log)
			.expect("log file");
		let mut command = Command::new(node_binary());
		command
			.args(["--chain", "local", "--base-path"])
			.arg(&self.base)
			.args(["--rpc-port", &self.rpc_port.to_string(), "--port", &self.p2p_port.to_string()])
			.args(["--node-key", &self.node_key])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.stdout(Stdio::null())
			.stderr(log);
		if VALIDATORS.contains(&self.name.as_str()) {
			command.arg(format!("--{}", self.name));
		}
		match &self.reserved {
			Some(peers) => {
				command.arg("--reserved-only");
				if !peers.is_empty() {
					command.arg("--reserved-nodes").args(peers);
				}
			},
			None if !bootnodes.is_empty() => {
				command.arg("--bootnodes").args(bootnodes);
			},
			None => {},
		}
		let child = self.child.insert(command.spawn().expect("the node binary starts"));
		crate::wait_for_rpc(&self.name, self.rpc_port, child, &self.log, START_TIMEOUT);
	}

	/// `kill -9`: no chance to flush anything.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// SIGTERM, as an operator stops a node, then waits for it to exit (SIGKILL after 60 s).
	pub fn stop(&mut self) {
		let Some(mut child) = self.child.take() else { return };
		let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
		let start = Instant::now();
		while matches!(child.try_wait(), Ok(None)) {
			if start.elapsed() > Duration::from_secs(60) {
				let _ = child.kill();
				break;
			}
			std::thread::sleep(Duration::from_millis(100));
		}
		let _ = child.wait();
	}

	/// Deletes its base path: the chain database and its keystore (a stopped node only).
	pub fn wipe(&mut self) {
		assert!(self.child.is_none(), "stop {} before wiping it", self.name);
		let _ = std::fs::remove_dir_all(&self.base);
	}

	pub async fn rpc(&self) -> RpcClient {
		RpcClient::from_insecure_url(self.url()).await.expect("RPC client connects")
	}

	/// A JSON-RPC call's result.
	pub async fn call(&self, method: &str, params: subxt::rpcs::client::RpcParams) -> Json {
		self.rpc()
			.await
			.request(method, params)
			.await
			.unwrap_or_else(|e| panic!("{}: {method} failed: {e}\n{}", self.name, self.log_tail()))
	}

	/// The number of its last finalized block.
	pub async fn finalized_number(&self) -> u64 {
		crate::finalized_number(&self.rpc().await).await
	}

	/// The number of its best block.
	pub async fn best_number(&self) -> u64 {
		crate::header_number(&self.call("chain_getHeader", rpc_params![]).await)
	}

	/// The hash of its block `number` (None: it has none).
	pub async fn block_hash(&self, number: u64) -> Option<String> {
		self.call("chain_getBlockHash", rpc_params![number]).await.as_str().map(String::from)
	}

	/// The state root of its block `number`.
	pub async fn state_root(&self, number: u64) -> String {
		let hash = self.block_hash(number).await.expect("the block exists");
		let header = self.call("chain_getHeader", rpc_params![hash]).await;
		header["stateRoot"].as_str().expect("a header has a state root").to_string()
	}

	/// The last lines it logged (across restarts), for failure messages.
	pub fn log_tail(&self) -> String {
		crate::log_tail(&self.log)
	}
}

/// The network: its nodes, and the directory their state lives in (removed on drop).
pub struct LocalNet {
	pub nodes: Vec<NetNode>,
	root: PathBuf,
}

impl LocalNet {
	/// Starts the first `validators` of [`VALIDATORS`], each booting from those before it.
	pub async fn start(validators: usize) -> LocalNet {
		let root = std::env::temp_dir().join(format!(
			"openledger-net-{}-{}",
			std::process::id(),
			free_port()
		));
		let mut net = LocalNet { nodes: Vec::new(), root };
		for name in &VALIDATORS[..validators] {
			net.add(name).await;
		}
		net
	}

	/// Adds and starts a full node (no authority key); returns its index.
	pub async fn add_full_node(&mut self) -> usize {
		let name = format!("full-{}", self.nodes.len());
		self.add(&name).await
	}

	async fn add(&mut self, name: &str) -> usize {
		let index = self.nodes.len();
		let base = self.root.join(name);
		let node = NetNode {
			name: name.into(),
			rpc_port: free_port(),
			p2p_port: free_port(),
			node_key: format!("{:064x}", index + 1),
			peer_id: None,
			log: self.root.join(format!("{name}.log")),
			base,
			child: None,
			reserved: None,
		};
		self.nodes.push(node);
		self.start_node(index).await;
		index
	}

	/// Starts node `index` again (after `kill`, `stop` or `wipe`), booting from every
	/// other node.
	pub async fn start_node(&mut self, index: usize) {
		let bootnodes: Vec<String> = (0..self.nodes.len())
			.filter(|&other| other != index)
			.filter_map(|other| self.nodes[other].multiaddr())
			.collect();
		self.nodes[index].start(&bootnodes);
		if self.nodes[index].peer_id.is_none() {
			let peer = self.nodes[index].call("system_localPeerId", rpc_params![]).await;
			self.nodes[index].peer_id = Some(peer.as_str().expect("a peer id").to_string());
		}
	}

	/// Restarts every node so that each talks only to the nodes of its own group
	/// (`--reserved-only`): a network partition, as between two data centres.
	pub async fn partition(&mut self, groups: &[&[usize]]) {
		for group in groups {
			for &member in *group {
				let peers = group
					.iter()
					.filter(|&&other| other != member)
					.filter_map(|&other| self.nodes[other].multiaddr())
					.collect();
				self.nodes[member].reserved = Some(peers);
			}
		}
		self.restart_all().await;
	}

	/// Restarts every node with every other as a bootnode: the partition heals.
	pub async fn heal(&mut self) {
		for node in &mut self.nodes {
			node.reserved = None;
		}
		self.restart_all().await;
	}

	/// Stops every node (SIGTERM), then starts each again.
	pub async fn restart_all(&mut self) {
		for node in &mut self.nodes {
			node.stop();
		}
		for index in 0..self.nodes.len() {
			self.start_node(index).await;
		}
	}

	/// Waits until node `index` has finalized block `at_least`; returns its finalized number.
	pub async fn wait_finalized(&self, index: usize, at_least: u64, within: Duration) -> u64 {
		let node = &self.nodes[index];
		let start = Instant::now();
		loop {
			let finalized = node.finalized_number().await;
			if finalized >= at_least {
				return finalized;
			}
			assert!(
				start.elapsed() < within,
				"{}: finalized #{finalized}, waited {within:?} for #{at_least}\n{}",
				node.name,
				node.log_tail()
			);
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// Where the nodes keep their state and logs.
	pub fn dir(&self) -> &Path {
		&self.root
	}
}

impl Drop for LocalNet {
	fn drop(&mut self) {
		for node in &mut self.nodes {
			node.kill();
		}
		let _ = std::fs::remove_dir_all(&self.root);
	}
}
