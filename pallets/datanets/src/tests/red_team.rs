//! Red-team attacks on voting, stake snapshots, reservations, settlement and rewards. Each
//! test asserts the SAFE behaviour: it passes when the pallet resists the attack and fails
//! when the attack works (see the comment on each test for the sequence and the damage).

use super::*;
use crate::{
	weights::WeightInfo, Datanets as DatanetsStorage, Epochs, Error, SubmissionStatus, Submissions,
	Validators, Votes, VotingRules, MAX_TREE_HEIGHT,
};
use frame_support::{
	assert_noop,
	traits::{fungible::Inspect, Get, Hooks},
	weights::RuntimeDbWeight,
};
use sp_runtime::Perbill;

// ---------------------------------------------------------------------------------------
// Stake snapshot
// ---------------------------------------------------------------------------------------

/// ATTACK (snapshot inflation by a same-block bond): EVE sees ALICE's `submit` in the pool
/// and orders a large `bond_validator` before it in the same block. The snapshot counts
/// EVE's 400, which can never vote on the submission (`NoStakeAtSubmission`), so the three
/// honest validators' unanimous 300 is below 50% participation and ALICE's good file
/// expires. EVE unbonds right away (no votes, nothing to slash) and gets every unit back.
/// Safe behaviour: the snapshot counts only stake that can vote (bonded before the block).
#[test]
fn a_bond_in_the_submit_block_does_not_inflate_the_snapshot() {
	test(|| {
		assert_ok!(reserve(ALICE, TEXT, 1));
		run_to_block(2);
		bond(EVE, TEXT, 400);
		assert_ok!(submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt));
		let id = last_id();
		assert_noop!(commit(EVE, id, false, 0), Error::<Test>::NoStakeAtSubmission);
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(EVE), TEXT));
		assert_eq!(
			submission(id).stake_snapshot,
			3 * GENESIS_BOND,
			"snapshot holds unvotable stake"
		);
		vote_all(id, &[(BOB, true, 60), (CHARLIE, true, 60), (DAVE, true, 60)]);
		assert_eq!(status(id), SubmissionStatus::Accepted { weight: 60 });
	});
}

/// A top-up made after a submission votes on it with the old amount; a second change
/// within the commit period is refused; later submissions see the new amount.
#[test]
fn a_top_up_after_a_submission_carries_only_the_old_stake() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		bond(BOB, TEXT, 1_000);
		assert_noop!(
			Datanets::bond_validator(RuntimeOrigin::signed(BOB), TEXT, 1),
			Error::<Test>::BondChangedRecently
		);
		assert_ok!(commit(BOB, id, true, 60));
		assert_eq!(Votes::<Test>::get(id, BOB).unwrap().stake, GENESIS_BOND);
		let later = submit_text(ZOE, 2, 10);
		assert_ok!(commit(BOB, later, true, 60));
		assert_eq!(Votes::<Test>::get(later, BOB).unwrap().stake, GENESIS_BOND + 1_000);
	});
}

/// Top-up in the submission's own block, before it, then a second top-up just after the
/// once-per-commit-period wait, still inside a long commit window of another submission:
/// no vote ever carries more than its snapshot (try_state checks the sums).
#[test]
fn two_bond_changes_around_a_submission_never_exceed_its_snapshot() {
	test(|| {
		let voting = VotingRules { commit_period: 4, reveal_period: 4, ..default_voting() };
		let datanet = text_datanet(voting);
		bond(BOB, datanet, 100);
		bond(CHARLIE, datanet, 100);
		run_to_block(10);
		assert_ok!(reserve(ALICE, datanet, 1));
		run_to_block(11);
		bond(BOB, datanet, 900); // block 11, before the submission
		assert_ok!(submit_reserved(ALICE, datanet, 1, 10, FileFormat::Txt));
		let first = last_id();
		// Stake bonded in the submission's own block cannot vote on it: not in the snapshot.
		assert_eq!(submission(first).stake_snapshot, 200);
		assert_ok!(commit(BOB, first, true, 50));
		assert_eq!(Votes::<Test>::get(first, BOB).unwrap().stake, 100);
		let second = submit_to(ZOE, datanet, 2); // block 12: sees 1_000
		run_to_block(16);
		bond(BOB, datanet, 5_000); // block 16 > 11 + 4: allowed; second's window open to 16
		assert_ok!(commit(BOB, second, true, 50));
		assert_eq!(Votes::<Test>::get(second, BOB).unwrap().stake, 1_000);
		assert_ok!(commit(CHARLIE, second, true, 50));
		Datanets::do_try_state().unwrap();
		to_reveal(second);
		assert_ok!(reveal(BOB, second, true, 50));
		assert_ok!(reveal(CHARLIE, second, true, 50));
		to_settlement(second);
		assert_eq!(status(second), SubmissionStatus::Accepted { weight: 50 });
	});
}

/// A validator that unbonds, withdraws and bonds again cannot vote on a submission made
/// while it was bonded: the fresh bond has no stake at that block.
#[test]
fn unbond_withdraw_and_rebond_cannot_vote_on_an_older_submission() {
	test(|| {
		let voting = VotingRules { commit_period: 20, reveal_period: 5, ..default_voting() };
		let datanet = text_datanet(voting);
		bond(EVE, datanet, 100);
		bond(BOB, datanet, 100);
		let id = submit_to(ALICE, datanet, 1);
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(EVE), datanet));
		run_to_block(System::block_number() + UNBONDING_DELAY);
		assert_ok!(Datanets::withdraw_unbonded(RuntimeOrigin::signed(EVE), datanet));
		bond(EVE, datanet, 10_000);
		assert_noop!(commit(EVE, id, true, 100), Error::<Test>::NoStakeAtSubmission);
	});
}

/// A contributor's own bond is outside the snapshot and cannot vote on its file.
#[test]
fn a_validator_cannot_vote_on_its_own_file() {
	test(|| {
		let id = submit_text(BOB, 1, 10);
		assert_eq!(submission(id).stake_snapshot, 2 * GENESIS_BOND);
		assert_noop!(commit(BOB, id, true, 100), Error::<Test>::OwnSubmission);
	});
}

// ---------------------------------------------------------------------------------------
// Early decisions
// ---------------------------------------------------------------------------------------

/// ATTACK (weight capture by an early decision): a datanet with a 34% approval threshold
/// and 34% participation. EVE holds 160 of 460 (35%) and approves her partner ZOE's
/// mediocre file at quality 100; the three honest validators (300, 65%) approve it at 10.
/// EVE reveals first in the reveal period: 160 ≥ 34% of 460 decides the acceptance at
/// once, and the weight is the median of the approvals revealed so far, EVE's alone: 100.
/// The honest reveals that follow are ignored; the median of all approvals is 10. ZOE's
/// score (rank and share of the contributors' release) is ten times what the stake says.
/// Safe behaviour: the acceptance weight is the median of all revealed approvals.
#[test]
fn an_early_acceptance_cannot_freeze_a_minoritys_quality() {
	test(|| {
		let voting = VotingRules {
			approval_threshold: Perbill::from_percent(34),
			min_participation: Perbill::from_percent(34),
			..default_voting()
		};
		let datanet = text_datanet(voting);
		for honest in [BOB, CHARLIE, DAVE] {
			bond(honest, datanet, 100);
		}
		bond(EVE, datanet, 160);
		let id = submit_to(ZOE, datanet, 1);
		assert_ok!(commit(EVE, id, true, 100));
		for honest in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(honest, id, true, 10));
		}
		to_reveal(id);
		assert_ok!(reveal(EVE, id, true, 100));
		for honest in [BOB, CHARLIE, DAVE] {
			assert_ok!(reveal(honest, id, true, 10));
		}
		to_settlement(id);
		assert_eq!(
			status(id),
			SubmissionStatus::Accepted { weight: 10 },
			"35% of the stake set the acceptance weight against 65%"
		);
	});
}

/// Same idea with the default 50% rules: 300 of 600 revealing first at quality 100 fixes
/// the weight although the other 300 approve at 10 (the lower median is 10).
#[test]
fn an_early_acceptance_by_half_the_stake_cannot_freeze_its_quality() {
	test(|| {
		bond(EVE, TEXT, 300);
		let id = submit_text(ZOE, 1, 10);
		assert_ok!(commit(EVE, id, true, 100));
		for honest in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(honest, id, true, 10));
		}
		to_reveal(id);
		assert_ok!(reveal(EVE, id, true, 100));
		for honest in [BOB, CHARLIE, DAVE] {
			assert_ok!(reveal(honest, id, true, 10));
		}
		to_settlement(id);
		assert_eq!(status(id), SubmissionStatus::Accepted { weight: 10 });
	});
}

/// An early rejection by more than S − t·S stays right whatever the rest reveals, and the
/// late approvers are the ones slashed.
#[test]
fn an_early_rejection_holds_and_late_dissent_is_slashed() {
	test(|| {
		let id = submit_text(ZOE, 1, 10);
		assert_ok!(commit(BOB, id, false, 0));
		assert_ok!(commit(CHARLIE, id, false, 0));
		assert_ok!(commit(DAVE, id, true, 100));
		to_reveal(id);
		assert_ok!(reveal(BOB, id, false, 0));
		assert_eq!(status(id), SubmissionStatus::Pending, "100 of 300 is not certain");
		assert_ok!(reveal(CHARLIE, id, false, 0));
		assert_eq!(status(id), SubmissionStatus::Rejected);
		assert_ok!(reveal(DAVE, id, true, 100));
		to_settlement(id);
		assert_eq!(status(id), SubmissionStatus::Rejected);
		assert_eq!(Validators::<Test>::get(TEXT, DAVE).unwrap().amount, GENESIS_BOND - 2);
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().amount, GENESIS_BOND);
	});
}

// ---------------------------------------------------------------------------------------
// Slash avoidance
// ---------------------------------------------------------------------------------------

/// A validator holding a commitment cannot unbond to dodge the unrevealed-vote slash, even
/// after the submission was decided early; it is slashed at settlement and only then free.
#[test]
fn a_committed_validator_cannot_unbond_before_its_slash() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		for v in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(v, id, true, 50));
		}
		to_reveal(id);
		assert_ok!(reveal(BOB, id, true, 50));
		assert_ok!(reveal(CHARLIE, id, true, 50));
		assert!(matches!(status(id), SubmissionStatus::Accepted { .. }));
		assert_noop!(
			Datanets::unbond(RuntimeOrigin::signed(DAVE), TEXT),
			Error::<Test>::HasPendingVotes
		);
		to_settlement(id);
		assert_eq!(Validators::<Test>::get(TEXT, DAVE).unwrap().amount, GENESIS_BOND - 10);
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(DAVE), TEXT));
	});
}

/// A slash on one datanet takes only that datanet's bond, though the holds share a reason:
/// both bonds release exactly what their records say.
#[test]
fn a_slash_on_one_datanet_leaves_the_bond_on_another_whole() {
	test(|| {
		let image = IMAGE;
		bond(BOB, image, 100);
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(commit(BOB, id, true, 50));
		to_settlement(id);
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().amount, 90);
		assert_eq!(Validators::<Test>::get(image, BOB).unwrap().amount, 100);
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(BOB), TEXT));
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(BOB), image));
		run_to_block(System::block_number() + UNBONDING_DELAY);
		assert_ok!(Datanets::withdraw_unbonded(RuntimeOrigin::signed(BOB), TEXT));
		assert_ok!(Datanets::withdraw_unbonded(RuntimeOrigin::signed(BOB), image));
		assert_eq!(held(BOB), 0);
		assert_eq!(Balances::balance(&BOB), INITIAL_BALANCE - 10);
	});
}

// ---------------------------------------------------------------------------------------
// Reservations and CIDs
// ---------------------------------------------------------------------------------------

/// ATTACK (planted reservation): anyone can compute `reservation(datanet, CID, ALICE)` for
/// a CID they know (a public file, or one ALICE tried before) and `reserve` it for her.
/// Because a renewal keeps the first block, ALICE's own `reserve` made when the planted
/// one is about to expire is a silent no-op, and her `submit` in the next block fails
/// with `NotReserved`. Repeated, it makes the CLI's reserve-then-submit flow fail.
/// Safe behaviour: a reservation ALICE makes gives her a usable window.
#[test]
fn a_planted_reservation_cannot_swallow_the_owners_own() {
	test(|| {
		let key = crate::reservation(TEXT, &canonical(&cid_text(1)), &ALICE);
		assert_ok!(Datanets::reserve(RuntimeOrigin::signed(ZOE), vec![key]));
		run_to_block(1 + RESERVATION_LIFETIME);
		assert_ok!(reserve(ALICE, TEXT, 1));
		run_to_block(System::block_number() + 1);
		assert_ok!(submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt));
	});
}

/// Renewing someone's reservation in the block of their submit cannot make it "too recent".
#[test]
fn renewing_someone_elses_reservation_cannot_block_their_submit() {
	test(|| {
		assert_ok!(reserve(ALICE, TEXT, 1));
		run_to_block(2);
		let key = crate::reservation(TEXT, &canonical(&cid_text(1)), &ALICE);
		assert_ok!(Datanets::reserve(RuntimeOrigin::signed(ZOE), vec![key]));
		assert_ok!(submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt));
	});
}

/// ATTACK (taking an expired file): ALICE's file expires (the validators were slow, or a
/// whale inflated the snapshot) and its CID, public since her submit, would be freed at
/// pruning. During the retention period she may submit it again, and ZOE may not take it.
#[test]
fn an_expired_file_stays_its_contributors_during_retention() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		to_settlement(id);
		assert_eq!(status(id), SubmissionStatus::Expired);
		assert_ok!(reserve(ZOE, TEXT, 1));
		assert_ok!(reserve(ALICE, TEXT, 1));
		run_to_block(System::block_number() + 1);
		assert_noop!(
			submit_reserved(ZOE, TEXT, 1, 10, FileFormat::Txt),
			crate::Error::<Test>::DuplicateCid
		);
		assert_ok!(submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt));
		assert!(Submissions::<Test>::get(id).is_none(), "the expired record made way");
		assert_eq!(submission(last_id()).contributor, ALICE);
		// The old record's pruning entry is dropped harmlessly when it falls due.
		run_to_block(System::block_number() + RETENTION + 2);
		assert_eq!(submission(last_id()).contributor, ALICE);
	});
}

/// A flood of stale reservations does not delay a due settlement: `on_idle` settles first.
#[test]
fn a_reservation_flood_does_not_delay_settlement() {
	test(|| {
		for batch in 0..20u32 {
			let keys: Vec<[u8; 32]> = (0..20u32)
				.map(|i| sp_io::hashing::blake2_256(&(batch * 100 + i).to_le_bytes()))
				.collect();
			assert_ok!(Datanets::reserve(RuntimeOrigin::signed(ZOE), keys));
		}
		run_to_block(RESERVATION_LIFETIME + 1);
		assert_ok!(reserve(ALICE, TEXT, 1));
		let now = System::block_number();
		System::set_block_number(now + 1);
		assert_ok!(submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt));
		let id = last_id();
		for v in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(v, id, true, 50));
		}
		System::set_block_number(submission(id).commit_ends + 1);
		for v in [BOB, CHARLIE, DAVE] {
			assert_ok!(reveal(v, id, true, 50));
		}
		let reveal_ends = submission(id).reveal_ends;
		System::set_block_number(reveal_ends);
		let settle = <() as WeightInfo>::settle(MAX_VALIDATORS)
			.saturating_add(<() as WeightInfo>::update_boards(MAX_TREE_HEIGHT));
		let peek =
			<<Test as frame_system::Config>::DbWeight as Get<RuntimeDbWeight>>::get().reads(1);
		// Room for one settlement only.
		Datanets::on_idle(reveal_ends, settle.saturating_add(peek).saturating_add(peek));
		assert!(submission(id).settled, "stale reservations went first");
		run_to_block(reveal_ends + 2);
		assert_eq!(crate::Reservations::<Test>::iter().count(), 0);
	});
}

// ---------------------------------------------------------------------------------------
// Validator set
// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// Rewards
// ---------------------------------------------------------------------------------------

/// A claim pays once; the second is refused.
#[test]
fn a_claim_pays_once() {
	test(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 10_000, Some(1_000)));
		run_to_block(EPOCH_LENGTH);
		let id = submit_text(ALICE, 1, 10);
		approve_all(id, [60, 60, 60]);
		run_to_block(2 * EPOCH_LENGTH);
		assert_eq!(claim(ALICE, TEXT, 1), 800);
		assert_noop!(
			Datanets::claim_rewards(RuntimeOrigin::signed(ALICE), TEXT, 1),
			Error::<Test>::NothingToClaim
		);
	});
}

/// The owner schedules a zero rate at the start of the epoch in which ALICE then earns:
/// the epoch keeps the rate in force while it ran.
#[test]
fn a_rate_cut_scheduled_during_an_epoch_does_not_reach_it() {
	test(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 10_000, Some(1_000)));
		run_to_block(EPOCH_LENGTH);
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 1, Some(0)));
		let id = submit_text(ALICE, 1, 10);
		approve_all(id, [60, 60, 60]);
		run_to_block(3 * EPOCH_LENGTH);
		assert_eq!(claim(ALICE, TEXT, 1), 800);
	});
}

/// The owner closes the datanet while an epoch with earnings runs and tries to withdraw
/// the pool before, then after, the epoch ends: refused before; after, the epoch's release
/// is kept back and every earner is paid in full.
#[test]
fn withdraw_pool_cannot_take_an_earned_epoch() {
	test(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 5_000, Some(1_000)));
		run_to_block(EPOCH_LENGTH);
		let id = submit_text(ALICE, 1, 10);
		for v in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(v, id, true, 60));
		}
		assert_ok!(Datanets::close_datanet(RuntimeOrigin::signed(OWNER), TEXT));
		assert_noop!(
			Datanets::withdraw_pool(RuntimeOrigin::signed(OWNER), TEXT),
			Error::<Test>::SubmissionsPending
		);
		to_reveal(id);
		for v in [BOB, CHARLIE, DAVE] {
			assert_ok!(reveal(v, id, true, 60));
		}
		// Decided early, not yet settled.
		assert_noop!(
			Datanets::withdraw_pool(RuntimeOrigin::signed(OWNER), TEXT),
			Error::<Test>::SubmissionsPending
		);
		to_settlement(id);
		assert_noop!(
			Datanets::withdraw_pool(RuntimeOrigin::signed(OWNER), TEXT),
			Error::<Test>::EpochNotSettled
		);
		run_to_block(2 * EPOCH_LENGTH);
		let before = Balances::balance(&OWNER);
		assert_ok!(Datanets::withdraw_pool(RuntimeOrigin::signed(OWNER), TEXT));
		assert_eq!(Balances::balance(&OWNER) - before, 4_000);
		assert_eq!(claim(ALICE, TEXT, 1), 800);
		let validators: Balance = [BOB, CHARLIE, DAVE].iter().map(|&v| claim(v, TEXT, 1)).sum();
		assert_eq!(validators, 198); // 66 each, 2 of dust stay in the pot
		let epoch = Epochs::<Test>::get(TEXT, 1);
		assert!(epoch.paid <= 1_000);
	});
}

/// Slashes and forfeits that arrive in a later epoch do not enlarge an ended epoch's
/// release: a submission settled late (nobody ran `on_idle` in time) credits the current
/// epoch and its slash reaches the pool after the ended epoch was fixed.
#[test]
fn a_late_settlement_does_not_enlarge_an_ended_epochs_release() {
	test(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 100, Some(1_000)));
		run_to_block(EPOCH_LENGTH);
		let good = submit_text(ALICE, 1, 10);
		approve_all(good, [60, 60, 60]);
		// A junk file voted near the end of epoch 1, settled in epoch 2 by `finalize`.
		run_to_block(2 * EPOCH_LENGTH - 10);
		assert_ok!(reserve(ZOE, TEXT, 2));
		System::set_block_number(2 * EPOCH_LENGTH - 9);
		assert_ok!(submit_reserved(ZOE, TEXT, 2, 10, FileFormat::Txt));
		let junk = last_id();
		for v in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(v, junk, false, 0));
		}
		System::set_block_number(submission(junk).commit_ends + 1);
		for v in [BOB, CHARLIE] {
			assert_ok!(reveal(v, junk, false, 0));
		}
		System::set_block_number(2 * EPOCH_LENGTH + 1);
		assert_ok!(Datanets::finalize(RuntimeOrigin::signed(FERDIE), junk));
		// Epoch 1's release is the 100 the pool held at its end, not the pool with the
		// forfeit (5) and DAVE's unrevealed slash (10).
		let release = Epochs::<Test>::get(TEXT, 1).release.unwrap();
		assert_eq!(release.contributors + release.validators, 100);
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().reward_pool, 15);
	});
}

/// No sequence of bonds, slashes, forfeits, claims and withdrawals creates or destroys
/// funds: the total issuance is that of genesis.
#[test]
fn no_funds_are_created_or_destroyed() {
	test(|| {
		let issuance = Balances::total_issuance();
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 1_003, Some(1_003)));
		bond(EVE, TEXT, 77);
		run_to_block(EPOCH_LENGTH);
		let good = submit_text(ALICE, 1, 10);
		vote_all(good, &[(BOB, true, 60), (CHARLIE, true, 70), (DAVE, false, 0), (EVE, true, 1)]);
		let junk = submit_text(ZOE, 2, 10);
		for v in [BOB, CHARLIE, DAVE, EVE] {
			assert_ok!(commit(v, junk, false, 0));
		}
		to_reveal(junk);
		assert_ok!(reveal(BOB, junk, false, 0));
		assert_ok!(reveal(EVE, junk, false, 0));
		to_settlement(junk);
		run_to_block(2 * EPOCH_LENGTH);
		for who in [ALICE, BOB, CHARLIE, EVE] {
			claim(who, TEXT, 1);
		}
		assert_ok!(Datanets::close_datanet(RuntimeOrigin::signed(OWNER), TEXT));
		assert_ok!(Datanets::withdraw_pool(RuntimeOrigin::signed(OWNER), TEXT));
		for v in [BOB, CHARLIE, DAVE, EVE] {
			assert_ok!(Datanets::unbond(RuntimeOrigin::signed(v), TEXT));
		}
		run_to_block(System::block_number() + UNBONDING_DELAY);
		for v in [BOB, CHARLIE, DAVE, EVE] {
			assert_ok!(Datanets::withdraw_unbonded(RuntimeOrigin::signed(v), TEXT));
		}
		assert_eq!(Balances::total_issuance(), issuance);
		let pot = Balances::balance(&Datanets::pot());
		assert!(pot >= EXISTENTIAL_DEPOSIT);
	});
}

// ---------------------------------------------------------------------------------------
// Settlement that cannot fail
// ---------------------------------------------------------------------------------------

/// A contributor keeps nothing but its deposit (and sends away what it can) before its junk
/// is rejected: the forfeit and the release still go through, so the settlement cannot be
/// made to fail (which would leave the validators' votes, and so their bonds, stuck).
#[test]
fn a_contributor_with_nothing_but_its_deposit_cannot_block_settlement() {
	test(|| {
		let broke = 500;
		assert_ok!(Balances::force_set_balance(
			RuntimeOrigin::root(),
			broke,
			DEPOSIT_BASE + EXISTENTIAL_DEPOSIT
		));
		let id = submit_text(broke, 1, 10);
		let free = Balances::balance(&broke);
		if free > 0 {
			let _ = Balances::transfer_allow_death(RuntimeOrigin::signed(broke), ALICE, free);
		}
		vote_all(id, &[(BOB, false, 0), (CHARLIE, false, 0), (DAVE, false, 0)]);
		assert!(submission(id).settled);
		assert_eq!(status(id), SubmissionStatus::Rejected);
		for v in [BOB, CHARLIE, DAVE] {
			assert_ok!(Datanets::unbond(RuntimeOrigin::signed(v), TEXT));
		}
	});
}

/// Same with a rejection forfeit below the existential deposit of a fresh account: the pot
/// always exists, so a forfeit of one unit still moves.
#[test]
fn a_one_unit_forfeit_and_slash_reach_the_pot() {
	test(|| {
		let id = submit_text(ZOE, 1, 10);
		assert_ok!(commit(BOB, id, false, 0));
		assert_ok!(commit(CHARLIE, id, false, 0));
		assert_ok!(commit(DAVE, id, true, 0));
		to_reveal(id);
		for (v, a) in [(BOB, false), (CHARLIE, false), (DAVE, true)] {
			assert_ok!(reveal(v, id, a, 0));
		}
		let pool = DatanetsStorage::<Test>::get(TEXT).unwrap().reward_pool;
		to_settlement(id);
		// 50% of 10 forfeited, 2% of DAVE's 100 slashed.
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().reward_pool, pool + 5 + 2);
	});
}

/// Found by the random call sequences (seed 12): a contributor who is also a validator tops
/// up its bond and submits in the same block. Its top-up must be left out of the snapshot
/// once, not twice, or the other validators' votes carry more than the snapshot.
#[test]
fn a_contributor_topping_up_in_its_submit_block_keeps_the_snapshot_exact() {
	test(|| {
		run_to_block(COMMIT_PERIOD + 2);
		assert_ok!(reserve(BOB, TEXT, 1));
		run_to_block(System::block_number() + 1);
		bond(BOB, TEXT, 400);
		assert_ok!(submit_reserved(BOB, TEXT, 1, 10, FileFormat::Txt));
		let id = last_id();
		// CHARLIE and DAVE, 100 each, are the stake that can vote.
		assert_eq!(submission(id).stake_snapshot, 200);
		assert_ok!(commit(CHARLIE, id, true, 50));
		assert_ok!(commit(DAVE, id, true, 50));
	});
}
