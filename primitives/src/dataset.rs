//! Dataset snapshots. Each datanet keeps an append-only log of its accepted submissions in
//! acceptance order and a running head over it:
//!
//! ```text
//! head_0 = [0; 32]
//! head_n = blake2_256(head_{n-1} ‖ SCALE(index, submission id, CID, contributor, weight))
//! ```
//!
//! where `index = n - 1` and `CID` is the canonical binary CID (SCALE: compact length, then
//! bytes). A snapshot `(datanet, n, head_n)` names the first `n` accepted files exactly:
//! anyone holding the log entries can recompute `head_n` and compare.

use crate::Hash32;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The head of an empty log.
pub const EMPTY_HEAD: Hash32 = [0; 32];

/// The first `count` accepted files of a datanet, named by the log head after them.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct Snapshot {
	/// The datanet.
	pub datanet: u32,
	/// How many accepted files, from the start of the log.
	pub count: u32,
	/// `head_count`.
	pub head: Hash32,
}

/// `head_{index + 1}` from `head_index` and the log entry at `index`.
pub fn next_head<AccountId: Encode>(
	previous: &Hash32,
	index: u32,
	submission: u64,
	cid: &[u8],
	contributor: &AccountId,
	weight: u8,
) -> Hash32 {
	let mut preimage = previous.to_vec();
	(index, submission, cid, contributor, weight).encode_to(&mut preimage);
	sp_crypto_hashing::blake2_256(&preimage)
}

/// Where a chain keeps its datanets' accepted logs; pallet-models takes its jobs' snapshots
/// through this.
pub trait DatasetSnapshots {
	/// The datanet's whole log as of now, or `None` for an unknown datanet.
	fn current_snapshot(datanet: u32) -> Option<Snapshot>;
	/// Whether `snapshot` names a prefix of the datanet's log.
	fn is_snapshot(snapshot: &Snapshot) -> bool;
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_field_of_an_entry_moves_the_head() {
		let base = next_head(&EMPTY_HEAD, 0, 1, b"cid", &7u64, 50);
		assert_ne!(base, next_head(&[1; 32], 0, 1, b"cid", &7u64, 50));
		assert_ne!(base, next_head(&EMPTY_HEAD, 1, 1, b"cid", &7u64, 50));
		assert_ne!(base, next_head(&EMPTY_HEAD, 0, 2, b"cid", &7u64, 50));
		assert_ne!(base, next_head(&EMPTY_HEAD, 0, 1, b"cie", &7u64, 50));
		assert_ne!(base, next_head(&EMPTY_HEAD, 0, 1, b"cid", &8u64, 50));
		assert_ne!(base, next_head(&EMPTY_HEAD, 0, 1, b"cid", &7u64, 51));
	}

	#[test]
	fn the_head_is_the_documented_preimage() {
		let mut preimage = EMPTY_HEAD.to_vec();
		preimage.extend_from_slice(&3u32.to_le_bytes());
		preimage.extend_from_slice(&9u64.to_le_bytes());
		preimage.push(3 << 2); // compact length of the CID
		preimage.extend_from_slice(b"cid");
		preimage.extend_from_slice(&7u64.to_le_bytes());
		preimage.push(50);
		assert_eq!(
			next_head(&EMPTY_HEAD, 3, 9, b"cid", &7u64, 50),
			sp_crypto_hashing::blake2_256(&preimage)
		);
	}
}
