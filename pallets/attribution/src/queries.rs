//! The reads behind the view functions and the runtime API: each touches a model, its pool
//! and at most one claim.

use crate::{
	owed,
	views::{Claimable, ClaimableOf, ModelAttribution, ModelAttributionOf, QueryError},
	Claims, Config, ModelId, Pallet, Pools, VerifiedModels,
};
use openledger_primitives::attribution::PARTS_PER_WHOLE;
use sp_runtime::{traits::Saturating, SaturatedConversion};

impl<T: Config> Pallet<T> {
	/// A verified model's attribution (view `model`, RPC `attribution_model`).
	pub fn query_model(model: ModelId) -> Result<ModelAttributionOf<T>, QueryError> {
		let facts = T::Models::verified(model).ok_or(QueryError::ModelNotVerified)?;
		Ok(ModelAttribution {
			model,
			attribution_root: facts.attribution_root,
			attesters: facts.attesters,
			creator: facts.creator,
			pool: Pools::<T>::get(model).unwrap_or_default(),
		})
	}

	/// What `account`'s row of `parts` on `model` may claim now (view `claimable`, RPC
	/// `attribution_claimable`). The row is taken as given: `claim` checks its proof.
	pub fn query_claimable(
		model: ModelId,
		account: T::AccountId,
		parts: u32,
	) -> Result<ClaimableOf<T>, QueryError> {
		if parts > PARTS_PER_WHOLE {
			return Err(QueryError::PartsAboveWhole);
		}
		T::Models::verified(model).ok_or(QueryError::ModelNotVerified)?;
		let paid = match Claims::<T>::get(model, &account) {
			Some(claim) if claim.parts != parts => {
				return Err(QueryError::OtherRowClaimed { parts: claim.parts })
			},
			Some(claim) => claim.paid,
			None => Default::default(),
		};
		let to_contributors = Pools::<T>::get(model).unwrap_or_default().to_contributors;
		let owed = owed(parts, to_contributors.saturated_into()).saturated_into();
		Ok(Claimable { parts, owed, paid, claimable: owed.saturating_sub(paid) })
	}
}
