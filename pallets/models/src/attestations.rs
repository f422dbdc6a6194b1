//! Sealed attestations: commit, reveal, and the verification of the winning group.
//! The sealing is the chain's one commit–reveal scheme (`openledger_primitives::seal`),
//! the one validators' votes use.

use crate::{
	ordered, AgreementKey, Attestation, Attestations, AttestedResult, BalanceOf, BaseModels,
	Config, Error, Event, Hash32, HoldReason, JobId, JobOf, JobStatus, JobStatusKind, Jobs, Model,
	ModelFilter, ModelId, ModelIndex, ModelIndexCount, Models, NextModelId, Pallet, SlashReason,
	Trainers,
};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use codec::Encode;
use frame_support::{
	ensure,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
	BoundedVec,
};
use openledger_primitives::{cid, seal};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

/// The hash a trainer commits: `blake2_256(SCALE(job, result, salt, trainer))`.
pub fn commitment<AccountId: Encode>(
	job: JobId,
	result: &AttestedResult,
	salt: &[u8; 32],
	trainer: &AccountId,
) -> Hash32 {
	seal::commitment(&(job, result), salt, trainer)
}

/// Whether the job takes commits now.
pub(crate) fn commits_open<T: Config>(job: &JobOf<T>) -> bool {
	job.status == JobStatus::Open
		&& job.commits < job.max_attesters
		&& frame_system::Pallet::<T>::block_number() <= job.commit_ends
}

/// Whether the job takes reveals now: commits are closed, the deadline has not passed.
pub(crate) fn reveals_open<T: Config>(job: &JobOf<T>) -> bool {
	let now = frame_system::Pallet::<T>::block_number();
	(job.commits == job.max_attesters || now > job.commit_ends) && now <= job.reveal_ends
}

/// `total`'s i-th of `parts` shares: shares differ by at most one unit and sum to `total`.
pub(crate) fn share<Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(
	total: Balance,
	index: u32,
	parts: u32,
) -> Balance {
	let at = |i: u32| -> Balance {
		let parts: Balance = parts.into();
		let i: Balance = i.into();
		// total·i/parts without overflow: (total/parts)·i + (total%parts)·i/parts.
		(total / parts) * i + (total % parts) * i / parts
	};
	at(index + 1) - at(index)
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_commit_result(
		who: T::AccountId,
		id: JobId,
		commitment: Hash32,
	) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
		ensure!(job.status == JobStatus::Open, Error::<T>::JobNotOpen);
		ensure!(commits_open::<T>(&job), Error::<T>::CommitsClosed);
		ensure!(!Attestations::<T>::contains_key(id, &who), Error::<T>::AlreadyCommitted);
		let mut trainer = Trainers::<T>::get(&who).ok_or(Error::<T>::NotTrainer)?;
		let base = BaseModels::<T>::get(job.base).ok_or(Error::<T>::BaseModelNotFound)?;
		Self::check_can_train(&trainer, &job, &base)?;
		trainer.open_commitments =
			trainer.open_commitments.checked_add(1).ok_or(Error::<T>::Overflow)?;
		job.commits.saturating_inc();
		Trainers::<T>::insert(&who, trainer);
		Attestations::<T>::insert(id, &who, Attestation { commitment, revealed: None });
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::ResultCommitted { job: id, trainer: who });
		Ok(())
	}

	/// Reveals; returns how many attestations it walked (those of a job not verified yet).
	pub(crate) fn do_reveal_result(
		who: T::AccountId,
		id: JobId,
		result: AttestedResult,
		salt: [u8; 32],
	) -> Result<u32, sp_runtime::DispatchError> {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
		ensure!(!job.settled, Error::<T>::JobNotOpen);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= job.reveal_ends, Error::<T>::RevealPeriodOver);
		ensure!(reveals_open::<T>(&job), Error::<T>::RevealNotOpen);
		let mut attestation = Attestations::<T>::get(id, &who).ok_or(Error::<T>::NotCommitted)?;
		ensure!(attestation.revealed.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(
			commitment(id, &result, &salt, &who) == attestation.commitment,
			Error::<T>::CommitmentMismatch
		);
		ensure!(
			cid::is_binary_v1(&result.adapter_cid) && cid::is_binary_v1(&result.manifest_cid),
			Error::<T>::InvalidCid
		);
		let key = result.agreement_key();
		attestation.revealed = Some(result.clone());
		Attestations::<T>::insert(id, &who, attestation);
		job.reveals.saturating_inc();
		Self::deposit_event(Event::ResultRevealed {
			job: id,
			trainer: who.clone(),
			model_hash: key.0,
			attribution_root: key.1,
		});

		let walked = job.commits;
		match job.status {
			JobStatus::Verified(model) => {
				let verified = Models::<T>::get(model).ok_or(Error::<T>::ModelNotFound)?;
				if verified.result.agreement_key() != key {
					Self::slash_trainer(id, &who, SlashReason::Dissent);
				}
			},
			JobStatus::Open => {
				let agreeing = Self::revealed_with(id, &key);
				// A strict majority of all commits can no longer be outvoted, whatever the
				// rest reveal: verify now. Anything less waits for the reveal deadline.
				if agreeing.len() as u32 >= job.attestations
					&& 2 * agreeing.len() as u32 > job.commits
				{
					Self::verify(id, &mut job, result, agreeing)?;
				}
			},
			_ => return Err(Error::<T>::JobNotOpen.into()),
		}
		Jobs::<T>::insert(id, job);
		Ok(walked)
	}

	/// The trainers whose revealed result has `key`.
	fn revealed_with(id: JobId, key: &AgreementKey) -> Vec<T::AccountId> {
		Attestations::<T>::iter_prefix(id)
			.filter(|(_, a)| a.revealed.as_ref().is_some_and(|r| r.agreement_key() == *key))
			.map(|(trainer, _)| trainer)
			.collect()
	}

	/// How many reveals each agreement key has.
	pub(crate) fn groups(id: JobId) -> BTreeMap<AgreementKey, (u32, AttestedResult)> {
		let mut groups: BTreeMap<AgreementKey, (u32, AttestedResult)> = BTreeMap::new();
		for (_, attestation) in Attestations::<T>::iter_prefix(id) {
			if let Some(result) = attestation.revealed {
				groups.entry(result.agreement_key()).or_insert((0, result)).0 += 1;
			}
		}
		groups
	}

	/// At the reveal deadline, the outcome of a job not verified early: the largest group
	/// of agreeing reveals wins if it has at least k members and more than any other group.
	pub(crate) fn verify_at_deadline(
		id: JobId,
		job: &mut JobOf<T>,
		groups: &BTreeMap<AgreementKey, (u32, AttestedResult)>,
	) -> DispatchResult {
		let mut sizes: Vec<u32> = groups.values().map(|(size, _)| *size).collect();
		sizes.sort_unstable_by(|a, b| b.cmp(a));
		let (Some(&largest), runner_up) = (sizes.first(), sizes.get(1).copied().unwrap_or(0))
		else {
			return Ok(());
		};
		if largest < job.attestations || largest == runner_up {
			return Ok(());
		}
		let (_, result) = groups
			.values()
			.find(|(size, _)| *size == largest)
			.cloned()
			.expect("the largest group exists");
		let agreeing = Self::revealed_with(id, &result.agreement_key());
		Self::verify(id, job, result, agreeing)
	}

	/// Stores the verified model with its lineage, pays the bounty to the agreeing
	/// trainers and slashes those that revealed something else.
	fn verify(
		id: JobId,
		job: &mut JobOf<T>,
		result: AttestedResult,
		agreeing: Vec<T::AccountId>,
	) -> DispatchResult {
		let model_id: ModelId = NextModelId::<T>::get();
		NextModelId::<T>::put(model_id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let key = result.agreement_key();
		let parts = agreeing.len() as u32;
		for (index, trainer) in agreeing.iter().enumerate() {
			let amount: BalanceOf<T> = share(job.bounty, index as u32, parts);
			if amount.is_zero() {
				continue;
			}
			T::Currency::transfer_on_hold(
				&HoldReason::JobBounty.into(),
				&job.creator,
				trainer,
				amount,
				Precision::Exact,
				Restriction::Free,
				// The escrow is the trainers' once they agreed: no lock of the creator's
				// may keep it.
				Fortitude::Force,
			)?;
			Self::deposit_event(Event::BountyPaid { job: id, trainer: trainer.clone(), amount });
		}
		let dissenting: Vec<T::AccountId> = Attestations::<T>::iter_prefix(id)
			.filter(|(_, a)| a.revealed.as_ref().is_some_and(|r| r.agreement_key() != key))
			.map(|(trainer, _)| trainer)
			.collect();
		for trainer in &dissenting {
			Self::slash_trainer(id, trainer, SlashReason::Dissent);
		}

		let mut filters = Vec::from([ModelFilter::Base(job.base)]);
		filters.extend(job.snapshots.iter().map(|s| ModelFilter::Datanet(s.datanet)));
		filters.extend(agreeing.iter().cloned().map(ModelFilter::Trainer));
		for filter in filters {
			ModelIndex::<T>::insert(&filter, ordered(model_id), ());
			ModelIndexCount::<T>::mutate(&filter, |count| count.saturating_inc());
		}
		let model = Model {
			job: id,
			base: job.base,
			parent: job.parent,
			snapshots: job.snapshots.clone(),
			method: job.method.clone(),
			hyper: job.hyper.clone(),
			result,
			attesters: BoundedVec::try_from(agreeing).map_err(|_| Error::<T>::Overflow)?,
			verified_at: frame_system::Pallet::<T>::block_number(),
		};
		Models::<T>::insert(model_id, model);
		Self::index_job(id, Some(JobStatusKind::Open), JobStatusKind::Verified);
		job.status = JobStatus::Verified(model_id);
		Self::deposit_event(Event::ModelVerified { model: model_id, job: id, model_hash: key.0 });
		Ok(())
	}
}
