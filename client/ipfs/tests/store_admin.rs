//! The store's administration (`openledger ipfs unpin|gc|stat`): `gc` removes exactly the
//! blocks no pin reaches (a block two files share stays while either is pinned), refuses to
//! guess when a pinned DAG is damaged, and clears temporary files a crashed writer left.

use openledger_ipfs::{add, BlockStore, Layout, StoreError, StoreStat, CHUNK_SIZE};
use std::{
	collections::HashSet,
	path::PathBuf,
	time::{Duration, SystemTime},
};

struct TempStore(BlockStore);

impl TempStore {
	fn new(name: &str) -> TempStore {
		let dir = std::env::temp_dir().join(format!("ol-admin-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		TempStore(BlockStore::open(dir).unwrap())
	}
}

impl Drop for TempStore {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(self.0.path());
	}
}

fn content(len: usize, seed: usize) -> Vec<u8> {
	(0..len).map(|i| ((i + seed) * 13 % 251) as u8).collect()
}

fn block_path(store: &BlockStore, cid: &openledger_ipfs::Cid) -> PathBuf {
	let hex: String = cid.sha256.iter().map(|byte| format!("{byte:02x}")).collect();
	store.path().join("blocks").join(&hex[..2]).join(hex)
}

#[test]
fn gc_removes_what_no_pin_reaches() {
	let store = TempStore::new("gc");
	let store = &store.0;
	let big = content(CHUNK_SIZE * 3 + 5, 1);
	let a = add(&big, Layout::KUBO_V1);
	// The first chunk alone, as a file: its CID is A's first leaf.
	let shared = add(&big[..CHUNK_SIZE], Layout::KUBO_V1);
	assert_eq!(shared.root, a.blocks[0].cid);
	let b = add(&content(1000, 2), Layout::KUBO_V0);
	for dag in [&a, &shared, &b] {
		store.put(dag).unwrap();
	}
	let distinct: HashSet<_> = [&a, &shared, &b]
		.iter()
		.flat_map(|dag| dag.blocks.iter().map(|block| (block.cid.sha256, block.bytes.len())))
		.collect();
	let bytes: usize = distinct.iter().map(|(_, len)| len).sum();
	assert_eq!(
		store.stat().unwrap(),
		StoreStat { pins: 3, blocks: distinct.len() as u64, bytes: bytes as u64 }
	);

	assert_eq!(store.gc().unwrap().removed_blocks, 0, "everything is pinned");
	assert!(store.unpin(&a.root).unwrap());
	assert!(!store.unpin(&a.root).unwrap(), "already unpinned");
	let report = store.gc().unwrap();
	let only_a: Vec<_> =
		a.blocks[1..].iter().filter(|block| block.cid != a.blocks[0].cid).collect();
	let unique_a: HashSet<_> = only_a.iter().map(|block| block.cid).collect();
	assert_eq!(report.removed_blocks, unique_a.len() as u64);
	let freed: usize = unique_a
		.iter()
		.map(|cid| a.blocks.iter().find(|block| block.cid == *cid).unwrap().bytes.len())
		.sum();
	assert_eq!(report.freed_bytes, freed as u64);
	assert_eq!(report.kept_blocks + report.removed_blocks, distinct.len() as u64);
	assert!(matches!(store.cat(&a.root), Err(StoreError::NotFound { .. })));
	assert_eq!(store.cat(&shared.root).unwrap(), big[..CHUNK_SIZE]);
	assert_eq!(store.gc().unwrap().removed_blocks, 0);
	assert_eq!(store.stat().unwrap().pins, 2);
}

#[test]
fn gc_stops_before_removing_anything_when_a_pin_is_damaged() {
	let store = TempStore::new("damaged");
	let store = &store.0;
	let pinned = add(&content(CHUNK_SIZE * 2, 3), Layout::KUBO_V0);
	store.put(&pinned).unwrap();
	let garbage = add(b"unpinned", Layout::KUBO_V1);
	store.put(&garbage).unwrap();
	store.unpin(&garbage.root).unwrap();
	std::fs::remove_file(block_path(store, &pinned.blocks[0].cid)).unwrap();

	let error = store.gc().unwrap_err().to_string();
	assert!(error.contains("gc stopped before removing anything"), "{error}");
	assert!(error.contains(&pinned.root.to_string()), "{error}");
	assert!(store.has_block(&garbage.root));

	store.unpin(&pinned.root).unwrap();
	assert!(store.gc().unwrap().removed_blocks >= 2);
	assert!(!store.has_block(&garbage.root));
}

#[test]
fn gc_clears_temporary_files_left_by_a_crash() {
	let store = TempStore::new("temporary");
	let store = &store.0;
	let dag = add(b"x", Layout::KUBO_V1);
	store.put(&dag).unwrap();
	let shard = block_path(store, &dag.root).parent().unwrap().to_path_buf();
	let (old, fresh) = (shard.join(".tmp-old"), shard.join(".tmp-fresh"));
	for path in [&old, &fresh] {
		std::fs::write(path, b"partial").unwrap();
	}
	let hours_ago = SystemTime::now() - Duration::from_secs(7200);
	std::fs::File::options().write(true).open(&old).unwrap().set_modified(hours_ago).unwrap();

	assert_eq!(store.stat().unwrap().blocks, 1, "temporary files are not blocks");
	store.gc().unwrap();
	assert!(!old.exists());
	assert!(fresh.exists(), "a write may still be under way");
	assert_eq!(store.cat(&dag.root).unwrap(), b"x");
}
