//! Contributor standing: per-datanet and chain-wide stats, and the accepted log.

use crate::{
	leaderboard::BoardStats, Config, ContributorStatsOf, DatanetId, DatanetOf, GlobalStats, Pallet,
	Quality, StatsOf, SubmissionId, SubmissionOf,
};
use sp_runtime::{traits::Saturating, DispatchError};

impl<T: Config> Pallet<T> {
	/// Applies `update` to the contributor's stats on `datanet` and to their global stats;
	/// returns both as updated.
	pub(crate) fn record_stats(
		datanet: DatanetId,
		contributor: &T::AccountId,
		update: impl Fn(&mut StatsOf<T>),
	) -> BoardStats<T> {
		let apply = |stats: &mut StatsOf<T>| {
			update(stats);
			*stats
		};
		BoardStats {
			datanet: ContributorStatsOf::<T>::mutate(datanet, contributor, apply),
			global: GlobalStats::<T>::mutate(contributor, apply),
		}
	}

	pub(crate) fn record_submitted(datanet: DatanetId, contributor: &T::AccountId) {
		Self::record_stats(datanet, contributor, |stats| stats.submitted.saturating_inc());
	}

	/// Counts an acceptance: appends the submission to the datanet's accepted log (see
	/// `snapshots`), raises the contributor's score by `weight` and moves them up the
	/// datanet's and the global leaderboard. Returns the contributor's new score on the
	/// datanet and the taller leaderboard's height (what the board update cost).
	pub(crate) fn record_accepted(
		datanet: &mut DatanetOf<T>,
		id: SubmissionId,
		submission: &SubmissionOf<T>,
		weight: Quality,
	) -> Result<(u64, u8), DispatchError> {
		Self::append_accepted(datanet, id, submission, weight)?;
		let now = frame_system::Pallet::<T>::block_number();
		let stats = Self::record_stats(submission.datanet, &submission.contributor, |stats| {
			stats.accepted.saturating_inc();
			stats.accepted_bytes.saturating_accrue(submission.bytes);
			stats.score.saturating_accrue(weight as u64);
			stats.first_accepted_at.get_or_insert(now);
		});
		let board_height = Self::update_boards(submission.datanet, &submission.contributor, &stats);
		Ok((stats.datanet.score, board_height))
	}
}
