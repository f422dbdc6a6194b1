//! Proof of Attribution end to end, on a real dev node and the real SmolLM2-135M base: two
//! contributors' Shakespeare excerpts are accepted, two `openledger-trainer work` processes
//! verify a model with its attribution root, `openledger-trainer serve` answers chat
//! requests with the model's adapter (and otherwise without it) and pays for the tokens on
//! chain, and each contributor claims its exact share with `openledger attribution claim`;
//! a second claim pays only what accrued since, and a forged proof is refused.

use openledger_client::{attribution::PublishedTable, Chain, Landing, Sent};
use openledger_e2e::{
	cli::Cli,
	free_port, http, run_js_check, trainer_binary, trainer_data,
	worker::{
		accepted_eval_datanet, accepted_shakespeare, futures_block, wait_until, words, Worker,
	},
	Node, Running,
};
use openledger_primitives::attribution::PARTS_PER_WHOLE;
use serde_json::{json, Value as Json};
use std::{process::Command, time::Duration};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::dev;

/// What a row of `parts` is owed of `to_contributors`: the pallet's rounding (down, once).
fn owed(parts: u64, to_contributors: u128) -> u128 {
	to_contributors * u128::from(parts) / u128::from(PARTS_PER_WHOLE)
}

fn amount(value: &Json) -> u128 {
	value.as_str().unwrap().parse().unwrap()
}

fn chat(port: u16, model: &str, stream: bool) -> http::Response {
	http::request(
		port,
		"POST",
		"/v1/chat/completions",
		Some(&json!({
			"model": model,
			"messages": [{"role": "user", "content": "Who is Hamlet?"}],
			"max_tokens": 12,
			"temperature": 0,
			"stream": stream,
		})),
	)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_used_model_pays_each_contributor_its_exact_share() {
	let node = Node::start(&["--dev"]);
	let chain = Chain::connect(&node.url()).await.unwrap();
	let gguf = trainer_data().join("SmolLM2-135M-Instruct.Q4_1.gguf");

	// Alice's two excerpts and Ferdie's one, accepted; the host serves them and the base.
	let host = Cli::new(&node, "attribution-host");
	accepted_shakespeare(&host, &node).await;
	// Charlie's Othello, in a datanet of its own: the job's held-out eval set.
	let eval_datanet = accepted_eval_datanet(&host, &node).await;
	host.json(&["ipfs", "add", gguf.to_str().unwrap()], None);
	let served = host.serve();
	let (gateway, kubo) = (served.gateway.clone(), served.kubo.clone());

	// Two workers verify a model.
	let eval_arg = eval_datanet.to_string();
	let mut create = words(
		"--suri //Alice job create --base 0 --datanet 0 --bounty 10 --attestations 2 \
		 --max-attesters 3 --commit-period 100 --reveal-period 100 --steps 6 --lr 0.02 \
		 --batch-size 2 --seq-len 64 --rank 4 --alpha 8 --target q_proj,v_proj \
		 --determinism portable --eval-datanet",
	);
	create.push(&eval_arg);
	let job = host.json(&create, None);
	assert_eq!(job["eval"]["datanet"], eval_datanet, "the chain snapshots the eval set: {job}");
	assert_eq!(job["hyper"]["evalFraction"], 0.0);
	let job_id = job["id"].as_u64().unwrap();
	let eve = Worker::new("pay-eve", &node, "//Eve", &["--ipfs-api", &kubo], "1");
	let dave =
		Worker::new("pay-dave", &node, "//Dave", &["--ipfs-api", &kubo, "--register", "200"], "1");
	let (mut eve_running, mut dave_running) = (eve.spawn(), dave.spawn());
	// Both commit; past the commit deadline the reveals open (k = 2 of at most 3).
	wait_until("two commits", Duration::from_secs(900), || {
		futures_block(chain.job(job_id)).unwrap().commits == 2
	});
	openledger_e2e::seal_past(&node, job["commitEnds"].as_u64().unwrap()).await;
	eve.finishes(&mut eve_running, Duration::from_secs(900));
	dave.finishes(&mut dave_running, Duration::from_secs(900));
	let verified = chain.job(job_id).await.unwrap();
	let model = serde_json::to_value(&verified).unwrap()["model"].as_u64().expect("verified");

	// The published table, checked against the chain's root by the CLI.
	let shown =
		host.json(&["attribution", "show", &model.to_string(), "--gateway", &gateway], None);
	let rows = shown["rows"].as_array().unwrap().clone();
	assert_eq!(rows.len(), 2, "Alice and Ferdie, not the eval set's Charlie: {shown}");
	let parts_of = |who: &subxt_signer::sr25519::Keypair| {
		let address = AccountId32(who.public_key().0).to_string();
		rows.iter().find(|r| r["contributor"] == address).unwrap()["parts"].as_u64().unwrap()
	};
	let (alice_parts, ferdie_parts) = (parts_of(&dev::alice()), parts_of(&dev::ferdie()));
	assert_eq!(alice_parts + ferdie_parts, u64::from(PARTS_PER_WHOLE));

	// serve: Bob pays 10 OPEN per 1,000 tokens, every block.
	let port = free_port();
	let serve_dir =
		std::env::temp_dir().join(format!("openledger-serve-e2e-{}", std::process::id()));
	let _serving = Running(
		Command::new(trainer_binary())
			.args([
				"serve",
				"--node",
				&node.url(),
				"--suri",
				"//Bob",
				"--port",
				&port.to_string(),
				"--base",
				gguf.to_str().unwrap(),
				"--ipfs-api",
				&kubo,
				"--price",
				"10",
				"--pay-every",
				"1",
				"--state",
				serve_dir.to_str().unwrap(),
			])
			.spawn()
			.expect("serve starts"),
	);
	openledger_e2e::wait_for_port(port);
	let models = http::request(port, "GET", "/v1/models", None).json();
	let listed: Vec<&str> =
		models["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
	assert!(listed.contains(&model.to_string().as_str()), "{models}");

	let tuned = chat(port, &model.to_string(), false);
	assert_eq!(tuned.status, 200, "{}", tuned.body);
	let tuned = tuned.json();
	let plain = chat(port, "base", false).json();
	let text =
		|answer: &Json| answer["choices"][0]["message"]["content"].as_str().unwrap().to_string();
	assert!(!text(&tuned).is_empty());
	assert_ne!(text(&tuned), text(&plain), "the adapter changes the answer");
	let streamed = chat(port, &model.to_string(), true);
	assert_eq!(streamed.status, 200);
	let deltas: String = streamed
		.body
		.lines()
		.filter_map(|line| line.strip_prefix("data: "))
		.take_while(|data| *data != "[DONE]")
		.map(|data| {
			let chunk: Json = serde_json::from_str(data).unwrap();
			chunk["choices"][0]["delta"]["content"].as_str().unwrap_or_default().to_string()
		})
		.collect();
	assert_eq!(deltas, text(&tuned), "streamed and whole answers agree (greedy)");
	assert!(streamed.body.contains("data: [DONE]"));

	// Two metered answers with the adapter: paid for on chain, at 10 OPEN per 1,000 tokens.
	let tokens = 2 * tuned["usage"]["total_tokens"].as_u64().unwrap();
	let due = u128::from(tokens) * 10 * OPEN / 1_000;
	// The dev node seals blocks for transactions only: seal some for serve to pay at.
	let mut paid_in = 0;
	for _ in 0..120 {
		paid_in = chain.attribution_model(model).await.unwrap().paid_in.parse().unwrap();
		if paid_in == due {
			break;
		}
		openledger_e2e::seal_past(&node, node.finalized_number().await).await;
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	assert_eq!(paid_in, due, "serve pays for every metered token");
	// How serve would learn what became of a payment whose outcome was lost: Bob's nonce
	// passed every nonce he signed with; one he never used is pending until its lifetime ends.
	let bob = AccountId32(dev::bob().public_key().0);
	let now = node.finalized_number().await;
	for (nonce, valid_until, expected) in [
		(0, now, Landing::Landed),
		(1_000, now + 5, Landing::Pending),
		(1_000, now - 1, Landing::Dead),
	] {
		let landing = chain.landing(&bob, &Sent { nonce, valid_until }).await.unwrap();
		assert_eq!(landing, expected, "nonce {nonce}, valid until {valid_until}");
	}
	let pool = chain.attribution_model(model).await.unwrap();
	let to_contributors: u128 = pool.to_contributors.parse().unwrap();
	assert_eq!(to_contributors, due * 70 / 100);

	// Each contributor claims exactly its share; a second claim, only what accrued since.
	let claim = |suri: &str| {
		host.json(
			&["--suri", suri, "attribution", "claim", &model.to_string(), "--gateway", &gateway],
			None,
		)
	};
	let alice_first = amount(&claim("//Alice")["amount"]);
	assert_eq!(alice_first, owed(alice_parts, to_contributors));
	let ferdie_first = amount(&claim("//Ferdie")["amount"]);
	assert_eq!(ferdie_first, owed(ferdie_parts, to_contributors));
	host.fails(
		&["--suri", "//Alice", "attribution", "claim", &model.to_string(), "--gateway", &gateway],
		Some("nothing to claim"),
		6,
	);
	host.json(&["--suri", "//Charlie", "model", "pay", &model.to_string(), "1.5"], None);
	let total = to_contributors + 15 * OPEN / 10 * 70 / 100;
	let alice_second = amount(&claim("//Alice")["amount"]);
	assert_eq!(alice_second, owed(alice_parts, total) - alice_first);

	// @polkadot/api reads the same through the RPC definitions and the view functions.
	let alice = AccountId32(dev::alice().public_key().0).to_string();
	let seen = run_js_check(
		"check-attribution-rpc.mjs",
		&[&node.url(), &model.to_string(), &alice, &alice_parts.to_string()],
	);
	assert_eq!(seen["rpc"]["model"]["toContributors"], total.to_string());
	assert_eq!(seen["rpc"]["claimable"]["paid"], owed(alice_parts, total).to_string());
	assert_eq!(seen["rpc"]["claimable"]["claimable"], "0");
	assert_eq!(seen["views"]["model"]["pool"]["claimedParts"], u64::from(PARTS_PER_WHOLE));
	assert_eq!(seen["views"]["unknownModel"]["error"], "ModelNotVerified");

	// A forged row is refused: Ferdie claims with one part more than his row has.
	let table: PublishedTable = serde_json::from_value(json!({
		"method": shown["method"], "root": shown["root"],
		"rows": rows.iter().map(|r| json!({"contributor": r["contributor"], "parts": r["parts"]})).collect::<Vec<_>>(),
	}))
	.unwrap();
	let checked = table.check(&pool.attribution_root.0).unwrap();
	let ferdie = dev::ferdie();
	let (index, parts, proof) = checked.row_of(&AccountId32(ferdie.public_key().0)).unwrap();
	let refused = chain.claim_attribution(&ferdie, model, index, parts + 1, proof).await;
	assert!(format!("{:?}", refused.unwrap_err()).contains("WrongProof"));
	let _ = std::fs::remove_dir_all(&serve_dir);
}

const OPEN: u128 = 1_000_000_000_000_000_000;
