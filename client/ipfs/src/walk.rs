//! Walking a file's DAG in the embedded store, depth first, every block read checked against
//! its CID. One walker serves three readers that must agree on what "the DAG under a CID"
//! is: `gc` (which blocks a pin keeps alive), the gateway's CAR responses (which blocks to
//! send, in the `order=dfs` the response promises) and the Kubo API's streaming `cat`.
//!
//! The walk keeps one block in memory at a time (plus the CIDs still to visit), so a
//! many-GiB file streams in constant memory.

use crate::{
	cid::{Cid, Codec},
	dagpb, BlockStore, StoreError,
};
use std::collections::HashSet;

/// One block reached by the walk. (Without the `serve` feature only `gc` walks, and it needs
/// nothing but the CIDs.)
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub(crate) struct Visit<'a> {
	pub cid: &'a Cid,
	/// The block's bytes; empty for raw leaves when the walk does not read them.
	pub block: &'a [u8],
	/// The UnixFS `Data` of a dag-pb node; `None` for raw blocks.
	pub unixfs: Option<&'a [u8]>,
}

/// How to walk.
#[derive(Clone, Copy)]
pub(crate) struct WalkOptions {
	/// Visit a block that occurs several times in the DAG only the first time (CAR
	/// `dups=n`, gc); a file read needs every occurrence.
	pub dedupe: bool,
	/// Read raw leaves; without it they are only checked to be present (gc needs their
	/// names, not their bytes).
	pub read_raw: bool,
}

/// Why a walk stopped.
#[derive(Debug)]
pub(crate) enum WalkError<E> {
	/// A block is missing, unreadable or does not hash to its CID.
	Store(StoreError),
	/// A dag-pb block that cannot be decoded, or links to a CID this crate cannot name.
	Malformed(Cid, &'static str),
	/// The visitor asked to stop (e.g. the HTTP client went away).
	Visitor(E),
}

impl<E: core::fmt::Display> core::fmt::Display for WalkError<E> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			WalkError::Store(error) => error.fmt(f),
			WalkError::Malformed(cid, why) => write!(f, "block {cid} is malformed: {why}"),
			WalkError::Visitor(error) => error.fmt(f),
		}
	}
}

/// Visits the DAG under `root` in depth-first pre-order (a node before its children, children
/// left to right), the order a CAR with `order=dfs` and a file's bytes both follow.
pub(crate) fn walk<E>(
	store: &BlockStore,
	root: &Cid,
	options: WalkOptions,
	mut visit: impl FnMut(Visit<'_>) -> Result<(), E>,
) -> Result<(), WalkError<E>> {
	let mut seen = HashSet::new();
	let mut stack = vec![*root];
	while let Some(cid) = stack.pop() {
		if options.dedupe && !seen.insert(cid) {
			continue;
		}
		if cid.codec == Codec::Raw && !options.read_raw {
			if !store.has_block(&cid) {
				return Err(WalkError::Store(StoreError::NotFound {
					cid,
					store: store.path().to_path_buf(),
				}));
			}
			visit(Visit { cid: &cid, block: &[], unixfs: None }).map_err(WalkError::Visitor)?;
			continue;
		}
		let block = store.get_block(&cid).map_err(WalkError::Store)?;
		if cid.codec == Codec::Raw {
			visit(Visit { cid: &cid, block: &block, unixfs: None }).map_err(WalkError::Visitor)?;
			continue;
		}
		let node =
			dagpb::decode_node(&block).map_err(|error| WalkError::Malformed(cid, error.0))?;
		visit(Visit { cid: &cid, block: &block, unixfs: Some(&node.data) })
			.map_err(WalkError::Visitor)?;
		for link in node.links.iter().rev() {
			let child = Cid::from_bytes(&link.hash)
				.map_err(|_| WalkError::Malformed(cid, "a link to an unsupported CID"))?;
			stack.push(child);
		}
	}
	Ok(())
}
