//! Commit–reveal: a party first commits `commitment(payload, salt, party)`, then, once
//! nothing more can be committed, reveals `payload` and `salt`.
//!
//! - The payload stays hidden while others still commit, so it cannot be copied.
//! - The committer's account is inside the hash: a copied commitment cannot be revealed by
//!   the copier.
//! - The salt (32 random bytes, kept by the committer) stops anyone from guessing a payload
//!   drawn from a small set (approve or reject) by hashing every candidate.

use crate::Hash32;
use codec::Encode;

/// `blake2_256(SCALE(payload, salt, party))`.
///
/// A tuple payload encodes as its fields one after the other, so `commitment(&(a, b), ..)`
/// is `blake2_256(SCALE(a, b, salt, party))`.
pub fn commitment<Payload: Encode, Party: Encode>(
	payload: &Payload,
	salt: &[u8; 32],
	party: &Party,
) -> Hash32 {
	sp_crypto_hashing::blake2_256(&(payload, salt, party).encode())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_tuple_payload_hashes_as_its_fields() {
		let salt = [7u8; 32];
		let flat = sp_crypto_hashing::blake2_256(&(5u64, true, 80u8, salt, 9u64).encode());
		assert_eq!(commitment(&(5u64, true, 80u8), &salt, &9u64), flat);
	}

	#[test]
	fn party_salt_and_payload_all_bind() {
		let salt = [7u8; 32];
		let base = commitment(&1u32, &salt, &1u64);
		assert_ne!(base, commitment(&2u32, &salt, &1u64));
		assert_ne!(base, commitment(&1u32, &[8u8; 32], &1u64));
		assert_ne!(base, commitment(&1u32, &salt, &2u64));
	}
}
