//! The reads behind the view functions and the runtime API: each touches at most
//! `MAX_PAGE_SIZE` items (after skipping `offset` keys).

use crate::{
	attestations::{commits_open, reveals_open},
	views::{
		AttestationInfo, BaseModelInfo, BaseModelInfoOf, JobInfo, JobInfoOf, JobPhase, ModelInfo,
		ModelInfoOf, Page, TrainerInfo, TrainerInfoOf, MAX_PAGE_SIZE,
	},
	Attestations, BaseModelId, BaseModels, Config, JobId, JobIndex, JobIndexCount, JobOf,
	JobStatusKind, Jobs, ModelFilterOf, ModelId, ModelIndex, ModelIndexCount, Models,
	NextBaseModelId, NextJobId, NextModelId, Pallet, QueryError, Trainers,
};
use alloc::vec::Vec;

fn check_limit(limit: u32) -> Result<(), QueryError> {
	if limit > MAX_PAGE_SIZE {
		return Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE });
	}
	Ok(())
}

fn id_of(key: [u8; 8]) -> u64 {
	u64::from_be_bytes(key)
}

impl<T: Config> Pallet<T> {
	/// A base model (view `base_model`, RPC `models_baseModel`).
	pub fn query_base_model(id: BaseModelId) -> Result<BaseModelInfoOf<T>, QueryError> {
		let model = BaseModels::<T>::get(id).ok_or(QueryError::BaseModelNotFound)?;
		Ok(BaseModelInfo { id, model })
	}

	/// Base models by id (view `base_models`, RPC `models_baseModels`).
	pub fn query_base_models(
		offset: u32,
		limit: u32,
	) -> Result<Page<BaseModelInfoOf<T>>, QueryError> {
		check_limit(limit)?;
		let total = NextBaseModelId::<T>::get();
		let items = (offset..total.min(offset.saturating_add(limit)))
			.filter_map(|id| Self::query_base_model(id).ok())
			.collect();
		Ok(Page { total, offset, items })
	}

	/// A trainer (view `trainer`, RPC `models_trainer`).
	pub fn query_trainer(account: T::AccountId) -> Result<TrainerInfoOf<T>, QueryError> {
		let trainer = Trainers::<T>::get(&account).ok_or(QueryError::TrainerNotFound)?;
		Ok(TrainerInfo { account, trainer })
	}

	fn phase(job: &JobOf<T>) -> JobPhase {
		if job.settled {
			JobPhase::Settled
		} else if commits_open::<T>(job) {
			JobPhase::Committing
		} else if reveals_open::<T>(job) && job.commits > 0 {
			JobPhase::Revealing
		} else {
			JobPhase::Due
		}
	}

	/// A job with its phase and unsettled attestations (view `job`, RPC `models_job`).
	pub fn query_job(id: JobId) -> Result<JobInfoOf<T>, QueryError> {
		let job = Jobs::<T>::get(id).ok_or(QueryError::JobNotFound)?;
		let attestations = Attestations::<T>::iter_prefix(id)
			.map(|(trainer, attestation)| AttestationInfo {
				trainer,
				revealed: attestation.revealed,
			})
			.collect();
		Ok(JobInfo { id, phase: Self::phase(&job), job, attestations })
	}

	/// Jobs by id, all or of one status (view `jobs`, RPC `models_jobs`).
	pub fn query_jobs(
		status: Option<JobStatusKind>,
		offset: u32,
		limit: u32,
	) -> Result<Page<JobInfoOf<T>>, QueryError> {
		check_limit(limit)?;
		let (total, ids): (u32, Vec<JobId>) = match status {
			None => {
				let total = NextJobId::<T>::get();
				let end = total.min(offset as u64 + limit as u64);
				(total.min(u32::MAX as u64) as u32, (offset as u64..end).collect())
			},
			Some(status) => (
				JobIndexCount::<T>::get(status),
				JobIndex::<T>::iter_key_prefix(status)
					.skip(offset as usize)
					.take(limit as usize)
					.map(id_of)
					.collect(),
			),
		};
		let items = ids.into_iter().filter_map(|id| Self::query_job(id).ok()).collect();
		Ok(Page { total, offset, items })
	}

	/// A verified model (view `model`, RPC `models_model`).
	pub fn query_model(id: ModelId) -> Result<ModelInfoOf<T>, QueryError> {
		let model = Models::<T>::get(id).ok_or(QueryError::ModelNotFound)?;
		Ok(ModelInfo { id, model })
	}

	/// Verified models by id, all or of one index (view `models`, RPC `models_models`).
	pub fn query_models(
		filter: Option<ModelFilterOf<T>>,
		offset: u32,
		limit: u32,
	) -> Result<Page<ModelInfoOf<T>>, QueryError> {
		check_limit(limit)?;
		let (total, ids): (u32, Vec<ModelId>) = match filter {
			None => {
				let total = NextModelId::<T>::get();
				let end = total.min(offset as u64 + limit as u64);
				(total.min(u32::MAX as u64) as u32, (offset as u64..end).collect())
			},
			Some(filter) => (
				ModelIndexCount::<T>::get(&filter),
				ModelIndex::<T>::iter_key_prefix(&filter)
					.skip(offset as usize)
					.take(limit as usize)
					.map(id_of)
					.collect(),
			),
		};
		let items = ids.into_iter().filter_map(|id| Self::query_model(id).ok()).collect();
		Ok(Page { total, offset, items })
	}
}
