//! Reading a UnixFS file back out of its blocks, checking every block against its CID, so
//! content from any store is the content its CID names.
//!
//! The walk is a state machine (`FileWalk`: which block next, then feed it) rather than a
//! recursive function over a loader, so the same verified walk serves the local store
//! (synchronous) and gateways and Kubo (asynchronous, fallible, one request per block),
//! and so a caller can bound what it reads before it reads it: the walk says how many
//! bytes the next block may have, given the size bound and the verified nodes above it.

use crate::{
	cid::{Cid, Codec},
	dagpb,
};

/// Why a file could not be read back.
#[derive(Debug)]
pub enum ReadError<E> {
	/// The block source failed, or lacks a block.
	Source(E),
	/// A block's bytes do not hash to the CID that links to it.
	HashMismatch(Cid),
	/// A block is not a UnixFS file node, or its sizes disagree with its children.
	Malformed(Cid, &'static str),
	/// Verified blocks hold more than the bound the reader set.
	TooLarge { max_bytes: u64 },
}

impl<E: core::fmt::Display> core::fmt::Display for ReadError<E> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			ReadError::Source(error) => error.fmt(f),
			ReadError::HashMismatch(cid) => write!(f, "block {cid} does not hash to its CID"),
			ReadError::Malformed(cid, why) => write!(f, "block {cid} is malformed: {why}"),
			ReadError::TooLarge { max_bytes } => {
				write!(f, "the file is larger than {max_bytes} bytes")
			},
		}
	}
}

impl<E: core::fmt::Debug + core::fmt::Display> std::error::Error for ReadError<E> {}

/// The file under `root`, its blocks taken from `load` and verified one by one.
pub fn read_file<E>(
	root: &Cid,
	mut load: impl FnMut(&Cid) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, ReadError<E>> {
	let mut walk = FileWalk::new(*root, u64::MAX);
	while let Some(cid) = walk.next().map_err(ReadError::from_walk)? {
		let block = load(&cid).map_err(ReadError::Source)?;
		walk.feed(&block).map_err(ReadError::from_walk)?;
	}
	Ok(walk.into_content())
}

impl<E> ReadError<E> {
	fn from_walk(error: FileWalkError) -> ReadError<E> {
		match error {
			FileWalkError::HashMismatch(cid) => ReadError::HashMismatch(cid),
			FileWalkError::Malformed(cid, why) => ReadError::Malformed(cid, why),
			FileWalkError::TooLarge { max_bytes } => ReadError::TooLarge { max_bytes },
		}
	}
}

/// What stops a walk; every case is a property of verified blocks (a fact about the CID),
/// except `HashMismatch`, which is a fault of whoever served the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileWalkError {
	HashMismatch(Cid),
	Malformed(Cid, &'static str),
	TooLarge { max_bytes: u64 },
}

/// A node whose children are being read: the walk checks, when the last one is done, that
/// they held exactly the file size the node declares.
struct Frame {
	cid: Cid,
	/// `out.len()` when the node's own data began.
	start: u64,
	filesize: u64,
	children: Vec<Cid>,
	next: usize,
}

/// A depth-first, verified walk of a UnixFS file DAG with a bound on its size.
///
/// Besides the file bytes (at most `max_bytes`), a walk accepts a bounded amount of DAG
/// structure (dag-pb framing and links: `STRUCTURE_SLACK` + `max_bytes` / 64, against about
/// 0.02 % in Kubo's layout), so a DAG of endless empty nodes cannot keep a reader fetching.
pub(crate) struct FileWalk {
	max_bytes: u64,
	structure_left: u64,
	out: Vec<u8>,
	stack: Vec<Frame>,
	/// The root, until it is asked for.
	root: Option<Cid>,
	/// The block `next` named, until it is fed.
	wanted: Option<Cid>,
}

/// Structure bytes every walk may read whatever its bound (a root over 174 links is ~8 KiB).
const STRUCTURE_SLACK: u64 = 64 * 1024;

impl FileWalk {
	pub(crate) fn new(root: Cid, max_bytes: u64) -> FileWalk {
		FileWalk {
			max_bytes,
			structure_left: STRUCTURE_SLACK.saturating_add(max_bytes / 64),
			out: Vec::new(),
			stack: Vec::new(),
			root: Some(root),
			wanted: None,
		}
	}

	/// The next block to feed, or `None` once the file is complete (then `into_content`).
	pub(crate) fn next(&mut self) -> Result<Option<Cid>, FileWalkError> {
		if let Some(cid) = self.wanted {
			return Ok(Some(cid));
		}
		if let Some(root) = self.root.take() {
			self.wanted = Some(root);
			return Ok(Some(root));
		}
		while let Some(frame) = self.stack.last_mut() {
			if let Some(&child) = frame.children.get(frame.next) {
				frame.next += 1;
				self.wanted = Some(child);
				return Ok(Some(child));
			}
			if self.out.len() as u64 - frame.start != frame.filesize {
				return Err(FileWalkError::Malformed(
					frame.cid,
					"file size differs from its content",
				));
			}
			self.stack.pop();
		}
		Ok(None)
	}

	/// File bytes the block `next` named may still add: what the verified node above it
	/// leaves, or what the bound leaves for the root.
	fn file_room(&self) -> u64 {
		let left = self.max_bytes - self.out.len() as u64;
		match self.stack.last() {
			Some(parent) => (parent.start + parent.filesize - self.out.len() as u64).min(left),
			None => left,
		}
	}

	/// The most bytes the block `next` named can have and still fit: a source that serves
	/// more for it serves a block this walk would refuse, so a reader may stop there.
	#[cfg_attr(not(feature = "gateway"), allow(dead_code))]
	pub(crate) fn allowance(&self) -> u64 {
		match self.wanted {
			Some(cid) if cid.codec == Codec::Raw => self.file_room(),
			_ => self.file_room().saturating_add(self.structure_left),
		}
	}

	/// Whether the block `next` named is the root: more bytes than `allowance` for it mean
	/// the file is too large (if the source is honest), for any other block that the
	/// source or the DAG is at fault.
	#[cfg_attr(not(feature = "gateway"), allow(dead_code))]
	pub(crate) fn at_root(&self) -> bool {
		self.stack.is_empty()
	}

	/// Verifies the block `next` named and takes its data and links.
	pub(crate) fn feed(&mut self, block: &[u8]) -> Result<(), FileWalkError> {
		let cid = self.wanted.take().expect("feed follows a next that named a block");
		if !cid.matches(block) {
			// Asked again: another source may serve it.
			self.wanted = Some(cid);
			return Err(FileWalkError::HashMismatch(cid));
		}
		let too_large = FileWalkError::TooLarge { max_bytes: self.max_bytes };
		let left = self.max_bytes - self.out.len() as u64;
		if cid.codec == Codec::Raw {
			if block.len() as u64 > left {
				return Err(too_large);
			}
			if block.len() as u64 > self.file_room() {
				return Err(FileWalkError::Malformed(cid, "a leaf larger than its parent says"));
			}
			self.out.extend_from_slice(block);
			return Ok(());
		}
		let malformed = |error: dagpb::DecodeError| FileWalkError::Malformed(cid, error.0);
		let node = dagpb::decode_node(block).map_err(malformed)?;
		let file = dagpb::decode_file(&node.data).map_err(malformed)?;
		let structure = (block.len() - file.data.len()) as u64;
		if structure > self.structure_left {
			return Err(FileWalkError::Malformed(
				cid,
				"more DAG structure than a file of its size",
			));
		}
		self.structure_left -= structure;
		if file.filesize > left {
			return Err(too_large);
		}
		if file.filesize > self.file_room() {
			return Err(FileWalkError::Malformed(cid, "a node larger than its parent says"));
		}
		if file.data.len() as u64 > file.filesize {
			return Err(FileWalkError::Malformed(cid, "file size differs from its content"));
		}
		let children = node
			.links
			.iter()
			.map(|link| Cid::from_bytes(&link.hash))
			.collect::<Result<Vec<_>, _>>()
			.map_err(|_| FileWalkError::Malformed(cid, "a link to an unsupported CID"))?;
		let start = self.out.len() as u64;
		self.out.extend_from_slice(&file.data);
		self.stack.push(Frame { cid, start, filesize: file.filesize, children, next: 0 });
		Ok(())
	}

	/// The file, once `next` has returned `None`.
	pub(crate) fn into_content(self) -> Vec<u8> {
		debug_assert!(self.stack.is_empty() && self.root.is_none() && self.wanted.is_none());
		self.out
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{add, Layout, CHUNK_SIZE, MAX_LINKS};
	use std::collections::HashMap;

	fn blocks_of(dag: &crate::Dag) -> HashMap<[u8; 32], Vec<u8>> {
		dag.blocks.iter().map(|block| (block.cid.sha256, block.bytes.clone())).collect()
	}

	fn read(root: &Cid, blocks: &HashMap<[u8; 32], Vec<u8>>) -> Result<Vec<u8>, ReadError<String>> {
		read_file(root, |cid| blocks.get(&cid.sha256).cloned().ok_or(format!("no block {cid}")))
	}

	#[test]
	fn files_read_back_in_both_layouts() {
		let sizes = [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, CHUNK_SIZE * MAX_LINKS + 7];
		for layout in [Layout::KUBO_V0, Layout::KUBO_V1] {
			for size in sizes {
				let content: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
				let dag = add(&content, layout);
				assert_eq!(
					read(&dag.root, &blocks_of(&dag)).unwrap(),
					content,
					"{size} {layout:?}"
				);
			}
		}
	}

	#[test]
	fn a_tampered_or_missing_block_is_reported() {
		let content = vec![5u8; CHUNK_SIZE * 2];
		let dag = add(&content, Layout::KUBO_V1);
		let mut blocks = blocks_of(&dag);
		let leaf = dag.blocks[0].cid;
		blocks.get_mut(&leaf.sha256).unwrap()[0] ^= 1;
		assert!(
			matches!(read(&dag.root, &blocks), Err(ReadError::HashMismatch(cid)) if cid == leaf)
		);
		blocks.remove(&leaf.sha256);
		assert!(matches!(read(&dag.root, &blocks), Err(ReadError::Source(_))));
	}

	/// Walks `dag` with `max_bytes`, recording the allowance of every block asked for.
	fn walk(dag: &crate::Dag, max_bytes: u64) -> (Result<Vec<u8>, FileWalkError>, Vec<u64>) {
		let blocks = blocks_of(dag);
		let mut walk = FileWalk::new(dag.root, max_bytes);
		let mut allowances = Vec::new();
		loop {
			match walk.next() {
				Ok(Some(cid)) => {
					allowances.push(walk.allowance());
					if let Err(error) = walk.feed(&blocks[&cid.sha256]) {
						return (Err(error), allowances);
					}
				},
				Ok(None) => return (Ok(walk.into_content()), allowances),
				Err(error) => return (Err(error), allowances),
			}
		}
	}

	#[test]
	fn a_bound_stops_the_walk_at_the_first_node_that_declares_more() {
		let content: Vec<u8> = (0..CHUNK_SIZE * 3).map(|i| (i % 7) as u8).collect();
		for layout in [Layout::KUBO_V0, Layout::KUBO_V1] {
			let dag = add(&content, layout);
			let size = content.len() as u64;
			assert_eq!(walk(&dag, size).0.unwrap(), content);
			assert_eq!(walk(&dag, size + 1).0.unwrap(), content);
			// Only the root is read: it declares the size.
			let (result, asked) = walk(&dag, size - 1);
			assert_eq!(result, Err(FileWalkError::TooLarge { max_bytes: size - 1 }));
			assert_eq!(asked.len(), 1, "{layout:?}");
		}
	}

	#[test]
	fn raw_leaves_may_have_only_what_their_parent_leaves() {
		let content = vec![9u8; CHUNK_SIZE * 2 + 10];
		let dag = add(&content, Layout::KUBO_V1);
		let (result, allowances) = walk(&dag, content.len() as u64 + 1);
		assert_eq!(result.unwrap(), content);
		// The root (structure allowed too), then each leaf: what the root's size leaves.
		assert!(allowances[0] > content.len() as u64);
		assert_eq!(allowances[1..], [content.len() as u64, CHUNK_SIZE as u64 + 10, 10]);
		// A single-block file: its root is the raw leaf, bounded by `max_bytes` alone.
		let small = add(b"0123456789", Layout::KUBO_V1);
		let (result, allowances) = walk(&small, 5);
		assert_eq!(allowances, [5]);
		assert_eq!(result, Err(FileWalkError::TooLarge { max_bytes: 5 }));
	}

	#[test]
	fn a_dag_of_endless_structure_is_refused() {
		// An empty file whose root links the empty leaf 5000 times: every size checks out,
		// but a reader would fetch 5000 blocks (or 5000 levels) for nothing.
		let empty = crate::Cid::of(1, Codec::Raw, b"");
		let links: Vec<dagpb::Link> =
			(0..5000).map(|_| dagpb::Link { hash: empty.to_bytes(), tsize: 0 }).collect();
		let root_block = dagpb::node(&links, &dagpb::unixfs_file(&[], 0, &[0; 5000]));
		let root = crate::Cid::of(1, Codec::DagPb, &root_block);
		let mut walk = FileWalk::new(root, 1);
		assert_eq!(walk.next(), Ok(Some(root)));
		assert!(
			matches!(walk.feed(&root_block), Err(FileWalkError::Malformed(cid, _)) if cid == root)
		);
		// Unbounded (`read_file`), it is read: the limit scales with the bound.
		let blocks: HashMap<[u8; 32], Vec<u8>> =
			[(root.sha256, root_block), (empty.sha256, Vec::new())].into();
		assert_eq!(read(&root, &blocks).unwrap(), b"");
	}

	#[test]
	fn a_wrong_block_can_be_replaced_by_the_right_one() {
		let dag = add(&vec![1u8; CHUNK_SIZE + 1], Layout::KUBO_V1);
		let blocks = blocks_of(&dag);
		let mut walk = FileWalk::new(dag.root, u64::MAX);
		let root = walk.next().unwrap().unwrap();
		assert_eq!(walk.feed(b"lies"), Err(FileWalkError::HashMismatch(root)));
		assert_eq!(walk.next(), Ok(Some(root)), "the same block is asked for again");
		walk.feed(&blocks[&root.sha256]).unwrap();
	}
}
