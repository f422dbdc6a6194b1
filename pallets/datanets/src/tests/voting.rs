use super::*;
use crate::{
	AcceptedSubmissions, CapOverrides, ContributorStatsOf, Datanets as DatanetsStorage, Error,
	Event, GlobalStats, Modality, SubmissionStatus, Submissions, Validators, Vote, VotingRules,
};
use frame_support::assert_noop;
use sp_runtime::Perbill;

fn status(id: SubmissionId) -> SubmissionStatus {
	Submissions::<Test>::get(id).unwrap().status
}

/// A text datanet (id 3) decided by EVE and FERDIE, bonded with equal stakes.
fn two_validator_datanet(threshold: Perbill) -> u32 {
	assert_ok!(Datanets::create_datanet(
		RuntimeOrigin::signed(OWNER),
		b"Pairs".to_vec(),
		vec![],
		Modality::Text,
		CapOverrides::default(),
		VotingRules { quorum: 2, approval_threshold: threshold, voting_period: VOTING_PERIOD },
		0
	));
	let id = crate::NextDatanetId::<Test>::get() - 1;
	for validator in [EVE, FERDIE] {
		assert_ok!(Datanets::bond_validator(RuntimeOrigin::signed(validator), id, MIN_BOND));
	}
	id
}

#[test]
fn a_quorum_of_approvals_accepts_with_the_median_quality() {
	test(|| {
		let id = submit_text(ALICE, 1, 1_000);
		assert_ok!(vote(BOB, id, true, 90));
		System::assert_last_event(
			Event::Voted {
				submission: id,
				validator: BOB,
				approve: true,
				quality: 90,
				stake: GENESIS_BOND,
			}
			.into(),
		);
		assert_ok!(vote(CHARLIE, id, true, 70));
		assert_eq!(status(id), SubmissionStatus::Pending);
		assert_ok!(vote(DAVE, id, true, 80));
		assert_eq!(status(id), SubmissionStatus::Accepted { weight: 80 });
		System::assert_last_event(
			Event::SubmissionAccepted {
				submission: id,
				datanet: TEXT,
				contributor: ALICE,
				weight: 80,
				score: 80,
			}
			.into(),
		);
		let stats = ContributorStatsOf::<Test>::get(TEXT, ALICE);
		assert_eq!((stats.accepted, stats.accepted_bytes, stats.score), (1, 1_000, 80));
		assert_eq!(stats.first_accepted_at, Some(1));
		assert_eq!(GlobalStats::<Test>::get(ALICE), stats);
		assert_eq!(AcceptedSubmissions::<Test>::get(TEXT, 0), Some(id));
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().accepted_count, 1);
		let votes: Vec<_> =
			Submissions::<Test>::get(id).unwrap().votes.into_iter().map(|v| v.validator).collect();
		assert_eq!(votes, [BOB, CHARLIE, DAVE]);
	});
}

#[test]
fn one_outlier_cannot_move_the_acceptance_weight() {
	test(|| {
		let high = submit_text(ALICE, 1, 10);
		approve_all(high, [70, 72, 100]);
		assert_eq!(status(high), SubmissionStatus::Accepted { weight: 72 });
		let low = submit_text(ALICE, 2, 10);
		approve_all(low, [70, 72, 0]);
		assert_eq!(status(low), SubmissionStatus::Accepted { weight: 70 });
		// With more than half of the approving stake, DAVE's quality decides.
		assert_ok!(Datanets::bond_validator(RuntimeOrigin::signed(DAVE), TEXT, 150));
		let heavy = submit_text(ALICE, 3, 10);
		approve_all(heavy, [70, 72, 10]);
		assert_eq!(status(heavy), SubmissionStatus::Accepted { weight: 10 });
		assert_eq!(ContributorStatsOf::<Test>::get(TEXT, ALICE).score, 72 + 70 + 10);
	});
}

#[test]
fn a_tie_at_the_threshold_accepts() {
	test(|| {
		let datanet = two_validator_datanet(Perbill::from_percent(50));
		assert_ok!(submit(ALICE, datanet, 1, 10, FileFormat::Md));
		let id = crate::NextSubmissionId::<Test>::get() - 1;
		assert_ok!(vote(EVE, id, true, 60));
		assert_ok!(vote(FERDIE, id, false, 0));
		assert_eq!(status(id), SubmissionStatus::Accepted { weight: 60 });
	});
}

#[test]
fn below_the_threshold_rejects_without_lowering_the_score() {
	test(|| {
		let accepted = submit_text(ALICE, 1, 10);
		approve_all(accepted, [60, 60, 60]);
		let rejected = submit_text(ALICE, 2, 10);
		assert_ok!(vote(BOB, rejected, true, 90));
		assert_ok!(vote(CHARLIE, rejected, false, 0));
		assert_ok!(vote(DAVE, rejected, false, 0));
		assert_eq!(status(rejected), SubmissionStatus::Rejected);
		System::assert_last_event(
			Event::SubmissionRejected { submission: rejected, datanet: TEXT, contributor: ALICE }
				.into(),
		);
		let stats = ContributorStatsOf::<Test>::get(TEXT, ALICE);
		assert_eq!((stats.submitted, stats.accepted, stats.rejected, stats.score), (2, 1, 1, 60));

		// Just under a 51% threshold with equal stakes.
		let datanet = two_validator_datanet(Perbill::from_percent(51));
		assert_ok!(submit(ZOE, datanet, 3, 10, FileFormat::Md));
		let id = crate::NextSubmissionId::<Test>::get() - 1;
		assert_ok!(vote(EVE, id, true, 60));
		assert_ok!(vote(FERDIE, id, false, 0));
		assert_eq!(status(id), SubmissionStatus::Rejected);
		assert_eq!(ContributorStatsOf::<Test>::get(datanet, ZOE).score, 0);
	});
}

#[test]
fn without_a_quorum_a_submission_expires() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(vote(BOB, id, true, 90));
		let ends = 1 + VOTING_PERIOD;
		run_to_block(ends);
		assert_noop!(
			Datanets::finalize(RuntimeOrigin::signed(ZOE), id),
			Error::<Test>::VotingPeriodNotOver
		);
		run_to_block(ends + 1);
		assert_noop!(vote(CHARLIE, id, true, 90), Error::<Test>::VotingPeriodOver);
		assert_ok!(Datanets::finalize(RuntimeOrigin::signed(ZOE), id));
		assert_eq!(status(id), SubmissionStatus::Expired);
		System::assert_last_event(
			Event::SubmissionExpired { submission: id, datanet: TEXT, contributor: ALICE }.into(),
		);
		let stats = ContributorStatsOf::<Test>::get(TEXT, ALICE);
		assert_eq!((stats.expired, stats.score), (1, 0));
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().pending_votes, 0);
		assert_noop!(
			Datanets::finalize(RuntimeOrigin::signed(ZOE), id),
			Error::<Test>::SubmissionNotPending
		);
		assert_noop!(
			Datanets::finalize(RuntimeOrigin::signed(ZOE), 77),
			Error::<Test>::SubmissionNotFound
		);
	});
}

#[test]
fn vote_refuses_bad_input() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_noop!(vote(BOB, id, true, 101), Error::<Test>::QualityOutOfRange);
		assert_noop!(vote(BOB, 77, true, 50), Error::<Test>::SubmissionNotFound);
		assert_noop!(vote(EVE, id, true, 50), Error::<Test>::NotValidator);
		assert_ok!(vote(BOB, id, true, 50));
		assert_noop!(vote(BOB, id, false, 0), Error::<Test>::AlreadyVoted);

		let own = submit_text(CHARLIE, 2, 10);
		assert_noop!(vote(CHARLIE, own, true, 100), Error::<Test>::OwnSubmission);

		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(DAVE), TEXT));
		assert_noop!(vote(DAVE, id, true, 50), Error::<Test>::ValidatorUnbonding);

		assert_ok!(Datanets::bond_validator(RuntimeOrigin::signed(EVE), TEXT, MIN_BOND));
		assert_ok!(vote(CHARLIE, id, true, 50));
		assert_ok!(vote(EVE, id, true, 50));
		assert_noop!(vote(FERDIE, id, true, 50), Error::<Test>::SubmissionNotPending);
		assert_eq!(
			Submissions::<Test>::get(id).unwrap().votes.last(),
			Some(&Vote { validator: EVE, approve: true, quality: 50, stake: MIN_BOND })
		);
	});
}

/// Defensive: a quorum above `MaxVotesPerSubmission` cannot be set through calls, but a
/// corrupt or migrated record must not let a submission collect unbounded votes.
#[test]
fn votes_beyond_the_bound_are_refused() {
	test(|| {
		let voters: Vec<AccountId> = (100..=100 + MAX_VOTES as u64).collect();
		for &voter in &voters {
			assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), voter, INITIAL_BALANCE));
			assert_ok!(Datanets::bond_validator(RuntimeOrigin::signed(voter), TEXT, MIN_BOND));
		}
		DatanetsStorage::<Test>::mutate(TEXT, |d| {
			d.as_mut().unwrap().voting.quorum = MAX_VOTES + 1
		});
		let id = submit_text(ALICE, 1, 10);
		for &voter in &voters[..MAX_VOTES as usize] {
			assert_ok!(vote(voter, id, true, 50));
		}
		assert_noop!(vote(voters[MAX_VOTES as usize], id, true, 50), Error::<Test>::TooManyVotes);
		// Restore a valid quorum so that the submission can still be decided.
		DatanetsStorage::<Test>::mutate(TEXT, |d| d.as_mut().unwrap().voting.quorum = 3);
	});
}
