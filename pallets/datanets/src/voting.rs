//! Sealed votes and CID reservations: both hide what they bind until it cannot be copied.
//!
//! - A vote is committed as `commitment(submission, approve, quality, salt, validator)` and
//!   revealed after the commit period, so no vote can be seen, and so copied, while votes
//!   are still being committed. The validator's account is inside the hash: a copied
//!   commitment cannot be revealed by the copier, and costs it the unrevealed-vote slash.
//! - A submission needs `reservation(datanet, CID, contributor)` from an earlier block: a
//!   front-runner who sees the CID in the pool has no reservation of its own for it.

use crate::{
	decision, BalanceOf, Ballot, CanonicalCid, Config, DatanetId, Datanets, Error, Event, Pallet,
	Quality, ReservationQueue, Reservations, SubmissionId, SubmissionStatus, Submissions,
	Validators, Vote, Votes, WeightInfo, MAX_QUALITY,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{ensure, traits::Get, weights::Weight};
use sp_runtime::{
	traits::{SaturatedConversion, Saturating, Zero},
	DispatchError, DispatchResult,
};

/// The hash a validator commits: `blake2_256(SCALE(submission, approve, quality, salt,
/// validator))`.
pub fn commitment<AccountId: Encode>(
	submission: SubmissionId,
	approve: bool,
	quality: Quality,
	salt: &[u8; 32],
	validator: &AccountId,
) -> [u8; 32] {
	openledger_primitives::seal::commitment(&(submission, approve, quality), salt, validator)
}

/// What `reserve` records for a future submission: `blake2_256(SCALE(datanet, canonical
/// binary CID, contributor))`.
pub fn reservation<AccountId: Encode>(
	datanet: DatanetId,
	canonical_cid: &[u8],
	contributor: &AccountId,
) -> [u8; 32] {
	blake2_256(&(datanet, canonical_cid, contributor).encode())
}

fn blake2_256(data: &[u8]) -> [u8; 32] {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(data).into()
}

/// Key of `ReservationQueue`: expiry block, then the hash of (maker, reservation), so
/// iteration runs by expiry and two makers of one hash never share an entry.
pub(crate) fn reservation_queue_key<AccountId: Encode>(
	expires: u64,
	maker: &AccountId,
	reservation: &[u8; 32],
) -> [u8; 40] {
	let mut key = [0u8; 40];
	key[..8].copy_from_slice(&expires.to_be_bytes());
	key[8..].copy_from_slice(&blake2_256(&(maker, reservation).encode()));
	key
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_reserve(who: T::AccountId, reservations: Vec<[u8; 32]>) -> DispatchResult {
		let count = reservations.len() as u32;
		ensure!((1..=T::MaxReservations::get()).contains(&count), Error::<T>::ReservationCount);
		let now = frame_system::Pallet::<T>::block_number();
		let expires: u64 = now.saturating_add(T::ReservationLifetime::get()).saturated_into();
		for reservation in reservations {
			// A live reservation keeps its first block; a stale one is made anew.
			if let Some(made) = Reservations::<T>::get(&who, reservation) {
				let stale_after = made.saturating_add(T::ReservationLifetime::get());
				if now <= stale_after {
					continue;
				}
				let old = reservation_queue_key(stale_after.saturated_into(), &who, &reservation);
				ReservationQueue::<T>::remove(old);
			}
			Reservations::<T>::insert(&who, reservation, now);
			let key = reservation_queue_key(expires, &who, &reservation);
			ReservationQueue::<T>::insert(key, (who.clone(), reservation));
		}
		Self::deposit_event(Event::Reserved { who, count });
		Ok(())
	}

	/// Consumes the contributor's reservation of `cid`, which must come from an earlier
	/// block and be younger than `ReservationLifetime`.
	pub(crate) fn take_reservation(
		datanet: DatanetId,
		cid: &CanonicalCid,
		contributor: &T::AccountId,
	) -> Result<(), Error<T>> {
		let key = reservation(datanet, cid, contributor);
		let reserved_at =
			Reservations::<T>::get(contributor, key).ok_or(Error::<T>::NotReserved)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(reserved_at < now, Error::<T>::ReservationTooRecent);
		ensure!(
			now <= reserved_at.saturating_add(T::ReservationLifetime::get()),
			Error::<T>::NotReserved
		);
		Reservations::<T>::remove(contributor, key);
		let expires: u64 =
			reserved_at.saturating_add(T::ReservationLifetime::get()).saturated_into();
		ReservationQueue::<T>::remove(reservation_queue_key(expires, contributor, &key));
		Ok(())
	}

	pub(crate) fn do_commit(
		id: SubmissionId,
		validator: T::AccountId,
		commitment: [u8; 32],
	) -> DispatchResult {
		let mut submission = Submissions::<T>::get(id).ok_or(Error::<T>::SubmissionNotFound)?;
		ensure!(!submission.settled, Error::<T>::AlreadySettled);
		ensure!(
			frame_system::Pallet::<T>::block_number() <= submission.commit_ends,
			Error::<T>::CommitPeriodOver
		);
		ensure!(submission.contributor != validator, Error::<T>::OwnSubmission);
		let mut bond =
			Validators::<T>::get(submission.datanet, &validator).ok_or(Error::<T>::NotValidator)?;
		ensure!(bond.unlocks_at.is_none(), Error::<T>::ValidatorUnbonding);
		ensure!(bond.amount >= T::MinValidatorBond::get(), Error::<T>::BondTooSmall);
		let stake = bond.stake_at(submission.submitted_at);
		ensure!(!stake.is_zero(), Error::<T>::NoStakeAtSubmission);
		ensure!(!Votes::<T>::contains_key(id, &validator), Error::<T>::AlreadyCommitted);
		submission.tally.commits =
			submission.tally.commits.checked_add(1).ok_or(Error::<T>::Overflow)?;
		bond.pending_votes = bond.pending_votes.checked_add(1).ok_or(Error::<T>::Overflow)?;
		Validators::<T>::insert(submission.datanet, &validator, bond);
		Votes::<T>::insert(id, &validator, Vote { commitment, stake, revealed: None });
		Submissions::<T>::insert(id, submission);
		Self::deposit_event(Event::VoteCommitted { submission: id, validator });
		Ok(())
	}

	/// Reveals a vote; decides the submission when the revealed stake makes its outcome
	/// certain. Returns the weight used.
	pub(crate) fn do_reveal(
		id: SubmissionId,
		validator: T::AccountId,
		ballot: Ballot,
		salt: [u8; 32],
	) -> Result<Weight, DispatchError> {
		ensure!(ballot.quality <= MAX_QUALITY, Error::<T>::QualityOutOfRange);
		let mut submission = Submissions::<T>::get(id).ok_or(Error::<T>::SubmissionNotFound)?;
		ensure!(!submission.settled, Error::<T>::AlreadySettled);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now > submission.commit_ends, Error::<T>::RevealPeriodNotStarted);
		ensure!(now <= submission.reveal_ends, Error::<T>::RevealPeriodOver);
		let mut vote = Votes::<T>::get(id, &validator).ok_or(Error::<T>::NoCommitment)?;
		ensure!(vote.revealed.is_none(), Error::<T>::AlreadyRevealed);
		let expected = commitment(id, ballot.approve, ballot.quality, &salt, &validator);
		ensure!(vote.commitment == expected, Error::<T>::CommitmentMismatch);

		vote.revealed = Some(ballot);
		let tally = &mut submission.tally;
		tally.reveals.saturating_inc();
		if ballot.approve {
			tally.approving = tally.approving.saturating_add(vote.stake);
		} else {
			tally.rejecting = tally.rejecting.saturating_add(vote.stake);
		}
		Votes::<T>::insert(id, &validator, vote);
		Self::deposit_event(Event::VoteRevealed {
			submission: id,
			validator,
			ballot,
			stake: vote.stake,
		});

		let mut weight = T::WeightInfo::reveal_vote(0);
		if submission.status == SubmissionStatus::Pending {
			let rules =
				Datanets::<T>::get(submission.datanet).ok_or(Error::<T>::DatanetNotFound)?.voting;
			let early = decision::early(&submission.tally, submission.stake_snapshot, &rules);
			let decided = match early {
				Some(decision::Decision::Accept) => {
					// Reading the approvals reads every vote, revealed or not.
					weight = T::WeightInfo::reveal_vote(submission.tally.commits);
					let tally = &submission.tally;
					let undecided = submission
						.stake_snapshot
						.saturating_sub(tally.approving)
						.saturating_sub(tally.rejecting);
					decision::settled_median(Self::revealed_approvals(id), undecided)
						.map(|quality| (decision::Decision::Accept, quality))
				},
				Some(other) => Some((other, 0)),
				None => None,
			};
			if let Some((decision, quality)) = decided {
				let board_height = Self::apply_decision(id, &mut submission, decision, quality)?;
				weight.saturating_accrue(T::WeightInfo::update_boards(board_height.into()));
			}
		}
		Submissions::<T>::insert(id, submission);
		Ok(weight)
	}

	/// The revealed approvals of a submission as (quality, stake), for the weighted median.
	pub(crate) fn revealed_approvals(id: SubmissionId) -> Vec<(Quality, BalanceOf<T>)> {
		Votes::<T>::iter_prefix_values(id)
			.filter_map(|vote| match vote.revealed {
				Some(Ballot { approve: true, quality }) => Some((quality, vote.stake)),
				_ => None,
			})
			.collect()
	}
}
