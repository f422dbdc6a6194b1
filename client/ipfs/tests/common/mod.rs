//! Helpers the integration tests share: a scratch directory, deterministic content and a
//! server on free loopback ports. (Each test file uses a part of them.)
#![allow(dead_code)]

use openledger_ipfs::{
	serve::{ServeConfig, Server},
	BlockStore,
};
use std::path::PathBuf;

/// A scratch directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
	pub fn new(name: &str) -> TempDir {
		let dir = std::env::temp_dir().join(format!("ol-ipfs-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		TempDir(dir)
	}
}

impl Drop for TempDir {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.0);
	}
}

/// Byte `i` is `(i * 31) % 251`: chunks of one file differ, so no leaf repeats.
pub fn content(len: usize) -> Vec<u8> {
	(0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// `openledger ipfs serve` in-process over a store in `dir`: the gateway, and the Kubo API
/// when asked, each on a free loopback port.
pub async fn serve(dir: &TempDir, kubo_api: bool) -> (BlockStore, Server) {
	let store = BlockStore::open(&dir.0).unwrap();
	let config = ServeConfig {
		gateway_addr: "127.0.0.1:0".parse().unwrap(),
		kubo_api_addr: kubo_api.then(|| "127.0.0.1:0".parse().unwrap()),
		..ServeConfig::default()
	};
	let server = Server::start(store.clone(), config).await.unwrap();
	(store, server)
}
