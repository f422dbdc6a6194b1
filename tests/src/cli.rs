//! The `openledger` CLI as the e2e tests run it: its own store, keystore and ballot book in a
//! temporary directory, one node.

use crate::{cli_binary, Node};
use serde_json::Value as Json;
use std::{
	path::PathBuf,
	process::{Command, Output, Stdio},
};

/// A served store (stopped when dropped).
pub struct Served {
	/// The trustless gateway's URL.
	pub gateway: String,
	/// The Kubo RPC API's URL.
	pub kubo: String,
	_process: crate::Running,
}

/// The CLI with its own store and keystore, talking to one node.
pub struct Cli {
	url: String,
	dir: PathBuf,
}

impl Cli {
	pub fn new(node: &Node, name: &str) -> Cli {
		Cli::with_url(node.url(), name)
	}

	/// The CLI for commands that need no node (keys); anything else fails as unreachable.
	pub fn offline(name: &str) -> Cli {
		Cli::with_url("ws://127.0.0.1:9".into(), name)
	}

	fn with_url(url: String, name: &str) -> Cli {
		let dir =
			std::env::temp_dir().join(format!("openledger-cli-e2e-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).unwrap();
		Cli { url, dir }
	}

	/// The keystore directory.
	pub fn keys(&self) -> PathBuf {
		self.dir.join("keys")
	}

	/// A path in the CLI's directory (nothing created).
	pub fn path(&self, name: &str) -> String {
		self.dir.join(name).to_str().unwrap().to_string()
	}

	pub fn store(&self) -> PathBuf {
		self.dir.join("store")
	}

	pub fn file(&self, name: &str, content: &[u8]) -> String {
		let path = self.dir.join(name);
		std::fs::write(&path, content).unwrap();
		path.to_str().unwrap().to_string()
	}

	pub fn command(&self, args: &[&str]) -> Command {
		let mut command = Command::new(cli_binary());
		command
			.args(args)
			.env("OPENLEDGER_URL", &self.url)
			.env("OPENLEDGER_STORE", self.store())
			.env("OPENLEDGER_KEYSTORE", self.keys())
			.env("OPENLEDGER_BALLOTS", self.dir.join("ballots"))
			.env_remove("OPENLEDGER_PASSWORD")
			.env_remove("OPENLEDGER_IMPORT_PASSWORD")
			.env_remove("OPENLEDGER_SURI")
			.env_remove("OPENLEDGER_KEY")
			.env_remove("OPENLEDGER_IPFS_API")
			.stdin(Stdio::null());
		command
	}

	pub fn run(&self, args: &[&str], password: Option<&str>, stdin: Option<&str>) -> Output {
		let mut command = self.command(args);
		if let Some(password) = password {
			command.env("OPENLEDGER_PASSWORD", password);
		}
		if stdin.is_some() {
			command.stdin(Stdio::piped());
		}
		let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
		if let Some(input) = stdin {
			use std::io::Write;
			child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
		}
		child.wait_with_output().unwrap()
	}

	/// Starts a long-running `openledger ARGS`, its output in `<dir>/<log>`.
	pub fn spawn(&self, args: &[&str], log: &str) -> std::process::Child {
		let log = std::fs::File::create(self.dir.join(log)).unwrap();
		self.command(args).stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap()
	}

	/// `openledger ipfs serve` of this CLI's store on free loopback ports: a trustless
	/// gateway and the Kubo RPC API, both answering when this returns.
	pub fn serve(&self) -> Served {
		let (gateway_port, kubo_port) = (crate::free_port(), crate::free_port());
		let gateway_addr = format!("127.0.0.1:{gateway_port}");
		let kubo_addr = format!("127.0.0.1:{kubo_port}");
		let process = crate::Running(self.spawn(
			&["ipfs", "serve", "--gateway-addr", &gateway_addr, "--kubo-api-addr", &kubo_addr],
			"serve.log",
		));
		crate::wait_for_port(gateway_port);
		crate::wait_for_port(kubo_port);
		Served {
			gateway: format!("http://{gateway_addr}"),
			kubo: format!("http://{kubo_addr}"),
			_process: process,
		}
	}

	pub fn log(&self, log: &str) -> String {
		std::fs::read_to_string(self.dir.join(log)).unwrap_or_default()
	}

	/// Runs `openledger --json ARGS` and returns its JSON, failing the test on an error.
	pub fn json(&self, args: &[&str], password: Option<&str>) -> Json {
		let mut all = vec!["--json"];
		all.extend(args);
		json_of(args, self.run(&all, password, None))
	}

	/// Runs a command that must fail with `exit`; returns its one-line error.
	pub fn fails(&self, args: &[&str], password: Option<&str>, exit: i32) -> String {
		let output = self.run(args, password, None);
		let stderr = String::from_utf8_lossy(&output.stderr).to_string();
		assert_eq!(output.status.code(), Some(exit), "openledger {args:?}: {stderr}");
		let error = stderr
			.lines()
			.find(|line| line.starts_with("error: "))
			.unwrap_or_else(|| panic!("openledger {args:?} printed no error line: {stderr}"));
		error.to_string()
	}
}

impl Drop for Cli {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.dir);
	}
}

/// The JSON a successful `openledger ARGS` printed; fails the test on an error.
pub fn json_of(args: &[&str], output: Output) -> Json {
	assert!(
		output.status.success(),
		"openledger {args:?} failed ({}):\n{}",
		output.status,
		String::from_utf8_lossy(&output.stderr)
	);
	serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
		panic!(
			"openledger {args:?} printed no JSON ({e}): {}",
			String::from_utf8_lossy(&output.stdout)
		)
	})
}
