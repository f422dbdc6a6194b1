//! Validator bonds: bonding, unbonding, and slashes into a datanet's reward pool.
//!
//! A vote carries the stake its validator had bonded before the submission's block
//! (`ValidatorBond::stake_at`). A bond may change only once per commit period of its
//! datanet, so a bond holds at most one change that any open commit period can see, and
//! the stake voting on a submission never exceeds the snapshot taken when it was made.

use crate::{
	BalanceOf, Config, DatanetId, DatanetStatus, Datanets, Error, Event, HoldReason, Pallet,
	SubmissionId, ValidatorBond, Validators,
};
use frame_support::{
	ensure,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
};
use sp_runtime::{
	traits::{CheckedAdd, Saturating, Zero},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_bond(
		datanet: DatanetId,
		validator: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let mut record = Datanets::<T>::get(datanet).ok_or(Error::<T>::DatanetNotFound)?;
		ensure!(record.status == DatanetStatus::Open, Error::<T>::DatanetClosed);
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let now = frame_system::Pallet::<T>::block_number();
		let existing = Validators::<T>::get(datanet, validator);
		let mut bond = match existing {
			Some(bond) => {
				ensure!(bond.unlocks_at.is_none(), Error::<T>::ValidatorUnbonding);
				ensure!(
					now > bond.changed_at.saturating_add(record.voting.commit_period)
						|| bond.changed_at.is_zero(),
					Error::<T>::BondChangedRecently
				);
				bond
			},
			None => {
				ensure!(record.validators < T::MaxValidators::get(), Error::<T>::TooManyValidators);
				record.validators.saturating_inc();
				ValidatorBond {
					amount: Zero::zero(),
					previous_amount: Zero::zero(),
					changed_at: now,
					slashed: Zero::zero(),
					pending_votes: 0,
					unlocks_at: None,
				}
			},
		};
		bond.previous_amount = bond.amount;
		bond.changed_at = now;
		bond.amount = bond.amount.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		ensure!(bond.amount >= T::MinValidatorBond::get(), Error::<T>::BondTooSmall);
		T::Currency::hold(&HoldReason::ValidatorBond.into(), validator, amount)?;
		record.active_stake =
			record.active_stake.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		record.stake_added = match record.stake_added {
			(block, added) if block == now => (now, added.saturating_add(amount)),
			_ => (now, amount),
		};
		Validators::<T>::insert(datanet, validator, bond);
		Datanets::<T>::insert(datanet, record);
		Self::deposit_event(Event::ValidatorBonded {
			datanet,
			validator: validator.clone(),
			amount,
			total: bond.amount,
		});
		Ok(())
	}

	pub(crate) fn do_unbond(datanet: DatanetId, validator: &T::AccountId) -> DispatchResult {
		let mut bond = Validators::<T>::get(datanet, validator).ok_or(Error::<T>::NotValidator)?;
		ensure!(bond.unlocks_at.is_none(), Error::<T>::AlreadyUnbonding);
		ensure!(bond.pending_votes == 0, Error::<T>::HasPendingVotes);
		let unlocks_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
		bond.unlocks_at = Some(unlocks_at);
		let now = frame_system::Pallet::<T>::block_number();
		Datanets::<T>::mutate(datanet, |record| {
			if let Some(record) = record {
				record.active_stake = record.active_stake.saturating_sub(bond.amount);
				// What this bond added in this block leaves with it.
				if bond.changed_at == now && record.stake_added.0 == now {
					let added = bond.amount.saturating_sub(bond.previous_amount);
					record.stake_added.1 = record.stake_added.1.saturating_sub(added);
				}
			}
		});
		Validators::<T>::insert(datanet, validator, bond);
		Self::deposit_event(Event::UnbondingStarted {
			datanet,
			validator: validator.clone(),
			unlocks_at,
		});
		Ok(())
	}

	pub(crate) fn do_withdraw_unbonded(
		datanet: DatanetId,
		validator: &T::AccountId,
	) -> DispatchResult {
		let bond = Validators::<T>::get(datanet, validator).ok_or(Error::<T>::NotValidator)?;
		let unlocks_at = bond.unlocks_at.ok_or(Error::<T>::NotUnbonding)?;
		ensure!(
			frame_system::Pallet::<T>::block_number() >= unlocks_at,
			Error::<T>::UnbondingNotDue
		);
		T::Currency::release(
			&HoldReason::ValidatorBond.into(),
			validator,
			bond.amount,
			Precision::Exact,
		)?;
		Validators::<T>::remove(datanet, validator);
		Datanets::<T>::mutate(datanet, |record| {
			if let Some(record) = record {
				record.validators.saturating_dec();
			}
		});
		Self::deposit_event(Event::Unbonded {
			datanet,
			validator: validator.clone(),
			amount: bond.amount,
		});
		Ok(())
	}

	/// Moves `amount` (at most the bond) of the validator's bond into the pot and returns
	/// what moved; the caller credits it to the datanet's pool. A bond slashed below the
	/// minimum can still reveal and settle its votes but commits no new ones until topped up.
	pub(crate) fn slash_bond(
		datanet: DatanetId,
		validator: &T::AccountId,
		submission: SubmissionId,
		amount: BalanceOf<T>,
		unrevealed: bool,
		active: &mut BalanceOf<T>,
	) -> BalanceOf<T> {
		let Some(mut bond) = Validators::<T>::get(datanet, validator) else {
			return Zero::zero();
		};
		let amount = amount.min(bond.amount);
		if amount.is_zero() {
			return amount;
		}
		let moved = T::Currency::transfer_on_hold(
			&HoldReason::ValidatorBond.into(),
			validator,
			&Self::pot(),
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_default();
		bond.amount = bond.amount.saturating_sub(moved);
		bond.previous_amount = bond.previous_amount.saturating_sub(moved);
		bond.slashed = bond.slashed.saturating_add(moved);
		if bond.unlocks_at.is_none() {
			*active = active.saturating_sub(moved);
		}
		Validators::<T>::insert(datanet, validator, bond);
		Self::deposit_event(Event::ValidatorSlashed {
			datanet,
			validator: validator.clone(),
			submission,
			amount: moved,
			unrevealed,
		});
		moved
	}
}
