//! What the read paths return: the view functions, the runtime API and (as JSON) the node's
//! `attribution_*` RPC methods. Generic over the runtime's account and balance types so that
//! the runtime API can name them without a `Config`.

use crate::{ModelId, Pool};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use openledger_primitives::Hash32;
use scale_info::TypeInfo;

/// Why a read has no answer.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
pub enum QueryError {
	/// No verified model has this id.
	ModelNotVerified,
	/// The account claimed on this model with another row's parts; only that row counts.
	OtherRowClaimed {
		/// The parts it claimed with.
		parts: u32,
	},
	/// More parts than a whole (10⁹): no row has them.
	PartsAboveWhole,
}

/// A verified model's attribution: the root its trainers agreed on, who shares its
/// payments, and what was paid for its use and claimed.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ModelAttribution<AccountId, Balance> {
	/// The model.
	pub model: ModelId,
	/// The root of its attribution table.
	pub attribution_root: Hash32,
	/// The trainers who verified it (each paid an equal part of the trainers' share).
	pub attesters: Vec<AccountId>,
	/// The creator of its job (paid the rest).
	pub creator: AccountId,
	/// Payments and claims so far (all zero before the first payment).
	pub pool: Pool<Balance>,
}

/// What one row of a model's table is owed and may claim now.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
pub struct Claimable<Balance> {
	/// The row's parts per billion.
	pub parts: u32,
	/// Its share of everything paid to the model's contributors, rounded down.
	pub owed: Balance,
	/// What it was paid before.
	pub paid: Balance,
	/// What a claim pays now: `owed - paid`.
	pub claimable: Balance,
}

/// [`ModelAttribution`] of a runtime.
pub type ModelAttributionOf<T> =
	ModelAttribution<<T as frame_system::Config>::AccountId, crate::BalanceOf<T>>;

/// [`Claimable`] of a runtime.
pub type ClaimableOf<T> = Claimable<crate::BalanceOf<T>>;
