//! The `openledger` CLI against a real dev node with its embedded content store:
//! contributors submit a text file, a PNG and a WAV; two submissions whose declared size or
//! format do not match their content are made directly; the three dev validators run
//! `validate --auto` (sealed commitments, ballots kept on disk), and again once the reveal
//! period opens (reveals from the kept ballots); the valid files are accepted, the
//! mismatches rejected, and the leaderboard the CLI prints is the chain's. Then each
//! one-line error and its exit status.

use openledger_e2e::{cli::Cli, files, reserve_and_submit, seal_past, windows, Client, Node};
use openledger_ipfs::{BlockStore, Layout};
use serde_json::Value as Json;
use subxt::rpcs::rpc_params;
use subxt_signer::sr25519::dev;

const TEXT: u32 = 0;
const IMAGES: u32 = 1;
const AUDIO: u32 = 2;
const EVE: &str = "5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw";

fn submission_ids(submitted: &Json) -> Vec<u64> {
	submitted.as_array().unwrap().iter().map(|s| s["submission"].as_u64().unwrap()).collect()
}

/// Submits content already in the store under a declaration of the caller's choosing,
/// as a dishonest client could.
async fn submit_declared(api: &Client, datanet: u32, cid: String, bytes: u64, format: &str) -> u64 {
	reserve_and_submit(api, &dev::ferdie(), datanet, &cid, bytes, format)
		.await
		.expect("the chain takes the declaration")
}

async fn status_of(node: &Node, id: u64) -> String {
	let submission: Json =
		node.rpc().await.request("datanets_submission", rpc_params![id]).await.unwrap();
	submission["status"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn contributors_and_validators_work_through_the_cli() {
	let node = Node::start(&["--dev"]);
	let api = node.client().await;
	let cli = Cli::new(&node, "flow");

	// Eve keeps her key in the keystore; Ferdie signs with a SURI.
	let imported = cli.run(&["--json", "key", "import", "eve"], Some("hunter2"), Some("//Eve\n"));
	assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
	let keys = cli.json(&["key", "list"], None);
	assert_eq!(keys[0]["address"], EVE);
	let generated = cli.json(&["key", "generate", "spare"], Some("pw"));
	assert_ne!(generated["address"], EVE);

	let story = cli.file(
		"sonnet.txt",
		b"Shall I compare thee to a summer's day?\nThou art more lovely and more temperate.\n",
	);
	let picture = cli.file("gradient.png", &files::png(32, 24));
	let tone = cli.file("tone.wav", &files::wav(1));
	let eve = ["--key", "eve"];
	let text_ids = submission_ids(
		&cli.json(&[&eve[..], &["submit", &story, "--datanet", "0"]].concat(), Some("hunter2")),
	);
	let image_ids = submission_ids(
		&cli.json(&[&eve[..], &["submit", &picture, "--datanet", "1"]].concat(), Some("hunter2")),
	);
	let audio_ids =
		submission_ids(&cli.json(&["--suri", "//Ferdie", "submit", &tone, "--datanet", "2"], None));

	// Mismatches: content in the store, declared with the wrong size or the wrong format.
	let store = BlockStore::open(cli.store()).unwrap();
	let notes = b"Some honest notes about the weather, long enough to count.\n";
	let notes_cid = store.add(notes, Layout::KUBO_V1).unwrap().to_string();
	let wrong_size = submit_declared(&api, TEXT, notes_cid, notes.len() as u64 + 7, "Txt").await;
	let noise = files::wav(2);
	let noise_cid = store.add(&noise, Layout::KUBO_V1).unwrap().to_string();
	let wrong_format = submit_declared(&api, AUDIO, noise_cid, noise.len() as u64, "Mp3").await;

	let all: Vec<u64> = text_ids
		.iter()
		.chain(&image_ids)
		.chain(&audio_ids)
		.copied()
		.chain([wrong_size, wrong_format])
		.collect();
	let validate = |validator: &str, datanet: u32| {
		cli.json(
			&["--suri", validator, "validate", "--datanet", &datanet.to_string(), "--auto"],
			None,
		)
	};
	// Sealed commitments: what each validator decided, not yet visible on chain.
	for validator in ["//Bob", "//Charlie", "//Dave"] {
		for datanet in [TEXT, IMAGES, AUDIO] {
			for verdict in validate(validator, datanet).as_array().unwrap() {
				let id = verdict["submission"].as_u64().unwrap();
				let expected =
					if [wrong_size, wrong_format].contains(&id) { "rejected" } else { "approved" };
				assert_eq!(verdict["action"], expected, "{validator} on {verdict}");
			}
		}
	}
	let mut last_commit = 0;
	let mut last_reveal = 0;
	for &id in &all {
		let (commit_ends, reveal_ends) = windows(&node, id).await;
		last_commit = last_commit.max(commit_ends);
		last_reveal = last_reveal.max(reveal_ends);
		assert_eq!(status_of(&node, id).await, "pending", "nothing decided before reveals");
	}
	// A later run (a restart, as far as the CLI knows) reveals from the kept ballots.
	seal_past(&node, last_commit).await;
	for validator in ["//Bob", "//Charlie", "//Dave"] {
		let mut revealed = 0;
		for datanet in [TEXT, IMAGES, AUDIO] {
			for verdict in validate(validator, datanet).as_array().unwrap() {
				assert_eq!(verdict["action"], "revealed", "{validator} on {verdict}");
				revealed += 1;
			}
		}
		assert_eq!(revealed, all.len(), "{validator} revealed every commitment");
	}
	seal_past(&node, last_reveal).await;
	for id in text_ids.iter().chain(&image_ids).chain(&audio_ids) {
		assert_eq!(status_of(&node, *id).await, "accepted", "submission {id}");
	}
	assert_eq!(status_of(&node, wrong_size).await, "rejected");
	assert_eq!(status_of(&node, wrong_format).await, "rejected");

	// The leaderboards the CLI prints are the chain's.
	let rpc = node.rpc().await;
	for datanet in [Some(TEXT), Some(AUDIO), None] {
		let mut args = vec!["leaderboard".to_string()];
		if let Some(id) = datanet {
			args.extend(["--datanet".into(), id.to_string()]);
		}
		let args: Vec<&str> = args.iter().map(String::as_str).collect();
		let printed = cli.json(&args, None);
		let chain: Json =
			rpc.request("datanets_leaderboard", rpc_params![datanet, 0, 20]).await.unwrap();
		assert_eq!(printed, chain, "leaderboard {datanet:?}");
	}
	let global = cli.json(&["leaderboard"], None);
	assert_eq!(global["total"], 2, "Eve and Ferdie rank globally: {global}");
	let table = cli.run(&["leaderboard", "--datanet", "0"], None, None);
	let table = String::from_utf8_lossy(&table.stdout);
	assert!(table.lines().any(|line| line.starts_with("1 ") && line.contains(EVE)), "{table}");
	let eve_info = cli.json(&["contributor", EVE, "--datanet", "1"], None);
	assert_eq!((eve_info["rank"].as_u64(), eve_info["accepted"].as_u64()), (Some(1), Some(1)));

	// One clear line, and a distinct exit status, for each kind of mistake.
	let error =
		cli.fails(&[&eve[..], &["submit", &story, "--datanet", "0"]].concat(), Some("hunter2"), 6);
	assert!(
		error.contains("duplicate CID") && error.contains(&format!("submission {}", text_ids[0])),
		"{error}"
	);
	let error = cli.fails(
		&[&eve[..], &["submit", &picture, "--datanet", "0"]].concat(),
		Some("hunter2"),
		6,
	);
	assert!(error.contains("takes text files: md, pdf, docx, txt"), "{error}");
	let error = cli.fails(&[&eve[..], &["rewards", "claim"]].concat(), Some("wrong"), 5);
	assert_eq!(error, "error: wrong password for key `eve`");
	let created = cli.json(
		&[
			"--suri",
			"//Ferdie",
			"datanet",
			"create",
			"--name",
			"Tiny",
			"--modality",
			"text",
			"--daily-bytes",
			"100",
		],
		None,
	);
	let tiny = created["id"].as_u64().unwrap().to_string();
	let long = cli.file("long.txt", &b"many words ".repeat(20));
	let error = cli.fails(&["--suri", "//Ferdie", "submit", &long, "--datanet", &tiny], None, 6);
	assert!(error.contains("daily cap exceeded") && error.contains("100 bytes"), "{error}");
	let error = cli.fails(&["--url", "ws://127.0.0.1:9", "datanet", "list"], None, 3);
	assert!(error.contains("cannot reach the node at ws://127.0.0.1:9"), "{error}");
	let error = cli.fails(
		&[
			"--suri",
			"//Ferdie",
			"--ipfs-api",
			"http://127.0.0.1:9",
			"submit",
			&long,
			"--datanet",
			"0",
		],
		None,
		4,
	);
	assert!(error.contains("cannot reach the IPFS API at http://127.0.0.1:9"), "{error}");
}

/// Polls `datanets_submission` until `done` holds for it (or fails after `seconds`).
async fn wait_for(node: &Node, id: u64, seconds: u64, done: impl Fn(&Json) -> bool) -> Json {
	let rpc = node.rpc().await;
	for _ in 0..seconds * 4 {
		let submission: Json = rpc.request("datanets_submission", rpc_params![id]).await.unwrap();
		if done(&submission) {
			return submission;
		}
		tokio::time::sleep(std::time::Duration::from_millis(250)).await;
	}
	panic!("submission {id} did not get there in {seconds} s");
}

/// Three validators leave `validate --auto --watch` running: a new submission gets their
/// sealed commitments without anyone at a terminal; one watcher is killed after
/// committing and started again, and still reveals from its ballot book once the reveal
/// period opens; the file is accepted with all three reveals.
#[tokio::test(flavor = "multi_thread")]
async fn watching_validators_commit_and_reveal_unattended_across_a_restart() {
	let node = Node::start(&["--dev"]);
	let cli = Cli::new(&node, "watch");
	let watch = |validator: &str, run: u32| {
		let log = format!("{}-{run}.log", validator.trim_start_matches("//"));
		let args = ["--suri", validator, "validate", "--datanet", "0", "--auto", "--watch"];
		(cli.spawn(&args, &log), log)
	};
	let mut watchers: Vec<_> =
		["//Bob", "//Charlie", "//Dave"].into_iter().map(|v| watch(v, 1)).collect();

	let notes = cli.file("notes.txt", b"Field notes: the river rose two feet overnight.\n");
	let submitted = cli.json(&["--suri", "//Eve", "submit", &notes, "--datanet", "0"], None);
	let id = submission_ids(&submitted)[0];
	let committed = wait_for(&node, id, 90, |s| s["commits"] == 3).await;
	assert!(committed["votes"].as_array().unwrap().iter().all(|v| v["approve"].is_null()));

	// Dave's watcher dies (as a crash would) once it has logged its commitment, and comes
	// back.
	let (mut dave, dave_log) = watchers.pop().unwrap();
	let committed_line = format!("submission {id}: approved");
	for _ in 0..120 {
		if cli.log(&dave_log).contains(&committed_line) {
			break;
		}
		tokio::time::sleep(std::time::Duration::from_millis(250)).await;
	}
	dave.kill().unwrap();
	dave.wait().unwrap();
	watchers.push(watch("//Dave", 2));

	let (commit_ends, _) = windows(&node, id).await;
	seal_past(&node, commit_ends).await;
	let revealed = wait_for(&node, id, 90, |s| s["reveals"] == 3).await;
	assert_eq!(revealed["status"], "accepted", "{revealed}");
	// Each watcher logs its reveal once the transaction is final.
	let line = format!("submission {id}: revealed");
	for (mut watcher, log) in watchers {
		for _ in 0..120 {
			if cli.log(&log).contains(&line) {
				break;
			}
			tokio::time::sleep(std::time::Duration::from_millis(250)).await;
		}
		watcher.kill().unwrap();
		watcher.wait().unwrap();
		let text = cli.log(&log);
		assert!(text.contains(&line), "{log}: {text}");
	}
	let text = cli.log(&dave_log);
	assert!(text.contains(&committed_line), "{dave_log}: {text}");
}
