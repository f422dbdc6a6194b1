//! Attribution tables: how a model's credit is split between the contributors of the data it
//! was trained on, and the Merkle root that an attestation carries for it.
//!
//! A table is a list of `(contributor, parts)` rows sorted strictly by account, with `parts`
//! in parts per billion (none zero) summing to exactly [`PARTS_PER_WHOLE`]. Its root is a
//! binary Merkle tree (polkadot-sdk's `binary-merkle-tree`, blake2-256) over the rows in that
//! order, so a contributor proves its row with a log-sized proof and the chain stores 32 bytes
//! per model.
//!
//! Row `i`'s leaf is `SCALE(i as u32, contributor, parts)` and its node in the tree is
//! `blake2_256(blake2_256(leaf))`:
//! - the index in the leaf makes a row prove at its own index only (the tree's verifier alone
//!   lets a row also prove at other indices, with another leaf count or through an odd last
//!   node's promotion), so a claim keyed by index cannot be made twice;
//! - hashing twice makes a node's preimage 32 bytes and an inner node's 64, whatever the
//!   account type, so an inner node never passes for a row.

use crate::Hash32;
use alloc::vec::Vec;
use codec::Encode;

/// What a table's parts sum to.
pub const PARTS_PER_WHOLE: u32 = 1_000_000_000;

/// blake2-256 as the tree's hasher.
pub struct Blake2Hasher;

/// `core::hash::Hasher` for `Blake2Hasher`'s outputs in hash maps: the first eight bytes.
#[derive(Default)]
pub struct FirstBytesHasher(u64);

impl core::hash::Hasher for FirstBytesHasher {
	fn finish(&self) -> u64 {
		self.0
	}

	fn write(&mut self, bytes: &[u8]) {
		for &byte in bytes.iter().take(8) {
			self.0 = (self.0 << 8) | u64::from(byte);
		}
	}
}

impl hash_db::Hasher for Blake2Hasher {
	type Out = Hash32;
	type StdHasher = FirstBytesHasher;
	const LENGTH: usize = 32;

	fn hash(bytes: &[u8]) -> Hash32 {
		sp_crypto_hashing::blake2_256(bytes)
	}
}

/// Why a table cannot be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
	/// No row has a positive weight: there is nothing to split.
	Empty,
	/// Rows are not sorted strictly by account (or an account appears twice).
	NotSorted,
	/// The parts do not sum to `PARTS_PER_WHOLE`.
	BadSum,
	/// A weight is too large to scale to parts per billion.
	Overflow,
	/// A row has zero parts: such an account has no row, so that one split has one root.
	ZeroParts,
}

/// Row `index`'s leaf: SCALE of `(index, contributor, parts)`.
pub fn leaf<AccountId: Encode>(index: u32, contributor: &AccountId, parts: u32) -> Vec<u8> {
	(index, contributor, parts).encode()
}

/// Row `index`'s node in the tree: the leaf hashed twice.
pub fn leaf_node<AccountId: Encode>(index: u32, contributor: &AccountId, parts: u32) -> Hash32 {
	let hash = <Blake2Hasher as hash_db::Hasher>::hash;
	hash(&hash(&leaf(index, contributor, parts)))
}

fn nodes<AccountId: Encode>(rows: &[(AccountId, u32)]) -> Vec<Hash32> {
	rows.iter()
		.enumerate()
		.map(|(index, (account, parts))| leaf_node(index as u32, account, *parts))
		.collect()
}

/// Splits `PARTS_PER_WHOLE` in proportion to `weights` (an account may appear several times:
/// its weights add up). Each account gets ⌊w·10⁹/W⌋ and the parts left by the floors go one
/// each to the largest remainders, ties to the smaller account, so the sum is exact and the
/// result depends only on the weights. Accounts with zero weight, or whose share rounds to
/// zero parts, get no row. Sorted by account.
pub fn parts_per_billion<AccountId: Ord + Clone>(
	weights: impl IntoIterator<Item = (AccountId, u128)>,
) -> Result<Vec<(AccountId, u32)>, TableError> {
	let mut merged: Vec<(AccountId, u128)> = Vec::new();
	let mut sorted: Vec<(AccountId, u128)> = weights.into_iter().filter(|(_, w)| *w > 0).collect();
	sorted.sort_by(|a, b| a.0.cmp(&b.0));
	for (account, weight) in sorted {
		match merged.last_mut() {
			Some((last, total)) if *last == account => {
				*total = total.checked_add(weight).ok_or(TableError::Overflow)?
			},
			_ => merged.push((account, weight)),
		}
	}
	let total = merged
		.iter()
		.try_fold(0u128, |sum, (_, w)| sum.checked_add(*w))
		.ok_or(TableError::Overflow)?;
	if total == 0 {
		return Err(TableError::Empty);
	}
	let whole = u128::from(PARTS_PER_WHOLE);
	let mut rows = Vec::with_capacity(merged.len());
	let mut remainders = Vec::with_capacity(merged.len());
	let mut given = 0u128;
	for (index, (account, weight)) in merged.iter().enumerate() {
		let scaled = weight.checked_mul(whole).ok_or(TableError::Overflow)?;
		let parts = scaled / total;
		given += parts;
		rows.push((account.clone(), parts as u32));
		remainders.push((scaled % total, index));
	}
	// Largest remainder first; equal remainders in account order (the index is that order).
	remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
	let left = (whole - given) as usize;
	for &(_, index) in remainders.iter().take(left) {
		rows[index].1 += 1;
	}
	rows.retain(|(_, parts)| *parts > 0);
	Ok(rows)
}

/// Checks that `rows` are a table: sorted strictly by account, no row of zero parts, parts
/// summing to the whole.
pub fn check<AccountId: Ord>(rows: &[(AccountId, u32)]) -> Result<(), TableError> {
	if rows.is_empty() {
		return Err(TableError::Empty);
	}
	if rows.len() > u32::MAX as usize {
		return Err(TableError::Overflow);
	}
	if rows.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
		return Err(TableError::NotSorted);
	}
	if rows.iter().any(|(_, parts)| *parts == 0) {
		return Err(TableError::ZeroParts);
	}
	let sum: u64 = rows.iter().map(|(_, parts)| u64::from(*parts)).sum();
	if sum != u64::from(PARTS_PER_WHOLE) {
		return Err(TableError::BadSum);
	}
	Ok(())
}

/// The table's root, after [`check`].
pub fn root<AccountId: Encode + Ord>(rows: &[(AccountId, u32)]) -> Result<Hash32, TableError> {
	check(rows)?;
	Ok(rows_root(rows))
}

/// The Merkle root of any rows, table or not. The chain sees only a root, so claims must
/// hold up against roots of rows that are not tables (unsorted, repeated, summing to more
/// than the whole): tests build those with this.
pub fn rows_root<AccountId: Encode>(rows: &[(AccountId, u32)]) -> Hash32 {
	binary_merkle_tree::merkle_root_raw::<Blake2Hasher, _>(nodes(rows))
}

/// What proves one row against a root.
#[derive(Clone, Debug, PartialEq, Eq, Encode, codec::Decode, scale_info::TypeInfo)]
pub struct Proof {
	/// Sibling hashes from the leaf up (neither the leaf nor the root).
	pub siblings: Vec<Hash32>,
	/// Rows in the table.
	pub leaves: u32,
	/// The row's position.
	pub index: u32,
}

/// The proof of row `index` (None past the end).
pub fn proof<AccountId: Encode>(rows: &[(AccountId, u32)], index: usize) -> Option<Proof> {
	if index >= rows.len() || rows.len() > u32::MAX as usize {
		return None;
	}
	let made = binary_merkle_tree::merkle_proof_raw::<Blake2Hasher, _>(nodes(rows), index as u32);
	Some(Proof { siblings: made.proof, leaves: made.number_of_leaves, index: made.leaf_index })
}

/// Whether `(contributor, parts)` is row `proof.index` of the table with `root`. A row
/// proves at its own index only; `proof.leaves` is not bound (it only steers the walk).
pub fn verify<AccountId: Encode>(
	root: &Hash32,
	contributor: &AccountId,
	parts: u32,
	proof: &Proof,
) -> bool {
	binary_merkle_tree::verify_proof::<Blake2Hasher, _, _>(
		root,
		proof.siblings.iter().copied(),
		proof.leaves,
		proof.index,
		binary_merkle_tree::Leaf::Hash(leaf_node(proof.index, contributor, parts)),
	)
}

/// The root that `proof` leads to from row `(index, contributor, parts)`: the walk of
/// [`verify`], returning the root instead of comparing it. The benchmarks use it to make a
/// model whose root a proof of the greatest length proves (a real table that deep would
/// have 2³² rows); `verify` itself stays `binary-merkle-tree`'s.
pub fn root_from_proof<AccountId: Encode>(
	contributor: &AccountId,
	parts: u32,
	proof: &Proof,
) -> Hash32 {
	let (mut position, mut width) = (proof.index, proof.leaves);
	proof.siblings.iter().fold(leaf_node(proof.index, contributor, parts), |node, sibling| {
		let mut pair = [0u8; 64];
		let (left, right) = if position % 2 == 1 || position + 1 == width {
			(sibling, &node)
		} else {
			(&node, sibling)
		};
		pair[..32].copy_from_slice(left);
		pair[32..].copy_from_slice(right);
		position /= 2;
		width = (width - 1) / 2 + 1;
		sp_crypto_hashing::blake2_256(&pair)
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_root_a_proof_leads_to_is_the_tables_and_verifies() {
		for size in [1usize, 2, 3, 5, 8, 13] {
			let rows: Vec<(u8, u32)> = (0..size as u8).map(|i| (i, 1 + u32::from(i))).collect();
			let root = rows_root(&rows);
			for (index, (who, parts)) in rows.iter().enumerate() {
				let proof = proof(&rows, index).unwrap();
				assert_eq!(root_from_proof(who, *parts, &proof), root, "{size} rows, row {index}");
			}
		}
		// A made-up path of the greatest length verifies against the root it leads to.
		let deep = Proof { siblings: vec![[9; 32]; 32], leaves: u32::MAX, index: 12_345 };
		let root = root_from_proof(&7u8, 5, &deep);
		assert!(verify(&root, &7u8, 5, &deep));
		assert!(!verify(&root, &7u8, 6, &deep));
	}

	#[test]
	fn parts_sum_to_a_billion_and_remainders_go_to_the_largest() {
		// 1:1:1 leaves one part over; it goes to the smallest account (equal remainders).
		let rows = parts_per_billion([(3u8, 1), (1, 1), (2, 1)]).unwrap();
		assert_eq!(rows, vec![(1, 333_333_334), (2, 333_333_333), (3, 333_333_333)]);
		// Repeated accounts add up; zero weights get no row.
		let rows = parts_per_billion([(5u8, 2), (9, 0), (7, 1), (5, 1)]).unwrap();
		assert_eq!(rows, vec![(5, 750_000_000), (7, 250_000_000)]);
		check(&rows).unwrap();
		// The larger remainder wins the spare part: 2/3 → .666…67, 1/3 → .333…33.
		let rows = parts_per_billion([(1u8, 2), (2, 1)]).unwrap();
		assert_eq!(rows, vec![(1, 666_666_667), (2, 333_333_333)]);
		assert_eq!(parts_per_billion::<u8>([(1, 0)]), Err(TableError::Empty));
		assert_eq!(parts_per_billion([(1u8, u128::MAX)]), Err(TableError::Overflow));
	}

	#[test]
	fn a_share_too_small_for_one_part_gets_no_row() {
		let rows = parts_per_billion([(1u8, 1), (2, 10_000_000_000)]).unwrap();
		assert_eq!(rows, vec![(2, PARTS_PER_WHOLE)]);
	}

	#[test]
	fn every_row_proves_against_the_root_and_nothing_else_does() {
		let rows: Vec<([u8; 32], u32)> =
			parts_per_billion((1..=7u8).map(|i| ([i; 32], i as u128))).unwrap();
		let root = root(&rows).unwrap();
		for (index, (account, parts)) in rows.iter().enumerate() {
			let proof = proof(&rows, index).unwrap();
			assert!(verify(&root, account, *parts, &proof));
			assert!(!verify(&root, account, parts + 1, &proof), "inflated parts");
			assert!(!verify(&root, &[99u8; 32], *parts, &proof), "foreign account");
		}
		let first = proof(&rows, 0).unwrap();
		assert!(!verify(&root, &rows[1].0, rows[1].1, &first), "another row's proof");
		assert!(proof(&rows, rows.len()).is_none());
	}

	#[test]
	fn the_root_sees_every_row_and_refuses_bad_tables() {
		let rows = vec![([1u8; 32], 400_000_000u32), ([2u8; 32], 600_000_000)];
		let base = root(&rows).unwrap();
		let moved = vec![([1u8; 32], 400_000_001u32), ([2u8; 32], 599_999_999)];
		assert_ne!(base, root(&moved).unwrap());
		let swapped = vec![([2u8; 32], 600_000_000u32), ([1u8; 32], 400_000_000)];
		assert_eq!(root(&swapped), Err(TableError::NotSorted));
		let short = vec![([1u8; 32], 1u32)];
		assert_eq!(root(&short), Err(TableError::BadSum));
		assert_eq!(root::<[u8; 32]>(&[]), Err(TableError::Empty));
	}
}

/// Red team: attacks on the table and its tree, each a test that fails if the attack works.
#[cfg(test)]
mod red_team {
	use super::*;
	use codec::Decode;

	/// splitmix64: enough randomness for property tests without a dependency.
	struct Rng(u64);

	impl Rng {
		fn next(&mut self) -> u64 {
			self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
			let mut z = self.0;
			z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
			z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
			z ^ (z >> 31)
		}

		fn below(&mut self, n: u64) -> u64 {
			self.next() % n
		}

		/// A weight from zero to near the largest that still scales (2⁹⁶).
		fn weight(&mut self) -> u128 {
			match self.below(6) {
				0 => 0,
				1 => u128::from(self.below(3)),
				2 => u128::from(self.below(1_000)),
				3 => u128::from(self.next()),
				4 => (u128::from(self.next()) << 32) | u128::from(self.next() >> 32),
				_ => 1u128 << self.below(97),
			}
		}
	}

	fn merged(weights: &[(u16, u128)]) -> Vec<(u16, u128)> {
		let mut merged: Vec<(u16, u128)> = Vec::new();
		let mut sorted: Vec<_> = weights.iter().copied().filter(|(_, w)| *w > 0).collect();
		sorted.sort();
		for (account, weight) in sorted {
			match merged.last_mut() {
				Some((last, total)) if *last == account => *total += weight,
				_ => merged.push((account, weight)),
			}
		}
		merged
	}

	/// Attack: rounding. Every account must get the floor or the floor plus one of its exact
	/// share, the extra parts going to the largest remainders (ties: smaller account), the sum
	/// being exactly 10⁹: nobody gains from the rounding more than one part.
	#[test]
	fn every_share_is_its_floor_or_one_more_and_the_parts_sum_to_a_billion() {
		let mut rng = Rng(7);
		for _ in 0..3_000 {
			let n = 1 + rng.below(40) as usize;
			let weights: Vec<(u16, u128)> =
				(0..n).map(|_| (rng.below(24) as u16, rng.weight())).collect();
			let merged = merged(&weights);
			let total: u128 = merged.iter().map(|(_, w)| w).sum();
			let Ok(rows) = parts_per_billion(weights.clone()) else {
				assert_eq!(total, 0, "{weights:?}");
				continue;
			};
			check(&rows).expect("a table");
			let whole = u128::from(PARTS_PER_WHOLE);
			let mut extra = Vec::new();
			for &(account, weight) in &merged {
				let (floor, remainder) = (weight * whole / total, weight * whole % total);
				let parts = rows
					.iter()
					.find(|(a, _)| *a == account)
					.map_or(0, |(_, parts)| u128::from(*parts));
				assert!(parts == floor || parts == floor + 1, "{account}: {parts} vs {floor}");
				extra.push((remainder, account, parts == floor + 1));
			}
			// Largest remainder first, ties by account: every +1 outranks every non-+1.
			for &(r1, a1, got1) in &extra {
				for &(r2, a2, got2) in &extra {
					if got1 && !got2 {
						assert!(r1 > r2 || (r1 == r2 && a1 < a2), "{extra:?}");
					}
				}
			}
		}
	}

	/// Attack: sybils. A contributor splits its weight across m accounts to collect rounding
	/// parts. The gain is at most m parts of 10⁹ (each sybil needs its own accepted file,
	/// with its deposit and fee): it costs more than it earns.
	#[test]
	fn splitting_a_contributor_into_sybils_gains_at_most_one_part_each() {
		let mut rng = Rng(11);
		for _ in 0..2_000 {
			let honest: Vec<(u16, u128)> =
				(0..1 + rng.below(6)).map(|i| (i as u16, 1 + rng.weight())).collect();
			let whole_weight = 1 + rng.weight();
			let m = 2 + rng.below(30) as usize;
			// The attacker's weight split into m random positive pieces (accounts 1000…).
			let mut cuts: Vec<u128> = (0..m - 1)
				.map(|_| if whole_weight > 1 { 1 + (rng.weight() % (whole_weight - 1)) } else { 0 })
				.collect();
			cuts.push(0);
			cuts.push(whole_weight);
			cuts.sort();
			let pieces: Vec<(u16, u128)> = cuts
				.windows(2)
				.enumerate()
				.map(|(i, pair)| (1000 + i as u16, pair[1] - pair[0]))
				.collect();
			let sybils = pieces.iter().filter(|(_, w)| *w > 0).count() as u64;
			let single = parts_per_billion(honest.iter().copied().chain([(1000, whole_weight)]))
				.unwrap()
				.iter()
				.filter(|(a, _)| *a >= 1000)
				.map(|(_, p)| u64::from(*p))
				.sum::<u64>();
			let split = parts_per_billion(honest.iter().copied().chain(pieces.iter().copied()))
				.unwrap()
				.iter()
				.filter(|(a, _)| *a >= 1000)
				.map(|(_, p)| u64::from(*p))
				.sum::<u64>();
			assert!(split <= single + sybils, "{sybils} sybils: {split} vs {single}");
		}
	}

	/// Attack: a different table with the same credit. The table (and its root) must depend
	/// only on each account's total weight: not on the order rows come in, nor on how an
	/// account's weight is spread over its files.
	#[test]
	fn the_table_depends_only_on_each_accounts_total_weight() {
		let mut rng = Rng(13);
		for _ in 0..500 {
			let weights: Vec<([u8; 32], u128)> = (0..1 + rng.below(20))
				.map(|_| ([rng.below(8) as u8; 32], 1 + u128::from(rng.below(1 << 40))))
				.collect();
			let base = parts_per_billion(weights.clone()).unwrap();
			let mut shuffled = weights.clone();
			for i in (1..shuffled.len()).rev() {
				shuffled.swap(i, rng.below(i as u64 + 1) as usize);
			}
			// Split each weight in two rows of the same account.
			let split: Vec<_> = shuffled
				.iter()
				.flat_map(|&(a, w)| {
					let cut = w / 2;
					[(a, cut), (a, w - cut)]
				})
				.collect();
			assert_eq!(parts_per_billion(split).unwrap(), base);
			assert_eq!(root(&parts_per_billion(shuffled).unwrap()), root(&base));
		}
	}

	fn table(n: usize) -> Vec<([u8; 32], u32)> {
		let mut rows: Vec<([u8; 32], u32)> =
			parts_per_billion((0..n).map(|i| ([i as u8 + 1; 32], 1 + i as u128))).unwrap();
		rows.sort();
		rows
	}

	/// Every sibling list an attacker could reuse: each row's proof, its prefixes and the
	/// proof with one more hash.
	fn sibling_lists(rows: &[([u8; 32], u32)], root: &Hash32) -> Vec<Vec<Hash32>> {
		let mut lists = vec![Vec::new()];
		for index in 0..rows.len() {
			let siblings = proof(rows, index).unwrap().siblings;
			for cut in 0..=siblings.len() {
				lists.push(siblings[..cut].to_vec());
			}
			let mut longer = siblings.clone();
			longer.push(*root);
			lists.push(longer);
		}
		lists
	}

	/// Attack: claiming one row twice. A claim keyed by the proven index must name one row
	/// once: a row must not prove at an index other than its own (with another leaf count,
	/// or through the promotion of an odd last node, e.g. row 2 of 3 "at index 1").
	#[test]
	fn a_row_proves_only_at_its_own_index() {
		for n in 1..=9 {
			let rows = table(n);
			let root = root(&rows).unwrap();
			let lists = sibling_lists(&rows, &root);
			for (index, (account, parts)) in rows.iter().enumerate() {
				for siblings in &lists {
					for leaves in 1..=n as u32 + 3 {
						for at in 0..leaves {
							let claim = Proof { siblings: siblings.clone(), leaves, index: at };
							if verify(&root, account, *parts, &claim) {
								assert_eq!(
									at as usize, index,
									"row {index} of {n} also proves at {at} of {leaves}"
								);
							}
						}
					}
				}
			}
		}
	}

	/// Attack: a row that is not in the table (another account, other parts, a row of another
	/// table) with any proof an attacker can assemble from the table's own.
	#[test]
	fn a_row_not_in_the_table_has_no_proof() {
		for n in 1..=9 {
			let rows = table(n);
			let other = root(&table(n + 1)).unwrap();
			let root = root(&rows).unwrap();
			let lists = sibling_lists(&rows, &root);
			let mut foreign = vec![([0xEE; 32], PARTS_PER_WHOLE), ([0u8; 32], 0)];
			for (account, parts) in &rows {
				foreign.push((*account, parts + 1));
				foreign.push((*account, parts.wrapping_sub(1)));
				foreign.push((*account, PARTS_PER_WHOLE));
			}
			foreign.retain(|row| !rows.contains(row));
			for (account, parts) in &foreign {
				for siblings in &lists {
					for leaves in 1..=n as u32 + 3 {
						for at in 0..leaves {
							let claim = Proof { siblings: siblings.clone(), leaves, index: at };
							assert!(!verify(&root, account, *parts, &claim), "{parts} at {at}");
						}
					}
				}
			}
			// A real row does not prove against another table's root.
			for (index, (account, parts)) in rows.iter().enumerate() {
				assert!(!verify(&other, account, *parts, &proof(&rows, index).unwrap()));
			}
		}
	}

	/// Attack: second preimage. An inner node's preimage (two 32-byte hashes) passed off as a
	/// row. With 32-byte accounts no row encodes to 64 bytes, but the functions take any
	/// account type: with a 56- or 60-byte one a row can be made to encode to exactly the
	/// inner node's preimage, and must still not verify.
	#[test]
	fn an_inner_node_cannot_pass_for_a_row_whatever_the_account_size() {
		fn attack<A: Encode + Decode + Ord + Clone + core::fmt::Debug>(make: impl Fn(u8) -> A) {
			let rows: Vec<(A, u32)> = (0..4u8).map(|i| (make(i + 1), 250_000_000)).collect();
			let root = root(&rows).unwrap();
			// The children of the left inner node, and its sibling, from the proofs alone.
			let (p0, p1) = (proof(&rows, 0).unwrap(), proof(&rows, 1).unwrap());
			let (left, right, uncle) = (p1.siblings[0], p0.siblings[0], p0.siblings[1]);
			let mut preimage = left.to_vec();
			preimage.extend_from_slice(&right);
			// Read as a row: (account, parts), or (index, account, parts).
			let mut forged: Vec<(u32, A, u32)> = Vec::new();
			if let Ok((account, parts)) = <(A, u32)>::decode(&mut &preimage[..]) {
				forged.push((0, account, parts));
			}
			if let Ok((index, account, parts)) = <(u32, A, u32)>::decode(&mut &preimage[..]) {
				forged.push((index, account, parts));
			}
			assert!(!forged.is_empty());
			for (index, account, parts) in forged {
				for at in [0, index] {
					for leaves in [2, 3, 4] {
						if at >= leaves {
							continue;
						}
						let claim = Proof { siblings: vec![uncle], leaves, index: at };
						assert!(
							!verify(&root, &account, parts, &claim),
							"an inner node passed for the row ({account:?}, {parts})"
						);
					}
				}
			}
		}
		attack(|i| [i; 60]);
		attack(|i| [i; 56]);
	}

	/// Attack: a malformed table (what colluding trainers could attest) must have no root.
	#[test]
	fn only_sorted_unique_full_tables_have_a_root() {
		let a = ([1u8; 32], 500_000_000u32);
		let b = ([2u8; 32], 500_000_000u32);
		assert_eq!(root(&[a, b]).map(|_| ()), Ok(()));
		assert_eq!(root(&[b, a]), Err(TableError::NotSorted));
		assert_eq!(root(&[a, a]), Err(TableError::NotSorted));
		assert_eq!(root(&[a, ([1u8; 32], 500_000_000)]), Err(TableError::NotSorted));
		assert_eq!(root(&[a]), Err(TableError::BadSum));
		assert_eq!(root(&[([1u8; 32], u32::MAX), ([2u8; 32], 2)]), Err(TableError::BadSum));
		// One split, one root: a row of zero parts (which `parts_per_billion` never makes)
		// would give the same payouts another root.
		assert_eq!(root(&[a, b, ([3u8; 32], 0)]), Err(TableError::ZeroParts));
		assert_eq!(
			root(&[([1u8; 32], PARTS_PER_WHOLE), ([2u8; 32], 0)]),
			Err(TableError::ZeroParts)
		);
	}
}
