//! The `local` network under faults (issue #17): four Aura/GRANDPA validators as real
//! processes, then in turn
//! 1. one killed with `kill -9`: blocks are still produced and finalized; restarted, it
//!    catches up;
//! 2. two of four down: finality stalls (GRANDPA needs more than two thirds) while blocks are
//!    still authored, and resumes when one returns (1 and 2 once in CI; the long form,
//!    `scripts/faults.sh`, repeats them with each validator but Alice failing in turn);
//! 3. all four stopped and started again: what was written before (a transfer, a
//!    submission) is still there, with the same state root at the same block;
//! 4. a validator whose base path was wiped syncs again and serves the same answers;
//! 5. (long form only) a partition into two halves of two (`--reserved-only`): both author,
//!    neither finalizes; healed, one chain is finalized everywhere;
//! 6. a fifth, non-validator node syncs and serves the same answers.
//!
//! `scripts/local-net.sh` starts the same network by hand.

use openledger_e2e::{net::LocalNet, reserve_and_submit, sign_and_finalize, Client};
use serde_json::Value as Json;
use std::time::{Duration, Instant};
use subxt::{dynamic, rpcs::rpc_params};
use subxt_signer::sr25519::{dev, Keypair};

const OPEN: u128 = 1_000_000_000_000_000_000;
const ALICE: usize = 0;
const BOB: usize = 1;
const CHARLIE: usize = 2;
const DAVE: usize = 3;
/// A few slots of 6 s.
const A_WHILE: Duration = Duration::from_secs(180);

/// What every node must answer alike about block `block`: its state root, and the
/// submission written before the faults as the RPC shows it at that block.
async fn answers(net: &LocalNet, node: usize, block: u64, submission: u64) -> (String, Json) {
	let node = &net.nodes[node];
	let hash = node.block_hash(block).await.expect("the node has the block");
	let submitted = node.call("datanets_submission", rpc_params![submission, hash]).await;
	(node.state_root(block).await, submitted)
}

fn log(started: Instant, what: &str) {
	println!("{:>5.0} s  {what}", started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_network_survives_crashes_a_full_stop_and_a_wiped_node() {
	let started = Instant::now();
	let mut net = LocalNet::start(4).await;
	let first = net.wait_finalized(ALICE, 2, A_WHILE).await;
	log(started, &format!("four validators finalized #{first}"));

	// Alice watches; the others fail in turn, once (CI) or `OPENLEDGER_FAULT_ROUNDS` times
	// (scripts/faults.sh).
	let rounds: usize =
		std::env::var("OPENLEDGER_FAULT_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(1);
	for round in 0..rounds {
		let (one, two) = (1 + (round + 2) % 3, 1 + (round + 1) % 3);
		let (first_name, second_name) = (net.nodes[one].name.clone(), net.nodes[two].name.clone());

		// 1. kill -9 of one validator: three of four still author and finalize.
		let first = net.nodes[ALICE].finalized_number().await;
		net.nodes[one].kill();
		let with_three = net.wait_finalized(ALICE, first + 3, A_WHILE).await;
		log(started, &format!("{first_name} killed; the other three finalized #{with_three}"));
		net.start_node(one).await;
		net.wait_finalized(one, with_three, A_WHILE).await;
		log(started, &format!("{first_name} restarted and caught up"));

		// 2. Two of four down: finality stalls while the other two still author.
		net.nodes[one].kill();
		net.nodes[two].kill();
		tokio::time::sleep(Duration::from_secs(6)).await; // votes already sent may still land
		let stalled = net.nodes[ALICE].finalized_number().await;
		let best_before = net.nodes[ALICE].best_number().await;
		tokio::time::sleep(Duration::from_secs(18)).await;
		assert_eq!(net.nodes[ALICE].finalized_number().await, stalled, "two of four finalized");
		assert!(net.nodes[ALICE].best_number().await > best_before, "two still author");
		log(
			started,
			&format!("{first_name} and {second_name} killed; finality stalled at #{stalled}"),
		);
		net.start_node(one).await;
		let resumed = net.wait_finalized(ALICE, stalled + 2, A_WHILE).await;
		log(started, &format!("{first_name} back; finality resumed to #{resumed}"));
		net.start_node(two).await;
	}

	// 3. State written before a full stop is there after it, bit for bit.
	let api = Client::from_insecure_url(net.nodes[ALICE].url()).await.expect("subxt connects");
	let zoe = Keypair::from_uri(&"//Zoe".parse().unwrap()).unwrap();
	let transfer = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(zoe.public_key().to_address::<()>(), 3 * OPEN),
	);
	let cid = openledger_e2e::cid_v1(17);
	let (alice, ferdie) = (dev::alice(), dev::ferdie());
	let (transferred, submitted) = tokio::join!(
		sign_and_finalize(&api, &transfer, &alice),
		reserve_and_submit(&api, &ferdie, 0, &cid, 1000, "Txt"),
	);
	transferred.expect("the transfer lands");
	let submission = submitted.expect("the submission lands");
	drop(api);
	let written = net.nodes[ALICE].finalized_number().await;
	let before = answers(&net, ALICE, written, submission).await;
	net.wait_finalized(DAVE, written, A_WHILE).await;
	net.restart_all().await;
	log(
		started,
		&format!("wrote a transfer and submission {submission} by #{written}; all four restarted"),
	);
	let again = net.wait_finalized(ALICE, written + 2, A_WHILE).await;
	for node in 0..4 {
		net.wait_finalized(node, written, A_WHILE).await;
		assert_eq!(answers(&net, node, written, submission).await, before, "node {node}");
	}
	log(started, &format!("all four started again: same state at #{written}, finalized #{again}"));

	// 4. A wiped validator syncs from the others and answers alike.
	net.nodes[DAVE].stop();
	net.nodes[DAVE].wipe();
	net.start_node(DAVE).await;
	let head = net.nodes[ALICE].finalized_number().await;
	net.wait_finalized(DAVE, head, A_WHILE).await;
	assert_eq!(answers(&net, DAVE, written, submission).await, before);
	assert_eq!(net.nodes[DAVE].block_hash(head).await, net.nodes[ALICE].block_hash(head).await);
	log(started, &format!("Dave wiped and synced to #{head}"));

	// 5. A partition, {Alice, Bob} | {Charlie, Dave}: each half authors its own fork and
	// neither finalizes; healed, one chain is finalized everywhere and no fork survives.
	// The long form only (two more restarts of the network: over a minute).
	if rounds > 1 {
		partition_and_heal(&mut net, started).await;
	}

	// 6. A full node (no authority key) syncs and serves the same answers.
	let full = net.add_full_node().await;
	let head = net.nodes[ALICE].finalized_number().await;
	net.wait_finalized(full, head, A_WHILE).await;
	assert_eq!(answers(&net, full, written, submission).await, before);
	assert_eq!(net.nodes[full].block_hash(head).await, net.nodes[ALICE].block_hash(head).await);
	log(started, &format!("a full node synced to #{head}; done"));
}

/// Step 5 of the test: see there.
async fn partition_and_heal(net: &mut LocalNet, started: Instant) {
	let before_split = net.nodes[ALICE].finalized_number().await;
	net.partition(&[&[ALICE, BOB], &[CHARLIE, DAVE]]).await;
	tokio::time::sleep(Duration::from_secs(36)).await;
	let split_at = net.nodes[ALICE].finalized_number().await;
	let (alice_best, charlie_best) =
		(net.nodes[ALICE].best_number().await, net.nodes[CHARLIE].best_number().await);
	let height = alice_best.min(charlie_best);
	assert!(height > split_at, "both halves authored past the split (#{split_at})");
	assert_ne!(
		net.nodes[ALICE].block_hash(height).await,
		net.nodes[CHARLIE].block_hash(height).await,
		"the halves authored different blocks at #{height}"
	);
	for half in [ALICE, CHARLIE] {
		let finalized = net.nodes[half].finalized_number().await;
		assert!(finalized <= before_split + 1, "a half finalized #{finalized} (#{before_split})");
	}
	log(started, &format!("partitioned: forks at #{height}, finality stalled at #{split_at}"));
	net.heal().await;
	let healed = net.wait_finalized(ALICE, height + 2, A_WHILE).await;
	let mut hashes = Vec::new();
	for node in 0..4 {
		net.wait_finalized(node, healed, A_WHILE).await;
		hashes.push((
			net.nodes[node].block_hash(height).await,
			net.nodes[node].block_hash(healed).await,
		));
	}
	assert!(hashes.windows(2).all(|pair| pair[0] == pair[1]), "a fork survived: {hashes:?}");
	log(started, &format!("healed: one chain finalized to #{healed} everywhere"));
}
