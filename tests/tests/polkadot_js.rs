//! @polkadot/api from npm, with no custom types, reads the dev chain: the token is OPEN with
//! 18 decimals, blocks are finalized, and a transfer shows up in 18-decimal units.

use openledger_e2e::Node;

#[test]
fn polkadot_js_api_works_with_the_dev_chain_unchanged() {
	let node = Node::start(&["--dev", "--sealing", "500"]);
	let seen = openledger_e2e::run_js_check("check-dev-chain.mjs", &[&node.url()]);
	assert_eq!(seen["token"], "OPEN");
	assert_eq!(seen["decimals"], 18);
	assert_eq!(seen["datanet0"]["name"], "Text");
	assert_eq!(seen["datanet0"]["modality"], "Text");
	let finalized = seen["finalized"].as_array().expect("finalized heads");
	assert!(finalized[1].as_u64() > finalized[0].as_u64(), "finality advances: {finalized:?}");
	assert_eq!(seen["recipientFree"], "2500000000000000000");
	assert!(seen["recipientShown"].as_str().is_some_and(|shown| shown.contains("OPEN")), "{seen}");
}
