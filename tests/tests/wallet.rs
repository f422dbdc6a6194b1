//! Wallets: keys that leave and enter the `openledger` CLI, checked against
//! `@polkadot/keyring` from npm (tests/js/keyring.mjs), and OPEN moved with them.
//!
//! - A Polkadot{.js} JSON backup made by @polkadot/keyring imports (`key import
//!   --polkadot-js`), is funded from //Alice with `transfer`, shows in `balance`, and signs
//!   a submission and a transfer; its `key export --polkadot-js` decodes in
//!   @polkadot/keyring to the same address and signs there.
//! - `key generate` shows the mnemonic once (`--json` returns it once; otherwise it asks
//!   for the 3rd word back, or `--yes`), and `key export` shows it after the password only.
//! - `key list` survives foreign files in the keystore.
//! - A connection lost while waiting for finality ends with exit status 8 ("outcome
//!   unknown"), and a multi-file submit still reports the submissions already finalized.

use openledger_client::signer::{address, keypair_from_suri};
use openledger_e2e::{
	cli::{json_of, Cli},
	run_js_check, Node,
};
use serde_json::Value as Json;
use std::{
	collections::HashSet,
	io::{BufRead, BufReader, Write},
	process::{Output, Stdio},
	time::{Duration, Instant},
};
use subxt::rpcs::rpc_params;

/// A BIP-39 test vector (valid checksum), the key @polkadot/keyring makes a backup of.
const MNEMONIC: &str =
	"legal winner thank year wave sausage worth useful legal winner thank yellow";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const OPEN: u128 = 1_000_000_000_000_000_000;

/// Runs `openledger ARGS` with extra environment variables (passwords).
fn run_with(cli: &Cli, args: &[&str], env: &[(&str, &str)]) -> Output {
	let mut command = cli.command(args);
	command.envs(env.iter().copied());
	command.output().unwrap()
}

fn plancks(value: &Json) -> u128 {
	value.as_str().unwrap_or_else(|| panic!("{value} is not a planck string")).parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_backups_move_between_keyring_and_the_cli() {
	let node = Node::start(&["--dev"]);
	let cli = Cli::new(&node, "wallet");

	// A backup as Polkadot{.js} makes it.
	let backup = cli.path("from-keyring.json");
	let made = run_js_check("keyring.mjs", &["create", MNEMONIC, "keyring pw", &backup]);
	let account = made["address"].as_str().unwrap().to_string();
	assert_eq!(account, address(&keypair_from_suri(MNEMONIC).unwrap()));

	// Its password, then a new keystore password.
	let import = ["key", "import", "pjs", "--polkadot-js", &backup];
	let output = run_with(
		&cli,
		&import,
		&[("OPENLEDGER_IMPORT_PASSWORD", "not it"), ("OPENLEDGER_PASSWORD", "store pw")],
	);
	assert_eq!(output.status.code(), Some(5), "{}", String::from_utf8_lossy(&output.stderr));
	assert!(String::from_utf8_lossy(&output.stderr).contains("wrong password"));
	let args = [&["--json"][..], &import].concat();
	let imported = json_of(
		&args,
		run_with(
			&cli,
			&args,
			&[("OPENLEDGER_IMPORT_PASSWORD", "keyring pw"), ("OPENLEDGER_PASSWORD", "store pw")],
		),
	);
	assert_eq!(imported["address"], account.as_str());
	let keys = cli.json(&["key", "list"], None);
	assert_eq!(keys[0]["name"], "pjs");
	assert_eq!(keys[0]["address"], account.as_str());

	// Funded from Alice; the balance shows it.
	let empty = cli.json(&["balance", &account], None);
	assert_eq!(plancks(&empty["free"]), 0);
	let sent = cli.json(&["--suri", "//Alice", "transfer", &account, "1000"], None);
	assert_eq!(plancks(&sent["amount"]), 1000 * OPEN);
	assert_eq!(sent["to"], account.as_str());
	let funded = cli.json(&["balance", &account], None);
	assert_eq!(plancks(&funded["free"]), 1000 * OPEN);
	assert_eq!(plancks(&funded["transferable"]), 1000 * OPEN);
	// One's own balance needs no password: the keystore has the address in clear.
	let own = cli.json(&["--key", "pjs", "balance"], None);
	assert_eq!(own["address"], account.as_str());
	let text = cli.run(&["balance", &account], None, None);
	let text = String::from_utf8_lossy(&text.stdout);
	assert!(text.contains("free: 1000 OPEN") && text.contains(&account), "{text}");

	// The imported key signs: a submission, and a transfer to Bob.
	let notes = cli.file("notes.txt", b"Notes signed by a key from a Polkadot{.js} backup.\n");
	let pjs = ["--key", "pjs"];
	let submitted =
		cli.json(&[&pjs[..], &["submit", &notes, "--datanet", "0"]].concat(), Some("store pw"));
	assert_eq!(submitted.as_array().unwrap().len(), 1, "{submitted}");
	let bob_before = plancks(&cli.json(&["balance", BOB], None)["free"]);
	let sent = cli.json(&[&pjs[..], &["transfer", BOB, "1.5"]].concat(), Some("store pw"));
	assert_eq!(sent["from"], account.as_str());
	let bob_after = plancks(&cli.json(&["balance", BOB], None)["free"]);
	assert_eq!(bob_after - bob_before, 3 * OPEN / 2);
	let spent = cli.json(&["balance", &account], None);
	assert!(plancks(&spent["free"]) < 1000 * OPEN - 3 * OPEN / 2, "fees and deposit: {spent}");

	// Back out to Polkadot{.js}: @polkadot/keyring decodes it to the same key.
	let exported = cli.path("exported.json");
	let export = ["key", "export", "pjs", "--polkadot-js", "-o", &exported];
	let written = cli.json(&export, Some("store pw"));
	assert_eq!(written["address"], account.as_str());
	let decoded = run_js_check("keyring.mjs", &["decode", &exported, "store pw"]);
	assert_eq!(decoded["address"], account.as_str());
	assert_eq!(decoded["verified"], true, "keyring signs with the exported secret");
	assert_eq!(decoded["name"], "pjs");
	assert_eq!(decoded["scrypt"], serde_json::json!({"N": 131072, "p": 1, "r": 8}));
	let error = cli.fails(&export, Some("store pw"), 6);
	assert!(error.contains("never overwritten"), "{error}");
	// A key from a backup has no mnemonic to show.
	let error = cli.fails(&["key", "export", "pjs"], Some("store pw"), 6);
	assert!(error.contains("--polkadot-js"), "{error}");

	// Amounts the chain would refuse are refused before any fee.
	let error = cli.fails(&[&pjs[..], &["transfer", BOB, "5000"]].concat(), Some("store pw"), 6);
	assert!(error.contains("can transfer at most"), "{error}");
	let nobody = address(&keypair_from_suri("//Nobody").unwrap());
	let error = cli.fails(&["--suri", "//Alice", "transfer", &nobody, "0.0001"], None, 6);
	assert!(error.contains("existential deposit"), "{error}");
}

/// Reads the child's stdout up to the indented mnemonic line.
fn read_mnemonic(stdout: &mut impl BufRead) -> String {
	let mut line = String::new();
	loop {
		line.clear();
		assert!(stdout.read_line(&mut line).unwrap() > 0, "no mnemonic shown");
		let words: Vec<&str> = line.split_whitespace().collect();
		if line.starts_with("    ") && words.len() == 12 {
			return words.join(" ");
		}
	}
}

#[test]
fn generated_keys_show_their_mnemonic_once() {
	let cli = Cli::offline("generate");

	// --json: the mnemonic comes back once, and gives the stored key.
	let generated = cli.json(&["key", "generate", "fresh"], Some("pw"));
	let mnemonic = generated["mnemonic"].as_str().unwrap().to_string();
	assert_eq!(mnemonic.split(' ').count(), 12);
	let account = generated["address"].as_str().unwrap().to_string();
	assert_eq!(account, address(&keypair_from_suri(&mnemonic).unwrap()));
	let listed = cli.run(&["--json", "key", "list"], Some("pw"), None);
	assert!(!String::from_utf8_lossy(&listed.stdout).contains(&mnemonic));
	// It is also the key @polkadot/keyring makes of that mnemonic.
	let made = run_js_check("keyring.mjs", &["create", &mnemonic, "x", &cli.path("k.json")]);
	assert_eq!(made["address"], account.as_str());

	// `export` shows it after the password only.
	let exported = cli.json(&["key", "export", "fresh"], Some("pw"));
	assert_eq!(exported["secret"], mnemonic.as_str());
	let error = cli.fails(&["key", "export", "fresh"], Some("wrong"), 5);
	assert_eq!(error, "error: wrong password for key `fresh`");
	// A Polkadot{.js} export on stdout decodes in @polkadot/keyring.
	let backup = cli.run(&["key", "export", "fresh", "--polkadot-js"], Some("pw"), None);
	assert!(backup.status.success());
	let file = cli.file("fresh.json", &backup.stdout);
	let decoded = run_js_check("keyring.mjs", &["decode", &file, "pw"]);
	assert_eq!(decoded["address"], account.as_str());
	assert_eq!(decoded["verified"], true);

	// At a prompt: the mnemonic is shown, then its 3rd word is asked back.
	let mut child = cli
		.command(&["key", "generate", "asked"])
		.env("OPENLEDGER_PASSWORD", "pw")
		.stdin(Stdio::piped())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.unwrap();
	let mut stdout = BufReader::new(child.stdout.take().unwrap());
	let shown = read_mnemonic(&mut stdout);
	let third = shown.split(' ').nth(2).unwrap().to_string();
	let mut stdin = child.stdin.take().unwrap();
	writeln!(stdin, "not-a-word\n{third}").unwrap();
	drop(stdin);
	let mut rest = String::new();
	std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
	let status = child.wait().unwrap();
	assert!(status.success(), "{rest}");
	let asked = address(&keypair_from_suri(&shown).unwrap());
	assert!(rest.contains(&format!("stored key asked  {asked}")), "{rest}");

	// Unconfirmed (end of input): nothing stored, and the reason says what to do.
	let output = cli.run(&["key", "generate", "unconfirmed"], Some("pw"), Some(""));
	assert_eq!(output.status.code(), Some(6));
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(stderr.contains("was not stored") && stderr.contains("--yes"), "{stderr}");
	// --yes skips the question (scripts); the mnemonic is still shown.
	let output = cli.run(&["key", "generate", "scripted", "--yes"], Some("pw"), None);
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let mut printed = BufReader::new(&output.stdout[..]);
	let scripted = read_mnemonic(&mut printed);
	assert!(cli.fails(&["key", "generate", "scripted", "--yes"], Some("pw"), 5).contains("exists"));

	// Foreign files do not break the listing.
	std::fs::write(cli.keys().join("notes.txt"), "where I keep things").unwrap();
	std::fs::write(cli.keys().join("wallet.json"), r#"{"encoded": "...", "address": "5Grw"}"#)
		.unwrap();
	let keys = cli.json(&["key", "list"], None);
	let names: Vec<&str> =
		keys.as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
	assert_eq!(names, ["asked", "fresh", "notes.txt", "scripted", "wallet.json"]);
	assert_eq!(keys[3]["address"], address(&keypair_from_suri(&scripted).unwrap()).as_str());
	for unreadable in [&keys[2], &keys[4]] {
		assert!(unreadable["address"].is_null() && unreadable["unreadable"].is_string(), "{keys}");
	}
	let table = cli.run(&["key", "list"], None, None);
	assert!(table.status.success());
	assert!(String::from_utf8_lossy(&table.stdout).contains("(unreadable: "));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_connection_reports_what_was_finalized_and_an_unknown_outcome() {
	// Manual sealing: a transaction waits in the pool until the test seals a block.
	let mut node = Node::start(&["--dev", "--sealing", "manual"]);
	let cli = Cli::new(&node, "lost");
	let first = cli.file("first.txt", b"The first of two files, finalized before the node goes.\n");
	let second = cli.file("second.txt", b"The second of two files, sent as the node goes away.\n");
	let child = cli
		.command(&["--json", "--suri", "//Ferdie", "submit", &first, &second, "--datanet", "0"])
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.unwrap();

	// Seal the reservation and the first submission; stop the node while the second waits.
	let rpc = node.rpc().await;
	let mut seen = HashSet::new();
	let mut sealed = 0;
	let deadline = Instant::now() + Duration::from_secs(180);
	loop {
		assert!(Instant::now() < deadline, "the CLI sent {sealed} transactions in 180 s");
		let pending: Vec<String> =
			rpc.request("author_pendingExtrinsics", rpc_params![]).await.unwrap();
		let fresh: Vec<String> = pending.into_iter().filter(|tx| !seen.contains(tx)).collect();
		if fresh.is_empty() {
			tokio::time::sleep(Duration::from_millis(100)).await;
			continue;
		}
		seen.extend(fresh);
		if sealed == 2 {
			break;
		}
		let _: Json = rpc
			.request("engine_createBlock", rpc_params![true, true, Option::<String>::None])
			.await
			.unwrap();
		sealed += 1;
	}
	node.kill();

	let output = child.wait_with_output().unwrap();
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert_eq!(output.status.code(), Some(8), "{stderr}");
	let report: Json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
		panic!("no JSON report ({e}): {}", String::from_utf8_lossy(&output.stdout))
	});
	assert_eq!(report["exit"], 8);
	let submitted = report["submitted"].as_array().unwrap();
	assert_eq!(submitted.len(), 1, "{report}");
	assert!(submitted[0]["file"].as_str().unwrap().ends_with("first.txt"), "{report}");
	assert!(submitted[0]["submission"].is_u64());
	let error = report["error"].as_str().unwrap();
	assert!(
		error.starts_with(
			"1 of 2 files submitted, then: whether `Datanets.submit` took effect \
		                   is unknown"
		),
		"{error}"
	);
}
