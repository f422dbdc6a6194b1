//! Read paths shared by the view functions and the runtime API. Each is bounded: pages
//! take at most `MAX_PAGE_SIZE` items, leaderboards walk their trees (no scan of the
//! contributors), pending submissions and rewards come from per-datanet and per-account
//! indexes, and a page of the accepted log reads only its own entries.

use crate::{
	views::*, AcceptedSubmissions, BalanceOf, Board, Config, Datanets, Earnings, EpochEarnings,
	NextDatanetId, Pallet, PendingCount, PendingSubmissions, SubmissionId, SubmissionOf,
	Submissions, UnclaimedEarnings, Validators, Votes,
};
use alloc::vec::Vec;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Saturating;

/// A page of a leaderboard.
pub type LeaderboardPageOf<T> =
	Page<LeaderboardEntry<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>>;
/// A contributor's standing on a board.
pub type ContributorInfoOf<T> =
	ContributorInfo<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
/// A submission as the read paths show it.
pub type SubmissionInfoOf<T> =
	SubmissionInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A datanet as the read paths show it.
pub type DatanetInfoOf<T> =
	DatanetInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A validator's bond as the read paths show it.
pub type ValidatorInfoOf<T> =
	ValidatorInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// An entry of the accepted log as the read paths show it.
pub type AcceptedInfoOf<T> = AcceptedInfo<<T as frame_system::Config>::AccountId>;

fn check_limit(limit: u32) -> Result<(), QueryError> {
	if limit > MAX_PAGE_SIZE {
		return Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE });
	}
	Ok(())
}

impl<T: Config> Pallet<T> {
	fn check_board(board: Board) -> Result<(), QueryError> {
		match board {
			Board::Datanet(id) if !Datanets::<T>::contains_key(id) => {
				Err(QueryError::DatanetNotFound)
			},
			_ => Ok(()),
		}
	}

	/// A page of `board`, best first.
	pub fn query_leaderboard(
		board: Board,
		offset: u32,
		limit: u32,
	) -> Result<LeaderboardPageOf<T>, QueryError> {
		Self::check_board(board)?;
		check_limit(limit)?;
		let items = Self::ranked_page(board, offset, limit)
			.into_iter()
			.zip(1u32..)
			.map(|((account, _), position)| LeaderboardEntry {
				rank: offset.saturating_add(position),
				stats: Self::stats_on(board, &account),
				account,
			})
			.collect();
		Ok(Page { total: Self::board_size(board), offset, items })
	}

	/// An account's stats and rank on `board`.
	pub fn query_contributor(
		board: Board,
		account: T::AccountId,
	) -> Result<ContributorInfoOf<T>, QueryError> {
		Self::check_board(board)?;
		Ok(ContributorInfo {
			rank: Self::rank_of(board, &account),
			ranked: Self::board_size(board),
			stats: Self::stats_on(board, &account),
			account,
			board,
		})
	}

	/// A submission and its unsettled votes.
	pub fn query_submission(id: SubmissionId) -> Result<SubmissionInfoOf<T>, QueryError> {
		Submissions::<T>::get(id)
			.map(|submission| Self::submission_info(id, submission))
			.ok_or(QueryError::SubmissionNotFound)
	}

	/// Pending submissions of a datanet, oldest first. Costs O(offset + limit) key reads:
	/// pending sets stay small because every submission is decided or expires within its
	/// voting period.
	pub fn query_pending(
		datanet: crate::DatanetId,
		offset: u32,
		limit: u32,
	) -> Result<Page<SubmissionInfoOf<T>>, QueryError> {
		Self::check_board(Board::Datanet(datanet))?;
		check_limit(limit)?;
		let items = PendingSubmissions::<T>::iter_key_prefix(datanet)
			.skip(offset as usize)
			.take(limit as usize)
			.filter_map(|key| {
				let id = SubmissionId::from_be_bytes(key);
				Submissions::<T>::get(id).map(|submission| Self::submission_info(id, submission))
			})
			.collect();
		Ok(Page { total: PendingCount::<T>::get(datanet), offset, items })
	}

	/// Datanets by id; ids are dense, so a page reads only its own datanets.
	pub fn query_datanets(offset: u32, limit: u32) -> Result<Page<DatanetInfoOf<T>>, QueryError> {
		check_limit(limit)?;
		let total = NextDatanetId::<T>::get();
		let items = (offset..total.min(offset.saturating_add(limit)))
			.filter_map(|id| Self::query_datanet(id).ok())
			.collect();
		Ok(Page { total, offset, items })
	}

	/// A datanet and its counts.
	pub fn query_datanet(id: crate::DatanetId) -> Result<DatanetInfoOf<T>, QueryError> {
		let record = Datanets::<T>::get(id).ok_or(QueryError::DatanetNotFound)?;
		Ok(DatanetInfo {
			id,
			owner: record.owner,
			name: record.name.into_inner(),
			description: record.description.into_inner(),
			modality: record.modality,
			caps: record.caps,
			voting: record.voting,
			status: record.status,
			deposit: record.deposit,
			reward_pool: record.reward_pool,
			reward_per_epoch: record.reward_per_epoch,
			next_reward_per_epoch: record.next_reward_per_epoch,
			active_stake: record.active_stake,
			validators: record.validators,
			created_at: record.created_at,
			accepted: record.accepted_count,
			pending: PendingCount::<T>::get(id),
			contributors: Self::board_size(Board::Datanet(id)),
			gateways: crate::DatanetGateways::<T>::get(id)
				.into_iter()
				.map(|url| url.into_inner())
				.collect(),
		})
	}

	/// What `account` may still submit to `datanet` today.
	pub fn query_allowance(
		datanet: crate::DatanetId,
		account: T::AccountId,
	) -> Result<crate::Allowance, QueryError> {
		let record = Datanets::<T>::get(datanet).ok_or(QueryError::DatanetNotFound)?;
		Ok(Self::remaining_allowance(&account, datanet, &record.caps))
	}

	/// A validator's bond and unclaimed agreeing stake on a datanet.
	pub fn query_validator(
		datanet: crate::DatanetId,
		validator: T::AccountId,
	) -> Result<ValidatorInfoOf<T>, QueryError> {
		Self::check_board(Board::Datanet(datanet))?;
		let bond = Validators::<T>::get(datanet, &validator).ok_or(QueryError::NotValidator)?;
		let unclaimed_agreeing_stake = UnclaimedEarnings::<T>::iter_key_prefix(&validator)
			.filter(|(on, _)| *on == datanet)
			.map(|(on, epoch)| Earnings::<T>::get((on, epoch, &validator)).agreeing_stake)
			.fold(Default::default(), |sum: BalanceOf<T>, stake| sum.saturating_add(stake));
		Ok(ValidatorInfo { datanet, validator, bond, unclaimed_agreeing_stake })
	}

	/// The account's unclaimed earnings, one entry per (datanet, epoch).
	pub fn query_rewards(
		account: T::AccountId,
		offset: u32,
		limit: u32,
	) -> Result<Page<RewardInfo<BalanceOf<T>>>, QueryError> {
		check_limit(limit)?;
		let current = Self::current_epoch();
		let keys: Vec<_> = UnclaimedEarnings::<T>::iter_key_prefix(&account).collect();
		let items = keys
			.iter()
			.skip(offset as usize)
			.take(limit as usize)
			.map(|&(datanet, epoch)| {
				let earned: EpochEarnings<BalanceOf<T>> =
					Earnings::<T>::get((datanet, epoch, &account));
				RewardInfo {
					datanet,
					epoch,
					score: earned.score,
					agreeing_stake: earned.agreeing_stake,
					claimable: (epoch < current).then(|| Self::claimable(datanet, epoch, earned)),
				}
			})
			.collect();
		Ok(Page { total: keys.len() as u32, offset, items })
	}

	/// A page of the datanet's accepted log, in acceptance order; indexes are dense, so a
	/// page reads only its own entries (and their submissions).
	pub fn query_accepted(
		datanet: crate::DatanetId,
		offset: u32,
		limit: u32,
	) -> Result<Page<AcceptedInfoOf<T>>, QueryError> {
		let total = Datanets::<T>::get(datanet).ok_or(QueryError::DatanetNotFound)?.accepted_count;
		check_limit(limit)?;
		let items = (offset..total.min(offset.saturating_add(limit)))
			.filter_map(|index| {
				let entry = AcceptedSubmissions::<T>::get(datanet, index)?;
				let (submission, weight) = Self::accepted_submission(entry.submission)?;
				Some(AcceptedInfo {
					index,
					submission: entry.submission,
					cid: submission.cid.into_inner(),
					contributor: submission.contributor,
					weight,
					head: entry.head,
				})
			})
			.collect();
		Ok(Page { total, offset, items })
	}

	fn submission_info(id: SubmissionId, submission: SubmissionOf<T>) -> SubmissionInfoOf<T> {
		SubmissionInfo {
			id,
			datanet: submission.datanet,
			contributor: submission.contributor,
			cid: submission.cid.into_inner(),
			bytes: submission.bytes,
			format: submission.format,
			submitted_at: submission.submitted_at,
			commit_ends: submission.commit_ends,
			reveal_ends: submission.reveal_ends,
			status: submission.status,
			deposit: submission.deposit,
			stake_snapshot: submission.stake_snapshot,
			tally: submission.tally,
			settled: submission.settled,
			votes: Votes::<T>::iter_prefix(id)
				.map(|(validator, vote)| VoteInfo {
					validator,
					stake: vote.stake,
					revealed: vote.revealed,
				})
				.collect(),
		}
	}
}
