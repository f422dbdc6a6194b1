//! @polkadot/api from npm, with no custom types, reads the dev chain: the token is OPEN with
//! 18 decimals, blocks are finalized, and a transfer shows up in 18-decimal units.

use openledger_e2e::Node;
use std::{path::Path, process::Command};

#[test]
fn polkadot_js_api_works_with_the_dev_chain_unchanged() {
	let js_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
	assert!(
		js_dir.join("node_modules/@polkadot/api").exists(),
		"@polkadot/api is not installed: run `npm ci --prefix tests/js` (scripts/setup.sh does)"
	);
	let node = Node::start(&["--dev", "--sealing", "500"]);
	let output = Command::new("node")
		.arg(js_dir.join("check-dev-chain.mjs"))
		.arg(node.url())
		.output()
		.expect("Node.js runs (apt-get install nodejs)");
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(
		output.status.success(),
		"the @polkadot/api check failed:\n{}\n{stdout}\nnode log:\n{}",
		String::from_utf8_lossy(&output.stderr),
		node.log_tail()
	);
	let seen: serde_json::Value =
		serde_json::from_str(stdout.trim()).expect("the check prints JSON");
	assert_eq!(seen["token"], "OPEN");
	assert_eq!(seen["decimals"], 18);
	assert_eq!(seen["datanet0"]["name"], "Text");
	assert_eq!(seen["datanet0"]["modality"], "Text");
	let finalized = seen["finalized"].as_array().expect("finalized heads");
	assert!(finalized[1].as_u64() > finalized[0].as_u64(), "finality advances: {finalized:?}");
	assert_eq!(seen["recipientFree"], "2500000000000000000");
	assert!(seen["recipientShown"].as_str().is_some_and(|shown| shown.contains("OPEN")), "{seen}");
}
