//! v0 -> v1: builds the query indexes added in v1 (leaderboard trees, pending submissions,
//! unclaimed earnings per account) from the state they summarise.
//!
//! Single-block and O(state): meant for chains from before launch, whose state is small.
//! A chain with millions of contributors would need a multi-block migration instead.

use crate::{
	leaderboard::BoardStats, Config, ContributorStatsOf, Earnings, GlobalStats, Pallet,
	SubmissionStatus, Submissions, UnclaimedEarnings,
};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// The v0 -> v1 index build; see the module docs.
pub struct BuildQueryIndexes<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for BuildQueryIndexes<T> {
	fn on_runtime_upgrade() -> Weight {
		let (mut reads, mut writes) = (0u64, 0u64);
		for (id, submission) in Submissions::<T>::iter() {
			reads += 1;
			if submission.status == SubmissionStatus::Pending {
				Pallet::<T>::add_pending(submission.datanet, id);
				writes += 2;
			}
		}
		// Each datanet's board, then the global board, from the per-datanet stats.
		let mut ranked = alloc::vec::Vec::new();
		for (datanet, account, stats) in ContributorStatsOf::<T>::iter() {
			reads += 1;
			if stats.first_accepted_at.is_some() {
				ranked.push((datanet, account, stats));
			}
		}
		for (datanet, account, stats) in ranked {
			let global = GlobalStats::<T>::get(&account);
			let stats = BoardStats { datanet: stats, global };
			let height = Pallet::<T>::update_boards(datanet, &account, &stats);
			reads += 2 * u64::from(height) + 2;
			writes += 2 * u64::from(height) + 2;
		}
		for ((datanet, epoch, account), _) in Earnings::<T>::iter() {
			UnclaimedEarnings::<T>::insert(account, (datanet, epoch), ());
			reads += 1;
			writes += 1;
		}
		T::DbWeight::get().reads_writes(reads, writes)
	}
}

/// The v0 -> v1 migration, run once: it checks and bumps the on-chain storage version.
pub type MigrateV0ToV1<T> = VersionedMigration<
	0,
	1,
	BuildQueryIndexes<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
