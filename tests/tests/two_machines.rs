//! Files reach other machines. Host A runs `openledger ipfs serve` (a trustless gateway and
//! a Kubo-compatible API) over its own store; a contributor adds a file through A's API and
//! submits it; the datanet's owner publishes a lying gateway and A's gateway; validators
//! with empty stores of their own (separate directories, no shared paths) fetch through the
//! gateways, report the liar, verify and vote, and the file is accepted. A file larger than
//! declared is rejected; with only the liar to fetch from, a validator reports the content
//! unavailable and does not vote.

use openledger_e2e::{cli::Cli, reserve_and_submit, seal_past, windows, Node};
use serde_json::Value as Json;
use std::{
	io::{Read, Write},
	net::TcpListener,
};
use subxt::rpcs::rpc_params;
use subxt_signer::sr25519::dev;

const VALIDATORS: [(&str, &str); 3] =
	[("bob", "//Bob"), ("charlie", "//Charlie"), ("dave", "//Dave")];

/// A gateway that answers every request with the same bytes, which hash to no CID asked.
fn lying_gateway() -> String {
	let listener = TcpListener::bind("127.0.0.1:0").unwrap();
	let url = format!("http://{}", listener.local_addr().unwrap());
	std::thread::spawn(move || {
		for stream in listener.incoming() {
			let Ok(mut stream) = stream else { continue };
			let mut request = Vec::new();
			let mut byte = [0u8; 1];
			while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
				request.push(byte[0]);
			}
			let body = b"not what you asked for";
			let head = format!(
				"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ipld.raw\r\nContent-Length: \
				 {}\r\nConnection: close\r\n\r\n",
				body.len()
			);
			let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
		}
	});
	url
}

/// The verdict `validate --json` printed for `submission`.
fn verdict_of(verdicts: &Json, submission: u64) -> &Json {
	verdicts
		.as_array()
		.unwrap()
		.iter()
		.find(|v| v["submission"] == submission)
		.unwrap_or_else(|| panic!("no verdict on submission {submission}: {verdicts}"))
}

fn findings(verdict: &Json) -> String {
	verdict["findings"]
		.as_array()
		.unwrap()
		.iter()
		.map(|f| f.as_str().unwrap())
		.collect::<Vec<_>>()
		.join("; ")
}

#[tokio::test(flavor = "multi_thread")]
async fn validators_elsewhere_fetch_through_the_gateway_and_skip_a_liar() {
	let node = Node::start(&["--dev"]);
	let api = node.client().await;

	// Host A: its store, served.
	let host_a = Cli::new(&node, "host-a");
	let served = host_a.serve();
	let (gateway, kubo) = (served.gateway.clone(), served.kubo.clone());

	// A contributor (its own empty store) adds through A's Kubo-compatible API and submits.
	let contributor = Cli::new(&node, "contributor");
	let poem = contributor.file(
		"poem.txt",
		"So long lives this, and this gives life to thee.\n".repeat(40).as_bytes(),
	);
	let submitted = contributor.json(
		&["--ipfs-api", &kubo, "--suri", "//Ferdie", "submit", &poem, "--datanet", "0"],
		None,
	);
	let poem_id = submitted[0]["submission"].as_u64().unwrap();

	// A file larger than it is declared, also in A's store.
	let big = host_a.file("big.txt", "All the world's a stage.\n".repeat(400).as_bytes());
	let added = host_a.json(&["ipfs", "add", &big], None);
	let big_cid = added[0]["cid"].as_str().expect("ipfs add prints the CID").to_string();
	let big_id = reserve_and_submit(&api, &dev::eve(), 0, &big_cid, 100, "Txt").await.unwrap();

	// With only a lying gateway published, a validator elsewhere finds nothing it can trust.
	let liar = lying_gateway();
	host_a.json(&["--suri", "//Alice", "datanet", "gateways", "0", &liar], None);
	let bob = Cli::new(&node, "bob");
	let verdicts = bob.json(&["--suri", "//Bob", "validate", "--datanet", "0", "--auto"], None);
	let poem_verdict = verdict_of(&verdicts, poem_id);
	assert_eq!(poem_verdict["action"], "unavailable", "{verdicts}");
	assert!(findings(poem_verdict).contains(&liar), "the liar is reported: {verdicts}");

	// The owner publishes A's gateway after the liar: validators with empty stores vote.
	host_a.json(&["--suri", "//Alice", "datanet", "gateways", "0", &liar, &gateway], None);
	// Bob again, with a fresh empty store (his first try kept nothing).
	let validators: Vec<(Cli, &str)> = VALIDATORS
		.iter()
		.map(|(name, suri)| (Cli::new(&node, &format!("{name}-validator")), *suri))
		.collect();
	for (cli, suri) in &validators {
		let verdicts = cli.json(&["--suri", suri, "validate", "--datanet", "0", "--auto"], None);
		let poem_verdict = verdict_of(&verdicts, poem_id);
		assert_eq!(poem_verdict["action"], "approved", "{verdicts}");
		assert!(findings(poem_verdict).contains(&liar), "the liar is reported: {verdicts}");
		let big_verdict = verdict_of(&verdicts, big_id);
		assert_eq!(big_verdict["action"], "rejected", "{verdicts}");
		assert!(findings(big_verdict).contains("larger than the declared"), "{verdicts}");
	}

	// Reveals from each validator's own ballot book; the poem is accepted, the big file not.
	let (commit_ends, reveal_ends) = windows(&node, poem_id).await;
	seal_past(&node, commit_ends).await;
	for (cli, suri) in &validators {
		cli.json(&["--suri", suri, "validate", "--datanet", "0", "--auto"], None);
	}
	seal_past(&node, reveal_ends.max(windows(&node, big_id).await.1)).await;
	let status = |id: u64| {
		let node = &node;
		async move {
			let submission: Json =
				node.rpc().await.request("datanets_submission", rpc_params![id]).await.unwrap();
			submission["status"].as_str().unwrap().to_string()
		}
	};
	assert_eq!(status(poem_id).await, "accepted");
	assert_eq!(status(big_id).await, "rejected");
}
