//! What the pallet stores and what it reads from the models registry.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use openledger_primitives::{attribution::PARTS_PER_WHOLE, Hash32};
use scale_info::TypeInfo;

/// A verified model's id (pallet-models' `ModelId`).
pub type ModelId = u64;

/// Most sibling hashes a claim's proof has: enough for 2³² rows.
pub const MAX_PROOF_LENGTH: u32 = 32;

/// A claim's proof: sibling hashes from the row's leaf up.
pub type ProofOf = BoundedVec<Hash32, ConstU32<MAX_PROOF_LENGTH>>;

/// Most trainers a model has (pallet-models' `MAX_ATTESTERS`).
pub const MAX_ATTESTERS: u32 = 16;

/// What the pallet needs to know of a verified model.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifiedModel<AccountId> {
	/// The root of its attribution table, agreed by its trainers.
	pub attribution_root: Hash32,
	/// The trainers whose agreeing reveals verified it.
	pub attesters: alloc::vec::Vec<AccountId>,
	/// Who created (and paid for) its training job.
	pub creator: AccountId,
}

/// Where verified models come from (pallet-models in the runtime).
pub trait VerifiedModels<AccountId> {
	/// The model, if it exists and is verified.
	fn verified(model: ModelId) -> Option<VerifiedModel<AccountId>>;
}

/// A model's payments and what its contributors have taken of them.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Pool<Balance> {
	/// Everything paid for the model's use.
	pub paid_in: Balance,
	/// The contributors' part of it, kept in the pallet's account until claimed. It is also
	/// the accrual per part, scaled by `PARTS_PER_WHOLE`: a row of `p` parts is owed
	/// `p × to_contributors / 10⁹` of everything paid so far (O(1) per payment).
	pub to_contributors: Balance,
	/// What contributors have claimed.
	pub claimed: Balance,
	/// Parts of the rows claimed at least once: at most `PARTS_PER_WHOLE`, so no table, even
	/// one whose parts sum to more (the chain sees only its root), pays out more than the
	/// contributors' part.
	pub claimed_parts: u32,
}

/// One contributor's claims on a model.
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
)]
pub struct Claim<Balance> {
	/// Its row's parts per billion.
	pub parts: u32,
	/// Paid to it so far. A claim pays its row's share of everything the contributors were
	/// paid, rounded down once, less this: claiming often loses nothing to rounding.
	pub paid: Balance,
}

/// What a row of `parts` is owed of `total` (everything its model's contributors were
/// paid): ⌊parts × total / 10⁹⌋, exactly, with no intermediate overflow.
pub fn owed(parts: u32, total: u128) -> u128 {
	let (whole, parts) = (u128::from(PARTS_PER_WHOLE), u128::from(parts));
	(total / whole) * parts + (total % whole) * parts / whole
}
