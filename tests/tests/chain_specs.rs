//! The checked-in chain specs still match the runtime's genesis presets.

use openledger_e2e::build_spec;
use serde_json::Value;
use std::path::Path;

/// The spec without the runtime's wasm, which changes with every runtime build.
fn without_code(mut spec: Value) -> Value {
	if let Some(genesis) =
		spec.pointer_mut("/genesis/runtimeGenesis").and_then(Value::as_object_mut)
	{
		genesis.remove("code");
	}
	spec
}

#[test]
fn checked_in_chain_specs_match_the_presets() {
	let spec_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-spec");
	for chain in ["dev", "local"] {
		let generated = build_spec(chain);
		let file = spec_dir.join(format!("{chain}.json"));
		let checked_in: Value =
			serde_json::from_str(&std::fs::read_to_string(&file).expect("the spec is checked in"))
				.expect("the checked-in spec is JSON");
		assert_eq!(
			without_code(checked_in),
			without_code(generated.clone()),
			"{} no longer matches the `{chain}` preset: run scripts/generate-chain-specs.sh",
			file.display()
		);
		assert_eq!(generated["properties"]["tokenSymbol"], "OPEN");
		assert_eq!(generated["properties"]["tokenDecimals"], 18);
	}
}
