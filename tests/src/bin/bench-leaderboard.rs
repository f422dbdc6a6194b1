//! Leaderboard latency through the real RPC at 1k, 100k and 1M contributors.
//!
//! For each size: a dev chain spec whose genesis seeds that many ranked contributors on
//! datanet 0 and the global board (`benchmarkContributors`), a node started on it, then
//! `datanets_leaderboard` (top 100) and `datanets_contributor` (rank of an account spread
//! through the board) timed over one WebSocket connection. Prints medians, p90s and the
//! ratios of the largest size to the smallest. Run through scripts/bench-leaderboard.sh.

use openledger_e2e::{build_spec, Node};
use std::time::{Duration, Instant};
use subxt::rpcs::{rpc_params, RpcClient};

const TEXT: u32 = 0;

struct Timing {
	median: Duration,
	p90: Duration,
}

fn summarize(mut samples: Vec<Duration>) -> Timing {
	samples.sort();
	Timing { median: samples[samples.len() / 2], p90: samples[samples.len() * 9 / 10] }
}

fn ms(d: Duration) -> f64 {
	d.as_secs_f64() * 1e3
}

/// The dev chain spec with `contributors` seeded at genesis.
fn bench_spec(contributors: u32, dir: &std::path::Path) -> std::path::PathBuf {
	let mut spec = build_spec("dev");
	spec["genesis"]["runtimeGenesis"]["patch"]["datanets"]["benchmarkContributors"] =
		serde_json::json!([TEXT, contributors]);
	let path = dir.join(format!("bench-{contributors}.json"));
	std::fs::write(&path, serde_json::to_vec(&spec).unwrap()).expect("spec written");
	path
}

async fn time_calls(
	rpc: &RpcClient,
	method: &str,
	params: impl Fn(usize) -> subxt::rpcs::client::RpcParams,
	calls: usize,
) -> Timing {
	for i in 0..calls / 10 {
		let _: serde_json::Value = rpc.request(method, params(i)).await.expect("warm-up call");
	}
	let mut samples = Vec::with_capacity(calls);
	for i in 0..calls {
		let start = Instant::now();
		let _: serde_json::Value = rpc.request(method, params(i)).await.expect("timed call");
		samples.push(start.elapsed());
	}
	summarize(samples)
}

struct Row {
	contributors: u32,
	startup: Duration,
	top100: Timing,
	rank: Timing,
}

async fn measure(contributors: u32, calls: usize, dir: &std::path::Path) -> Row {
	let spec = bench_spec(contributors, dir);
	let started = Instant::now();
	let node = Node::start_within(
		&[
			"--chain",
			spec.to_str().unwrap(),
			"--sealing",
			"manual",
			"--rpc-max-response-size",
			"64",
		],
		Duration::from_secs(3600),
	);
	let rpc = node.rpc().await;
	let startup = started.elapsed();
	let top: serde_json::Value =
		rpc.request("datanets_leaderboard", rpc_params![TEXT, 0, 100]).await.expect("top 100");
	assert_eq!(top["total"].as_u64(), Some(contributors as u64), "seeded board size");
	assert_eq!(top["items"].as_array().map(Vec::len), Some(100.min(contributors as usize)));

	// Accounts spread over the whole board, looked up by rank once, then timed.
	let mut accounts = Vec::new();
	for k in 0..16u64 {
		let offset = (contributors as u64 - 1) * k / 15;
		let page: serde_json::Value =
			rpc.request("datanets_leaderboard", rpc_params![TEXT, offset, 1]).await.unwrap();
		let account = page["items"][0]["account"].as_str().expect("an account").to_owned();
		let me: serde_json::Value =
			rpc.request("datanets_contributor", rpc_params![&account, TEXT]).await.unwrap();
		assert_eq!(me["rank"].as_u64(), Some(offset + 1), "rank of the account at {offset}");
		accounts.push(account);
	}
	let top100 =
		time_calls(&rpc, "datanets_leaderboard", |_| rpc_params![TEXT, 0, 100], calls).await;
	let rank = time_calls(
		&rpc,
		"datanets_contributor",
		|i| rpc_params![&accounts[i % accounts.len()], TEXT],
		calls,
	)
	.await;
	drop(node);
	Row { contributors, startup, top100, rank }
}

#[tokio::main]
async fn main() {
	let sizes: Vec<u32> = std::env::var("SIZES")
		.unwrap_or_else(|_| "1000,100000,1000000".into())
		.split(',')
		.map(|s| s.trim().parse().expect("SIZES: comma-separated contributor counts"))
		.collect();
	let calls: usize = std::env::var("CALLS").ok().and_then(|c| c.parse().ok()).unwrap_or(300);
	let dir = std::env::temp_dir().join(format!("openledger-bench-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();

	let mut rows = Vec::new();
	for &size in &sizes {
		eprintln!("seeding {size} contributors and starting a node ...");
		let row = measure(size, calls, &dir).await;
		eprintln!("  node up in {:.1} s", row.startup.as_secs_f64());
		rows.push(row);
	}
	let _ = std::fs::remove_dir_all(&dir);

	println!("| contributors | top-100 median | top-100 p90 | rank median | rank p90 | node start (genesis) |");
	println!("|---:|---:|---:|---:|---:|---:|");
	for row in &rows {
		println!(
			"| {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.0} s |",
			row.contributors,
			ms(row.top100.median),
			ms(row.top100.p90),
			ms(row.rank.median),
			ms(row.rank.p90),
			row.startup.as_secs_f64()
		);
	}
	if let (Some(small), Some(large)) = (rows.first(), rows.last()) {
		let ratio = |a: &Timing, b: &Timing| ms(a.median) / ms(b.median);
		println!();
		println!(
			"top-100 {}/{} ratio: {:.2} (target <= 1.5)",
			large.contributors,
			small.contributors,
			ratio(&large.top100, &small.top100)
		);
		println!(
			"rank-of-account {}/{} ratio: {:.2}; at {}: {:.2} ms median (target <= 10 ms)",
			large.contributors,
			small.contributors,
			ratio(&large.rank, &small.rank),
			large.contributors,
			ms(large.rank.median)
		);
	}
}
