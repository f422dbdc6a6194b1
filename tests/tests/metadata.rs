//! The client's checked-in metadata (client/chain/metadata/openledger.scale, from which the
//! typed calls of openledger-client are generated) is the dev runtime's.

use openledger_e2e::{runtime_metadata, Node};

#[tokio::test]
async fn checked_in_metadata_matches_the_runtime() {
	let node = Node::start(&["--dev"]);
	let live = runtime_metadata(&node).await;
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../client/chain/metadata/openledger.scale");
	let checked_in = std::fs::read(path).expect("the checked-in metadata file");
	assert!(
		live == checked_in,
		"client/chain/metadata/openledger.scale ({} bytes) differs from the runtime's metadata \
		 ({} bytes): run scripts/update-metadata.sh and rebuild",
		checked_in.len(),
		live.len()
	);
}
