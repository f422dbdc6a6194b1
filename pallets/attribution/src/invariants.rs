//! `try_state`: what must hold after every block.

use crate::{Claims, Config, Pallet, Pools};
use frame_support::traits::fungible::Inspect;
use openledger_primitives::attribution::PARTS_PER_WHOLE;
use sp_runtime::{traits::Saturating, SaturatedConversion, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// - every model: claimed ≤ paid to contributors ≤ paid in; the parts of its claimed rows
	///   add up to `claimed_parts` ≤ 10⁹;
	/// - the pallet's account holds the existential deposit plus every model's unclaimed
	///   contributors' part (what is claimable plus rounding dust): paid out + claimable +
	///   dust = paid in.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut unclaimed = crate::BalanceOf::<T>::default();
		for (model, pool) in Pools::<T>::iter() {
			ensure(
				pool.claimed <= pool.to_contributors,
				"a model's claims exceed its contributors' part",
			)?;
			ensure(
				pool.to_contributors <= pool.paid_in,
				"a contributors' part exceeds what was paid",
			)?;
			ensure(pool.claimed_parts <= PARTS_PER_WHOLE, "claimed rows exceed 10⁹ parts")?;
			let parts: u64 =
				Claims::<T>::iter_prefix(model).map(|(_, claim)| u64::from(claim.parts)).sum();
			ensure(parts == u64::from(pool.claimed_parts), "claimed parts differ from the claims")?;
			let mut paid = crate::BalanceOf::<T>::default();
			for (_, claim) in Claims::<T>::iter_prefix(model) {
				let owed = crate::owed(claim.parts, pool.to_contributors.saturated_into());
				ensure(claim.paid.saturated_into::<u128>() <= owed, "a claim paid more than owed")?;
				paid = paid.saturating_add(claim.paid);
			}
			ensure(paid == pool.claimed, "the claims' payments differ from the pool's")?;
			unclaimed = unclaimed.saturating_add(pool.to_contributors.saturating_sub(pool.claimed));
		}
		for (model, _, _) in Claims::<T>::iter() {
			ensure(Pools::<T>::contains_key(model), "a claim on a model never paid for")?;
		}
		let held = T::Currency::balance(&Self::account());
		let reserve = if Pools::<T>::iter().next().is_some() {
			T::Currency::minimum_balance()
		} else {
			Default::default()
		};
		ensure(
			held >= unclaimed.saturating_add(reserve),
			"the pallet's account holds less than is unclaimed",
		)
	}
}

fn ensure(condition: bool, message: &'static str) -> Result<(), TryRuntimeError> {
	if condition {
		Ok(())
	} else {
		Err(message.into())
	}
}
