//! Jobs: creation (checks, snapshots, escrow), cancellation, expiry and settlement, and the
//! status index the paged reads walk.

use crate::{
	ordered, Attestations, BaseModelStatus, BaseModels, Config, Error, Event, HoldReason,
	HyperParameters, Job, JobId, JobIndex, JobIndexCount, JobOf, JobSpecOf, JobStatus,
	JobStatusKind, Jobs, LoraSettings, ModelSource, Models, NextJobId, Pallet, SlashReason,
	Snapshot, Trainers, TrainingLength, TrainingMethod, MAX_ATTESTERS,
};
use frame_support::{
	ensure,
	traits::{fungible::MutateHold, tokens::Precision, Get},
	BoundedVec,
};
use openledger_primitives::dataset::DatasetSnapshots;
use sp_arithmetic::{FixedU64, Perbill};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

/// Largest LoRA rank a job may ask for.
pub const MAX_LORA_RANK: u16 = 1024;
/// Largest batch size and gradient accumulation.
pub const MAX_BATCH: u32 = 4096;
/// Most steps a job may ask for.
pub const MAX_STEPS: u32 = 10_000_000;
/// Most epochs a job may ask for.
pub const MAX_EPOCHS: u32 = 1000;
/// Longest training sequence, in tokens.
pub const MAX_SEQUENCE_LENGTH: u32 = 131_072;

fn check_lora<T: Config>(lora: &LoraSettings) -> Result<(), Error<T>> {
	ensure!((1..=MAX_LORA_RANK).contains(&lora.rank), Error::<T>::InvalidLoraRank);
	ensure!(lora.alpha >= 1, Error::<T>::InvalidLoraAlpha);
	for module in &lora.target_modules {
		let valid = !module.is_empty()
			&& module.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
		ensure!(valid, Error::<T>::InvalidTargetModule);
	}
	ensure!(
		!crate::trainers::has_duplicates(&lora.target_modules),
		Error::<T>::DuplicateTargetModule
	);
	Ok(())
}

pub(crate) fn check_method<T: Config>(method: &TrainingMethod) -> Result<(), Error<T>> {
	match method {
		TrainingMethod::Lora(lora) => check_lora::<T>(lora),
		TrainingMethod::Qlora { lora, bits } => {
			ensure!(matches!(bits, 4 | 8), Error::<T>::InvalidQuantBits);
			check_lora::<T>(lora)
		},
	}
}

pub(crate) fn check_hyper<T: Config>(hyper: &HyperParameters) -> Result<(), Error<T>> {
	ensure!(
		!hyper.learning_rate.is_zero() && hyper.learning_rate <= FixedU64::from_u32(1),
		Error::<T>::InvalidLearningRate
	);
	ensure!((1..=MAX_BATCH).contains(&hyper.batch_size), Error::<T>::InvalidBatchSize);
	ensure!(
		(1..=MAX_BATCH).contains(&hyper.gradient_accumulation),
		Error::<T>::InvalidGradientAccumulation
	);
	match hyper.length {
		TrainingLength::Steps(steps) => {
			ensure!((1..=MAX_STEPS).contains(&steps), Error::<T>::InvalidTrainingLength);
			ensure!(hyper.warmup_steps <= steps, Error::<T>::WarmupTooLong);
		},
		TrainingLength::Epochs(epochs) => {
			ensure!((1..=MAX_EPOCHS).contains(&epochs), Error::<T>::InvalidTrainingLength)
		},
	}
	ensure!(
		(2..=MAX_SEQUENCE_LENGTH).contains(&hyper.sequence_length),
		Error::<T>::InvalidSequenceLength
	);
	Ok(())
}

/// The eval set: a held-out datanet's snapshot, or (`None`) a split of the training data of
/// above 0 and at most 50%; never both.
fn eval_snapshot<T: Config>(spec: &JobSpecOf<T>) -> Result<Option<Snapshot>, Error<T>> {
	let Some(datanet) = spec.eval_datanet else {
		let fraction = spec.hyper.eval_fraction;
		ensure!(
			!fraction.is_zero() && fraction <= Perbill::from_percent(50),
			Error::<T>::InvalidEvalFraction
		);
		return Ok(None);
	};
	ensure!(spec.hyper.eval_fraction.is_zero(), Error::<T>::EvalFractionWithEvalDatanet);
	ensure!(!spec.datanets.contains(&datanet), Error::<T>::EvalDatanetTrainedOn);
	let snapshot = T::Datasets::current_snapshot(datanet).ok_or(Error::<T>::DatanetNotFound)?;
	ensure!(snapshot.count > 0, Error::<T>::EmptyDataset);
	Ok(Some(snapshot))
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_create_job(
		creator: T::AccountId,
		spec: JobSpecOf<T>,
	) -> Result<JobId, sp_runtime::DispatchError> {
		let (base, parent) = match spec.source {
			ModelSource::Base(base) => (base, None),
			ModelSource::Refine(parent) => {
				let model = Models::<T>::get(parent).ok_or(Error::<T>::ModelNotFound)?;
				(model.base, Some(parent))
			},
		};
		let base_model = BaseModels::<T>::get(base).ok_or(Error::<T>::BaseModelNotFound)?;
		ensure!(base_model.status == BaseModelStatus::Active, Error::<T>::BaseModelRetired);
		ensure!(!spec.datanets.is_empty(), Error::<T>::NoDatanets);
		ensure!(!crate::trainers::has_duplicates(&spec.datanets), Error::<T>::DuplicateDatanet);
		check_method::<T>(&spec.method)?;
		check_hyper::<T>(&spec.hyper)?;
		ensure!(spec.bounty >= T::MinBounty::get(), Error::<T>::BountyTooLow);
		ensure!(spec.attestations >= T::MinAttestations::get(), Error::<T>::TooFewAttestations);
		ensure!(
			spec.max_attesters > spec.attestations && spec.max_attesters <= MAX_ATTESTERS,
			Error::<T>::InvalidMaxAttesters
		);
		ensure!(
			(T::MinPeriod::get()..=T::MaxCommitPeriod::get()).contains(&spec.commit_period),
			Error::<T>::InvalidCommitPeriod
		);
		ensure!(
			(T::MinPeriod::get()..=T::MaxRevealPeriod::get()).contains(&spec.reveal_period),
			Error::<T>::InvalidRevealPeriod
		);
		let eval = eval_snapshot::<T>(&spec)?;
		let mut snapshots = BoundedVec::new();
		for datanet in &spec.datanets {
			let snapshot =
				T::Datasets::current_snapshot(*datanet).ok_or(Error::<T>::DatanetNotFound)?;
			ensure!(snapshot.count > 0, Error::<T>::EmptyDataset);
			snapshots.try_push(snapshot).map_err(|_| Error::<T>::NoDatanets)?;
		}
		T::Currency::hold(&HoldReason::JobBounty.into(), &creator, spec.bounty)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let id = NextJobId::<T>::get();
		NextJobId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let now = frame_system::Pallet::<T>::block_number();
		let commit_ends = now.saturating_add(spec.commit_period);
		let job = Job {
			creator: creator.clone(),
			base,
			parent,
			snapshots,
			method: spec.method,
			hyper: spec.hyper,
			determinism: spec.determinism,
			bounty: spec.bounty,
			attestations: spec.attestations,
			max_attesters: spec.max_attesters,
			created_at: now,
			commit_ends,
			reveal_ends: commit_ends.saturating_add(spec.reveal_period),
			commits: 0,
			reveals: 0,
			status: JobStatus::Open,
			settled: false,
			eval,
		};
		Jobs::<T>::insert(id, job);
		Self::index_job(id, None, JobStatusKind::Open);
		Self::deposit_event(Event::JobCreated { job: id, creator, bounty: spec.bounty });
		Ok(id)
	}

	/// Moves a job between the status lists of `JobIndex`.
	pub(crate) fn index_job(id: JobId, from: Option<JobStatusKind>, to: JobStatusKind) {
		if let Some(from) = from {
			JobIndex::<T>::remove(from, ordered(id));
			JobIndexCount::<T>::mutate(from, |count| count.saturating_dec());
		}
		JobIndex::<T>::insert(to, ordered(id), ());
		JobIndexCount::<T>::mutate(to, |count| count.saturating_inc());
	}

	/// Ends an open job as `status` and returns its bounty to the creator.
	fn end_with_refund(id: JobId, job: &mut JobOf<T>, status: JobStatus) {
		// The hold is exactly the bounty (try_state checks it): nothing to be short of.
		let _ = T::Currency::release(
			&HoldReason::JobBounty.into(),
			&job.creator,
			job.bounty,
			Precision::BestEffort,
		);
		Self::index_job(id, Some(job.status.kind()), status.kind());
		job.status = status;
		job.settled = true;
	}

	pub(crate) fn do_cancel_job(who: T::AccountId, id: JobId) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
		ensure!(job.creator == who, Error::<T>::NotJobCreator);
		ensure!(job.status == JobStatus::Open, Error::<T>::JobNotOpen);
		ensure!(job.commits == 0, Error::<T>::JobHasCommits);
		Self::end_with_refund(id, &mut job, JobStatus::Cancelled);
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::JobCancelled { job: id });
		Ok(())
	}

	/// Settles a due job; returns how many attestations it settled.
	pub(crate) fn do_finalize_job(id: JobId) -> Result<u32, sp_runtime::DispatchError> {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
		ensure!(!job.settled, Error::<T>::AlreadySettled);
		let now = frame_system::Pallet::<T>::block_number();
		if job.commits == 0 {
			ensure!(now > job.commit_ends, Error::<T>::JobNotDue);
			Self::end_with_refund(id, &mut job, JobStatus::Expired);
			Jobs::<T>::insert(id, job);
			Self::deposit_event(Event::JobExpired { job: id });
			return Ok(0);
		}
		ensure!(now > job.reveal_ends, Error::<T>::JobNotDue);
		if job.status == JobStatus::Open {
			Self::verify_at_deadline(id, &mut job, &Self::groups(id))?;
		}
		// With fewer commits than k no agreement was possible: a reveal could only have
		// handed the work to a job that fails, so not revealing costs nothing.
		let reveals_mattered = job.commits >= job.attestations;
		let mut settled = 0u32;
		for (trainer, attestation) in Attestations::<T>::drain_prefix(id) {
			settled.saturating_inc();
			if attestation.revealed.is_none() && reveals_mattered {
				Self::slash_trainer(id, &trainer, SlashReason::Unrevealed);
			}
			Trainers::<T>::mutate(&trainer, |record| {
				if let Some(record) = record {
					record.open_commitments.saturating_dec();
				}
			});
		}
		if job.status == JobStatus::Open {
			Self::end_with_refund(id, &mut job, JobStatus::Failed);
			Self::deposit_event(Event::JobFailed { job: id });
		}
		job.settled = true;
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::JobSettled { job: id });
		Ok(settled)
	}
}
