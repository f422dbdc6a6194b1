//! The trainer worker as the e2e tests run it: real `openledger-trainer work` processes on
//! real Shakespeare excerpts, with helpers to wait on them and read their events.

use crate::{trainer_binary, trainer_data, Node, Running};
use serde_json::Value as Json;
use std::{
	path::PathBuf,
	process::{Command, Stdio},
	time::{Duration, Instant},
};

/// About `bytes` of a play from its middle (past the Gutenberg header), whole lines.
pub fn excerpt(play: &str, bytes: usize) -> Vec<u8> {
	let text = std::fs::read_to_string(trainer_data().join("shakespeare").join(play)).unwrap();
	let start = text[text.len() / 3..].find('\n').unwrap() + text.len() / 3 + 1;
	let end = text[start + bytes..].find('\n').unwrap() + start + bytes + 1;
	text.as_bytes()[start..end].to_vec()
}

/// A command line split at spaces.
pub fn words(line: &str) -> Vec<&str> {
	line.split_whitespace().collect()
}

/// Polls `done` until it holds; fails after `within`.
pub fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
	let start = Instant::now();
	while !done() {
		assert!(start.elapsed() < within, "timed out waiting for {what}");
		std::thread::sleep(Duration::from_millis(300));
	}
}

/// Blocks on a future from a synchronous closure (the polling helpers are synchronous).
pub fn futures_block<F: std::future::Future>(future: F) -> F::Output {
	tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
}

/// `openledger-trainer ARGS`' standard output; it must succeed.
pub fn trainer_output(args: &[&str]) -> String {
	let output =
		Command::new(trainer_binary()).args(args).output().expect("openledger-trainer runs");
	assert!(
		output.status.success(),
		"openledger-trainer {args:?}: {}",
		String::from_utf8_lossy(&output.stderr)
	);
	String::from_utf8(output.stdout).unwrap()
}

/// A worker process: its directory, its arguments (to restart it) and its thread count.
pub struct Worker {
	pub dir: PathBuf,
	args: Vec<String>,
	threads: &'static str,
}

impl Worker {
	/// `openledger-trainer work --once` for `suri` on `node`, in a fresh directory, plus
	/// `extra` arguments, on `threads` threads.
	pub fn new(
		name: &str,
		node: &Node,
		suri: &str,
		extra: &[&str],
		threads: &'static str,
	) -> Worker {
		let dir = std::env::temp_dir()
			.join(format!("openledger-worker-e2e-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).unwrap();
		let path = |p: &str| dir.join(p).to_str().unwrap().to_string();
		let mut args: Vec<String> = [
			"work",
			"--node",
			&node.url(),
			"--suri",
			suri,
			"--store",
			&path("store"),
			"--state",
			&path("state"),
			"--events",
			&path("events.jsonl"),
			"--checkpoint-every",
			"1",
			"--once",
			"--quiet",
		]
		.iter()
		.map(|s| s.to_string())
		.collect();
		args.extend(extra.iter().map(|s| s.to_string()));
		Worker { dir, args, threads }
	}

	pub fn spawn(&self) -> Running {
		let log = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(self.dir.join("worker.log"))
			.unwrap();
		Running(
			Command::new(trainer_binary())
				.args(&self.args)
				.env("RAYON_NUM_THREADS", self.threads)
				.stdout(Stdio::null())
				.stderr(log)
				.spawn()
				.expect("openledger-trainer starts"),
		)
	}

	/// Its events so far (`--events`, JSON lines).
	pub fn events(&self) -> Vec<Json> {
		std::fs::read_to_string(self.dir.join("events.jsonl"))
			.unwrap_or_default()
			.lines()
			.map(|line| serde_json::from_str(line).unwrap())
			.collect()
	}

	pub fn log(&self) -> String {
		std::fs::read_to_string(self.dir.join("worker.log")).unwrap_or_default()
	}

	/// Waits until the process exits; its status must be success.
	pub fn finishes(&self, running: &mut Running, within: Duration) {
		let start = Instant::now();
		loop {
			if let Some(status) = running.0.try_wait().unwrap() {
				assert!(status.success(), "worker failed ({status}):\n{}", self.log());
				return;
			}
			assert!(start.elapsed() < within, "worker still running:\n{}", self.log());
			std::thread::sleep(Duration::from_millis(500));
		}
	}
}

impl Drop for Worker {
	fn drop(&mut self) {
		if !std::thread::panicking() {
			let _ = std::fs::remove_dir_all(&self.dir);
		}
	}
}

/// Alice's Hamlet and Macbeth excerpts and Ferdie's Julius Caesar (2.5 kB each), submitted
/// to datanet 0 through `host` and accepted by Bob's, Charlie's and Dave's sealed votes.
pub async fn accepted_shakespeare(host: &crate::cli::Cli, node: &Node) {
	use subxt_signer::sr25519::dev;
	let hamlet = host.file("hamlet.txt", &excerpt("hamlet_gut.txt", 2500));
	let macbeth = host.file("macbeth.txt", &excerpt("macbeth_gut.txt", 2500));
	let caesar = host.file("caesar.txt", &excerpt("julius_caesar_gut.txt", 2500));
	let by_alice =
		host.json(&["--suri", "//Alice", "submit", &hamlet, &macbeth, "--datanet", "0"], None);
	let by_ferdie = host.json(&["--suri", "//Ferdie", "submit", &caesar, "--datanet", "0"], None);
	let ids: Vec<u64> = by_alice
		.as_array()
		.unwrap()
		.iter()
		.chain(by_ferdie.as_array().unwrap())
		.map(|s| s["submission"].as_u64().unwrap())
		.collect();
	let ballots = [(&dev::bob(), true, 80), (&dev::charlie(), true, 80), (&dev::dave(), true, 70)];
	crate::vote_sealed_on(&node.client().await, node, &ids, &ballots).await;
}

/// A held-out eval datanet: a text datanet Ferdie creates (20-block vote periods), Bob and
/// Dave bond 200 OPEN on, and Charlie's Othello excerpt (2.5 kB) accepted into it through
/// `host`. Returns its id.
pub async fn accepted_eval_datanet(host: &crate::cli::Cli, node: &Node) -> u32 {
	use subxt_signer::sr25519::dev;
	let created = host.json(
		&words(
			"--suri //Ferdie datanet create --name Held-out --modality text \
			 --commit-period 20 --reveal-period 20",
		),
		None,
	);
	let datanet = created["id"].as_u64().unwrap().to_string();
	for validator in ["//Bob", "//Dave"] {
		host.json(&["--suri", validator, "validator", "bond", "--datanet", &datanet, "200"], None);
	}
	let othello = host.file("othello.txt", &excerpt("othello_gut.txt", 2500));
	let submitted =
		host.json(&["--suri", "//Charlie", "submit", &othello, "--datanet", &datanet], None);
	let ids: Vec<u64> =
		submitted.as_array().unwrap().iter().map(|s| s["submission"].as_u64().unwrap()).collect();
	let ballots = [(&dev::bob(), true, 80), (&dev::dave(), true, 80)];
	crate::vote_sealed_on(&node.client().await, node, &ids, &ballots).await;
	datanet.parse().unwrap()
}
