//! The embedded content store: blocks in files under one directory, so every `openledger`
//! process on the machine reads what any of them added, with no daemon.
//!
//! Layout: `blocks/<first two hex digits>/<sha2-256 hex>` holds one block (blocks are keyed
//! by multihash, as in Kubo's blockstore, so CIDv0 and CIDv1 names share them);
//! `pins/<CID>` marks a pinned root.
//!
//! Durability: a file is written to a new temporary file of a random name in the same
//! directory, flushed to disk, renamed into place, and the directory flushed, so a crash or
//! power loss never leaves a partial block under its final name, nor a pin whose blocks are
//! not on disk. Disks and people still damage files, so a block is checked against its CID
//! whenever it is read (and before `put` trusts one already there): a damaged block counts
//! as missing (`StoreError::DamagedBlock`), a fault of this machine, never of the content.

use crate::{add, cid::Cid, read::read_file, Dag, Layout, ReadError};
use std::{
	collections::BTreeSet,
	fs,
	io::{self, Write},
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
	/// A block file whose bytes do not hash to its CID: this machine's fault, so the block
	/// counts as missing (readers fetch it elsewhere; adding or fetching rewrites it).
	#[error(
		"block {cid} in the embedded IPFS store is damaged ({path} does not hash to it): it \
		 counts as missing; add or fetch the content again to repair it"
	)]
	DamagedBlock { cid: Cid, path: PathBuf },
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

	/// Writes `bytes` to `path` durably, its directory entry included.
	fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
		Self::write_file(path, bytes)?;
		sync_dir(path.parent().expect("store paths have a parent"))
	}

	/// Writes `bytes` to `path` through a new temporary file in the same directory, flushed
	/// to disk before it is renamed over `path`; the caller flushes the directory (`put`
	/// does it once per directory for a whole DAG).
	fn write_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
		let dir = path.parent().expect("store paths have a parent");
		if !dir.is_dir() {
			fs::create_dir_all(dir).map_err(Self::io(dir))?;
			// A new shard directory: its entry in `blocks/` must survive a crash too.
			if let Some(parent) = dir.parent() {
				sync_dir(parent)?;
			}
		}
		let (temporary, mut file) = create_temporary(dir)?;
		let written = file.write_all(bytes).and_then(|()| file.sync_all());
		drop(file);
		let result = match written {
			Ok(()) => fs::rename(&temporary, path).map_err(Self::io(path)),
			Err(source) => Err(StoreError::Io { path: temporary.clone(), source }),
		};
		if result.is_err() {
			let _ = fs::remove_file(&temporary);
		}
		result
	}

	/// Imports `content` as `ipfs add` would with `layout`, stores its blocks, pins the
	/// root and returns it.
	pub fn add(&self, content: &[u8], layout: Layout) -> Result<Cid, StoreError> {
		self.put(&add(content, layout))
	}

	/// Stores the blocks of a DAG already built, pins its root and returns it. A block
	/// already there is kept only if it is intact; a damaged one is written again. The pin
	/// is written after every block is on disk.
	pub fn put(&self, dag: &Dag) -> Result<Cid, StoreError> {
		// Shared with other writers, exclusive of `gc`: no block is collected before its pin.
		let _guard = self.write_guard()?;
		let mut written_dirs = BTreeSet::new();
		for block in &dag.blocks {
			if self.holds_intact(&block.cid) {
				continue;
			}
			let path = self.block_path(&block.cid);
			Self::write_file(&path, &block.bytes)?;
			written_dirs.insert(path.parent().expect("block paths have a parent").to_owned());
		}
		for dir in &written_dirs {
			sync_dir(dir)?;
		}
		self.mark_pinned(&dag.root)?;
		Ok(dag.root)
	}

	/// Stores one block that the caller has checked against `cid` (a fetched one), unless
	/// the store holds it intact already. Not pinned: like Kubo's cache, `gc` may drop it.
	#[cfg_attr(not(feature = "gateway"), allow(dead_code))]
	pub(crate) fn store_block(&self, cid: &Cid, bytes: &[u8]) -> Result<(), StoreError> {
		debug_assert!(cid.matches(bytes), "store_block takes verified blocks");
		let _guard = self.write_guard()?;
		if self.holds_intact(cid) {
			return Ok(());
		}
		Self::write_atomically(&self.block_path(cid), bytes)
	}

	/// Whether the block `cid` names is here and hashes to it.
	fn holds_intact(&self, cid: &Cid) -> bool {
		self.block(cid).is_ok()
	}

	/// One block's bytes, checked against `cid`: a file that does not hash to it is
	/// `DamagedBlock`, which readers treat as missing.
	pub fn block(&self, cid: &Cid) -> Result<Vec<u8>, StoreError> {
		let path = self.block_path(cid);
		match fs::read(&path) {
			Ok(bytes) if cid.matches(&bytes) => Ok(bytes),
			Ok(_) => Err(StoreError::DamagedBlock { cid: *cid, path }),
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
		// Every distinct block present and intact, each read once: a DAG that links a few
		// blocks many times (a "bomb" of gigabytes) costs what is stored, not what it spells.
		let options = crate::walk::WalkOptions { dedupe: true, read_raw: true };
		crate::walk::walk(self, root, options, |_| Ok::<(), std::convert::Infallible>(()))
			.map_err(|error| match error {
				crate::walk::WalkError::Store(error) => error,
				other => StoreError::Corrupt(format!("cannot pin {root}: {other}")),
			})?;
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

	// Reading and administering the store (`openledger ipfs serve|unpin|gc|stat`).

	/// Whether the block `cid` names is in the store (its bytes are not checked).
	pub fn has_block(&self, cid: &Cid) -> bool {
		self.block_path(cid).is_file()
	}

	/// One block's bytes, checked against `cid` (`block`, under the name servers use): a
	/// damaged one is `DamagedBlock`, never handed out.
	pub fn get_block(&self, cid: &Cid) -> Result<Vec<u8>, StoreError> {
		self.block(cid)
	}

	/// Whether `root` is pinned (under this CID text).
	pub fn is_pinned(&self, root: &Cid) -> bool {
		self.root.join("pins").join(root.to_string()).is_file()
	}

	/// Unpins `root`; its blocks stay until `gc`. Whether it was pinned (under this CID
	/// text: a CIDv0 and a CIDv1 of the same file are separate pins).
	pub fn unpin(&self, root: &Cid) -> Result<bool, StoreError> {
		let path = self.root.join("pins").join(root.to_string());
		match fs::remove_file(&path) {
			Ok(()) => Ok(true),
			Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
			Err(source) => Err(StoreError::Io { path, source }),
		}
	}

	/// A shared lock on the store: held while adding, so that a `gc` in any process (which
	/// takes it exclusively) cannot remove the blocks of a DAG whose pin is not yet written.
	pub fn write_guard(&self) -> Result<StoreGuard, StoreError> {
		let file = self.lock_file()?;
		file.lock_shared().map_err(Self::io(&self.root.join(LOCK_FILE)))?;
		Ok(StoreGuard { _file: file })
	}

	fn lock_file(&self) -> Result<fs::File, StoreError> {
		let path = self.root.join(LOCK_FILE);
		fs::OpenOptions::new()
			.create(true)
			.truncate(false)
			.write(true)
			.open(&path)
			.map_err(Self::io(&path))
	}

	/// Every block file: its path, multihash digest and size. Anything else (temporary
	/// files) is left out; temporary files older than `STALE_TEMPORARY` (left by a writer that
	/// crashed) are listed in `stale`.
	fn block_files(
		&self,
		mut stale: Option<&mut Vec<PathBuf>>,
	) -> Result<Vec<(PathBuf, [u8; 32], u64)>, StoreError> {
		let blocks = self.root.join("blocks");
		let mut files = Vec::new();
		for shard in fs::read_dir(&blocks).map_err(Self::io(&blocks))? {
			let shard = shard.map_err(Self::io(&blocks))?.path();
			if !shard.is_dir() {
				continue;
			}
			for entry in fs::read_dir(&shard).map_err(Self::io(&shard))? {
				let entry = entry.map_err(Self::io(&shard))?;
				let name = entry.file_name();
				let Some(digest) = name.to_str().and_then(parse_digest) else {
					let old = || {
						let age = entry.metadata().ok()?.modified().ok()?.elapsed().ok()?;
						Some(age > STALE_TEMPORARY)
					};
					if let Some(stale) = stale.as_deref_mut() {
						if name.to_string_lossy().starts_with(".tmp") && old() == Some(true) {
							stale.push(entry.path());
						}
					}
					continue;
				};
				let path = entry.path();
				let size = entry.metadata().map_err(Self::io(&path))?.len();
				files.push((path, digest, size));
			}
		}
		Ok(files)
	}

	/// Removes every block no pinned DAG reaches. A pinned DAG that cannot be walked (a
	/// block missing or corrupt) stops the collection before anything is removed, since the
	/// blocks under the damaged one could not be told apart from garbage.
	pub fn gc(&self) -> Result<GcReport, StoreError> {
		let exclusive = self.lock_file()?;
		exclusive.lock().map_err(Self::io(&self.root.join(LOCK_FILE)))?;
		let mut live = std::collections::HashSet::new();
		let options = crate::walk::WalkOptions { dedupe: true, read_raw: false };
		for pin in self.pins()? {
			crate::walk::walk(self, &pin, options, |visit| {
				live.insert(visit.cid.sha256);
				Ok::<(), std::convert::Infallible>(())
			})
			.map_err(|error| {
				StoreError::Corrupt(format!(
					"gc stopped before removing anything: pinned {pin} cannot be walked \
					 ({error}); add or fetch it again, or unpin it"
				))
			})?;
		}
		let mut report = GcReport::default();
		let mut stale = Vec::new();
		let files = self.block_files(Some(&mut stale))?;
		for path in stale {
			let _ = fs::remove_file(path);
		}
		for (path, digest, size) in files {
			if live.contains(&digest) {
				report.kept_blocks += 1;
				report.kept_bytes += size;
				continue;
			}
			match fs::remove_file(&path) {
				Ok(()) => {
					report.removed_blocks += 1;
					report.freed_bytes += size;
				},
				Err(error) if error.kind() == io::ErrorKind::NotFound => {},
				Err(source) => return Err(StoreError::Io { path, source }),
			}
		}
		Ok(report)
	}

	/// How much the store holds.
	pub fn stat(&self) -> Result<StoreStat, StoreError> {
		let files = self.block_files(None)?;
		Ok(StoreStat {
			pins: self.pins()?.len() as u64,
			blocks: files.len() as u64,
			bytes: files.iter().map(|(_, _, size)| size).sum(),
		})
	}
}

/// A new file of a random name in `dir`, created exclusively (`create_new`): two writers of
/// the same block, in one process or several, never write into one temporary file.
fn create_temporary(dir: &Path) -> Result<(PathBuf, fs::File), StoreError> {
	use std::hash::{BuildHasher, Hasher};
	static NEXT: AtomicU64 = AtomicU64::new(0);
	let mut last_error = None;
	for _ in 0..8 {
		// `RandomState` is seeded from the OS's randomness; the counter and process id make
		// names from one seed differ.
		let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
		hasher.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
		hasher.write_u32(std::process::id());
		let temporary = dir.join(format!(".tmp-{:016x}", hasher.finish()));
		match fs::OpenOptions::new().write(true).create_new(true).open(&temporary) {
			Ok(file) => return Ok((temporary, file)),
			Err(error) if error.kind() == io::ErrorKind::AlreadyExists => last_error = Some(error),
			Err(source) => return Err(StoreError::Io { path: temporary, source }),
		}
	}
	let source = last_error.expect("the loop ran");
	Err(StoreError::Io { path: dir.to_owned(), source })
}

/// Flushes `dir`'s entries (a rename into it, a new file) to disk. Unix only: elsewhere a
/// directory cannot be opened to sync, and the rename is as durable as the OS makes it.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
	#[cfg(unix)]
	fs::File::open(dir).and_then(|dir| dir.sync_all()).map_err(BlockStore::io(dir))?;
	#[cfg(not(unix))]
	let _ = dir;
	Ok(())
}

/// The file `gc` locks exclusively and writers lock shared.
const LOCK_FILE: &str = "gc.lock";

/// The age past which `gc` removes a temporary file: no write takes an hour.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(3600);

/// A block file's name: the 64 lower-case hex digits of its sha2-256 digest.
fn parse_digest(name: &str) -> Option<[u8; 32]> {
	if name.len() != 64 {
		return None;
	}
	let mut digest = [0u8; 32];
	for (byte, pair) in digest.iter_mut().zip(name.as_bytes().chunks(2)) {
		*byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
	}
	Some(digest)
}

/// Held while writing to a store (see `BlockStore::write_guard`); dropping it releases the
/// lock.
pub struct StoreGuard {
	_file: fs::File,
}

/// What `BlockStore::gc` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
	pub removed_blocks: u64,
	pub freed_bytes: u64,
	pub kept_blocks: u64,
	pub kept_bytes: u64,
}

/// What a store holds (`BlockStore::stat`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreStat {
	pub pins: u64,
	pub blocks: u64,
	pub bytes: u64,
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
		// Damage on this machine is not a property of the content: its own error.
		assert!(
			matches!(store.0.cat(&root), Err(StoreError::DamagedBlock { cid, .. }) if cid == root)
		);
		assert!(matches!(store.0.block(&root), Err(StoreError::DamagedBlock { .. })));
	}

	#[test]
	fn a_damaged_block_is_rewritten_when_added_again() {
		let store = TempStore::new("repair");
		let content: Vec<u8> = (0..CHUNK_SIZE * 2 + 9).map(|i| (i * 7 % 251) as u8).collect();
		let dag = crate::add(&content, Layout::KUBO_V1);
		store.0.put(&dag).unwrap();
		let leaf = dag.blocks[1].cid;
		let path = store.0.block_path(&leaf);
		let mut damaged = fs::read(&path).unwrap();
		damaged[100] ^= 0x40;
		fs::write(&path, &damaged).unwrap();
		assert!(
			matches!(store.0.cat(&dag.root), Err(StoreError::DamagedBlock { cid, .. }) if cid == leaf)
		);
		// Truncated to nothing (a crash of a writer that did not sync) is damage as well.
		let other_leaf = dag.blocks[0].cid;
		fs::write(store.0.block_path(&other_leaf), b"").unwrap();
		store.0.add(&content, Layout::KUBO_V1).unwrap();
		assert_eq!(store.0.cat(&dag.root).unwrap(), content);
	}

	#[test]
	fn writes_leave_no_temporary_files() {
		let store = TempStore::new("temporaries");
		let content = vec![3u8; CHUNK_SIZE + 1];
		for layout in [Layout::KUBO_V0, Layout::KUBO_V1] {
			store.0.add(&content, layout).unwrap();
			store.0.add(&content, layout).unwrap();
		}
		let dag = crate::add(b"fetched", Layout::KUBO_V1);
		store.0.store_block(&dag.root, &dag.blocks[0].bytes).unwrap();
		assert_eq!(store.0.cat(&dag.root).unwrap(), b"fetched");
		let mut stray = Vec::new();
		let mut dirs = vec![store.0.path().to_path_buf()];
		while let Some(dir) = dirs.pop() {
			for entry in fs::read_dir(dir).unwrap() {
				let path = entry.unwrap().path();
				if path.is_dir() {
					dirs.push(path);
				} else if path.file_name().unwrap().to_string_lossy().starts_with(".tmp-") {
					stray.push(path);
				}
			}
		}
		assert!(stray.is_empty(), "{stray:?}");
	}

	#[test]
	fn temporary_files_are_new_and_distinct() {
		let store = TempStore::new("names");
		let dir = store.0.path().join("blocks");
		let (first, _) = create_temporary(&dir).unwrap();
		let (second, _) = create_temporary(&dir).unwrap();
		assert_ne!(first, second);
		assert!(first.file_name().unwrap().to_string_lossy().starts_with(".tmp-"));
	}
}
