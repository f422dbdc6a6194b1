//! Sealed voting: commit, reveal, early and final decisions, settlement.

use super::*;
use crate::{Ballot, ContributorStatsOf, Error, Event, SubmissionStatus, Tally, Validators, Votes};
use frame_support::assert_noop;

#[test]
fn approvals_accept_early_once_neither_outcome_nor_weight_can_move() {
	test(|| {
		let id = submit_text(ALICE, 1, 1_000);
		for (validator, quality) in [(BOB, 90), (CHARLIE, 70), (DAVE, 80)] {
			assert_ok!(commit(validator, id, true, quality));
			System::assert_last_event(Event::VoteCommitted { submission: id, validator }.into());
		}
		to_reveal(id);
		assert_ok!(reveal(BOB, id, true, 90));
		System::assert_last_event(
			Event::VoteRevealed {
				submission: id,
				validator: BOB,
				ballot: Ballot { approve: true, quality: 90 },
				stake: GENESIS_BOND,
			}
			.into(),
		);
		// A third of the stake cannot decide: the other two thirds could still reject.
		assert_eq!(status(id), SubmissionStatus::Pending);
		assert_ok!(reveal(CHARLIE, id, true, 70));
		// Two thirds approve, so acceptance is certain, but the silent third could still
		// move the weight anywhere from 70 to 90: not decided yet.
		assert_eq!(status(id), SubmissionStatus::Pending);
		assert_ok!(reveal(DAVE, id, true, 80));
		assert_eq!(status(id), SubmissionStatus::Accepted { weight: 80 });
		System::assert_has_event(
			Event::SubmissionAccepted {
				submission: id,
				datanet: TEXT,
				contributor: ALICE,
				weight: 80,
				score: 80,
			}
			.into(),
		);
		assert_eq!(
			submission(id).tally,
			Tally { commits: 3, reveals: 3, approving: 300, rejecting: 0 }
		);
		to_settlement(id);
		let settled = submission(id);
		assert!(settled.settled);
		assert_eq!(Votes::<Test>::iter_prefix(id).count(), 0);
		System::assert_has_event(
			Event::VotesSettled {
				submission: id,
				agreeing_stake: 300,
				slashed: 0,
				deposit_forfeited: 0,
			}
			.into(),
		);
		let stats = ContributorStatsOf::<Test>::get(TEXT, ALICE);
		assert_eq!((stats.accepted, stats.accepted_bytes, stats.score), (1, 1_000, 80));
		assert_eq!(held(ALICE), 0, "the deposit is back");
	});
}

#[test]
fn without_certainty_the_end_of_the_reveal_period_decides() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(commit(BOB, id, true, 60));
		assert_ok!(commit(CHARLIE, id, false, 0));
		to_reveal(id);
		assert_ok!(reveal(BOB, id, true, 60));
		assert_ok!(reveal(CHARLIE, id, false, 0));
		// 100 for, 100 against, 100 silent: undecided until the end.
		assert_eq!(status(id), SubmissionStatus::Pending);
		to_settlement(id);
		// A tie at the 50% threshold of the revealed stake accepts.
		assert_eq!(status(id), SubmissionStatus::Accepted { weight: 60 });
		// CHARLIE voted against the outcome: 2% of his stake to the pool.
		assert_eq!(Validators::<Test>::get(TEXT, CHARLIE).unwrap().amount, GENESIS_BOND - 2);
	});
}

#[test]
fn too_little_revealed_stake_expires_and_returns_the_deposit() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(commit(BOB, id, true, 90));
		to_reveal(id);
		assert_ok!(reveal(BOB, id, true, 90));
		// A third of the stake revealed, below the 50% participation.
		to_settlement(id);
		assert_eq!(status(id), SubmissionStatus::Expired);
		System::assert_has_event(
			Event::SubmissionExpired { submission: id, datanet: TEXT, contributor: ALICE }.into(),
		);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
		let stats = ContributorStatsOf::<Test>::get(TEXT, ALICE);
		assert_eq!((stats.expired, stats.score), (1, 0));
		// An expired submission has no outcome: the revealed vote costs nothing.
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().amount, GENESIS_BOND);
	});
}

#[test]
fn rejection_keeps_the_score_and_forfeits_part_of_the_deposit() {
	test(|| {
		let accepted = submit_text(ALICE, 1, 10);
		approve_all(accepted, [60, 60, 60]);
		let rejected = submit_text(ALICE, 2, 10);
		vote_all(rejected, &[(BOB, true, 90), (CHARLIE, false, 0), (DAVE, false, 0)]);
		assert_eq!(status(rejected), SubmissionStatus::Rejected);
		let stats = ContributorStatsOf::<Test>::get(TEXT, ALICE);
		assert_eq!((stats.submitted, stats.accepted, stats.rejected, stats.score), (2, 1, 1, 60));
		// Half the deposit went to the pool, half came back.
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE - DEPOSIT_BASE / 2);
		let pool = crate::Datanets::<Test>::get(TEXT).unwrap().reward_pool;
		assert_eq!(pool, DEPOSIT_BASE / 2 + 2, "the forfeit and BOB's 2% slash");
	});
}

#[test]
fn unrevealed_commitments_are_slashed_at_settlement() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		for validator in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(validator, id, true, 50));
		}
		to_reveal(id);
		assert_ok!(reveal(BOB, id, true, 50));
		assert_ok!(reveal(CHARLIE, id, true, 50));
		to_settlement(id);
		assert_eq!(status(id), SubmissionStatus::Accepted { weight: 50 });
		System::assert_has_event(
			Event::ValidatorSlashed {
				datanet: TEXT,
				validator: DAVE,
				submission: id,
				amount: 10,
				unrevealed: true,
			}
			.into(),
		);
		let dave = Validators::<Test>::get(TEXT, DAVE).unwrap();
		assert_eq!((dave.amount, dave.slashed, dave.pending_votes), (90, 10, 0));
		assert_eq!(crate::Datanets::<Test>::get(TEXT).unwrap().active_stake, 290);
		// Below the minimum after slashes? No: 90 ≥ 50, DAVE still commits.
		let next = submit_text(ZOE, 2, 10);
		assert_ok!(commit(DAVE, next, true, 50));
	});
}

#[test]
fn commit_refuses_bad_input() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_noop!(commit(BOB, 77, true, 50), Error::<Test>::SubmissionNotFound);
		assert_noop!(commit(EVE, id, true, 50), Error::<Test>::NotValidator);
		assert_ok!(commit(BOB, id, true, 50));
		assert_noop!(commit(BOB, id, false, 0), Error::<Test>::AlreadyCommitted);

		let own = submit_text(CHARLIE, 2, 10);
		assert_noop!(commit(CHARLIE, own, true, 100), Error::<Test>::OwnSubmission);

		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(DAVE), TEXT));
		assert_noop!(commit(DAVE, own, true, 50), Error::<Test>::ValidatorUnbonding);

		// EVE bonds after the submission: no stake on it.
		assert_ok!(Datanets::bond_validator(RuntimeOrigin::signed(EVE), TEXT, MIN_BOND));
		assert_noop!(commit(EVE, own, true, 50), Error::<Test>::NoStakeAtSubmission);

		run_to_block(submission(id).commit_ends + 1);
		assert_noop!(commit(CHARLIE, id, true, 50), Error::<Test>::CommitPeriodOver);
	});
}

#[test]
fn reveal_refuses_bad_input() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(commit(BOB, id, true, 50));
		assert_noop!(reveal(BOB, id, true, 50), Error::<Test>::RevealPeriodNotStarted);
		to_reveal(id);
		assert_noop!(reveal(BOB, id, true, 101), Error::<Test>::QualityOutOfRange);
		assert_noop!(reveal(BOB, 77, true, 50), Error::<Test>::SubmissionNotFound);
		assert_noop!(reveal(CHARLIE, id, true, 50), Error::<Test>::NoCommitment);
		// Another ballot, or another salt, than the one committed.
		assert_noop!(reveal(BOB, id, true, 51), Error::<Test>::CommitmentMismatch);
		assert_noop!(
			Datanets::reveal_vote(RuntimeOrigin::signed(BOB), id, true, 50, [9; 32]),
			Error::<Test>::CommitmentMismatch
		);
		assert_ok!(reveal(BOB, id, true, 50));
		assert_noop!(reveal(BOB, id, true, 50), Error::<Test>::AlreadyRevealed);
		run_to_block(submission(id).reveal_ends + 1);
		// Not settled yet when on_idle has not run for the last block: refused by period.
		assert!(submission(id).settled);
		assert_noop!(reveal(BOB, id, true, 50), Error::<Test>::AlreadySettled);
	});
}

#[test]
fn finalize_settles_when_on_idle_had_no_room() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(commit(BOB, id, true, 50));
		let ends = submission(id).reveal_ends;
		// Blocks pass without on_idle (full blocks).
		System::set_block_number(ends);
		assert_noop!(
			Datanets::finalize(RuntimeOrigin::signed(ZOE), id),
			Error::<Test>::RevealPeriodNotOver
		);
		System::set_block_number(ends + 1);
		assert_ok!(Datanets::finalize(RuntimeOrigin::signed(ZOE), id));
		assert_eq!(status(id), SubmissionStatus::Expired);
		assert_noop!(
			Datanets::finalize(RuntimeOrigin::signed(ZOE), id),
			Error::<Test>::AlreadySettled
		);
		assert_noop!(
			Datanets::finalize(RuntimeOrigin::signed(ZOE), 77),
			Error::<Test>::SubmissionNotFound
		);
	});
}

#[test]
fn on_idle_stops_at_its_weight_limit_and_resumes() {
	use frame_support::{traits::Hooks, weights::Weight};
	test(|| {
		let first = submit_text(ALICE, 1, 10);
		let second = submit_text(ZOE, 2, 10);
		let ends = submission(second).reveal_ends;
		System::set_block_number(ends + 1);
		// Room for nothing: nothing happens.
		Datanets::on_idle(ends + 1, Weight::from_parts(1, 1));
		assert!(!submission(first).settled && !submission(second).settled);
		Datanets::on_idle(ends + 1, Weight::MAX);
		assert!(submission(first).settled && submission(second).settled);
	});
}

/// A stake with more than half of the approving stake sets the acceptance weight.
#[test]
fn the_median_follows_the_stake() {
	test(|| {
		assert_ok!(Datanets::bond_validator(RuntimeOrigin::signed(DAVE), TEXT, 150));
		run_to_block(COMMIT_PERIOD + 3);
		let heavy = submit_text(ALICE, 3, 10);
		approve_all(heavy, [70, 72, 10]);
		assert_eq!(status(heavy), SubmissionStatus::Accepted { weight: 10 });
	});
}

/// Two equal approvals decide early (the silent third cannot move a median of two equal
/// halves); the third validator still reveals afterwards, is credited and not slashed.
#[test]
fn a_reveal_after_an_early_decision_is_taken_and_credited() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		for validator in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(validator, id, true, 60));
		}
		to_reveal(id);
		assert_ok!(reveal(BOB, id, true, 60));
		assert_ok!(reveal(CHARLIE, id, true, 60));
		assert_eq!(status(id), SubmissionStatus::Accepted { weight: 60 });
		assert_ok!(reveal(DAVE, id, true, 60));
		to_settlement(id);
		assert_eq!(Validators::<Test>::get(TEXT, DAVE).unwrap().slashed, 0);
		let epoch = crate::Pallet::<Test>::current_epoch();
		assert_eq!(crate::Earnings::<Test>::get((TEXT, epoch, DAVE)).agreeing_stake, GENESIS_BOND);
	});
}
