//! The dev chain, end to end: a real node in `--dev` mode, driven through subxt with the
//! dev sr25519 keys.

use openledger_e2e::{
	cid_v1, field_u128, reserve_and_submit, sign_and_finalize, variant_name, vote_sealed, Client,
	Node,
};
use subxt::ext::scale_value::At;
use subxt::{
	dynamic::{self, Value},
	rpcs::rpc_params,
};
use subxt_signer::sr25519::{dev, Keypair};

/// The text datanet of the development genesis.
const TEXT_DATANET: u32 = 0;
/// `ipfs add --cid-version=1` of "hello world\n": the canonical form.
const HELLO_CID: &str = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";
/// `ipfs add` of the same file (CIDv0): a form the chain refuses.
const HELLO_CID_V0: &str = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
const OPEN: u128 = 1_000_000_000_000_000_000;

fn account(keypair: &Keypair) -> [u8; 32] {
	keypair.public_key().0
}

/// Reserves and submits a text file as `who`; returns the error text if the chain refused.
async fn submit(api: &Client, who: &Keypair, cid: &str, bytes: u64) -> Result<u64, String> {
	reserve_and_submit(api, who, TEXT_DATANET, cid, bytes, "Txt").await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contribution_is_voted_in_and_caps_hold_on_the_dev_chain() {
	let node = Node::start(&["--dev", "--sealing", "instant"]);
	let api = node.client().await;
	let (alice, bob, charlie, dave) = (dev::alice(), dev::bob(), dev::charlie(), dev::dave());

	// Wallets learn the token from the chain spec's properties.
	let properties: serde_json::Value =
		node.rpc().await.request("system_properties", rpc_params![]).await.unwrap();
	assert_eq!(properties["tokenSymbol"], "OPEN");
	assert_eq!(properties["tokenDecimals"], 18);

	// Alice submits a text file; Bob, Charlie and Dave approve it with sealed votes.
	let refused = submit(&api, &alice, HELLO_CID_V0, 12).await.unwrap_err();
	assert!(refused.contains("CidNotCanonical"), "unexpected error: {refused}");
	let submission = submit(&api, &alice, HELLO_CID, 12)
		.await
		.unwrap_or_else(|e| panic!("{e}\n{}", node.log_tail()));
	let ballots = [(&bob, true, 80u8), (&charlie, true, 90), (&dave, true, 70)];
	vote_sealed(&api, &node, submission, &ballots).await;

	let at = api.at_current_block().await.unwrap();
	let record = at
		.storage()
		.fetch(dynamic::storage::<(u64,), Value>("Datanets", "Submissions"), (submission,))
		.await
		.unwrap()
		.decode()
		.unwrap();
	assert_eq!(variant_name(record.at("status").unwrap()), "Accepted");
	let stats = at
		.storage()
		.fetch(
			dynamic::storage::<(u32, [u8; 32]), Value>("Datanets", "ContributorStatsOf"),
			(TEXT_DATANET, account(&alice)),
		)
		.await
		.unwrap()
		.decode()
		.unwrap();
	// Median of 80, 90 and 70 with equal stakes.
	assert_eq!(field_u128(&stats, "score"), 80);
	assert_eq!(field_u128(&stats, "accepted"), 1);

	// Nineteen more files fill Alice's 20-file day (the refused CIDv0 took none of it);
	// the 21st is refused with the cap error.
	for n in 1..20 {
		submit(&api, &alice, &cid_v1(n), 1).await.unwrap();
	}
	let refused = submit(&api, &alice, &cid_v1(20), 1).await.unwrap_err();
	assert!(refused.contains("AccountDailyFilesExceeded"), "unexpected error: {refused}");

	// A transfer of 1.5 OPEN arrives as 1.5 × 10^18 units.
	let zoe = Keypair::from_uri(&"//Zoe".parse().unwrap()).unwrap();
	let transfer = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(zoe.public_key().to_address::<()>(), 3 * OPEN / 2),
	);
	sign_and_finalize(&api, &transfer, &alice).await.unwrap();
	let at = api.at_current_block().await.unwrap();
	let zoe_account = at
		.storage()
		.fetch(dynamic::storage::<([u8; 32],), Value>("System", "Account"), (account(&zoe),))
		.await
		.unwrap()
		.decode()
		.unwrap();
	assert_eq!(field_u128(zoe_account.at("data").unwrap(), "free"), 1_500_000_000_000_000_000);
}
