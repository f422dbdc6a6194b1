//! Deciding a submission from its votes.

use crate::{
	Config, DatanetId, Datanets, Error, Event, Pallet, Quality, SubmissionId, SubmissionOf,
	SubmissionStatus, Validators, Vote,
};
use alloc::vec::Vec;
use sp_runtime::{
	traits::{AtLeast32BitUnsigned, Saturating},
	DispatchError, DispatchResult, Perbill,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Outcome {
	Accepted { weight: Quality },
	Rejected,
}

/// Accepted when the approving stake is at least `threshold` of the voting stake (a tie at
/// the threshold accepts), with the stake-weighted median quality of the approvals as weight.
pub(crate) fn outcome<AccountId, Balance: AtLeast32BitUnsigned + Copy>(
	votes: &[Vote<AccountId, Balance>],
	threshold: Perbill,
) -> Outcome {
	let (approving, total) = votes.iter().fold((Balance::zero(), Balance::zero()), |(a, t), v| {
		(if v.approve { a.saturating_add(v.stake) } else { a }, t.saturating_add(v.stake))
	});
	if approving.is_zero() || approving < threshold.mul_ceil(total) {
		return Outcome::Rejected;
	}
	let approvals = votes.iter().filter(|v| v.approve).map(|v| (v.quality, v.stake));
	Outcome::Accepted { weight: weighted_median(approvals.collect()) }
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
	/// Applies the outcome of a submission whose quorum is complete. On acceptance, returns
	/// the height of the leaderboards it updated.
	pub(crate) fn decide(
		id: SubmissionId,
		mut submission: SubmissionOf<T>,
	) -> Result<Option<u8>, DispatchError> {
		let mut datanet =
			Datanets::<T>::get(submission.datanet).ok_or(Error::<T>::DatanetNotFound)?;
		let outcome = outcome(&submission.votes, datanet.voting.approval_threshold);
		let accepted = matches!(outcome, Outcome::Accepted { .. });
		let epoch = Self::current_epoch();
		for vote in &submission.votes {
			Self::release_pending_vote(submission.datanet, &vote.validator);
			if vote.approve == accepted {
				Self::record_agreeing_vote(submission.datanet, epoch, &vote.validator)?;
			}
		}
		let (datanet_id, contributor) = (submission.datanet, submission.contributor.clone());
		Self::remove_pending(datanet_id, id);
		let mut board_height = None;
		match outcome {
			Outcome::Accepted { weight } => {
				submission.status = SubmissionStatus::Accepted { weight };
				let (score, height) = Self::record_accepted(&mut datanet, id, &submission, weight)?;
				board_height = Some(height);
				Self::record_epoch_score(datanet_id, epoch, &contributor, weight)?;
				Datanets::<T>::insert(datanet_id, datanet);
				Self::deposit_event(Event::SubmissionAccepted {
					submission: id,
					datanet: datanet_id,
					contributor,
					weight,
					score,
				});
			},
			Outcome::Rejected => {
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
		}
		crate::Submissions::<T>::insert(id, submission);
		Ok(board_height)
	}

	/// Closes a submission whose voting period ended without a quorum.
	pub(crate) fn expire(id: SubmissionId, mut submission: SubmissionOf<T>) -> DispatchResult {
		for vote in &submission.votes {
			Self::release_pending_vote(submission.datanet, &vote.validator);
		}
		submission.status = SubmissionStatus::Expired;
		let (datanet, contributor) = (submission.datanet, submission.contributor.clone());
		Self::remove_pending(datanet, id);
		Self::record_stats(datanet, &contributor, |stats| stats.expired.saturating_inc());
		crate::Submissions::<T>::insert(id, submission);
		Self::deposit_event(Event::SubmissionExpired { submission: id, datanet, contributor });
		Ok(())
	}

	fn release_pending_vote(datanet: DatanetId, validator: &T::AccountId) {
		Validators::<T>::mutate(datanet, validator, |bond| {
			if let Some(bond) = bond {
				bond.pending_votes = bond.pending_votes.saturating_sub(1);
			}
		});
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn vote(approve: bool, quality: Quality, stake: u64) -> Vote<u64, u64> {
		Vote { validator: 0, approve, quality, stake }
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
	fn threshold_ties_accept_and_anything_below_rejects() {
		let half = Perbill::from_percent(50);
		let tie = [vote(true, 70, 10), vote(false, 0, 10)];
		assert_eq!(outcome(&tie, half), Outcome::Accepted { weight: 70 });
		let below = [vote(true, 70, 10), vote(false, 0, 11)];
		assert_eq!(outcome(&below, half), Outcome::Rejected);
		let two_thirds = Perbill::from_rational(2u32, 3u32);
		let exactly = [vote(true, 60, 1), vote(true, 80, 1), vote(false, 0, 1)];
		assert_eq!(outcome(&exactly, two_thirds), Outcome::Accepted { weight: 60 });
		let none_approve = [vote(false, 0, 1)];
		assert_eq!(outcome(&none_approve, Perbill::from_parts(1)), Outcome::Rejected);
	}
}
