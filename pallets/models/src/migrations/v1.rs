//! v0 -> v1: jobs name their eval set. `Job` gained `eval: Option<Snapshot>` as its last
//! field, so a v0 job's encoding followed by one zero byte (`None`) is the same job in v1:
//! every stored job gets that byte, and keeps its eval split of the training data.
//!
//! Single-block and O(jobs): meant for chains from before launch.

use crate::{Config, JobId, Jobs, Pallet};
use frame_support::{
	migrations::VersionedMigration,
	storage::unhashed,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
#[cfg(feature = "try-runtime")]
use {
	alloc::vec::Vec,
	codec::{Decode, Encode},
};

/// The encoding of `None`, appended to each v0 job.
const NO_EVAL_DATANET: u8 = 0;

/// The raw v0 encoding of job `id`, as stored before the upgrade.
pub fn v0_job<T: Config>(id: JobId) -> Option<alloc::vec::Vec<u8>> {
	unhashed::get_raw(&Jobs::<T>::hashed_key_for(id))
}

/// The v0 -> v1 rewrite of the jobs; see the module docs.
pub struct AppendNoEvalDatanet<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for AppendNoEvalDatanet<T> {
	fn on_runtime_upgrade() -> Weight {
		let ids: alloc::vec::Vec<JobId> = Jobs::<T>::iter_keys().collect();
		for id in &ids {
			if let Some(mut bytes) = v0_job::<T>(*id) {
				bytes.push(NO_EVAL_DATANET);
				unhashed::put_raw(&Jobs::<T>::hashed_key_for(id), &bytes);
			}
		}
		let count = ids.len() as u64;
		T::DbWeight::get().reads_writes(count.saturating_add(count), count)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let jobs: Vec<(JobId, Vec<u8>)> =
			Jobs::<T>::iter_keys().filter_map(|id| Some((id, v0_job::<T>(id)?))).collect();
		Ok(jobs.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let jobs: Vec<(JobId, Vec<u8>)> =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		frame_support::ensure!(Jobs::<T>::iter_keys().count() == jobs.len(), "a job was lost");
		for (id, v0) in jobs {
			let job = Jobs::<T>::get(id).ok_or("a migrated job does not decode")?;
			frame_support::ensure!(job.eval.is_none(), "a migrated job names an eval datanet");
			let mut expected = v0;
			expected.push(NO_EVAL_DATANET);
			frame_support::ensure!(job.encode() == expected, "a migrated job changed");
		}
		Pallet::<T>::do_try_state()
	}
}

/// The v0 -> v1 migration, run once: it checks and bumps the on-chain storage version.
pub type MigrateV0ToV1<T> = VersionedMigration<
	0,
	1,
	AppendNoEvalDatanet<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
