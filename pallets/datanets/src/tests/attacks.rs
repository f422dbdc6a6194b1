//! Attacks on acceptance and rewards, each reproduced and shown to fail or not to pay.

use super::*;
use crate::{
	cid, Datanets as DatanetsStorage, Error, SubmissionByCid, SubmissionStatus, Submissions,
	Validators, Votes,
};
use frame_support::{assert_noop, traits::fungible::Inspect};

/// Three sybil validators at the minimum bond try to decide in the submission's own block,
/// before honest validators have fetched the file. Nothing is revealed before the commit
/// period ends, and then the whole bonded set decides: their junk is rejected, a
/// competitor's good file accepted, and their votes against the outcome are slashed.
#[test]
fn a_sybil_quorum_in_the_submit_block_cannot_outvote_honest_stake() {
	test(|| {
		let sybils = [100, 101, 102];
		for sybil in sybils {
			fund_account(sybil);
			bond(sybil, TEXT, MIN_BOND);
		}
		run_to_block(COMMIT_PERIOD + 2);
		let junk = submit_text(ZOE, 1, 10);
		let good = submit_text(ALICE, 2, 10);
		for sybil in sybils {
			assert_ok!(commit(sybil, junk, true, 100));
			assert_ok!(commit(sybil, good, false, 0));
			// No reveal, and so no decision, in the submit's block.
			assert_noop!(reveal(sybil, junk, true, 100), Error::<Test>::RevealPeriodNotStarted);
		}
		for honest in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(honest, junk, false, 0));
			assert_ok!(commit(honest, good, true, 80));
		}
		to_reveal(good);
		for sybil in sybils {
			assert_ok!(reveal(sybil, junk, true, 100));
			assert_ok!(reveal(sybil, good, false, 0));
		}
		// 150 of 450 revealed: the sybils decide nothing.
		assert_eq!(submission(junk).status, SubmissionStatus::Pending);
		assert_eq!(submission(good).status, SubmissionStatus::Pending);
		for honest in [BOB, CHARLIE, DAVE] {
			assert_ok!(reveal(honest, junk, false, 0));
			assert_ok!(reveal(honest, good, true, 80));
		}
		to_settlement(good);
		assert_eq!(submission(junk).status, SubmissionStatus::Rejected);
		assert_eq!(submission(good).status, SubmissionStatus::Accepted { weight: 80 });
		for sybil in sybils {
			// Two votes against the outcome: 2% of 50, twice.
			let bond = Validators::<Test>::get(TEXT, sybil).unwrap();
			assert_eq!(bond.amount, MIN_BOND - 2);
		}
	});
}

/// One bond of 900 and nine bonds of 100 that vote alike earn the same validator rewards:
/// the slice is shared by agreeing stake, not by accounts, and rounding only ever favours
/// the pot.
#[test]
fn splitting_a_bond_over_many_accounts_earns_nothing_more() {
	test(|| {
		let datanet = text_datanet(default_voting());
		let whole = 200;
		let split: Vec<AccountId> = (201..210).collect();
		fund_account(whole);
		bond(whole, datanet, 900);
		for &account in &split {
			fund_account(account);
			bond(account, datanet, 100);
		}
		assert_ok!(Datanets::fund_rewards(
			RuntimeOrigin::signed(OWNER),
			datanet,
			100_000,
			Some(10_003)
		));
		run_to_block(EPOCH_LENGTH);
		for n in 0..3 {
			let id = submit_to(ALICE, datanet, n);
			let mut ballots = vec![(whole, true, 70)];
			ballots.extend(split.iter().map(|&v| (v, true, 70)));
			vote_all(id, &ballots);
		}
		run_to_block(2 * EPOCH_LENGTH);
		let whole_earned = claim(whole, datanet, 1);
		let split_earned: Balance = split.iter().map(|&v| claim(v, datanet, 1)).sum();
		// 20% of 10_003 = 2_000 to 1_800 agreeing stake per submission, half each side.
		assert_eq!(whole_earned, 1_000);
		assert!(split_earned <= whole_earned && whole_earned - split_earned < 9);
	});
}

/// Commitments reveal nothing: storage and events hold hashes only until the reveal. A
/// copied commitment cannot be revealed by the copier (the validator is inside the
/// hash), so copying earns a slash instead of a reward.
#[test]
fn sealed_votes_hide_their_content_and_a_copied_commitment_is_unrevealable() {
	test(|| {
		let copier = 300;
		fund_account(copier);
		bond(copier, TEXT, MIN_BOND);
		run_to_block(2);
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(commit(BOB, id, true, 77));
		let stored = Votes::<Test>::get(id, BOB).unwrap();
		assert_eq!(stored.revealed, None);
		let expected = crate::commitment(id, true, 77, &salt_of(BOB), &BOB);
		assert_eq!(stored.commitment, expected);
		assert!(System::events().iter().all(|record| !matches!(
			record.event,
			RuntimeEvent::Datanets(crate::Event::VoteRevealed { .. })
		)));
		// The copier commits BOB's hash and tries to reveal BOB's ballot and salt.
		assert_ok!(Datanets::commit_vote(RuntimeOrigin::signed(copier), id, expected));
		to_reveal(id);
		assert_noop!(
			Datanets::reveal_vote(RuntimeOrigin::signed(copier), id, true, 77, salt_of(BOB)),
			Error::<Test>::CommitmentMismatch
		);
		assert_ok!(reveal(BOB, id, true, 77));
		to_settlement(id);
		let slashed = Validators::<Test>::get(TEXT, copier).unwrap();
		assert_eq!(slashed.amount, MIN_BOND - MIN_BOND / 10, "unrevealed: 10% slashed");
	});
}

/// Final balances of the attacker's validator (DAVE) and contributor (ZOE) after an epoch
/// in which ZOE submits `junk` files that every validator rejects, beside honest traffic.
fn self_dealing_outcome(junk: u32) -> Balance {
	let mut total = 0;
	new_test_ext().execute_with(|| {
		assert_ok!(Datanets::fund_rewards(
			RuntimeOrigin::signed(OWNER),
			TEXT,
			100_000,
			Some(1_000)
		));
		run_to_block(EPOCH_LENGTH);
		for n in 0..3 {
			let id = submit_text(ALICE, n, 10);
			approve_all(id, [60, 60, 60]);
		}
		for n in 0..junk {
			let id = submit_text(ZOE, 100 + n, 10);
			vote_all(id, &[(BOB, false, 0), (CHARLIE, false, 0), (DAVE, false, 0)]);
			assert_eq!(submission(id).status, SubmissionStatus::Rejected);
		}
		run_to_block(2 * EPOCH_LENGTH);
		claim(DAVE, TEXT, 1);
		total = Balances::balance(&DAVE) + Balances::balance(&ZOE);
		Datanets::do_try_state().unwrap();
	});
	total
}

/// An attacker who runs a validator and a contributor submits junk for its own validator
/// to reject, to farm agreement rewards. The validators' slice of an epoch is fixed and
/// shared by agreeing stake, so junk that everyone rejects moves no reward to the
/// attacker, while each rejection forfeits half of a deposit: the attack loses money.
#[test]
fn self_rejection_farming_loses_money() {
	let honest = self_dealing_outcome(0);
	let farmed = self_dealing_outcome(4);
	assert!(farmed < honest, "farming paid: {farmed} vs {honest}");
	assert_eq!(honest - farmed, 4 * DEPOSIT_BASE / 2);
}

/// When honest validators ignore the junk, the attacker's validator alone is below the
/// participation minimum: the junk expires and earns its validator nothing.
#[test]
fn self_rejection_without_honest_votes_expires_and_earns_nothing() {
	test(|| {
		let id = submit_text(ZOE, 1, 10);
		vote_all(id, &[(DAVE, false, 0)]);
		assert_eq!(submission(id).status, SubmissionStatus::Expired);
		assert_eq!(crate::Earnings::<Test>::iter().count(), 0);
	});
}

/// ALICE reserves her CID (a hash that reveals nothing), then submits it. ZOE sees the
/// submission in the pool and front-runs it with a reservation and a submission of her
/// own in the same block: hers is refused, ALICE's goes through, and the CID stays hers.
#[test]
fn a_front_run_copy_of_a_pending_cid_fails() {
	test(|| {
		assert_ok!(reserve(ALICE, TEXT, 7));
		run_to_block(2);
		// ZOE, ordered first by a higher tip, in the block that carries ALICE's submit.
		assert_noop!(
			submit_reserved(ZOE, TEXT, 7, 10, FileFormat::Txt),
			Error::<Test>::NotReserved
		);
		assert_ok!(reserve(ZOE, TEXT, 7));
		assert_noop!(
			submit_reserved(ZOE, TEXT, 7, 10, FileFormat::Txt),
			Error::<Test>::ReservationTooRecent
		);
		assert_ok!(submit_reserved(ALICE, TEXT, 7, 10, FileFormat::Txt));
		run_to_block(3);
		assert_noop!(
			submit_reserved(ZOE, TEXT, 7, 10, FileFormat::Txt),
			Error::<Test>::DuplicateCid
		);
		let id = SubmissionByCid::<Test>::get(TEXT, canonical(&cid_text(7))).unwrap();
		assert_eq!(submission(id).contributor, ALICE);
	});
}

/// The owner cannot zero an epoch that has been earned, and a later epoch's claims cannot
/// take what an earlier epoch earned: each release is fixed at its epoch's end.
#[test]
fn earned_epochs_are_fixed_at_their_end() {
	test(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 1_500, Some(1_000)));
		run_to_block(EPOCH_LENGTH);
		let first = submit_text(ALICE, 1, 10);
		approve_all(first, [60, 60, 60]);
		run_to_block(2 * EPOCH_LENGTH);
		// Epoch 1 was earned; the owner sets the rate to zero now, before anyone claims.
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 1, Some(0)));
		let datanet = DatanetsStorage::<Test>::get(TEXT).unwrap();
		// The new rate applies from the next epoch, not to epoch 1 nor the running one.
		assert_eq!(datanet.next_reward_per_epoch, Some((3, 0)));
		assert_eq!(claim(ALICE, TEXT, 1), 800);
	});
}

#[test]
fn a_later_epoch_cannot_starve_an_earlier_one() {
	test(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 1_500, Some(1_000)));
		run_to_block(EPOCH_LENGTH);
		let first = submit_text(ALICE, 1, 10);
		approve_all(first, [60, 60, 60]);
		run_to_block(2 * EPOCH_LENGTH);
		let second = submit_text(ZOE, 2, 10);
		approve_all(second, [60, 60, 60]);
		run_to_block(3 * EPOCH_LENGTH);
		// ZOE claims epoch 2 first; epoch 1 had taken its 1_000 when it ended.
		assert_eq!(claim(ZOE, TEXT, 2), 400);
		assert_eq!(claim(ALICE, TEXT, 1), 800);
	});
}

/// "hello world\n" as Kubo imports it by default (CIDv0, dag-pb leaves), the same CID in
/// CIDv1 text, and the canonical raw-leaves CIDv1: only the last one enters.
#[test]
fn one_file_enters_once_whatever_its_cid_form() {
	test(|| {
		let forms: [&[u8]; 2] = [
			b"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
			b"bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby",
		];
		let canonical_form: &[u8] = b"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";
		let mut keys = vec![];
		for form in forms.iter().chain([&canonical_form]) {
			let binary = cid::parse(form).unwrap();
			keys.push(crate::reservation(TEXT, &binary, &ALICE));
		}
		assert_ok!(Datanets::reserve(RuntimeOrigin::signed(ALICE), keys));
		run_to_block(2);
		for form in forms {
			assert_noop!(
				Datanets::submit(
					RuntimeOrigin::signed(ALICE),
					TEXT,
					form.to_vec(),
					12,
					FileFormat::Txt
				),
				Error::<Test>::CidNotCanonical
			);
		}
		assert_ok!(Datanets::submit(
			RuntimeOrigin::signed(ALICE),
			TEXT,
			canonical_form.to_vec(),
			12,
			FileFormat::Txt
		));
		assert_eq!(Submissions::<Test>::iter().count(), 1);
	});
}

/// Nobody calls `finalize`: the submission is settled by `on_idle` when its reveal period
/// ends, and its deposit returned.
#[test]
fn due_submissions_expire_with_no_one_calling_finalize() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_eq!(held(ALICE), DEPOSIT_BASE);
		to_settlement(id);
		assert_eq!(submission(id).status, SubmissionStatus::Expired);
		assert!(submission(id).settled);
		assert_eq!(held(ALICE), 0);
	});
}

/// A rejected and an expired submission are gone once the retention period has passed,
/// and their CIDs can be submitted again; the accepted one stays.
#[test]
fn rejected_and_expired_submissions_are_pruned_and_their_cids_freed() {
	test(|| {
		let rejected = submit_text(ALICE, 1, 10);
		vote_all(rejected, &[(BOB, false, 0), (CHARLIE, false, 0), (DAVE, false, 0)]);
		let expired = submit_text(ALICE, 2, 10);
		let accepted = submit_text(ALICE, 3, 10);
		approve_all(accepted, [50, 50, 50]);
		to_settlement(expired);
		assert_noop!(
			submit_reserved(ZOE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::DuplicateCid
		);
		run_to_block(System::block_number() + RETENTION + 1);
		assert!(Submissions::<Test>::get(rejected).is_none());
		assert!(Submissions::<Test>::get(expired).is_none());
		assert!(Submissions::<Test>::get(accepted).is_some());
		assert_ok!(submit(ZOE, TEXT, 1, 10, FileFormat::Txt));
		assert_ok!(submit(ZOE, TEXT, 2, 10, FileFormat::Txt));
		assert_ok!(reserve(ZOE, TEXT, 3));
		run_to_block(System::block_number() + 1);
		assert_noop!(
			submit_reserved(ZOE, TEXT, 3, 10, FileFormat::Txt),
			Error::<Test>::DuplicateCid
		);
	});
}
