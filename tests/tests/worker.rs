//! The trainer worker on a real dev node and the real SmolLM2-135M base: three excerpts of
//! Shakespeare's plays are submitted and accepted; a host serves its store (the files and the
//! GGUF) as a gateway and a Kubo API; a job with k = 2 is created. Two `openledger-trainer
//! work` processes with their own stores, state directories, thread counts and (for one)
//! kernels forced down to the x86-64 baseline take it. One is killed with `kill -9` during
//! training and restarted. Both commit and reveal the same model, which the chain verifies.
//! Its adapter is fetched by CID and loads in `openledger-trainer chat`. A third attestation,
//! from `openledger-trainer replay` over a dataset with one file swapped, is another hash and
//! is slashed.

use openledger_client::{models::attested_result, runtime, Chain};
use openledger_e2e::{
	cli::Cli,
	free_port, trainer_data, vote_sealed_on,
	worker::{
		accepted_shakespeare, excerpt, futures_block, trainer_output, wait_until, words, Worker,
	},
	Node,
};
use pallet_models::AttestedResult;
use serde_json::Value as Json;
use sp_arithmetic::FixedU64;
use std::time::{Duration, Instant};
use subxt_signer::sr25519::dev;

const OPEN: u128 = 1_000_000_000_000_000_000;

fn hash32(text: &str) -> [u8; 32] {
	hex::decode(text.trim_start_matches("0x")).unwrap().try_into().unwrap()
}

fn binary_cid(text: &str) -> Vec<u8> {
	openledger_primitives::cid::parse(text.as_bytes()).unwrap()
}

/// `openledger-trainer replay`'s output as the chain's result type.
fn result_of(replayed: &Json) -> AttestedResult {
	AttestedResult {
		adapter_cid: binary_cid(replayed["adapter_cid"].as_str().unwrap()).try_into().unwrap(),
		model_hash: hash32(replayed["model_hash"].as_str().unwrap()),
		attribution_root: hash32(replayed["attribution_root"].as_str().unwrap()),
		eval_loss_before: FixedU64::from_inner(replayed["eval_loss_before"].as_u64().unwrap()),
		eval_loss_after: FixedU64::from_inner(replayed["eval_loss_after"].as_u64().unwrap()),
		tokens_trained: replayed["tokens_trained"].as_u64().unwrap(),
		manifest_cid: binary_cid(replayed["manifest_cid"].as_str().unwrap()).try_into().unwrap(),
	}
}

async fn job(chain: &Chain, id: u64) -> Json {
	serde_json::to_value(chain.job(id).await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_verify_a_model_and_a_tampered_dataset_is_slashed() {
	let node = Node::start(&["--dev"]);
	let chain = Chain::connect(&node.url()).await.unwrap();
	let gguf = trainer_data().join("SmolLM2-135M-Instruct.Q4_1.gguf");

	// The host: contributors' files and the base model in its store, served.
	let host = Cli::new(&node, "worker-host");
	accepted_shakespeare(&host, &node).await;
	let added = host.json(&["ipfs", "add", gguf.to_str().unwrap()], None);
	let base = chain.base_model(0).await.unwrap();
	assert_eq!(added[0]["cid"], base.weights_cid, "the dev genesis names this GGUF");
	let served = host.serve();
	let (gateway, kubo) = (served.gateway.clone(), served.kubo.clone());

	let created = Instant::now();
	let job_json = host.json(
		&words(
			"--suri //Alice job create --base 0 --datanet 0 --bounty 10 --attestations 2 \
			 --max-attesters 3 --commit-period 1000 --reveal-period 1000 --steps 3 --batch-size 2 \
			 --seq-len 64 --rank 4 --alpha 8 --target q_proj,v_proj --eval-fraction 0.1 \
			 --determinism portable",
		),
		None,
	);
	let job_id = job_json["id"].as_u64().unwrap();
	assert_eq!(job_json["snapshots"][0]["count"], 3);

	// Eve: one thread, everything through the host's Kubo API. Dave: two threads, baseline
	// kernels, reads through the gateway, registers itself.
	let metrics_port = free_port();
	let eve = Worker::new(
		"eve",
		&node,
		"//Eve",
		&["--ipfs-api", &kubo, "--metrics-port", &metrics_port.to_string()],
		"1",
	);
	let dave = Worker::new(
		"dave",
		&node,
		"//Dave",
		&[
			"--gateway",
			&gateway,
			"--ipfs-api",
			&kubo,
			"--kernel-level",
			"baseline",
			"--register",
			"200",
		],
		"2",
	);
	let mut eve_running = eve.spawn();
	let mut dave_running = dave.spawn();

	// kill -9 Eve after her first checkpoint; the restart resumes from it.
	wait_until("Eve's first checkpoint", Duration::from_secs(900), || {
		eve.events().iter().any(|e| e["event"] == "checkpoint")
	});
	let metrics = reqwest_metrics(metrics_port);
	assert!(metrics.contains("openledger_worker_jobs_taken_total 1"), "{metrics}");
	assert!(metrics.contains("openledger_worker_steps_total"), "{metrics}");
	eve_running.0.kill().unwrap(); // SIGKILL
	eve_running.0.wait().unwrap();
	let state: Json = serde_json::from_slice(
		&std::fs::read(eve.dir.join(format!("state/jobs/{job_id}.json"))).unwrap(),
	)
	.unwrap();
	assert_eq!(state["phase"], "training", "killed mid-training");
	let mut eve_running = eve.spawn();

	// Both commit, then wait for the reveal phase.
	wait_until("two commits", Duration::from_secs(1800), || {
		let job = futures_block(chain.job(job_id)).unwrap();
		job.commits == 2
	});

	// Committed results are not published yet: no one can fetch Eve's adapter or manifest
	// and commit them as their own work.
	let run = eve.dir.join(format!("state/runs/{job_id}"));
	let manifest_bytes = std::fs::read(run.join("openledger.json")).unwrap();
	let early: Json = serde_json::from_slice(&manifest_bytes).unwrap();
	let manifest_cid =
		openledger_ipfs::add(&manifest_bytes, openledger_ipfs::Layout::KUBO_V1).root.to_string();
	for cid in [early["adapter_cid"].as_str().unwrap(), &manifest_cid] {
		host.fails(&["ipfs", "get", cid, "-o", &host.path("early")], None, 4);
	}
	let trained = eve.events().into_iter().find(|e| e["event"] == "trained").unwrap();
	assert!(!trained.to_string().contains(early["adapter_cid"].as_str().unwrap()));

	// The tampered third: the job's files from the host's store, Macbeth swapped for other
	// text, replayed and attested by Ferdie.
	let tampered =
		std::env::temp_dir().join(format!("openledger-worker-e2e-tampered-{}", std::process::id()));
	let files = tampered.join("files");
	std::fs::create_dir_all(&files).unwrap();
	let accepted: Vec<_> = chain.accepted(0, 3).await.unwrap();
	for entry in &accepted {
		host.json(
			&["ipfs", "get", &entry.cid, "-o", files.join(&entry.cid).to_str().unwrap()],
			None,
		);
	}
	std::fs::write(files.join(&accepted[1].cid), excerpt("lear_gut.txt", 2500)).unwrap();
	let replayed: Json = serde_json::from_str(&trainer_output(&[
		"replay",
		&job_id.to_string(),
		"--node",
		&node.url(),
		"--base",
		gguf.to_str().unwrap(),
		"--files",
		files.to_str().unwrap(),
		"--out",
		tampered.join("run").to_str().unwrap(),
		"--quiet",
	]))
	.unwrap();
	let forged = result_of(&replayed);
	let salt = [9u8; 32];
	let ferdie = dev::ferdie();
	let sealed = pallet_models::commitment(job_id, &forged, &salt, &ferdie.public_key().0);
	chain
		.submit(&runtime::transactions().models().commit_result(job_id, sealed), &ferdie)
		.await
		.expect("Ferdie's commit");

	// Three commits open the reveals: both workers reveal and exit.
	eve.finishes(&mut eve_running, Duration::from_secs(600));
	dave.finishes(&mut dave_running, Duration::from_secs(600));
	let verified_after = created.elapsed();
	let after = job(&chain, job_id).await;
	assert_eq!(after["status"], "verified", "{after}");
	let model = chain.model(after["model"].as_u64().unwrap()).await.unwrap();
	let mut attesters = model.attesters.clone();
	attesters.sort();
	let mut expected = vec![
		subxt::utils::AccountId32(dev::eve().public_key().0).to_string(),
		subxt::utils::AccountId32(dev::dave().public_key().0).to_string(),
	];
	expected.sort();
	assert_eq!(attesters, expected);
	assert_ne!(
		hash32(replayed["model_hash"].as_str().unwrap()),
		model.result.model_hash.0,
		"the swapped file changes the model"
	);

	// Exactly one commit and one reveal from the restarted Eve: one attestation, revealed,
	// and no send the chain refused.
	let eve_address = subxt::utils::AccountId32(dev::eve().public_key().0).to_string();
	let eve_attestations: Vec<&Json> = after["sealed"]
		.as_array()
		.unwrap()
		.iter()
		.filter(|a| a["trainer"] == eve_address)
		.collect();
	assert_eq!(eve_attestations.len(), 1);
	assert!(eve_attestations[0]["revealed"].is_object());
	assert!(eve.events().iter().all(|e| e["event"] != "error"), "{}", eve.log());
	assert!(dave.events().iter().any(|e| e["event"] == "revealed"));

	// Ferdie's reveal dissents: 10% of a commitment's 100 OPEN stake.
	let before =
		chain.trainer(&subxt::utils::AccountId32(ferdie.public_key().0).to_string()).await.unwrap();
	chain
		.submit(
			&runtime::transactions().models().reveal_result(job_id, attested_result(&forged), salt),
			&ferdie,
		)
		.await
		.expect("Ferdie's reveal");
	let slashed =
		chain.trainer(&subxt::utils::AccountId32(ferdie.public_key().0).to_string()).await.unwrap();
	assert_eq!(
		before.bond.parse::<u128>().unwrap() - slashed.bond.parse::<u128>().unwrap(),
		10 * OPEN
	);

	// The adapter by its CID, its config through the manifest, loaded by chat.
	let fetched = tampered.join("fetched");
	std::fs::create_dir_all(&fetched).unwrap();
	let adapter_cid = model.result.adapter_cid.clone();
	host.json(
		&[
			"ipfs",
			"get",
			&adapter_cid,
			"-o",
			fetched.join("adapter_model.safetensors").to_str().unwrap(),
		],
		None,
	);
	let manifest_path = tampered.join("manifest.json");
	host.json(
		&["ipfs", "get", &model.result.manifest_cid, "-o", manifest_path.to_str().unwrap()],
		None,
	);
	let manifest: Json = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
	assert_eq!(manifest["adapter_cid"], adapter_cid);
	assert_eq!(manifest["job"], job_id);
	let config_cid = manifest["adapter_config_cid"].as_str().unwrap();
	host.json(
		&["ipfs", "get", config_cid, "-o", fetched.join("adapter_config.json").to_str().unwrap()],
		None,
	);
	let rows = manifest["attribution"]["rows"].as_array().unwrap();
	assert_eq!(rows.len(), 2, "Alice and Ferdie: {manifest}");
	assert_eq!(rows.iter().map(|r| r["parts"].as_u64().unwrap()).sum::<u64>(), 1_000_000_000);
	assert_eq!(
		manifest["attribution"]["root"],
		format!("0x{}", hex::encode(model.result.attribution_root.0))
	);
	let answer = trainer_output(&[
		"chat",
		"--base",
		gguf.to_str().unwrap(),
		"--adapter",
		fetched.to_str().unwrap(),
		"--prompt",
		"Who is Hamlet?",
		"--temperature",
		"0",
		"--max-new-tokens",
		"8",
	]);
	assert!(!answer.trim().is_empty());
	println!(
		"job {job_id}: created to verified in {:.0} s (two workers, one killed and restarted)",
		verified_after.as_secs_f64()
	);
	let _ = std::fs::remove_dir_all(&tampered);
}

/// GET /metrics of a worker.
fn reqwest_metrics(port: u16) -> String {
	use std::io::{Read, Write};
	let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
	stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
	let mut answer = String::new();
	stream.read_to_string(&mut answer).unwrap();
	answer
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_without_the_content_says_where_it_looked_and_attests_nothing() {
	let node = Node::start(&["--dev"]);
	let chain = Chain::connect(&node.url()).await.unwrap();
	let api = node.client().await;
	let host = Cli::new(&node, "worker-nothing");
	let poem = host.file("poem.txt", "Now is the winter of our discontent\n".repeat(30).as_bytes());
	let submitted = host.json(&["--suri", "//Alice", "submit", &poem, "--datanet", "0"], None);
	let ballots = [(&dev::bob(), true, 80), (&dev::charlie(), true, 80), (&dev::dave(), true, 70)];
	vote_sealed_on(&api, &node, &[submitted[0]["submission"].as_u64().unwrap()], &ballots).await;
	let job_json = host.json(
		&words(
			"--suri //Alice job create --base 0 --datanet 0 --bounty 1 --attestations 2 \
			 --max-attesters 3 --commit-period 4 --reveal-period 4 --steps 1",
		),
		None,
	);
	let job_id = job_json["id"].as_u64().unwrap();
	let closed = format!("http://127.0.0.1:{}", free_port());
	let worker = Worker::new("nothing", &node, "//Eve", &["--gateway", &closed], "1");
	let mut running = worker.spawn();
	wait_until("the worker's first error", Duration::from_secs(120), || {
		worker.events().iter().any(|e| e["event"] == "error")
	});
	let error = worker.events().into_iter().find(|e| e["event"] == "error").unwrap();
	let message = error["message"].as_str().unwrap();
	assert!(message.contains("the base model") && message.contains("unavailable"), "{message}");
	assert!(message.contains(&closed), "names where it looked: {message}");
	assert!(message.contains("Pass --gateway URL or --ipfs-api URL"), "{message}");

	// Past the commit window the job is abandoned; nothing was sent.
	openledger_e2e::seal_past(&node, job_json["commitEnds"].as_u64().unwrap()).await;
	let start = Instant::now();
	let status = loop {
		if let Some(status) = running.0.try_wait().unwrap() {
			break status;
		}
		assert!(start.elapsed() < Duration::from_secs(120), "{}", worker.log());
		std::thread::sleep(Duration::from_millis(300));
	};
	assert_eq!(status.code(), Some(1), "{}", worker.log());
	assert!(worker.events().iter().any(|e| e["event"] == "abandoned"), "{}", worker.log());
	assert_eq!(chain.job(job_id).await.unwrap().commits, 0);
}
