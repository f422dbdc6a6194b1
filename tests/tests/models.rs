//! ModelFactory on a real dev node: Alice's real files are submitted through the CLI and
//! accepted by the dev validators' sealed votes; Alice creates a job over datanet 0 through
//! the CLI; trainers Eve and Ferdie (genesis) and Dave (registered through the CLI) commit
//! sealed results with subxt; Eve and Ferdie reveal the same result and the model is
//! verified, visible through `models_model`, `openledger model show` and @polkadot/api;
//! Dave reveals another hash and is slashed. The job's snapshot is recomputed from
//! `datanets_accepted`.

use openledger_client::{models::attested_result, runtime, Chain};
use openledger_e2e::{cli::Cli, run_js_check, seal_past, vote_sealed_on, Node};
use openledger_primitives::dataset::{next_head, EMPTY_HEAD};
use pallet_models::AttestedResult;
use serde_json::Value as Json;
use sp_arithmetic::FixedU64;
use std::str::FromStr;
use subxt::rpcs::rpc_params;
use subxt_signer::sr25519::{dev, Keypair};

const OPEN: u128 = 1_000_000_000_000_000_000;

fn binary_cid(fill: u8) -> Vec<u8> {
	let mut cid = vec![0x01, 0x55, 0x12, 0x20];
	cid.extend_from_slice(&[fill; 32]);
	cid
}

/// A trainer's result; `hash` picks the model hash (and so what agrees).
fn result(hash: u8) -> AttestedResult {
	AttestedResult {
		adapter_cid: binary_cid(hash).try_into().unwrap(),
		model_hash: [hash; 32],
		attribution_root: [0xa7; 32],
		eval_loss_before: FixedU64::from_rational(31, 10),
		eval_loss_after: FixedU64::from_rational(27, 10),
		tokens_trained: 2_560,
		manifest_cid: binary_cid(hash ^ 0xff).try_into().unwrap(),
	}
}

async fn commit(chain: &Chain, job: u64, trainer: &Keypair, result: &AttestedResult) {
	let sealed = pallet_models::commitment(job, result, &salt(trainer), &trainer.public_key().0);
	let call = runtime::transactions().models().commit_result(job, sealed);
	chain.submit(&call, trainer).await.expect("commit taken");
}

async fn reveal(chain: &Chain, job: u64, trainer: &Keypair, result: &AttestedResult) {
	let call =
		runtime::transactions().models().reveal_result(job, attested_result(result), salt(trainer));
	chain.submit(&call, trainer).await.expect("reveal taken");
}

fn salt(trainer: &Keypair) -> [u8; 32] {
	trainer.public_key().0
}

async fn rpc<R: serde::de::DeserializeOwned>(
	node: &Node,
	method: &str,
	params: subxt::rpcs::client::RpcParams,
) -> R {
	node.rpc().await.request(method, params).await.unwrap_or_else(|e| panic!("{method}: {e}"))
}

fn address(keypair: &Keypair) -> String {
	subxt::utils::AccountId32(keypair.public_key().0).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_over_accepted_files_is_verified_by_agreeing_trainers_and_a_dissenter_is_slashed() {
	let node = Node::start(&["--dev"]);
	let api = node.client().await;
	let chain = Chain::connect(&node.url()).await.unwrap();
	let cli = Cli::new(&node, "models");

	// Real files through the CLI's embedded store, accepted by sealed votes.
	let poem =
		cli.file("poem.txt", b"Shall I compare thee to a summer's day?\n".repeat(20).as_slice());
	let notes = cli.file(
		"notes.md",
		b"# Notes\n\nThou art more lovely and more temperate.\n".repeat(20).as_slice(),
	);
	let submitted =
		cli.json(&["--suri", "//Alice", "submit", &poem, &notes, "--datanet", "0"], None);
	let ids: Vec<u64> =
		submitted.as_array().unwrap().iter().map(|s| s["submission"].as_u64().unwrap()).collect();
	let ballots = [(&dev::bob(), true, 80), (&dev::charlie(), true, 80), (&dev::dave(), true, 70)];
	vote_sealed_on(&api, &node, &ids, &ballots).await;
	let accepted: Json = rpc(&node, "datanets_accepted", rpc_params![0, 0, 10]).await;
	assert_eq!(accepted["total"], 2, "{accepted}");

	// The job, through the CLI; the chain snapshots datanet 0.
	let job = cli.json(
		&[
			"--suri",
			"//Alice",
			"job",
			"create",
			"--base",
			"0",
			"--datanet",
			"0",
			"--bounty",
			"10",
			"--attestations",
			"2",
			"--max-attesters",
			"3",
			"--commit-period",
			"30",
			"--reveal-period",
			"30",
			"--steps",
			"10",
			"--seq-len",
			"64",
		],
		None,
	);
	let job_id = job["id"].as_u64().unwrap();
	assert_eq!(job["status"], "open");
	assert_eq!(job["phase"], "committing");
	assert_eq!(job["snapshots"][0]["count"], 2);

	// The snapshot, recomputed from the accepted log, is the chain's.
	let mut head = EMPTY_HEAD;
	for entry in accepted["items"].as_array().unwrap() {
		let cid =
			openledger_primitives::cid::parse(entry["cid"].as_str().unwrap().as_bytes()).unwrap();
		let contributor =
			subxt::utils::AccountId32::from_str(entry["contributor"].as_str().unwrap()).unwrap();
		head = next_head(
			&head,
			entry["index"].as_u64().unwrap() as u32,
			entry["submission"].as_u64().unwrap(),
			&cid,
			&contributor.0,
			entry["weight"].as_u64().unwrap() as u8,
		);
		assert_eq!(entry["head"], format!("0x{}", hex::encode(head)));
	}
	assert_eq!(job["snapshots"][0]["head"], format!("0x{}", hex::encode(head)));

	// A third trainer registers through the CLI.
	cli.json(&["--suri", "//Dave", "trainer", "register", "--bond", "200"], None);
	let dave: Json = rpc(&node, "models_trainer", rpc_params![address(&dev::dave())]).await;
	assert_eq!(dave["bond"], (200 * OPEN).to_string());

	let (agreed, other) = (result(1), result(2));
	commit(&chain, job_id, &dev::eve(), &agreed).await;
	commit(&chain, job_id, &dev::ferdie(), &agreed).await;
	commit(&chain, job_id, &dev::dave(), &other).await;
	let eve_before = chain_free(&chain, &dev::eve()).await;
	reveal(&chain, job_id, &dev::eve(), &agreed).await;
	reveal(&chain, job_id, &dev::ferdie(), &agreed).await;

	let model: Json = rpc(&node, "models_model", rpc_params![0]).await;
	assert_eq!(model["job"], job_id);
	assert_eq!(model["result"]["modelHash"], format!("0x{}", "01".repeat(32)));
	assert_eq!(model["snapshots"], job["snapshots"]);
	let mut attesters: Vec<String> =
		model["attesters"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().into()).collect();
	attesters.sort();
	let mut expected = vec![address(&dev::eve()), address(&dev::ferdie())];
	expected.sort();
	assert_eq!(attesters, expected);
	assert_eq!(cli.json(&["model", "show", "0"], None), model);
	let paid = chain_free(&chain, &dev::eve()).await - eve_before;
	assert!(paid > 4 * OPEN && paid <= 5 * OPEN, "Eve's share of 10 OPEN less fees: {paid}");

	// Dave's other hash is a dissent: 10% of the stake a commitment carries (100 OPEN).
	reveal(&chain, job_id, &dev::dave(), &other).await;
	let dave: Json = rpc(&node, "models_trainer", rpc_params![address(&dev::dave())]).await;
	assert_eq!(dave["bond"], (190 * OPEN).to_string());

	let shown = cli.json(&["job", "show", &job_id.to_string()], None);
	assert_eq!((shown["status"].clone(), shown["model"].clone()), ("verified".into(), 0.into()));
	let listed = cli.json(&["job", "list", "--status", "verified"], None);
	assert_eq!(listed.as_array().unwrap().len(), 1);

	// Settlement after the reveal deadline releases the trainers' commitments.
	seal_past(&node, shown["revealEnds"].as_u64().unwrap()).await;
	chain
		.submit(&runtime::transactions().models().finalize_job(job_id), &dev::alice())
		.await
		.expect("settles");
	let eve: Json = cli.json(&["trainer", "show", &address(&dev::eve())], None);
	assert_eq!(eve["openCommitments"], 0);

	// @polkadot/api reads the job and the model from the RPC definitions and the metadata.
	let seen = run_js_check("check-models-rpc.mjs", &[&node.url(), &job_id.to_string(), "0"]);
	assert_eq!(seen["rpc"]["model"], model);
	assert_eq!(seen["rpc"]["job"]["status"], "verified");
	assert_eq!(seen["rpc"]["verifiedJobs"]["total"], 1);
	assert_eq!(seen["rpc"]["baseModels"]["items"][0]["family"], "smollm2");
	assert_eq!(seen["views"]["model"]["model"]["job"], job_id);
	assert_eq!(seen["views"]["job"]["job"]["status"]["verified"], 0);
	assert_eq!(seen["views"]["unknownModel"]["error"], "ModelNotFound");
	assert_eq!(seen["stored"]["job"], job_id);
}

/// The free balance of `who`, through the client's `balance`.
async fn chain_free(chain: &Chain, who: &Keypair) -> u128 {
	let account = openledger_client::AccountId(who.public_key().0);
	chain.balance(&account).await.expect("a balance").free
}
