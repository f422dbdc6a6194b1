//! The embedded content store: blocks in files under one directory, so every `openledger`
//! process on the machine reads what any of them added, with no daemon.
//!
//! Layout: `blocks/<first two hex digits>/<sha2-256 hex>` holds one block (blocks are keyed
//! by multihash, as in Kubo's blockstore, so CIDv0 and CIDv1 names share them);
//! `pins/<CID>` marks a pinned root. Files are written to a temporary name and renamed, so a
//! crash never leaves a partial block under its final name.

use crate::{add, cid::Cid, read::read_file, Dag, Layout, ReadError};
use std::{
	fs, io,
	path::{Path, PathBuf},
	sync::atomic::{AtomicU64, Ordering},
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	#[error("the embedded IPFS store at {path}: {source}")]
	Io { path: PathBuf, source: io::Error },
	#[error("{cid} is not in the embedded IPFS store at {store} (add it on this machine first)")]
	NotFound { cid: Cid, store: PathBuf },
	#[error("the embedded IPFS store is corrupt: {0}")]
	Corrupt(String),
}

/// A content store in a directory.
#[derive(Clone, Debug)]
pub struct BlockStore {
	root: PathBuf,
}

impl BlockStore {
	/// The default store: `<data dir>/openledger/ipfs` (`~/.local/share/openledger/ipfs`
	/// on Linux).
	pub fn default_dir() -> PathBuf {
		dirs::data_dir()
			.unwrap_or_else(|| std::env::temp_dir().join("openledger-data"))
			.join("openledger")
			.join("ipfs")
	}

	/// Opens (creating if needed) the store in `root`.
	pub fn open(root: impl Into<PathBuf>) -> Result<BlockStore, StoreError> {
		let root = root.into();
		for dir in [root.join("blocks"), root.join("pins")] {
			fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir, source })?;
		}
		Ok(BlockStore { root })
	}

	pub fn path(&self) -> &Path {
		&self.root
	}

	fn block_path(&self, cid: &Cid) -> PathBuf {
		let hex: String = cid.sha256.iter().map(|byte| format!("{byte:02x}")).collect();
		self.root.join("blocks").join(&hex[..2]).join(hex)
	}

	fn io(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
		move |source| StoreError::Io { path: path.to_path_buf(), source }
	}

	/// Writes `bytes` to `path` through a temporary file in the same directory.
	fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
		let dir = path.parent().expect("store paths have a parent");
		fs::create_dir_all(dir).map_err(Self::io(dir))?;
		static NEXT: AtomicU64 = AtomicU64::new(0);
		let unique = NEXT.fetch_add(1, Ordering::Relaxed);
		let temporary = dir.join(format!(".tmp-{}-{unique}", std::process::id()));
		fs::write(&temporary, bytes).map_err(Self::io(&temporary))?;
		fs::rename(&temporary, path).map_err(Self::io(path))
	}

	/// Imports `content` as `ipfs add` would with `layout`, stores its blocks, pins the
	/// root and returns it.
	pub fn add(&self, content: &[u8], layout: Layout) -> Result<Cid, StoreError> {
		self.put(&add(content, layout))
	}

	/// Stores the blocks of a DAG already built, pins its root and returns it.
	pub fn put(&self, dag: &Dag) -> Result<Cid, StoreError> {
		for block in &dag.blocks {
			let path = self.block_path(&block.cid);
			if !path.exists() {
				Self::write_atomically(&path, &block.bytes)?;
			}
		}
		self.mark_pinned(&dag.root)?;
		Ok(dag.root)
	}

	/// One block's bytes, as stored (not yet checked against the CID).
	pub fn block(&self, cid: &Cid) -> Result<Vec<u8>, StoreError> {
		let path = self.block_path(cid);
		match fs::read(&path) {
			Ok(bytes) => Ok(bytes),
			Err(error) if error.kind() == io::ErrorKind::NotFound => {
				Err(StoreError::NotFound { cid: *cid, store: self.root.clone() })
			},
			Err(source) => Err(StoreError::Io { path, source }),
		}
	}

	/// The file under `root`, every block checked against its CID.
	pub fn cat(&self, root: &Cid) -> Result<Vec<u8>, StoreError> {
		read_file(root, |cid| self.block(cid)).map_err(|error| match error {
			ReadError::Source(error) => error,
			other => StoreError::Corrupt(other.to_string()),
		})
	}

	/// Pins `root` after checking that its whole DAG is present and intact.
	pub fn pin(&self, root: &Cid) -> Result<(), StoreError> {
		self.cat(root)?;
		self.mark_pinned(root)
	}

	fn mark_pinned(&self, root: &Cid) -> Result<(), StoreError> {
		let path = self.root.join("pins").join(root.to_string());
		if path.exists() {
			return Ok(());
		}
		Self::write_atomically(&path, b"")
	}

	/// The pinned roots, in CID text order.
	pub fn pins(&self) -> Result<Vec<Cid>, StoreError> {
		let dir = self.root.join("pins");
		let mut pins: Vec<Cid> = fs::read_dir(&dir)
			.map_err(Self::io(&dir))?
			.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
			.collect();
		pins.sort_by_key(|cid| cid.to_string());
		Ok(pins)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::CHUNK_SIZE;

	struct TempStore(BlockStore);

	impl TempStore {
		fn new(name: &str) -> TempStore {
			let dir = std::env::temp_dir().join(format!("ol-store-{name}-{}", std::process::id()));
			let _ = fs::remove_dir_all(&dir);
			TempStore(BlockStore::open(dir).unwrap())
		}
	}

	impl Drop for TempStore {
		fn drop(&mut self) {
			let _ = fs::remove_dir_all(self.0.path());
		}
	}

	#[test]
	fn added_files_come_back_and_are_pinned() {
		let store = TempStore::new("roundtrip");
		let content: Vec<u8> = (0..CHUNK_SIZE * 3 + 5).map(|i| (i % 253) as u8).collect();
		let v0 = store.0.add(&content, Layout::KUBO_V0).unwrap();
		let v1 = store.0.add(&content, Layout::KUBO_V1).unwrap();
		assert_eq!(store.0.cat(&v0).unwrap(), content);
		assert_eq!(store.0.cat(&v1).unwrap(), content);
		let reopened = BlockStore::open(store.0.path()).unwrap();
		assert_eq!(reopened.cat(&v1).unwrap(), content);
		let mut expected = vec![v0, v1];
		expected.sort_by_key(|cid| cid.to_string());
		assert_eq!(reopened.pins().unwrap(), expected);
	}

	#[test]
	fn missing_and_corrupt_blocks_are_errors() {
		let store = TempStore::new("corrupt");
		let absent = crate::add(b"never added", Layout::KUBO_V1).root;
		assert!(matches!(store.0.cat(&absent), Err(StoreError::NotFound { .. })));
		assert!(matches!(store.0.pin(&absent), Err(StoreError::NotFound { .. })));
		let root = store.0.add(b"some text", Layout::KUBO_V1).unwrap();
		fs::write(store.0.block_path(&root), b"other text").unwrap();
		assert!(matches!(store.0.cat(&root), Err(StoreError::Corrupt(_))));
	}
}
