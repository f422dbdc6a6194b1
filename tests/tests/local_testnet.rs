//! The `local` chain: four Aura/GRANDPA validators, one of which can fail without halting
//! finality (GRANDPA needs more than two thirds of them).

use openledger_e2e::Node;
use std::time::{Duration, Instant};

/// Peer id of the libp2p/litep2p ed25519 node key `0x…01`, so the others can dial Alice.
const ALICE_NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const ALICE_PEER_ID: &str = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";

async fn wait_for_finalized(node: &Node, at_least: u64, timeout: Duration) -> u64 {
	let start = Instant::now();
	loop {
		let finalized = node.finalized_number().await;
		if finalized >= at_least {
			return finalized;
		}
		assert!(
			start.elapsed() < timeout,
			"finalized #{finalized}, waited for #{at_least} for {timeout:?}\n{}",
			node.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn finality_survives_one_of_four_validators_failing() {
	let alice = Node::start(&["--chain", "local", "--alice", "--node-key", ALICE_NODE_KEY]);
	let bootnode = format!("/ip4/127.0.0.1/tcp/{}/p2p/{ALICE_PEER_ID}", alice.p2p_port);
	let mut others: Vec<Node> = ["--bob", "--charlie", "--dave"]
		.into_iter()
		.map(|who| {
			Node::start(&[
				"--chain",
				"local",
				who,
				"--bootnodes",
				&bootnode,
				"--unsafe-force-node-key-generation",
			])
		})
		.collect();
	let mut dave = others.pop().expect("three more validators");

	let before = wait_for_finalized(&alice, 2, Duration::from_secs(120)).await;
	dave.kill();
	// Three of four validators keep finalizing new blocks.
	wait_for_finalized(&alice, before + 3, Duration::from_secs(120)).await;
}
