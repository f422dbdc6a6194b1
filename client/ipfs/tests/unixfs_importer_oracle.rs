//! Our CIDv1s (`Layout::KUBO_V1`, what the CLI submits to the chain) are the reference JS
//! UnixFS importer's (npm `ipfs-unixfs-importer`, tests/js/unixfs-cids.mjs) with Kubo's
//! `--cid-version=1` settings: at every chunk and tree boundary the CIDv0 Kubo oracle
//! (kubo_oracle.rs) covers, a few more, and sizes drawn from a fixed seed, one of them a
//! tree of more than one level (> 174 chunks). An importer written independently of ours,
//! so a shared misreading of the format would have to be made twice.

use openledger_ipfs::{add, Layout, CHUNK_SIZE, MAX_LINKS};
use std::{path::Path, process::Command};

/// Byte `i` of a file: `(i * 31 + seed) % 251`, as unixfs-cids.mjs generates it. Chunks of
/// one file differ (251 is prime and does not divide the chunk size), so no leaf repeats.
fn content(size: usize, seed: u64) -> Vec<u8> {
	(0..size as u64).map(|i| ((i * 31 + seed) % 251) as u8).collect()
}

/// The CIDs unixfs-cids.mjs prints for `files` ((size, seed) pairs).
fn importer_cids(files: &[(usize, u64)]) -> Vec<String> {
	let js_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
	assert!(
		js_dir.join("node_modules/ipfs-unixfs-importer").exists()
			&& js_dir.join("node_modules/blockstore-core").exists(),
		"ipfs-unixfs-importer is not installed in {}: run scripts/setup.sh (or `npm ci \
		 --prefix tests/js`)",
		js_dir.display()
	);
	let list: Vec<String> =
		files.iter().map(|(size, seed)| format!(r#"{{"size":{size},"seed":{seed}}}"#)).collect();
	let output = Command::new("node")
		.arg(js_dir.join("unixfs-cids.mjs"))
		.arg(format!("[{}]", list.join(",")))
		.output()
		.unwrap_or_else(|error| {
			panic!("cannot run `node` ({error}): install Node.js, e.g. run scripts/setup.sh")
		});
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(
		output.status.success(),
		"unixfs-cids.mjs failed:\n{}\n{stdout}",
		String::from_utf8_lossy(&output.stderr)
	);
	let text = stdout.trim();
	let inner = text
		.strip_prefix('[')
		.and_then(|text| text.strip_suffix(']'))
		.unwrap_or_else(|| panic!("unixfs-cids.mjs printed no JSON list:\n{stdout}"));
	inner
		.split(',')
		.filter(|cid| !cid.is_empty())
		.map(|cid| cid.trim_matches('"').to_string())
		.collect()
}

/// Sizes from a fixed seed (xorshift): `count` below `limit`, then one with 175 to 180 chunks.
fn random_sizes(count: usize, limit: u64) -> Vec<usize> {
	let mut state = 0x0123_4567_89ab_cdefu64;
	let mut next = move || {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		state
	};
	let mut sizes: Vec<usize> = (0..count).map(|_| (next() % limit) as usize).collect();
	let chunks = MAX_LINKS as u64 + 1 + next() % 6;
	sizes.push((chunks * CHUNK_SIZE as u64 - next() % CHUNK_SIZE as u64) as usize);
	sizes
}

#[test]
fn kubo_v1_cids_match_the_reference_js_importer() {
	let mut sizes = vec![
		// The boundaries kubo_oracle.rs checks in CIDv0.
		0,
		1,
		CHUNK_SIZE - 1,
		CHUNK_SIZE,
		CHUNK_SIZE + 1,
		10 << 20,
		CHUNK_SIZE * MAX_LINKS + 1,
		// And around a full inner node: the last one-level tree, one short of it.
		CHUNK_SIZE * 2,
		CHUNK_SIZE * MAX_LINKS - 1,
		CHUNK_SIZE * MAX_LINKS,
	];
	sizes.extend(random_sizes(6, 3 * CHUNK_SIZE as u64 + 1000));
	let files: Vec<(usize, u64)> =
		sizes.iter().enumerate().map(|(index, &size)| (size, index as u64 * 7)).collect();
	let theirs = importer_cids(&files);
	assert_eq!(theirs.len(), files.len(), "{theirs:?}");
	for ((size, seed), their) in files.iter().zip(&theirs) {
		let ours = add(&content(*size, *seed), Layout::KUBO_V1).root.to_string();
		assert_eq!(&ours, their, "a file of {size} bytes (seed {seed})");
	}
}
