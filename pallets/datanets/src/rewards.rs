//! Epoch rewards: what each epoch earned, its release from the pool, and claims.
//!
//! An epoch's release is fixed once it has ended, from the pool and the rate in force while
//! it ran: at most `reward_per_epoch`, limited by the pool. Each datanet has at most one
//! epoch with earnings and no release (`unsettled_epoch`); every change to the pool, the
//! rate or the earnings first settles that epoch if it has ended, so the pool it sees is the
//! pool at its end and no later claim, funding or rate change reaches it. The validators'
//! slice (`ValidatorRewardShare`) goes by agreeing stake, the rest to contributors by epoch
//! score; a side nobody earned stays in the pool. Shares are rounded down, so the dust
//! stays in the pot and payouts never exceed the release.

use crate::{
	BalanceOf, Config, DatanetId, DatanetOf, DatanetStatus, Datanets, Earnings, EpochEarnings,
	EpochIndex, EpochRelease, EpochRewards, Epochs, Error, Event, Pallet, UnclaimedEarnings,
};
use frame_support::{
	ensure,
	traits::{fungible::Mutate, tokens::Preservation, Get},
};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{CheckedAdd, Saturating, UniqueSaturatedInto, Zero},
	DispatchError, DispatchResult, Rounding,
};

impl<T: Config> Pallet<T> {
	/// The epoch of the current block.
	pub fn current_epoch() -> EpochIndex {
		let now = frame_system::Pallet::<T>::block_number();
		(now / T::EpochLength::get()).unique_saturated_into()
	}

	/// The rate that applies to `epoch`.
	fn rate_for(datanet: &DatanetOf<T>, epoch: EpochIndex) -> BalanceOf<T> {
		match datanet.next_reward_per_epoch {
			Some((from, rate)) if epoch >= from => rate,
			_ => datanet.reward_per_epoch,
		}
	}

	/// Fixes the release of the datanet's unsettled epoch if it has ended, and makes a
	/// scheduled rate current once its epoch has come. The caller stores `datanet`.
	pub(crate) fn settle_epoch(id: DatanetId, datanet: &mut DatanetOf<T>) {
		let current = Self::current_epoch();
		if let Some(epoch) = datanet.unsettled_epoch.filter(|epoch| *epoch < current) {
			let mut totals = Epochs::<T>::get(id, epoch);
			let release = Self::new_release(&totals, datanet, epoch);
			datanet.reward_pool = datanet
				.reward_pool
				.saturating_sub(release.contributors.saturating_add(release.validators));
			totals.release = Some(release);
			Epochs::<T>::insert(id, epoch, totals);
			datanet.unsettled_epoch = None;
			Self::deposit_event(Event::EpochReleased {
				datanet: id,
				epoch,
				contributors: release.contributors,
				validators: release.validators,
			});
		}
		if let Some((from, rate)) = datanet.next_reward_per_epoch {
			if from <= current {
				datanet.reward_per_epoch = rate;
				datanet.next_reward_per_epoch = None;
			}
		}
	}

	/// Marks the current epoch as earning on this datanet (after settling an ended one).
	fn note_earning(id: DatanetId, datanet: &mut DatanetOf<T>) -> EpochIndex {
		Self::settle_epoch(id, datanet);
		let current = Self::current_epoch();
		datanet.unsettled_epoch = Some(current);
		current
	}

	/// Credits an acceptance weight to the contributor in the current epoch; a weight of
	/// zero earns nothing and leaves no entry.
	pub(crate) fn record_epoch_score(
		id: DatanetId,
		datanet: &mut DatanetOf<T>,
		contributor: &T::AccountId,
		weight: crate::Quality,
	) -> Result<(), Error<T>> {
		if weight == 0 {
			return Ok(());
		}
		let epoch = Self::note_earning(id, datanet);
		Epochs::<T>::try_mutate(id, epoch, |totals| {
			totals.total_score =
				totals.total_score.checked_add(weight as u64).ok_or(Error::<T>::Overflow)?;
			Ok::<_, Error<T>>(())
		})?;
		Earnings::<T>::mutate((id, epoch, contributor), |earned| {
			earned.score.saturating_accrue(weight as u64)
		});
		UnclaimedEarnings::<T>::insert(contributor, (id, epoch), ());
		Ok(())
	}

	/// Credits the stake of a vote that agreed with its outcome in the current epoch.
	pub(crate) fn record_agreeing_stake(
		id: DatanetId,
		datanet: &mut DatanetOf<T>,
		validator: &T::AccountId,
		stake: BalanceOf<T>,
	) -> Result<(), Error<T>> {
		if stake.is_zero() {
			return Ok(());
		}
		let epoch = Self::note_earning(id, datanet);
		Epochs::<T>::try_mutate(id, epoch, |totals| {
			totals.total_agreeing_stake =
				totals.total_agreeing_stake.checked_add(&stake).ok_or(Error::<T>::Overflow)?;
			Ok::<_, Error<T>>(())
		})?;
		Earnings::<T>::mutate((id, epoch, validator), |earned| {
			earned.agreeing_stake.saturating_accrue(stake)
		});
		UnclaimedEarnings::<T>::insert(validator, (id, epoch), ());
		Ok(())
	}

	/// The release an ended epoch has, or will get when it is settled.
	pub fn epoch_release(datanet: DatanetId, epoch: EpochIndex) -> EpochRelease<BalanceOf<T>> {
		let totals = Epochs::<T>::get(datanet, epoch);
		totals.release.unwrap_or_else(|| match Datanets::<T>::get(datanet) {
			Some(record) if record.unsettled_epoch == Some(epoch) => {
				Self::new_release(&totals, &record, epoch)
			},
			_ => Default::default(),
		})
	}

	/// What `earnings` are worth in an ended epoch.
	pub fn claimable(
		datanet: DatanetId,
		epoch: EpochIndex,
		earnings: EpochEarnings<BalanceOf<T>>,
	) -> BalanceOf<T> {
		let totals = Epochs::<T>::get(datanet, epoch);
		Self::share_of(&Self::epoch_release(datanet, epoch), &totals, earnings)
	}

	/// The release a datanet's pool gives an epoch with these totals: at most the epoch's
	/// rate, and nothing for a side (contributors, validators) nobody earned.
	fn new_release(
		totals: &EpochRewards<BalanceOf<T>>,
		datanet: &DatanetOf<T>,
		epoch: EpochIndex,
	) -> EpochRelease<BalanceOf<T>> {
		let amount = datanet.reward_pool.min(Self::rate_for(datanet, epoch));
		let validators = if totals.total_agreeing_stake.is_zero() {
			Zero::zero()
		} else {
			T::ValidatorRewardShare::get().mul_floor(amount)
		};
		let contributors =
			if totals.total_score > 0 { amount.saturating_sub(validators) } else { Zero::zero() };
		EpochRelease { contributors, validators }
	}

	/// `earnings`' part of `release`, each side rounded down.
	fn share_of(
		release: &EpochRelease<BalanceOf<T>>,
		totals: &EpochRewards<BalanceOf<T>>,
		earnings: EpochEarnings<BalanceOf<T>>,
	) -> BalanceOf<T> {
		let share = |part: BalanceOf<T>, mine: u128, total: u128| -> BalanceOf<T> {
			if total == 0 {
				return Zero::zero();
			}
			let part: u128 = part.unique_saturated_into();
			multiply_by_rational_with_rounding(part, mine, total, Rounding::Down)
				.map(UniqueSaturatedInto::unique_saturated_into)
				.unwrap_or_else(Zero::zero)
		};
		share(release.contributors, earnings.score.into(), totals.total_score.into())
			.saturating_add(share(
				release.validators,
				earnings.agreeing_stake.unique_saturated_into(),
				totals.total_agreeing_stake.unique_saturated_into(),
			))
	}

	pub(crate) fn do_claim(
		datanet: DatanetId,
		epoch: EpochIndex,
		who: T::AccountId,
	) -> DispatchResult {
		let mut record = Datanets::<T>::get(datanet).ok_or(Error::<T>::DatanetNotFound)?;
		ensure!(epoch < Self::current_epoch(), Error::<T>::EpochNotEnded);
		let earnings = Earnings::<T>::take((datanet, epoch, &who));
		ensure!(earnings != EpochEarnings::default(), Error::<T>::NothingToClaim);
		UnclaimedEarnings::<T>::remove(&who, (datanet, epoch));
		Self::settle_epoch(datanet, &mut record);
		Datanets::<T>::insert(datanet, record);
		let amount = Self::book_payout(datanet, epoch, earnings)?;
		if !amount.is_zero() {
			T::Currency::transfer(&Self::pot(), &who, amount, Preservation::Preserve)?;
		}
		Self::deposit_event(Event::RewardsClaimed { datanet, epoch, who, amount });
		Ok(())
	}

	/// Books the payout of `earnings` against the epoch's (settled) release and returns it.
	fn book_payout(
		datanet: DatanetId,
		epoch: EpochIndex,
		earnings: EpochEarnings<BalanceOf<T>>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let mut totals = Epochs::<T>::get(datanet, epoch);
		let release = totals.release.unwrap_or_default();
		let amount = Self::share_of(&release, &totals, earnings);
		totals.paid = totals.paid.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		ensure!(
			totals.paid <= release.contributors.saturating_add(release.validators),
			Error::<T>::Overflow
		);
		Epochs::<T>::insert(datanet, epoch, totals);
		Ok(amount)
	}

	pub(crate) fn do_withdraw_pool(datanet: DatanetId, who: T::AccountId) -> DispatchResult {
		let mut record = Self::owned_datanet(datanet, &who)?;
		ensure!(record.status == DatanetStatus::Closed, Error::<T>::DatanetOpen);
		ensure!(record.unsettled == 0, Error::<T>::SubmissionsPending);
		Self::settle_epoch(datanet, &mut record);
		ensure!(record.unsettled_epoch.is_none(), Error::<T>::EpochNotSettled);
		let amount = core::mem::take(&mut record.reward_pool);
		ensure!(!amount.is_zero(), Error::<T>::NothingToClaim);
		T::Currency::transfer(&Self::pot(), &who, amount, Preservation::Preserve)?;
		Datanets::<T>::insert(datanet, record);
		Self::deposit_event(Event::PoolWithdrawn { datanet, amount });
		Ok(())
	}
}
