//! Writes the dev runtime's metadata (V16, as subxt's codegen reads it) to the given file:
//! `fetch-metadata client/chain/metadata/openledger.scale`. Run by scripts/update-metadata.sh.

use openledger_e2e::{runtime_metadata, Node};

#[tokio::main(flavor = "current_thread")]
async fn main() {
	let Some(out) = std::env::args().nth(1) else {
		eprintln!("usage: fetch-metadata OUT.scale");
		std::process::exit(2);
	};
	let node = Node::start(&["--dev"]);
	let metadata = runtime_metadata(&node).await;
	std::fs::write(&out, &metadata).unwrap_or_else(|e| panic!("cannot write {out}: {e}"));
	eprintln!("wrote {} bytes of metadata to {out}", metadata.len());
}
