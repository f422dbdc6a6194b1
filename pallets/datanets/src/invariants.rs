//! `try_state` invariants, checked after every test and by try-runtime.

use crate::{
	AcceptedSubmissions, AccountUsage, BalanceOf, Board, Config, ContributorStatsOf, DatanetStatus,
	DatanetUsage, Datanets, Earnings, EpochEarnings, Epochs, GlobalStats, HoldReason,
	NextDatanetId, NextSubmissionId, Pallet, PendingCount, PendingSubmissions, RankNodes,
	RankRoots, ReservationQueue, Reservations, Standing, StandingOf, StatsOf, SubmissionByCid,
	SubmissionQueue, SubmissionStatus, Submissions, UnclaimedEarnings, Validators, Votes,
};
use alloc::{
	collections::{btree_map::BTreeMap, btree_set::BTreeSet},
	vec::Vec,
};
use frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, InspectHold},
		Get,
	},
};
use openledger_primitives::dataset::EMPTY_HEAD;
use sp_runtime::{
	traits::{SaturatedConversion, Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the pallet's storage.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_ids()?;
		Self::check_caps()?;
		Self::check_holds()?;
		Self::check_validators()?;
		Self::check_submissions_and_scores()?;
		Self::check_votes()?;
		Self::check_rewards()?;
		Self::check_leaderboards()?;
		Self::check_indexes()?;
		Self::check_queues()?;
		Self::check_gateways()?;
		Ok(())
	}

	/// Gateways belong to existing datanets, are valid URLs and are listed once each.
	fn check_gateways() -> Result<(), TryRuntimeError> {
		for (datanet, gateways) in crate::DatanetGateways::<T>::iter() {
			ensure!(Datanets::<T>::contains_key(datanet), "gateways of an unknown datanet");
			ensure!(!gateways.is_empty(), "an empty gateway list is stored");
			for (i, url) in gateways.iter().enumerate() {
				ensure!(crate::is_gateway_url(url), "an invalid gateway URL is stored");
				ensure!(!gateways[..i].contains(url), "a gateway URL is listed twice");
			}
		}
		Ok(())
	}

	/// Every stored id is below the next id to be given.
	fn check_ids() -> Result<(), TryRuntimeError> {
		let next_datanet = NextDatanetId::<T>::get();
		ensure!(
			Datanets::<T>::iter_keys().all(|id| id < next_datanet),
			"datanet id not below next"
		);
		let next_submission = NextSubmissionId::<T>::get();
		ensure!(
			Submissions::<T>::iter_keys().all(|id| id < next_submission),
			"submission id not below next"
		);
		Ok(())
	}

	/// Each board's tree is a valid AVL tree in leaderboard order whose nodes are exactly
	/// the accounts with an acceptance on that board, at their current standing.
	pub(crate) fn check_leaderboards() -> Result<(), TryRuntimeError> {
		let mut expected: BTreeMap<Board, u32> = BTreeMap::new();
		let datanet_stats = ContributorStatsOf::<T>::iter()
			.map(|(datanet, account, stats)| (Board::Datanet(datanet), account, stats));
		let global_stats =
			GlobalStats::<T>::iter().map(|(account, stats)| (Board::Global, account, stats));
		for (board, account, stats) in datanet_stats.chain(global_stats) {
			if let Some(standing) = Standing::of(&stats) {
				let node = RankNodes::<T>::get(board, &account)
					.ok_or("ranked contributor missing from its leaderboard")?;
				ensure!(node.standing == standing, "leaderboard standing differs from stats");
				*expected.entry(board).or_default() += 1;
			}
		}
		let mut nodes: BTreeMap<Board, u32> = BTreeMap::new();
		for (board, _, _) in RankNodes::<T>::iter() {
			*nodes.entry(board).or_default() += 1;
		}
		ensure!(nodes == expected, "leaderboard holds accounts without an acceptance");
		for (board, root) in RankRoots::<T>::iter() {
			let mut in_order = Vec::new();
			let (size, _) = Self::check_subtree(board, &root, &mut in_order)?;
			ensure!(Some(&size) == nodes.get(&board), "leaderboard tree misses nodes");
			for pair in in_order.windows(2) {
				let ((a, sa), (b, sb)) = (&pair[0], &pair[1]);
				ensure!(sa.ranks_above(a, sb, b), "leaderboard tree out of order");
			}
		}
		ensure!(RankRoots::<T>::iter().count() == nodes.len(), "leaderboard nodes without a root");
		Ok(())
	}

	/// Size and height of the subtree at `id`, checking every stored child summary and
	/// the AVL balance, and appending the subtree's accounts in order.
	fn check_subtree(
		board: Board,
		id: &T::AccountId,
		in_order: &mut Vec<(T::AccountId, StandingOf<T>)>,
	) -> Result<(u32, u8), TryRuntimeError> {
		let node = RankNodes::<T>::get(board, id).ok_or("leaderboard child missing")?;
		let child = |child: &Option<T::AccountId>, in_order: &mut Vec<_>| match child {
			Some(child) => Self::check_subtree(board, child, in_order),
			None => Ok((0, 0)),
		};
		let left = child(&node.left, in_order)?;
		in_order.push((id.clone(), node.standing));
		let right = child(&node.right, in_order)?;
		ensure!(
			left == (node.left_size, node.left_height)
				&& right == (node.right_size, node.right_height),
			"leaderboard node summaries differ from its subtrees"
		);
		ensure!(left.1.abs_diff(right.1) <= 1, "leaderboard tree out of balance");
		Ok((node.size(), node.height()))
	}

	/// The pending index lists exactly the pending submissions; the unclaimed index lists
	/// exactly the unclaimed earnings, none of them empty; the CID index and the
	/// submissions name each other.
	fn check_indexes() -> Result<(), TryRuntimeError> {
		let mut pending: BTreeMap<u32, u32> = BTreeMap::new();
		for (id, submission) in Submissions::<T>::iter() {
			let indexed =
				PendingSubmissions::<T>::contains_key(submission.datanet, id.to_be_bytes());
			let is_pending = submission.status == SubmissionStatus::Pending;
			ensure!(indexed == is_pending, "pending index differs from submission states");
			if is_pending {
				*pending.entry(submission.datanet).or_default() += 1;
			}
			ensure!(
				SubmissionByCid::<T>::get(submission.datanet, &submission.cid) == Some(id),
				"a submission's CID does not lead back to it"
			);
		}
		for (datanet, _, id) in SubmissionByCid::<T>::iter() {
			let submission = Submissions::<T>::get(id).ok_or("CID index names no submission")?;
			ensure!(submission.datanet == datanet, "CID index on the wrong datanet");
		}
		let indexed: usize = pending.values().map(|&n| n as usize).sum();
		ensure!(
			PendingSubmissions::<T>::iter_keys().count() == indexed,
			"pending index names unknown submissions"
		);
		for (datanet, count) in PendingCount::<T>::iter() {
			ensure!(
				pending.remove(&datanet).unwrap_or_default() == count,
				"pending count differs from the pending index"
			);
		}
		ensure!(pending.is_empty(), "pending submissions without a pending count");

		let mut earnings = 0usize;
		for ((datanet, epoch, account), earned) in Earnings::<T>::iter() {
			ensure!(earned != EpochEarnings::default(), "an empty earnings entry");
			ensure!(
				UnclaimedEarnings::<T>::contains_key(&account, (datanet, epoch)),
				"unclaimed earnings missing from the account's index"
			);
			earnings += 1;
		}
		ensure!(
			UnclaimedEarnings::<T>::iter_keys().count() == earnings,
			"the unclaimed index names claimed earnings"
		);
		Ok(())
	}

	/// The submission queue holds one entry per unsettled submission (at the end of its
	/// reveal period) and per settled one awaiting pruning; the reservation queue holds
	/// exactly the reservations.
	fn check_queues() -> Result<(), TryRuntimeError> {
		let mut queued: BTreeMap<u64, u64> = BTreeMap::new();
		for key in SubmissionQueue::<T>::iter_keys() {
			let mut due = [0u8; 8];
			let mut id = [0u8; 8];
			due.copy_from_slice(&key[..8]);
			id.copy_from_slice(&key[8..]);
			let previous = queued.insert(u64::from_be_bytes(id), u64::from_be_bytes(due));
			ensure!(previous.is_none(), "a submission queued twice");
		}
		for (id, submission) in Submissions::<T>::iter() {
			let entry = queued.remove(&id);
			if !submission.settled {
				let due: u64 = submission.reveal_ends.saturated_into();
				ensure!(entry == Some(due), "unsettled submission not queued at its reveal end");
			} else if matches!(submission.status, SubmissionStatus::Accepted { .. }) {
				ensure!(entry.is_none(), "accepted submission queued for pruning");
			} else {
				ensure!(entry.is_some(), "settled submission not queued for pruning");
			}
		}
		// What is left names submissions pruned early (an expired file submitted again by
		// its contributor): the sweep drops those entries when due.
		let mut queued_reservations = BTreeSet::new();
		for (key, (maker, reservation)) in ReservationQueue::<T>::iter() {
			let made = Reservations::<T>::get(&maker, reservation)
				.ok_or("queued reservation does not exist")?;
			let expires: u64 = made.saturating_add(T::ReservationLifetime::get()).saturated_into();
			ensure!(
				key == crate::voting::reservation_queue_key(expires, &maker, &reservation),
				"reservation queued at the wrong expiry"
			);
			queued_reservations.insert((maker, reservation));
		}
		ensure!(
			Reservations::<T>::iter_keys().all(|entry| queued_reservations.contains(&entry)),
			"reservation not queued"
		);
		Ok(())
	}

	/// No account's usage exceeds the caps, and each account's chain-wide usage is the
	/// sum of its per-datanet usage of the same day.
	fn check_caps() -> Result<(), TryRuntimeError> {
		let mut per_datanet: BTreeMap<(T::AccountId, u32), (u64, u32)> = BTreeMap::new();
		for (_, account, usage) in DatanetUsage::<T>::iter() {
			ensure!(
				usage.bytes <= T::DefaultDatanetDailyBytes::get(),
				"datanet daily bytes over the largest cap"
			);
			let sum = per_datanet.entry((account, usage.day)).or_default();
			sum.0 += usage.bytes;
			sum.1 += usage.files;
		}
		for (account, usage) in AccountUsage::<T>::iter() {
			ensure!(
				usage.bytes <= T::MaxDailyBytesPerAccount::get(),
				"account daily bytes over cap"
			);
			ensure!(
				usage.files <= T::MaxDailyFilesPerAccount::get(),
				"account daily files over cap"
			);
			let sum = per_datanet.get(&(account, usage.day)).copied().unwrap_or_default();
			ensure!(
				sum == (usage.bytes, usage.files),
				"account usage differs from the sum of its datanet usage"
			);
		}
		Ok(())
	}

	/// Each account's held balance per reason equals its deposits and bonds.
	fn check_holds() -> Result<(), TryRuntimeError> {
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (_, datanet) in Datanets::<T>::iter() {
			if datanet.status == DatanetStatus::Closed {
				ensure!(datanet.deposit.is_zero(), "closed datanet still has a deposit");
			}
			deposits.entry(datanet.owner).or_default().saturating_accrue(datanet.deposit);
		}
		for (owner, expected) in deposits {
			let held = T::Currency::balance_on_hold(&HoldReason::DatanetDeposit.into(), &owner);
			ensure!(held == expected, "held deposit differs from the open datanets' deposits");
		}
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (_, validator, bond) in Validators::<T>::iter() {
			bonds.entry(validator).or_default().saturating_accrue(bond.amount);
		}
		for (validator, expected) in bonds {
			let held = T::Currency::balance_on_hold(&HoldReason::ValidatorBond.into(), &validator);
			ensure!(held == expected, "held bond differs from the sum of the validator's bonds");
		}
		let mut submission_deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (_, submission) in Submissions::<T>::iter() {
			if !submission.settled {
				submission_deposits
					.entry(submission.contributor)
					.or_default()
					.saturating_accrue(submission.deposit);
			}
		}
		for (contributor, expected) in submission_deposits {
			let held =
				T::Currency::balance_on_hold(&HoldReason::SubmissionDeposit.into(), &contributor);
			ensure!(held == expected, "held submission deposits differ from unsettled ones");
		}
		Ok(())
	}

	/// Bonds are at least the minimum (less slashes); an unbonding bond has no unsettled
	/// votes; a datanet's active stake and validator count match its bonds.
	fn check_validators() -> Result<(), TryRuntimeError> {
		let mut per_datanet: BTreeMap<u32, (BalanceOf<T>, u32)> = BTreeMap::new();
		for (datanet, _, bond) in Validators::<T>::iter() {
			ensure!(
				bond.amount.saturating_add(bond.slashed) >= T::MinValidatorBond::get(),
				"bond below the minimum"
			);
			ensure!(bond.previous_amount <= bond.amount, "bond's previous amount above it");
			let entry = per_datanet.entry(datanet).or_default();
			entry.1 += 1;
			match bond.unlocks_at {
				Some(_) => ensure!(bond.pending_votes == 0, "unbonding with unsettled votes"),
				None => entry.0.saturating_accrue(bond.amount),
			}
		}
		for (id, datanet) in Datanets::<T>::iter() {
			let (active, count) = per_datanet.remove(&id).unwrap_or_default();
			ensure!(datanet.active_stake == active, "active stake differs from the bonds");
			ensure!(datanet.validators == count, "validator count differs from the bonds");
			ensure!(count <= T::MaxValidators::get(), "too many validators");
		}
		ensure!(per_datanet.is_empty(), "bonds on an unknown datanet");
		Ok(())
	}

	/// Votes exist only on unsettled submissions, by distinct validators other than the
	/// contributor, carry at most the snapshot together, and add up to the tally.
	fn check_votes() -> Result<(), TryRuntimeError> {
		let mut pending_votes: BTreeMap<(u32, T::AccountId), u32> = BTreeMap::new();
		let mut tallies: BTreeMap<u64, crate::Tally<BalanceOf<T>>> = BTreeMap::new();
		let mut stakes: BTreeMap<u64, BalanceOf<T>> = BTreeMap::new();
		for (id, validator, vote) in Votes::<T>::iter() {
			let submission = Submissions::<T>::get(id).ok_or("vote on no submission")?;
			ensure!(!submission.settled, "vote left on a settled submission");
			ensure!(submission.contributor != validator, "contributor voted on own submission");
			*pending_votes.entry((submission.datanet, validator)).or_default() += 1;
			let tally = tallies.entry(id).or_default();
			tally.commits += 1;
			if let Some(ballot) = vote.revealed {
				tally.reveals += 1;
				if ballot.approve {
					tally.approving.saturating_accrue(vote.stake);
				} else {
					tally.rejecting.saturating_accrue(vote.stake);
				}
			}
			stakes.entry(id).or_default().saturating_accrue(vote.stake);
		}
		let mut unsettled: BTreeMap<u32, u32> = BTreeMap::new();
		for (id, submission) in Submissions::<T>::iter() {
			if submission.settled {
				continue;
			}
			*unsettled.entry(submission.datanet).or_default() += 1;
			let tally = tallies.remove(&id).unwrap_or_default();
			ensure!(tally == submission.tally, "tally differs from the votes");
			let staked = stakes.remove(&id).unwrap_or_default();
			ensure!(staked <= submission.stake_snapshot, "votes carry more than the snapshot");
		}
		for (id, datanet) in Datanets::<T>::iter() {
			let want = unsettled.remove(&id).unwrap_or_default();
			ensure!(datanet.unsettled == want, "unsettled count differs from the submissions");
		}
		for (datanet, validator, bond) in Validators::<T>::iter() {
			let want = pending_votes.remove(&(datanet, validator)).unwrap_or_default();
			ensure!(bond.pending_votes == want, "pending vote count differs from the votes");
		}
		ensure!(pending_votes.is_empty(), "votes by accounts without a bond");
		Ok(())
	}

	/// Every submission is in exactly one state and counted in its contributor's stats
	/// (rejected and expired ones still counted once pruned); scores are the sums of
	/// accepted weights; the accepted log holds exactly the accepted submissions, and its
	/// heads chain from `EMPTY_HEAD` over its entries.
	fn check_submissions_and_scores() -> Result<(), TryRuntimeError> {
		let mut expected: BTreeMap<(u32, T::AccountId), (StatsOf<T>, u32)> = BTreeMap::new();
		let mut accepted_per_datanet: BTreeMap<u32, u32> = BTreeMap::new();
		for (_, submission) in Submissions::<T>::iter() {
			let (stats, pending) =
				expected.entry((submission.datanet, submission.contributor.clone())).or_default();
			match submission.status {
				SubmissionStatus::Pending => *pending += 1,
				SubmissionStatus::Accepted { weight } => {
					stats.accepted += 1;
					stats.accepted_bytes += submission.bytes;
					stats.score += weight as u64;
					*accepted_per_datanet.entry(submission.datanet).or_default() += 1;
				},
				SubmissionStatus::Rejected => stats.rejected += 1,
				SubmissionStatus::Expired => stats.expired += 1,
			}
		}

		let mut global: BTreeMap<T::AccountId, StatsOf<T>> = BTreeMap::new();
		for (datanet, contributor, stats) in ContributorStatsOf::<T>::iter() {
			let (want, pending) =
				expected.remove(&(datanet, contributor.clone())).unwrap_or_default();
			ensure!(
				stats.accepted == want.accepted
					&& stats.rejected >= want.rejected
					&& stats.expired >= want.expired
					&& stats.accepted_bytes == want.accepted_bytes
					&& stats.score == want.score,
				"contributor stats differ from their submissions"
			);
			ensure!(
				stats.submitted == stats.accepted + stats.rejected + stats.expired + pending,
				"a submission is counted in no state or in two"
			);
			let sum = global.entry(contributor).or_default();
			sum.submitted += stats.submitted;
			sum.accepted += stats.accepted;
			sum.rejected += stats.rejected;
			sum.expired += stats.expired;
			sum.accepted_bytes += stats.accepted_bytes;
			sum.score += stats.score;
		}
		ensure!(expected.is_empty(), "submissions without contributor stats");
		for (contributor, stats) in GlobalStats::<T>::iter() {
			let want = global.remove(&contributor).unwrap_or_default();
			ensure!(
				(stats.submitted, stats.accepted, stats.rejected, stats.expired)
					== (want.submitted, want.accepted, want.rejected, want.expired)
					&& (stats.accepted_bytes, stats.score) == (want.accepted_bytes, want.score),
				"global stats differ from the sum of per-datanet stats"
			);
		}
		ensure!(global.is_empty(), "per-datanet stats without global stats");

		let mut logged = 0usize;
		for (datanet_id, datanet) in Datanets::<T>::iter() {
			let want = accepted_per_datanet.remove(&datanet_id).unwrap_or_default();
			ensure!(datanet.accepted_count == want, "accepted log length differs from acceptances");
			let mut head = EMPTY_HEAD;
			for index in 0..datanet.accepted_count {
				let entry = AcceptedSubmissions::<T>::get(datanet_id, index)
					.ok_or("hole in the accepted log")?;
				let (submission, weight) = Self::accepted_submission(entry.submission)
					.ok_or("accepted log names a submission not accepted")?;
				ensure!(
					submission.datanet == datanet_id,
					"accepted log names a submission of another datanet"
				);
				head = Self::entry_head(&head, index, entry.submission, &submission, weight);
				ensure!(entry.head == head, "accepted log head does not chain from its entries");
			}
			logged += datanet.accepted_count as usize;
		}
		ensure!(accepted_per_datanet.is_empty(), "accepted submissions of an unknown datanet");
		ensure!(
			AcceptedSubmissions::<T>::iter_keys().count() == logged,
			"accepted log entries past a datanet's accepted count"
		);
		Ok(())
	}

	/// Payouts never exceed releases; only a datanet's unsettled epoch lacks a release;
	/// and the pot covers every pool and unpaid release.
	fn check_rewards() -> Result<(), TryRuntimeError> {
		let mut owed = BalanceOf::<T>::zero();
		let mut unsettled = BTreeSet::new();
		for (id, datanet) in Datanets::<T>::iter() {
			owed.saturating_accrue(datanet.reward_pool);
			if let Some(epoch) = datanet.unsettled_epoch {
				unsettled.insert((id, epoch));
			}
		}
		for (datanet, epoch, totals) in Epochs::<T>::iter() {
			match totals.release {
				Some(release) => {
					let released = release.contributors.saturating_add(release.validators);
					ensure!(totals.paid <= released, "an epoch paid more than it released");
					owed.saturating_accrue(released.saturating_sub(totals.paid));
				},
				None => {
					ensure!(totals.paid.is_zero(), "payout from an unreleased epoch");
					ensure!(
						unsettled.contains(&(datanet, epoch)),
						"an earning epoch that is neither released nor the unsettled one"
					);
				},
			}
		}
		let pot = T::Currency::balance(&Self::pot());
		ensure!(pot >= owed, "the pot holds less than it owes");
		Ok(())
	}
}
