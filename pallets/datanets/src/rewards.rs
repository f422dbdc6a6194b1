//! Epoch rewards: what each epoch earned, its one-time release from the pool, and claims.
//!
//! An epoch's release is fixed at the first claim after the epoch ends: at most the
//! datanet's `reward_per_epoch`, limited by what is left in the pool. The validators'
//! slice (`ValidatorRewardShare`) goes to the votes that agreed with their outcome; the
//! rest to contributors by epoch score. A part nobody earned stays in the pool. Shares are
//! rounded down, so the dust of an epoch stays in the pot and payouts never exceed the
//! release.

use crate::{
	Config, DatanetId, Datanets, Earnings, EpochEarnings, EpochIndex, EpochRelease, EpochRewards,
	Epochs, Error, Event, Pallet, UnclaimedEarnings,
};
use frame_support::traits::Get;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{CheckedAdd, Saturating, UniqueSaturatedInto, Zero},
	DispatchError, Rounding,
};

use crate::BalanceOf;

impl<T: Config> Pallet<T> {
	pub fn current_epoch() -> EpochIndex {
		let now = frame_system::Pallet::<T>::block_number();
		(now / T::EpochLength::get()).unique_saturated_into()
	}

	pub(crate) fn record_epoch_score(
		datanet: DatanetId,
		epoch: EpochIndex,
		contributor: &T::AccountId,
		weight: crate::Quality,
	) -> Result<(), Error<T>> {
		Epochs::<T>::try_mutate(datanet, epoch, |totals| {
			totals.total_score =
				totals.total_score.checked_add(weight as u64).ok_or(Error::<T>::Overflow)?;
			Ok::<_, Error<T>>(())
		})?;
		Earnings::<T>::mutate((datanet, epoch, contributor), |earned| {
			earned.score.saturating_accrue(weight as u64)
		});
		UnclaimedEarnings::<T>::insert(contributor, (datanet, epoch), ());
		Ok(())
	}

	pub(crate) fn record_agreeing_vote(
		datanet: DatanetId,
		epoch: EpochIndex,
		validator: &T::AccountId,
	) -> Result<(), Error<T>> {
		Epochs::<T>::try_mutate(datanet, epoch, |totals| {
			totals.total_agreeing_votes =
				totals.total_agreeing_votes.checked_add(1).ok_or(Error::<T>::Overflow)?;
			Ok::<_, Error<T>>(())
		})?;
		Earnings::<T>::mutate((datanet, epoch, validator), |earned| {
			earned.agreeing_votes.saturating_inc()
		});
		UnclaimedEarnings::<T>::insert(validator, (datanet, epoch), ());
		Ok(())
	}

	/// The release an ended epoch has, or would get if claimed now.
	pub fn epoch_release(datanet: DatanetId, epoch: EpochIndex) -> EpochRelease<BalanceOf<T>> {
		let totals = Epochs::<T>::get(datanet, epoch);
		totals.release.unwrap_or_else(|| match Datanets::<T>::get(datanet) {
			Some(record) => Self::new_release(&totals, &record),
			None => Default::default(),
		})
	}

	/// What `earnings` are worth in an ended epoch.
	pub fn claimable(
		datanet: DatanetId,
		epoch: EpochIndex,
		earnings: EpochEarnings,
	) -> BalanceOf<T> {
		let totals = Epochs::<T>::get(datanet, epoch);
		Self::share_of(&Self::epoch_release(datanet, epoch), &totals, earnings)
	}

	/// The release a datanet's pool would give an epoch with these totals: at most
	/// `reward_per_epoch`, and nothing for a side (contributors, validators) nobody earned.
	fn new_release(
		totals: &EpochRewards<BalanceOf<T>>,
		datanet: &crate::DatanetOf<T>,
	) -> EpochRelease<BalanceOf<T>> {
		let amount = datanet.reward_pool.min(datanet.reward_per_epoch);
		let validators = if totals.total_agreeing_votes > 0 {
			T::ValidatorRewardShare::get().mul_floor(amount)
		} else {
			Zero::zero()
		};
		let contributors =
			if totals.total_score > 0 { amount.saturating_sub(validators) } else { Zero::zero() };
		EpochRelease { contributors, validators }
	}

	/// `earnings`' part of `release`, each side rounded down.
	fn share_of(
		release: &EpochRelease<BalanceOf<T>>,
		totals: &EpochRewards<BalanceOf<T>>,
		earnings: EpochEarnings,
	) -> BalanceOf<T> {
		let share = |part: BalanceOf<T>, mine: u64, total: u64| -> BalanceOf<T> {
			if total == 0 {
				return Zero::zero();
			}
			let part: u128 = part.unique_saturated_into();
			multiply_by_rational_with_rounding(part, mine as u128, total as u128, Rounding::Down)
				.map(UniqueSaturatedInto::unique_saturated_into)
				.unwrap_or_else(Zero::zero)
		};
		share(release.contributors, earnings.score, totals.total_score).saturating_add(share(
			release.validators,
			earnings.agreeing_votes as u64,
			totals.total_agreeing_votes as u64,
		))
	}

	/// Fixes the epoch's release if this is its first claim, books the payout of
	/// `earnings` against it and returns the amount to pay.
	pub(crate) fn settle_claim(
		datanet: DatanetId,
		epoch: EpochIndex,
		earnings: EpochEarnings,
	) -> Result<BalanceOf<T>, DispatchError> {
		let mut totals = Epochs::<T>::get(datanet, epoch);
		let release = match totals.release {
			Some(release) => release,
			None => {
				let release = Datanets::<T>::try_mutate(datanet, |record| {
					let record = record.as_mut().ok_or(Error::<T>::DatanetNotFound)?;
					let release = Self::new_release(&totals, record);
					record.reward_pool = record
						.reward_pool
						.saturating_sub(release.contributors.saturating_add(release.validators));
					Ok::<_, Error<T>>(release)
				})?;
				totals.release = Some(release);
				Self::deposit_event(Event::EpochReleased {
					datanet,
					epoch,
					contributors: release.contributors,
					validators: release.validators,
				});
				release
			},
		};
		let amount = Self::share_of(&release, &totals, earnings);
		totals.paid = totals.paid.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		Epochs::<T>::insert(datanet, epoch, totals);
		Ok(amount)
	}
}
