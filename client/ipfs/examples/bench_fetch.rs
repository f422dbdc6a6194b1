//! Gateway fetch throughput against reading from the local store, in one run: for 1, 10
//! and 64 MiB files added to store A, `Fetcher` pulls each through A's trustless gateway
//! (`serve::Server` on loopback) into an empty store B, every block verified against its
//! CID; the local read is `BlockStore::cat` on A (also verified). Best of three each.
//! Prints `MIB GATEWAY_MIB_S LOCAL_MIB_S RATIO`.
//! Usage: cargo run --release -p openledger-ipfs --example bench_fetch (scripts/bench-gateway.sh)

use openledger_ipfs::{
	serve::{ServeConfig, Server},
	BlockStore, FetchOutcome, Fetcher, Gateway, Layout,
};
use std::time::Instant;

const MIB: usize = 1 << 20;

/// Deterministic content that does not compress or repeat in chunk-sized runs.
fn content(bytes: usize) -> Vec<u8> {
	let mut state = 0x9e37_79b9_7f4a_7c15u64;
	(0..bytes)
		.map(|_| {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			state as u8
		})
		.collect()
}

/// The best of three runs of `work`, in seconds.
async fn best_of_three<F: std::future::Future<Output = ()>>(
	mut work: impl FnMut(usize) -> F,
) -> f64 {
	let mut best = f64::MAX;
	for run in 0..3 {
		let started = Instant::now();
		work(run).await;
		best = best.min(started.elapsed().as_secs_f64());
	}
	best
}

#[tokio::main]
async fn main() {
	let scratch = std::env::temp_dir().join(format!("bench-fetch-{}", std::process::id()));
	let store_a = BlockStore::open(scratch.join("a")).expect("scratch store");
	let config = ServeConfig { gateway_addr: "127.0.0.1:0".parse().unwrap(), ..Default::default() };
	let server = Server::start(store_a.clone(), config).await.expect("gateway starts");
	let gateway = server.gateway_url();
	println!("MIB GATEWAY_MIB_S LOCAL_MIB_S RATIO");
	for mib in [1usize, 10, 64] {
		let bytes = content(mib * MIB);
		let cid = store_a.add(&bytes, Layout::KUBO_V1).expect("added");
		let fetch = best_of_three(|run| {
			let store_b =
				BlockStore::open(scratch.join(format!("b-{mib}-{run}"))).expect("scratch store");
			let fetcher =
				Fetcher::new(Some(store_b)).with_gateway(Gateway::new(&gateway).expect("a URL"));
			let expected = &bytes;
			async move {
				match fetcher.fetch(&cid, expected.len() as u64 + 1).await.outcome {
					FetchOutcome::Ok(fetched) => assert_eq!(&fetched, expected),
					other => panic!("fetch failed: {other:?}"),
				}
			}
		})
		.await;
		let local = best_of_three(|_| {
			let store = store_a.clone();
			let expected = &bytes;
			async move { assert_eq!(&store.cat(&cid).expect("local read"), expected) }
		})
		.await;
		let (gateway_rate, local_rate) = (mib as f64 / fetch, mib as f64 / local);
		println!("{mib} {gateway_rate:.1} {local_rate:.1} {:.2}", gateway_rate / local_rate);
	}
	server.stop().await;
	let _ = std::fs::remove_dir_all(&scratch);
}
