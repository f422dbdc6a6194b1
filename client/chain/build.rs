//! The `#[subxt::subxt]` macro reads `metadata/openledger.scale`, which cargo does not know
//! about: without this, regenerating the metadata would not rebuild the generated calls.

fn main() {
	println!("cargo:rerun-if-changed=metadata/openledger.scale");
}
