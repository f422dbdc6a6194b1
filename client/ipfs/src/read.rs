//! Reading a UnixFS file back out of its blocks, checking every block against its CID, so
//! content from any store is the content its CID names.

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
}

impl<E: core::fmt::Display> core::fmt::Display for ReadError<E> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			ReadError::Source(error) => error.fmt(f),
			ReadError::HashMismatch(cid) => write!(f, "block {cid} does not hash to its CID"),
			ReadError::Malformed(cid, why) => write!(f, "block {cid} is malformed: {why}"),
		}
	}
}

impl<E: core::fmt::Debug + core::fmt::Display> std::error::Error for ReadError<E> {}

/// The file under `root`, its blocks taken from `load` and verified one by one.
pub fn read_file<E>(
	root: &Cid,
	mut load: impl FnMut(&Cid) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, ReadError<E>> {
	let mut out = Vec::new();
	append(root, &mut load, &mut out)?;
	Ok(out)
}

/// Appends the file bytes under `cid` to `out` and returns how many there were.
fn append<E>(
	cid: &Cid,
	load: &mut impl FnMut(&Cid) -> Result<Vec<u8>, E>,
	out: &mut Vec<u8>,
) -> Result<u64, ReadError<E>> {
	let block = load(cid).map_err(ReadError::Source)?;
	if !cid.matches(&block) {
		return Err(ReadError::HashMismatch(*cid));
	}
	if cid.codec == Codec::Raw {
		out.extend_from_slice(&block);
		return Ok(block.len() as u64);
	}
	let malformed = |error: dagpb::DecodeError| ReadError::Malformed(*cid, error.0);
	let node = dagpb::decode_node(&block).map_err(malformed)?;
	let file = dagpb::decode_file(&node.data).map_err(malformed)?;
	out.extend_from_slice(&file.data);
	let mut total = file.data.len() as u64;
	for link in &node.links {
		let child = Cid::from_bytes(&link.hash)
			.map_err(|_| ReadError::Malformed(*cid, "a link to an unsupported CID"))?;
		total += append(&child, load, out)?;
	}
	if total != file.filesize {
		return Err(ReadError::Malformed(*cid, "file size differs from its content"));
	}
	Ok(total)
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
}
