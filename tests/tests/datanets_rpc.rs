//! The `datanets_*` RPC methods and the view functions on a dev node, checked against
//! state produced by real extrinsics: score ties, paging edges, an unknown datanet, an
//! oversize page, queries at an older block, and @polkadot/api calling both.

use openledger_e2e::{
	cid_v1, field_u128, reserve_and_submit, sign_and_finalize, vote_sealed, Client, Node,
};
use serde_json::{json, Value as Json};
use subxt::{
	dynamic::{self, Value},
	rpcs::{rpc_params, RpcClient},
};
use subxt_signer::sr25519::{dev, Keypair};

const TEXT: u32 = 0;
/// The dev genesis bond of each validator: 1000 OPEN.
const DEV_BOND: &str = "1000000000000000000000";

fn ss58(who: &Keypair) -> String {
	who.public_key().to_account_id().to_string()
}

/// Reserves and submits text file `n` as `who`; returns its submission id.
async fn submit(api: &Client, who: &Keypair, n: u8) -> u64 {
	reserve_and_submit(api, who, TEXT, &cid_v1(n), 100 + n as u64, "Txt")
		.await
		.expect("submission accepted")
}

/// Bob, Charlie and Dave commit and reveal the same ballot; the votes are then settled.
async fn vote_all(api: &Client, node: &Node, submission: u64, approve: bool, quality: u8) {
	let (bob, charlie, dave) = (dev::bob(), dev::charlie(), dev::dave());
	let ballots =
		[(&bob, approve, quality), (&charlie, approve, quality), (&dave, approve, quality)];
	vote_sealed(api, node, submission, &ballots).await;
}

async fn call(rpc: &RpcClient, method: &str, params: subxt::rpcs::client::RpcParams) -> Json {
	rpc.request(method, params).await.unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// The JSON-RPC error (code, message) a call fails with.
async fn error(
	rpc: &RpcClient,
	method: &str,
	params: subxt::rpcs::client::RpcParams,
) -> (i32, String) {
	match rpc.request::<Json>(method, params).await {
		Err(subxt::rpcs::Error::User(e)) => (e.code, e.message),
		other => panic!("{method}: expected a JSON-RPC error, got {other:?}"),
	}
}

/// (rank, account, score, accepted) of each entry of an RPC leaderboard page.
fn ranked(page: &Json) -> Vec<(u64, String, u64, u64)> {
	ranked_with_stats_at(page, |entry| entry)
}

/// `ranked` for pages whose entries keep the stats at `stats_of(entry)` (the view
/// functions nest them under `stats`; the RPC flattens them).
fn ranked_with_stats_at(
	page: &Json,
	stats_of: impl Fn(&Json) -> &Json,
) -> Vec<(u64, String, u64, u64)> {
	let number = |value: &Json, name: &str| {
		value[name].as_u64().unwrap_or_else(|| panic!("{name} in {value}"))
	};
	page["items"]
		.as_array()
		.expect("items")
		.iter()
		.map(|e| {
			let stats = stats_of(e);
			(
				number(e, "rank"),
				e["account"].as_str().unwrap().to_owned(),
				number(stats, "score"),
				number(stats, "accepted"),
			)
		})
		.collect()
}

/// `value` with every number as a float: JavaScript reads 1.0 back as 1.
fn as_js(value: &Json) -> Json {
	match value {
		Json::Number(n) => json!(n.as_f64()),
		Json::Array(items) => Json::Array(items.iter().map(as_js).collect()),
		Json::Object(fields) => {
			Json::Object(fields.iter().map(|(k, v)| (k.clone(), as_js(v))).collect())
		},
		other => other.clone(),
	}
}

/// A contributor's stats on the text datanet, read from storage.
async fn stored_stats(api: &Client, who: &Keypair) -> (u128, u128, u128) {
	let at = api.at_current_block().await.unwrap();
	let stats = at
		.storage()
		.fetch(
			dynamic::storage::<(u32, [u8; 32]), Value>("Datanets", "ContributorStatsOf"),
			(TEXT, who.public_key().0),
		)
		.await
		.unwrap()
		.decode()
		.unwrap();
	(field_u128(&stats, "score"), field_u128(&stats, "accepted"), field_u128(&stats, "rejected"))
}

#[tokio::test(flavor = "multi_thread")]
async fn datanets_rpc_and_view_functions_match_chain_state() {
	let node = Node::start(&["--dev", "--sealing", "instant"]);
	let api = node.client().await;
	let rpc = node.rpc().await;
	let (alice, eve, ferdie) = (dev::alice(), dev::eve(), dev::ferdie());
	let stash = Keypair::from_uri(&"//Alice//stash".parse().unwrap()).unwrap();

	// Eve: two files at 40 (score 80, 2 accepted). Alice, then Ferdie: one file at 80 each
	// (a tie on score and count, broken by the earlier acceptance). Ferdie: one rejection.
	for n in [1, 2] {
		let id = submit(&api, &eve, n).await;
		vote_all(&api, &node, id, true, 40).await;
	}
	let alices = submit(&api, &alice, 3).await;
	vote_all(&api, &node, alices, true, 80).await;
	let ferdies = submit(&api, &ferdie, 4).await;
	vote_all(&api, &node, ferdies, true, 80).await;
	let rejected = submit(&api, &ferdie, 5).await;
	vote_all(&api, &node, rejected, false, 0).await;
	let before_stash: String =
		call(&rpc, "chain_getFinalizedHead", rpc_params![]).await.as_str().unwrap().to_owned();
	// Alice's stash: one file at 90, the new leader. Alice: one file left pending.
	let stashs = submit(&api, &stash, 6).await;
	vote_all(&api, &node, stashs, true, 90).await;
	let pending = submit(&api, &alice, 7).await;
	let sealed =
		pallet_datanets::commitment(pending, true, 60, &[1; 32], &dev::bob().public_key().0);
	let bob_vote = dynamic::transaction("Datanets", "commit_vote", (pending, sealed));
	sign_and_finalize(&api, &bob_vote, &dev::bob()).await.unwrap();

	// The leaderboard, against the stats in storage and the documented order.
	let board = call(&rpc, "datanets_leaderboard", rpc_params![TEXT, 0, 10]).await;
	let expected = vec![
		(1, ss58(&stash), 90, 1),
		(2, ss58(&eve), 80, 2),
		(3, ss58(&alice), 80, 1),
		(4, ss58(&ferdie), 80, 1),
	];
	assert_eq!(ranked(&board), expected, "{board}");
	assert_eq!((board["total"].as_u64(), board["offset"].as_u64()), (Some(4), Some(0)));
	for (entry, who) in
		board["items"].as_array().unwrap().iter().zip([&stash, &eve, &alice, &ferdie])
	{
		let (score, accepted, rejected) = stored_stats(&api, who).await;
		assert_eq!(entry["score"].as_u64().map(u128::from), Some(score));
		assert_eq!(entry["accepted"].as_u64().map(u128::from), Some(accepted));
		assert_eq!(entry["rejected"].as_u64().map(u128::from), Some(rejected));
	}
	let alice_first = board["items"][2]["firstAcceptedAt"].as_u64().unwrap();
	let ferdie_first = board["items"][3]["firstAcceptedAt"].as_u64().unwrap();
	assert!(alice_first < ferdie_first, "ties go to the earlier acceptance");
	assert_eq!(board["items"][3]["acceptanceRate"], json!(0.5));

	// Paging edges, the global board, an older block, and refusals.
	let middle = call(&rpc, "datanets_leaderboard", rpc_params![TEXT, 1, 2]).await;
	assert_eq!(ranked(&middle), expected[1..3].to_vec());
	let past_end = call(&rpc, "datanets_leaderboard", rpc_params![TEXT, 4, 10]).await;
	assert_eq!(
		(past_end["total"].as_u64(), past_end["items"].as_array().unwrap().len()),
		(Some(4), 0)
	);
	let global = call(&rpc, "datanets_leaderboard", rpc_params![Json::Null]).await;
	assert_eq!(ranked(&global), expected, "defaults: global board, offset 0, 100 items");
	let earlier = call(&rpc, "datanets_leaderboard", rpc_params![TEXT, 0, 10, &before_stash]).await;
	let earlier_accounts: Vec<_> = ranked(&earlier).into_iter().map(|(_, a, ..)| a).collect();
	assert_eq!(earlier_accounts, vec![ss58(&eve), ss58(&alice), ss58(&ferdie)]);
	let (code, message) = error(&rpc, "datanets_leaderboard", rpc_params![99]).await;
	assert_eq!(code, 4001);
	assert!(message.contains("datanet 99") && message.contains("no such datanet"), "{message}");
	let (code, message) = error(&rpc, "datanets_leaderboard", rpc_params![TEXT, 0, 1001]).await;
	assert_eq!(code, -32602);
	assert!(message.contains("maximum page size of 1000"), "{message}");

	// One contributor.
	let me = call(&rpc, "datanets_contributor", rpc_params![ss58(&alice), TEXT]).await;
	assert_eq!((me["rank"].as_u64(), me["ranked"].as_u64()), (Some(3), Some(4)));
	assert_eq!((me["submitted"].as_u64(), me["accepted"].as_u64()), (Some(2), Some(1)));
	let global_me = call(&rpc, "datanets_contributor", rpc_params![ss58(&alice)]).await;
	assert_eq!((global_me["rank"].as_u64(), global_me["datanet"].clone()), (Some(3), Json::Null));
	let nobody = call(&rpc, "datanets_contributor", rpc_params![ss58(&dev::dave())]).await;
	assert_eq!((nobody["rank"].clone(), nobody["score"].as_u64()), (Json::Null, Some(0)));
	let (code, message) = error(&rpc, "datanets_contributor", rpc_params!["not-an-address"]).await;
	assert_eq!(code, -32602);
	assert!(message.contains("not an SS58 address"), "{message}");

	// A submission, as stored.
	let submission = call(&rpc, "datanets_submission", rpc_params![alices]).await;
	assert_eq!(submission["cid"], json!(cid_v1(3)));
	assert_eq!(
		(submission["status"].as_str(), submission["weight"].as_u64()),
		(Some("accepted"), Some(80))
	);
	assert_eq!(
		(submission["bytes"].as_u64(), submission["format"].as_str()),
		(Some(103), Some("txt"))
	);
	assert_eq!(submission["contributor"], json!(ss58(&alice)));
	// Settled: the votes are gone, the tally stays.
	assert_eq!(
		(submission["settled"].as_bool(), submission["reveals"].as_u64()),
		(Some(true), Some(3))
	);
	assert_eq!(submission["votes"], json!([]));
	assert_eq!(submission["approvingStake"], json!("3000000000000000000000"));
	let (code, _) = error(&rpc, "datanets_submission", rpc_params![9_999]).await;
	assert_eq!(code, 4002);

	// Pending submissions.
	let open = call(&rpc, "datanets_pending", rpc_params![TEXT]).await;
	assert_eq!(open["total"].as_u64(), Some(1));
	assert_eq!(open["items"][0]["id"].as_u64(), Some(pending));
	assert_eq!(open["items"][0]["status"], json!("pending"));
	// Bob's vote is sealed: its stake shows, its ballot does not.
	let sealed_vote = &open["items"][0]["votes"][0];
	assert_eq!(sealed_vote["validator"], json!(ss58(&dev::bob())));
	assert_eq!(sealed_vote["stake"], json!(DEV_BOND));
	assert_eq!(
		(sealed_vote["approve"].clone(), sealed_vote["quality"].clone()),
		(Json::Null, Json::Null)
	);
	let beyond = call(&rpc, "datanets_pending", rpc_params![TEXT, 1, 5]).await;
	assert!(beyond["items"].as_array().unwrap().is_empty());
	assert_eq!(error(&rpc, "datanets_pending", rpc_params![42]).await.0, 4001);
	assert_eq!(error(&rpc, "datanets_pending", rpc_params![TEXT, 0, 5000]).await.0, -32602);

	// Datanets.
	let list = call(&rpc, "datanets_list", rpc_params![]).await;
	let names: Vec<_> =
		list["items"].as_array().unwrap().iter().map(|d| d["name"].clone()).collect();
	assert_eq!(names, vec![json!("Text"), json!("Images"), json!("Audio")]);
	let text = &list["items"][0];
	assert_eq!(
		(text["accepted"].as_u64(), text["pending"].as_u64(), text["contributors"].as_u64()),
		(Some(5), Some(1), Some(4))
	);
	assert_eq!(text["formats"], json!(["md", "pdf", "docx", "txt"]));
	assert_eq!(text["owner"], json!(ss58(&alice)));
	let second = call(&rpc, "datanets_list", rpc_params![1, 1]).await;
	assert_eq!(second["items"][0]["id"].as_u64(), Some(1));
	assert_eq!(call(&rpc, "datanets_datanet", rpc_params![2]).await["modality"], json!("audio"));
	assert_eq!(error(&rpc, "datanets_datanet", rpc_params![3]).await.0, 4001);

	// Validators and rewards.
	let bob = call(&rpc, "datanets_validator", rpc_params![TEXT, ss58(&dev::bob())]).await;
	assert_eq!((bob["bond"].clone(), bob["pendingVotes"].as_u64()), (json!(DEV_BOND), Some(1)));
	assert_eq!(bob["unclaimedAgreeingStake"], json!("6000000000000000000000"));
	assert_eq!(error(&rpc, "datanets_validator", rpc_params![TEXT, ss58(&eve)]).await.0, 4003);
	let rewards = call(&rpc, "datanets_rewards", rpc_params![ss58(&eve)]).await;
	assert_eq!(rewards["total"].as_u64(), Some(1));
	assert_eq!(
		(rewards["items"][0]["score"].as_u64(), rewards["items"][0]["claimable"].clone()),
		(Some(80), Json::Null)
	);

	// @polkadot/api: the RPC methods with the documented definitions, and the view functions
	// from the metadata alone.
	let js = openledger_e2e::run_js_check("check-datanets-rpc.mjs", &[&node.url(), &ss58(&eve)]);
	assert_eq!(as_js(&js["rpc"]["leaderboard"]), as_js(&board));
	assert_eq!(ranked(&js["rpc"]["globalLeaderboard"]), expected[1..3].to_vec());
	assert_eq!(js["rpc"]["contributor"]["rank"].as_u64(), Some(2));
	assert_eq!(as_js(&js["rpc"]["pending"]), as_js(&open));
	assert_eq!(as_js(&js["rpc"]["list"]), as_js(&list));
	assert_eq!(as_js(&js["rpc"]["rewards"]), as_js(&rewards));
	assert!(js["unknownDatanet"].as_str().unwrap_or_default().contains("no such datanet"), "{js}");
	let view_ranked = ranked_with_stats_at(&js["views"]["leaderboard"], |entry| &entry["stats"]);
	assert_eq!(view_ranked, expected);
	assert_eq!(js["views"]["contributor"]["rank"].as_u64(), Some(2));
	assert_eq!(js["views"]["unknownDatanet"], json!({ "error": "DatanetNotFound" }));
	assert_eq!(
		js["views"]["oversizePage"]["error"]
			.as_str()
			.map(|e| e.to_lowercase().contains("pagetoolarge")),
		Some(true),
		"{js}"
	);
}
