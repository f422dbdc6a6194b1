//! Trainers: bonds, capabilities, unbonding, and the slashes of their attestations.

use crate::{
	BalanceOf, BaseModelOf, Capabilities, Config, Error, Event, HoldReason, JobId, JobOf, Pallet,
	SlashReason, Trainer, TrainerOf, Trainers,
};
use frame_support::{
	ensure,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision},
		Get,
	},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

/// Whether a list names an entry twice.
pub(crate) fn has_duplicates<Item: Ord + Clone>(items: &[Item]) -> bool {
	let mut sorted = items.to_vec();
	sorted.sort();
	sorted.windows(2).any(|pair| pair[0] == pair[1])
}

impl<T: Config> Pallet<T> {
	pub(crate) fn check_capabilities(capabilities: &Capabilities) -> Result<(), Error<T>> {
		ensure!(!capabilities.families.is_empty(), Error::<T>::NoFamilies);
		ensure!(!capabilities.devices.is_empty(), Error::<T>::NoDevices);
		ensure!(!capabilities.determinism.is_empty(), Error::<T>::NoDeterminismClasses);
		ensure!(capabilities.max_parameters > 0, Error::<T>::ZeroMaxParameters);
		ensure!(
			!has_duplicates(&capabilities.families)
				&& !has_duplicates(&capabilities.devices)
				&& !has_duplicates(&capabilities.determinism),
			Error::<T>::DuplicateCapability
		);
		Ok(())
	}

	pub(crate) fn do_register_trainer(
		who: T::AccountId,
		bond: BalanceOf<T>,
		capabilities: Capabilities,
	) -> DispatchResult {
		ensure!(!Trainers::<T>::contains_key(&who), Error::<T>::AlreadyTrainer);
		ensure!(bond >= T::MinTrainerBond::get(), Error::<T>::BondTooLow);
		Self::check_capabilities(&capabilities)?;
		T::Currency::hold(&HoldReason::TrainerBond.into(), &who, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Trainers::<T>::insert(
			&who,
			Trainer {
				bond,
				capabilities,
				open_commitments: 0,
				unbonding_until: None,
				registered_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		Self::deposit_event(Event::TrainerRegistered { trainer: who, bond });
		Ok(())
	}

	pub(crate) fn do_unbond_trainer(who: T::AccountId) -> DispatchResult {
		let until = Trainers::<T>::try_mutate(&who, |trainer| {
			let trainer = trainer.as_mut().ok_or(Error::<T>::NotTrainer)?;
			ensure!(trainer.unbonding_until.is_none(), Error::<T>::TrainerUnbonding);
			ensure!(trainer.open_commitments == 0, Error::<T>::HasOpenCommitments);
			let until = frame_system::Pallet::<T>::block_number()
				.saturating_add(T::TrainerUnbondingDelay::get());
			trainer.unbonding_until = Some(until);
			Ok::<_, Error<T>>(until)
		})?;
		Self::deposit_event(Event::TrainerUnbonding { trainer: who, until });
		Ok(())
	}

	pub(crate) fn do_withdraw_trainer(who: T::AccountId) -> DispatchResult {
		let trainer = Trainers::<T>::get(&who).ok_or(Error::<T>::NotTrainer)?;
		let until = trainer.unbonding_until.ok_or(Error::<T>::NotUnbonding)?;
		ensure!(frame_system::Pallet::<T>::block_number() >= until, Error::<T>::StillUnbonding);
		let amount = T::Currency::release(
			&HoldReason::TrainerBond.into(),
			&who,
			trainer.bond,
			Precision::BestEffort,
		)?;
		Trainers::<T>::remove(&who);
		Self::deposit_event(Event::TrainerWithdrawn { trainer: who, amount });
		Ok(())
	}

	/// Refuses a commit the trainer cannot honour: unbonding, a bond that does not cover
	/// one more commitment (`MinTrainerBond` each, so every open commitment's worst slash
	/// is always payable), or a job outside its capabilities.
	pub(crate) fn check_can_train(
		trainer: &TrainerOf<T>,
		job: &JobOf<T>,
		base: &BaseModelOf<T>,
	) -> Result<(), Error<T>> {
		ensure!(trainer.unbonding_until.is_none(), Error::<T>::TrainerUnbonding);
		let covered = T::MinTrainerBond::get()
			.saturating_mul(trainer.open_commitments.saturating_add(1).into());
		ensure!(trainer.bond >= covered, Error::<T>::BondFullyCommitted);
		let capabilities = &trainer.capabilities;
		ensure!(capabilities.families.contains(&base.family), Error::<T>::FamilyNotSupported);
		ensure!(base.parameters <= capabilities.max_parameters, Error::<T>::ModelTooLarge);
		ensure!(
			capabilities.determinism.contains(&job.determinism),
			Error::<T>::DeterminismNotSupported
		);
		Ok(())
	}

	/// Burns `reason`'s share of the stake one commitment carries (`MinTrainerBond`) from
	/// the trainer's bond and returns the amount. Burnt, so that no one (the job's creator
	/// included) gains from another's slash.
	pub(crate) fn slash_trainer(
		job_id: JobId,
		trainer: &T::AccountId,
		reason: SlashReason,
	) -> BalanceOf<T> {
		let Some(mut record) = Trainers::<T>::get(trainer) else { return Zero::zero() };
		let share = match reason {
			SlashReason::Dissent => T::DissentSlash::get(),
			SlashReason::Unrevealed => T::UnrevealedSlash::get(),
		};
		let amount = (share * T::MinTrainerBond::get()).min(record.bond);
		if amount.is_zero() {
			return amount;
		}
		let burnt = T::Currency::burn_held(
			&HoldReason::TrainerBond.into(),
			trainer,
			amount,
			Precision::BestEffort,
			Fortitude::Force,
		)
		.unwrap_or_default();
		record.bond = record.bond.saturating_sub(burnt);
		Trainers::<T>::insert(trainer, record);
		Self::deposit_event(Event::TrainerSlashed {
			job: job_id,
			trainer: trainer.clone(),
			amount: burnt,
			reason,
		});
		burnt
	}
}
