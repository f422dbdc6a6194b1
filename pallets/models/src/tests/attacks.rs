//! Attacks on the rules that move value (bounties, bonds), each shown to fail or to cost
//! the attacker more than it earns.

use super::*;
use frame_support::{assert_noop, assert_ok};

/// A trainer that did not commit sees an honest reveal and reveals the same result: no
/// commitment, no reveal; and commits are closed by the time anything is revealed.
#[test]
fn a_trainer_that_copies_a_revealed_result_without_its_own_commit_is_refused() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		to_reveals(id);
		reveal(id, T1, result(1));
		// Copy the revealed result, with the copier's own salt or the honest one.
		assert_noop!(
			ModelFactory::reveal_result(RuntimeOrigin::signed(T3), id, result(1), salt(T3)),
			Error::<Test>::NotCommitted
		);
		assert_noop!(
			ModelFactory::reveal_result(RuntimeOrigin::signed(T3), id, result(1), salt(T1)),
			Error::<Test>::NotCommitted
		);
		// Too late to commit the copy.
		let copy = commitment(id, &result(1), &salt(T3), &T3);
		assert_noop!(
			ModelFactory::commit_result(RuntimeOrigin::signed(T3), id, copy),
			Error::<Test>::CommitsClosed
		);
		reveal(id, T2, result(1));
		assert_eq!(Models::<Test>::get(0).unwrap().attesters.len(), 2);
		assert!(!Models::<Test>::get(0).unwrap().attesters.contains(&T3));
	});
}

/// A trainer that copies another's commitment hash (to share its bounty without training)
/// cannot open it: the hash binds the committer's account. It pays the unrevealed slash.
#[test]
fn a_copied_commitment_cannot_be_revealed_by_the_copier() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		let copied = Attestations::<Test>::get(id, T1).unwrap().commitment;
		assert_ok!(ModelFactory::commit_result(RuntimeOrigin::signed(T3), id, copied));
		commit(id, T2, &result(1));
		reveal(id, T1, result(1));
		for salt in [salt(T1), salt(T3)] {
			assert_noop!(
				ModelFactory::reveal_result(RuntimeOrigin::signed(T3), id, result(1), salt),
				Error::<Test>::CommitmentMismatch
			);
		}
		reveal(id, T2, result(1));
		to_due(id);
		let before = free(T3) + bond(T3);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(free(T3) + bond(T3), before - MIN_TRAINER_BOND / 20);
	});
}

/// A trainer takes a commit slot with a junk result to block the agreement. A job always
/// has more slots than k, so one junk commit cannot block it: the honest trainers verify,
/// the griefer is slashed and earns nothing. Blocking takes more junk commits than there
/// are honest ones; then the job fails, the creator is refunded, and the griefers earn
/// nothing (their bonds stay locked for the job's life).
#[test]
fn griefing_a_job_with_a_junk_result_costs_the_griefer() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T3, &result(9));
		commit(id, T2, &result(1));
		let griefer = free(T3) + bond(T3);
		reveal(id, T3, result(9));
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		assert_eq!(job(id).status, JobStatus::Verified(0));
		assert_eq!(free(T3) + bond(T3), griefer - MIN_TRAINER_BOND / 10);
		// Hiding the junk instead costs the unrevealed slash.
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T4, &result(9));
		commit(id, T2, &result(1));
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		to_due(id);
		let griefer = free(T4) + bond(T4);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert!(free(T4) + bond(T4) < griefer);
		// Two griefers of three slots block k = 2: the creator gets the bounty back.
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T3, &result(8));
		commit(id, T4, &result(9));
		for (who, n) in [(T1, 1), (T3, 8), (T4, 9)] {
			reveal(id, who, result(n));
		}
		let creator = free(CREATOR);
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(job(id).status, JobStatus::Failed);
		assert_eq!(free(CREATOR), creator + BOUNTY);
	});
}

/// Splitting a bounty never pays more than it holds, whatever k and bounty.
#[test]
fn bounty_shares_never_round_up() {
	for bounty in [0u64, 1, 2, 99, 100, 1_001, u64::MAX] {
		for parts in 1..=MAX_ATTESTERS {
			let shares: Vec<u64> =
				(0..parts).map(|i| crate::attestations::share(bounty, i, parts)).collect();
			assert_eq!(shares.iter().map(|s| *s as u128).sum::<u128>(), bounty as u128);
			let (min, max) = (shares.iter().min().unwrap(), shares.iter().max().unwrap());
			assert!(max - min <= 1);
		}
	}
}

/// Revealing twice, or revealing after settlement, cannot collect a second share.
#[test]
fn a_bounty_is_paid_once() {
	test(|| {
		let id = verified_job();
		let paid = free(T1);
		assert_noop!(
			ModelFactory::reveal_result(RuntimeOrigin::signed(T1), id, result(1), salt(T1)),
			Error::<Test>::AlreadyRevealed
		);
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_noop!(
			ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id),
			Error::<Test>::AlreadySettled
		);
		assert_eq!(free(T1), paid);
	});
}
