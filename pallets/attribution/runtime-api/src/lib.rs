//! The runtime API behind the node's `attribution_*` RPC methods: the same reads as
//! pallet-attribution's view functions.

#![cfg_attr(not(feature = "std"), no_std)]

use codec::Codec;
pub use pallet_attribution::{
	views::{Claimable, ModelAttribution, QueryError},
	ModelId, Pool,
};

sp_api::decl_runtime_apis! {
	pub trait AttributionApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// A verified model's attribution root, payees, and payments and claims so far.
		fn model(model: ModelId) -> Result<ModelAttribution<AccountId, Balance>, QueryError>;

		/// What `account`'s row of `parts` on `model` may claim now.
		fn claimable(model: ModelId, account: AccountId, parts: u32) -> Result<Claimable<Balance>, QueryError>;
	}
}
