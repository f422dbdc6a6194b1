//! Files as Kubo's `ipfs add` imports them: fixed 256 KiB chunks, leaves, and a balanced
//! tree of inner nodes with at most 174 links each, filled left to right.

use crate::{
	cid::{Cid, Codec},
	dagpb,
};

/// Kubo's default chunker: `size-262144`.
pub const CHUNK_SIZE: usize = 256 * 1024;
/// Kubo's balanced layout: links per inner node (8 KiB of links at ~47 bytes each).
pub const MAX_LINKS: usize = 174;

/// How a file becomes a DAG.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Layout {
	pub cid_version: u8,
	/// Leaves as raw blocks (codec raw) rather than UnixFS dag-pb nodes.
	pub raw_leaves: bool,
}

impl Layout {
	/// `ipfs add` with Kubo's defaults.
	pub const KUBO_V0: Layout = Layout { cid_version: 0, raw_leaves: false };
	/// `ipfs add --cid-version=1` (which implies `--raw-leaves`).
	pub const KUBO_V1: Layout = Layout { cid_version: 1, raw_leaves: true };
}

/// One block of a DAG.
pub struct Block {
	pub cid: Cid,
	pub bytes: Vec<u8>,
}

/// A file's DAG: its root CID and every block, leaves first, root last.
pub struct Dag {
	pub root: Cid,
	pub blocks: Vec<Block>,
	/// The layout it was built with, so a store given the DAG can import it the same way.
	pub layout: Layout,
}

/// A built subtree: its CID, the file bytes under it, and the encoded bytes under it
/// (the `Tsize` its parent's link records).
struct Node {
	cid: Cid,
	filesize: u64,
	cumulative: u64,
}

/// Chunks `content` and builds its DAG as `ipfs add` would with `layout`.
pub fn add(content: &[u8], layout: Layout) -> Dag {
	let mut blocks = Vec::new();
	let mut emit = |codec: Codec, bytes: Vec<u8>| -> Cid {
		let cid = Cid::of(layout.cid_version, codec, &bytes);
		blocks.push(Block { cid, bytes });
		cid
	};
	let mut level: Vec<Node> = if content.is_empty() {
		vec![leaf(&[], layout, &mut emit)]
	} else {
		content.chunks(CHUNK_SIZE).map(|chunk| leaf(chunk, layout, &mut emit)).collect()
	};
	while level.len() > 1 {
		level = level.chunks(MAX_LINKS).map(|children| inner(children, &mut emit)).collect();
	}
	let root = level.pop().expect("a file has at least one leaf").cid;
	Dag { root, blocks, layout }
}

fn leaf(chunk: &[u8], layout: Layout, emit: &mut impl FnMut(Codec, Vec<u8>) -> Cid) -> Node {
	let (codec, bytes) = if layout.raw_leaves {
		(Codec::Raw, chunk.to_vec())
	} else {
		(Codec::DagPb, dagpb::node(&[], &dagpb::unixfs_file(chunk, chunk.len() as u64, &[])))
	};
	let cumulative = bytes.len() as u64;
	Node { cid: emit(codec, bytes), filesize: chunk.len() as u64, cumulative }
}

fn inner(children: &[Node], emit: &mut impl FnMut(Codec, Vec<u8>) -> Cid) -> Node {
	let filesize = children.iter().map(|child| child.filesize).sum();
	let blocksizes: Vec<u64> = children.iter().map(|child| child.filesize).collect();
	let links: Vec<dagpb::Link> = children
		.iter()
		.map(|child| dagpb::Link { hash: child.cid.to_bytes(), tsize: child.cumulative })
		.collect();
	let bytes = dagpb::node(&links, &dagpb::unixfs_file(&[], filesize, &blocksizes));
	let cumulative = bytes.len() as u64 + links.iter().map(|link| link.tsize).sum::<u64>();
	Node { cid: emit(Codec::DagPb, bytes), filesize, cumulative }
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn known_kubo_cids() {
		assert_eq!(
			add(b"", Layout::KUBO_V0).root.to_string(),
			"QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
		);
		assert_eq!(
			add(b"hello world\n", Layout::KUBO_V0).root.to_string(),
			"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
		);
	}

	#[test]
	fn v1_single_chunks_are_raw_blocks_of_the_content() {
		let dag = add(b"hello world\n", Layout::KUBO_V1);
		assert_eq!(dag.blocks.len(), 1);
		assert_eq!(dag.root, Cid::of(1, Codec::Raw, b"hello world\n"));
		assert!(dag.root.to_string().starts_with("bafkrei"));
	}

	#[test]
	fn chunks_and_levels_follow_the_balanced_layout() {
		let one_chunk = vec![7u8; CHUNK_SIZE];
		assert_eq!(add(&one_chunk, Layout::KUBO_V1).blocks.len(), 1);
		let two_chunks = vec![7u8; CHUNK_SIZE + 1];
		assert_eq!(add(&two_chunks, Layout::KUBO_V1).blocks.len(), 3);
		// 175 leaves: two inner nodes (174 + 1) under a root.
		let two_levels = vec![7u8; CHUNK_SIZE * MAX_LINKS + 1];
		let dag = add(&two_levels, Layout::KUBO_V0);
		assert_eq!(dag.blocks.len(), MAX_LINKS + 1 + 2 + 1);
		assert_eq!(dag.root.codec, Codec::DagPb);
	}
}
