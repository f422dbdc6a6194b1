//! Deciding a submission from its revealed votes, and settling the votes afterwards.
//!
//! With `S` the stake bonded at submission (less the contributor's own), `A` and `R` the
//! revealed approving and rejecting stake, `t` the approval threshold and `p` the minimum
//! participation:
//! - at the end of the reveal period, the submission expires if `A + R` is zero or below
//!   `p·S`; otherwise it is accepted when `A ≥ t·(A + R)` (rounded up), else rejected;
//! - before that, it is decided only when no votes still to come could change that: once
//!   `A + R ≥ p·S`, accepted when `A ≥ t·S` *and* the acceptance weight cannot move any
//!   more (`settled_median`), rejected when `R > S − t·S`. The votes still to come carry
//!   at most `S − A − R`, because a vote carries the stake its validator had before the
//!   submission (see `validators.rs`).
//!
//! Deciding and settling are separate: a decision fixes the outcome (rank, dataset); the
//! votes are settled only after the reveal period, so a validator that reveals after an
//! early decision is neither slashed nor denied its agreement.

use crate::{
	BalanceOf, Ballot, Config, Datanets, Error, Event, HoldReason, Pallet, Quality, SubmissionId,
	SubmissionOf, SubmissionStatus, Tally, Validators, Votes, VotingRules, WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
	weights::Weight,
};
use sp_runtime::{
	traits::{AtLeast32BitUnsigned, Saturating, Zero},
	DispatchError,
};

/// What becomes of a submission.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Decision {
	Accept,
	Reject,
	Expire,
}

/// The decision the revealed votes already make certain, if any.
pub(crate) fn early<Balance: AtLeast32BitUnsigned + Copy, BlockNumber>(
	tally: &Tally<Balance>,
	snapshot: Balance,
	rules: &VotingRules<BlockNumber>,
) -> Option<Decision> {
	let revealed = tally.approving.saturating_add(tally.rejecting);
	if revealed.is_zero() || revealed < rules.min_participation.mul_ceil(snapshot) {
		return None;
	}
	let needed = rules.approval_threshold.mul_ceil(snapshot);
	if !tally.approving.is_zero() && tally.approving >= needed {
		Some(Decision::Accept)
	} else if tally.rejecting > snapshot.saturating_sub(needed) {
		Some(Decision::Reject)
	} else {
		None
	}
}

/// The decision at the end of the reveal period.
pub(crate) fn at_end<Balance: AtLeast32BitUnsigned + Copy, BlockNumber>(
	tally: &Tally<Balance>,
	snapshot: Balance,
	rules: &VotingRules<BlockNumber>,
) -> Decision {
	let revealed = tally.approving.saturating_add(tally.rejecting);
	if revealed.is_zero() || revealed < rules.min_participation.mul_ceil(snapshot) {
		return Decision::Expire;
	}
	if !tally.approving.is_zero() && tally.approving >= rules.approval_threshold.mul_ceil(revealed)
	{
		Decision::Accept
	} else {
		Decision::Reject
	}
}

/// The acceptance weight, if the stake that has not revealed (`undecided`) can no longer
/// move it: the median is the same whether all of that stake approves at quality 0 or at
/// 100. An early acceptance waits for this, so the first revealers cannot fix the weight.
pub(crate) fn settled_median<Balance: AtLeast32BitUnsigned + Copy>(
	approvals: Vec<(Quality, Balance)>,
	undecided: Balance,
) -> Option<Quality> {
	if undecided.is_zero() {
		return Some(weighted_median(approvals));
	}
	let with = |quality: Quality| {
		let mut all = approvals.clone();
		all.push((quality, undecided));
		weighted_median(all)
	};
	let (low, high) = (with(0), with(crate::MAX_QUALITY));
	(low == high).then_some(low)
}

/// The lowest quality at which the approvals of that quality or less carry at least half of
/// the stake: a validator can move it only by holding half the approving stake.
pub(crate) fn weighted_median<Balance: AtLeast32BitUnsigned + Copy>(
	mut approvals: Vec<(Quality, Balance)>,
) -> Quality {
	approvals.sort_by_key(|(quality, _)| *quality);
	let total =
		approvals.iter().fold(Balance::zero(), |sum, (_, stake)| sum.saturating_add(*stake));
	let mut cumulative = Balance::zero();
	for (quality, stake) in &approvals {
		cumulative = cumulative.saturating_add(*stake);
		// cumulative ≥ total / 2, without rounding: compare against the other half.
		if cumulative >= total.saturating_sub(cumulative) {
			return *quality;
		}
	}
	approvals.last().map(|(quality, _)| *quality).unwrap_or_default()
}

impl<T: Config> Pallet<T> {
	/// Applies a decision to a pending submission (the caller stores it), with `weight`
	/// the acceptance weight of an acceptance. On acceptance, returns the height of the
	/// leaderboards it updated.
	pub(crate) fn apply_decision(
		id: SubmissionId,
		submission: &mut SubmissionOf<T>,
		decision: Decision,
		weight: Quality,
	) -> Result<u8, DispatchError> {
		let datanet_id = submission.datanet;
		let contributor = submission.contributor.clone();
		Self::remove_pending(datanet_id, id);
		let mut board_height = 0;
		match decision {
			Decision::Accept => {
				submission.status = SubmissionStatus::Accepted { weight };
				let mut datanet =
					Datanets::<T>::get(datanet_id).ok_or(Error::<T>::DatanetNotFound)?;
				let (score, height) = Self::record_accepted(&mut datanet, id, submission, weight)?;
				board_height = height;
				Self::record_epoch_score(datanet_id, &mut datanet, &contributor, weight)?;
				Datanets::<T>::insert(datanet_id, datanet);
				Self::deposit_event(Event::SubmissionAccepted {
					submission: id,
					datanet: datanet_id,
					contributor,
					weight,
					score,
				});
			},
			Decision::Reject => {
				submission.status = SubmissionStatus::Rejected;
				Self::record_stats(datanet_id, &contributor, |stats| {
					stats.rejected.saturating_inc()
				});
				Self::deposit_event(Event::SubmissionRejected {
					submission: id,
					datanet: datanet_id,
					contributor,
				});
			},
			Decision::Expire => {
				submission.status = SubmissionStatus::Expired;
				Self::record_stats(datanet_id, &contributor, |stats| {
					stats.expired.saturating_inc()
				});
				Self::deposit_event(Event::SubmissionExpired {
					submission: id,
					datanet: datanet_id,
					contributor,
				});
			},
		}
		Ok(board_height)
	}

	/// Ends a submission's reveal period: decides it if still pending, then settles every
	/// vote (agreement credit, or a slash into the reward pool), returns the deposit (less
	/// a rejection's forfeit), and schedules the pruning of a submission not accepted.
	/// Returns the weight used.
	pub(crate) fn settle(
		id: SubmissionId,
		mut submission: SubmissionOf<T>,
	) -> Result<Weight, DispatchError> {
		let datanet_id = submission.datanet;
		let mut weight = T::WeightInfo::settle(submission.tally.commits);
		if submission.status == SubmissionStatus::Pending {
			let rules = Datanets::<T>::get(datanet_id).ok_or(Error::<T>::DatanetNotFound)?.voting;
			let decision = at_end(&submission.tally, submission.stake_snapshot, &rules);
			let quality = match decision {
				Decision::Accept => weighted_median(Self::revealed_approvals(id)),
				_ => 0,
			};
			let height = Self::apply_decision(id, &mut submission, decision, quality)?;
			weight.saturating_accrue(T::WeightInfo::update_boards(height.into()));
		}
		let outcome = match submission.status {
			SubmissionStatus::Accepted { .. } => Some(true),
			SubmissionStatus::Rejected => Some(false),
			_ => None,
		};

		let mut datanet = Datanets::<T>::get(datanet_id).ok_or(Error::<T>::DatanetNotFound)?;
		Self::settle_epoch(datanet_id, &mut datanet);
		let mut agreeing_stake = BalanceOf::<T>::zero();
		let mut slashed = BalanceOf::<T>::zero();
		for (validator, vote) in Votes::<T>::drain_prefix(id) {
			Validators::<T>::mutate(datanet_id, &validator, |bond| {
				if let Some(bond) = bond {
					bond.pending_votes.saturating_dec();
				}
			});
			let slash = match (vote.revealed, outcome) {
				(None, _) => Some((T::UnrevealedSlash::get(), true)),
				(Some(Ballot { approve, .. }), Some(accepted)) if approve != accepted => {
					Some((T::DisagreementSlash::get(), false))
				},
				(Some(_), Some(_)) => {
					agreeing_stake.saturating_accrue(vote.stake);
					Self::record_agreeing_stake(datanet_id, &mut datanet, &validator, vote.stake)?;
					None
				},
				(Some(_), None) => None,
			};
			if let Some((share, unrevealed)) = slash {
				let mut active = datanet.active_stake;
				slashed.saturating_accrue(Self::slash_bond(
					datanet_id,
					&validator,
					id,
					share.mul_floor(vote.stake),
					unrevealed,
					&mut active,
				));
				datanet.active_stake = active;
			}
		}

		let forfeit = if outcome == Some(false) {
			T::RejectedDepositShare::get().mul_floor(submission.deposit)
		} else {
			Zero::zero()
		};
		let forfeited = if forfeit.is_zero() {
			forfeit
		} else {
			T::Currency::transfer_on_hold(
				&HoldReason::SubmissionDeposit.into(),
				&submission.contributor,
				&Self::pot(),
				forfeit,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)?
		};
		T::Currency::release(
			&HoldReason::SubmissionDeposit.into(),
			&submission.contributor,
			submission.deposit.saturating_sub(forfeited),
			Precision::BestEffort,
		)?;
		datanet.reward_pool = datanet.reward_pool.saturating_add(slashed).saturating_add(forfeited);
		datanet.unsettled.saturating_dec();
		Datanets::<T>::insert(datanet_id, datanet);

		submission.settled = true;
		let now = frame_system::Pallet::<T>::block_number();
		Self::unschedule(submission.reveal_ends, id);
		if outcome != Some(true) {
			Self::schedule(now.saturating_add(T::RetentionPeriod::get()), id);
		}
		Self::deposit_event(Event::VotesSettled {
			submission: id,
			agreeing_stake,
			slashed,
			deposit_forfeited: forfeited,
		});
		crate::Submissions::<T>::insert(id, submission);
		Ok(weight)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_runtime::Perbill;

	fn rules(threshold: u32, participation: u32) -> VotingRules<u64> {
		VotingRules {
			approval_threshold: Perbill::from_percent(threshold),
			min_participation: Perbill::from_percent(participation),
			commit_period: 1,
			reveal_period: 1,
		}
	}

	fn tally(approving: u64, rejecting: u64) -> Tally<u64> {
		Tally { commits: 0, reveals: 0, approving, rejecting }
	}

	#[test]
	fn median_ignores_a_single_outlier() {
		assert_eq!(weighted_median(vec![(80, 10u64), (82, 10), (100, 10)]), 82);
		assert_eq!(weighted_median(vec![(80, 10u64), (82, 10), (0, 10)]), 80);
	}

	#[test]
	fn median_follows_the_stake() {
		// 60% of the approving stake says 40.
		assert_eq!(weighted_median(vec![(90, 20u64), (40, 60), (95, 20)]), 40);
		// Exactly half at 50 and half at 70: the lower median.
		assert_eq!(weighted_median(vec![(70, 5u64), (50, 5)]), 50);
		assert_eq!(weighted_median(Vec::<(Quality, u64)>::new()), 0);
	}

	#[test]
	fn an_early_weight_waits_until_the_silent_stake_cannot_move_it() {
		// A third of the stake at 100, two thirds silent: the weight could be 0 or 100.
		assert_eq!(settled_median(vec![(100, 160u64)], 300), None);
		// Two equal approvals of 100 each and 100 silent: the median stays at 60.
		assert_eq!(settled_median(vec![(60, 100u64), (60, 100)], 100), Some(60));
		// 70 and 90 with 100 silent: between 70 and 90, not yet settled.
		assert_eq!(settled_median(vec![(70, 100u64), (90, 100)], 100), None);
		assert_eq!(settled_median(vec![(70, 100u64), (90, 100)], 0), Some(70));
	}

	#[test]
	fn the_end_decides_over_the_revealed_stake_with_ties_accepting() {
		let half = rules(50, 30);
		assert_eq!(at_end(&tally(10, 10), 60, &half), Decision::Accept);
		assert_eq!(at_end(&tally(10, 11), 60, &half), Decision::Reject);
		assert_eq!(at_end(&tally(0, 20), 60, &half), Decision::Reject);
		// Below 30% of 60 revealed: expired, whatever the votes say.
		assert_eq!(at_end(&tally(17, 0), 60, &half), Decision::Expire);
		assert_eq!(at_end(&tally(0, 0), 0, &half), Decision::Expire);
	}

	#[test]
	fn an_early_decision_needs_certainty_against_the_snapshot() {
		let half = rules(50, 10);
		// A third of the stake approving decides nothing: the rest could reject.
		assert_eq!(early(&tally(100, 0), 300, &half), None);
		assert_eq!(early(&tally(150, 0), 300, &half), Some(Decision::Accept));
		assert_eq!(early(&tally(0, 150), 300, &half), None);
		assert_eq!(early(&tally(0, 151), 300, &half), Some(Decision::Reject));
	}

	/// Exhaustively over small stakes: whenever `early` decides, every way the remaining
	/// stake could still reveal gives the same decision at the end.
	#[test]
	fn early_decisions_are_certain() {
		for threshold in [1, 34, 50, 67, 100] {
			for participation in [1, 40, 90] {
				let rules = rules(threshold, participation);
				for snapshot in 1u64..=12 {
					for a in 0..=snapshot {
						for r in 0..=snapshot - a {
							let Some(decided) = early(&tally(a, r), snapshot, &rules) else {
								continue;
							};
							for more_a in 0..=snapshot - a - r {
								for more_r in 0..=snapshot - a - r - more_a {
									let end =
										at_end(&tally(a + more_a, r + more_r), snapshot, &rules);
									assert_eq!(end, decided, "{a}/{r} of {snapshot}, {rules:?}");
								}
							}
						}
					}
				}
			}
		}
	}
}
