//! v2 -> v3: dataset snapshots. Each entry of a datanet's accepted log
//! (`AcceptedSubmissions`) was a bare submission id; it becomes an `AcceptedEntry` that also
//! holds the log's running head after it (see `snapshots`). Every datanet's log is
//! rewritten in index order, each head chained from the one before, from `EMPTY_HEAD`.
//! A hole or an entry that names no acceptance (neither happens under the v2 invariants)
//! stops that datanet's rewrite with an error logged, and `post_upgrade` fails.
//!
//! Single-block and O(accepted submissions), like v1 and v2: meant for chains from before
//! launch. A chain with millions of accepted files would need a multi-block migration.

use crate::{
	AcceptedEntry, AcceptedSubmissions, Config, DatanetId, Datanets, Pallet, SubmissionId,
};
use frame_support::{
	migrations::VersionedMigration,
	storage::unhashed,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use openledger_primitives::dataset::EMPTY_HEAD;
#[cfg(feature = "try-runtime")]
use {
	alloc::vec::Vec,
	codec::{Decode, Encode},
};

const TARGET: &str = "runtime::datanets::v3";

/// The v2 value of an `AcceptedSubmissions` entry, at the same key as in v3: the
/// submission id alone.
pub fn v2_entry<T: Config>(datanet: DatanetId, index: u32) -> Option<SubmissionId> {
	unhashed::get(&AcceptedSubmissions::<T>::hashed_key_for(datanet, index))
}

/// The v2 -> v3 rewrite of the accepted logs; see the module docs.
pub struct ChainAcceptedHeads<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for ChainAcceptedHeads<T> {
	fn on_runtime_upgrade() -> Weight {
		let (mut reads, mut writes) = (0u64, 0u64);
		let logs: alloc::vec::Vec<(DatanetId, u32)> =
			Datanets::<T>::iter().map(|(id, datanet)| (id, datanet.accepted_count)).collect();
		for (datanet, count) in logs {
			reads += 1;
			let mut head = EMPTY_HEAD;
			for index in 0..count {
				reads += 2;
				let Some(id) = v2_entry::<T>(datanet, index) else {
					log::error!(target: TARGET, "hole at {index} of datanet {datanet}'s accepted log");
					break;
				};
				let Some((submission, weight)) = Pallet::<T>::accepted_submission(id) else {
					log::error!(target: TARGET, "datanet {datanet} lists {id}, not an acceptance");
					break;
				};
				head = Pallet::<T>::entry_head(&head, index, id, &submission, weight);
				AcceptedSubmissions::<T>::insert(
					datanet,
					index,
					AcceptedEntry { submission: id, head },
				);
				writes += 1;
			}
		}
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let mut logs: Vec<(DatanetId, u32, SubmissionId)> = Vec::new();
		for (datanet, index) in AcceptedSubmissions::<T>::iter_keys() {
			let id = v2_entry::<T>(datanet, index).ok_or("a v2 accepted entry undecodable")?;
			logs.push((datanet, index, id));
		}
		Ok(logs.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let logs: Vec<(DatanetId, u32, SubmissionId)> =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		frame_support::ensure!(
			AcceptedSubmissions::<T>::iter().count() == logs.len(),
			"an accepted log entry was lost or undecodable"
		);
		for (datanet, index, id) in logs {
			frame_support::ensure!(
				AcceptedSubmissions::<T>::get(datanet, index).map(|entry| entry.submission)
					== Some(id),
				"an accepted log entry names another submission"
			);
		}
		Pallet::<T>::do_try_state()
	}
}

/// The v2 -> v3 migration, run once: it checks and bumps the on-chain storage version.
pub type MigrateV2ToV3<T> = VersionedMigration<
	2,
	3,
	ChainAcceptedHeads<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
