//! Transactions the pool must refuse without harm (issue #17): a bad signature, a nonce
//! already used, another chain's genesis, a payload larger than a block, and an unsigned
//! call that needs a signer. Each is sent raw (`author_submitExtrinsic`) to a dev node that
//! seals only on request; each comes back as the pool's error, and afterwards nothing is
//! pending, no block was made and the state root is the one before.

use openledger_e2e::{net::LocalNet, sign_and_finalize, Client, Node};
use serde_json::Value as Json;
use subxt::{
	config::PolkadotExtrinsicParamsBuilder as Params,
	dynamic,
	rpcs::{rpc_params, RpcClient},
	PolkadotConfig,
};
use subxt_signer::sr25519::dev;

/// The JSON-RPC error the node answers `bytes` with (it must refuse them).
async fn refusal(rpc: &RpcClient, bytes: &[u8]) -> String {
	let hex = format!("0x{}", hex::encode(bytes));
	match rpc.request::<Json>("author_submitExtrinsic", rpc_params![hex]).await {
		Ok(hash) => panic!("the pool took it ({hash})"),
		// The debug form carries the error's data, where the reason is.
		Err(error) => format!("{error:?}"),
	}
}

/// The best block's number and state root, and what the pool holds.
async fn state(node: &Node) -> (Json, Json) {
	let rpc = node.rpc().await;
	let header: Json = rpc.request("chain_getHeader", rpc_params![]).await.unwrap();
	let pending: Json = rpc.request("author_pendingExtrinsics", rpc_params![]).await.unwrap();
	(json_pair(&header), pending)
}

fn json_pair(header: &Json) -> Json {
	serde_json::json!([header["number"], header["stateRoot"]])
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pool_refuses_bad_transactions_without_harm() {
	let node = Node::start(&["--dev", "--sealing", "manual"]);
	let api: Client = node.client().await;
	let rpc = node.rpc().await;
	let remark = |bytes: Vec<u8>| dynamic::transaction("System", "remark", (bytes,));
	// Alice's first transaction, sealed: her next nonce is 1.
	let sealing = tokio::spawn({
		let rpc = rpc.clone();
		async move {
			tokio::time::sleep(std::time::Duration::from_secs(2)).await;
			let _: Json = rpc
				.request("engine_createBlock", rpc_params![true, true, Option::<String>::None])
				.await
				.unwrap();
		}
	});
	sign_and_finalize(&api, &remark(b"first".to_vec()), &dev::alice()).await.unwrap();
	sealing.await.unwrap();
	let before = state(&node).await;
	assert_eq!(before.1, serde_json::json!([]), "nothing pending");

	let at = api.at_current_block().await.unwrap();
	let mut transactions = at.transactions();
	let signed = |nonce: u64| Params::<PolkadotConfig>::new().nonce(nonce).build();

	// A bad signature: the call changed after signing.
	let forged = transactions
		.create_signed(&remark(b"hello".to_vec()), &dev::alice(), signed(1))
		.await
		.unwrap();
	let mut bytes = forged.encoded().to_vec();
	*bytes.last_mut().unwrap() ^= 1;
	let error = refusal(&rpc, &bytes).await;
	assert!(error.contains("bad signature"), "{error}");

	// A nonce already used.
	let stale =
		transactions.create_signed(&remark(b"again".to_vec()), &dev::alice(), signed(0)).await;
	let error = refusal(&rpc, stale.unwrap().encoded()).await;
	assert!(error.contains("outdated"), "{error}");

	// Signed for another chain: the local testnet's genesis is in the signed payload.
	let local = LocalNet::start(1).await;
	let other = Client::from_insecure_url(local.nodes[0].url()).await.unwrap();
	let other_at = other.at_current_block().await.unwrap();
	let foreign = other_at
		.transactions()
		.create_signed(&remark(b"elsewhere".to_vec()), &dev::alice(), signed(1))
		.await
		.unwrap();
	let error = refusal(&rpc, foreign.encoded()).await;
	assert!(error.contains("bad signature"), "{error}");
	drop(local);

	// Larger than the block space for normal transactions (3.75 of 5 MiB).
	let huge = transactions
		.create_signed(&remark(vec![7; (4 << 20) + (64 << 10)]), &dev::alice(), signed(1))
		.await
		.unwrap();
	let error = refusal(&rpc, huge.encoded()).await;
	assert!(error.contains("exhaust the block limits"), "{error}");

	// A call that needs a signer, unsigned.
	let unsigned = transactions.create_unsigned(&remark(b"nobody".to_vec())).unwrap();
	let error = refusal(&rpc, unsigned.encoded()).await;
	assert!(error.contains("Transaction call is not expected"), "{error}");

	assert_eq!(state(&node).await, before, "no block, nothing pending, the same state root");
	// A good transaction still goes through, with the nonce the refused ones could not use.
	let good = transactions
		.create_signed(&remark(b"good".to_vec()), &dev::alice(), signed(1))
		.await
		.unwrap();
	let hex = format!("0x{}", hex::encode(good.encoded()));
	let _: Json = rpc.request("author_submitExtrinsic", rpc_params![hex]).await.unwrap();
}
