//! Unit tests on the mock runtime. Every test runs through `mock::test`, which checks the
//! `try_state` invariants at its end; refused calls are checked with `assert_noop!`, which
//! also proves that they left storage (events included) untouched.

mod datanets;
mod leaderboard;
mod queries;
mod rewards;
mod submissions;
mod validators;
mod voting;

use crate::{mock::*, FileFormat, SubmissionId};
use frame_support::assert_ok;
use sp_runtime::DispatchResult;

fn submit(who: AccountId, datanet: u32, n: u32, bytes: u64, format: FileFormat) -> DispatchResult {
	Datanets::submit(RuntimeOrigin::signed(who), datanet, cid_text(n), bytes, format)
}

/// Submits text file number `n` as `who` and returns its id.
fn submit_text(who: AccountId, n: u32, bytes: u64) -> SubmissionId {
	assert_ok!(submit(who, TEXT, n, bytes, FileFormat::Txt));
	crate::NextSubmissionId::<Test>::get() - 1
}

fn vote(
	validator: AccountId,
	submission: SubmissionId,
	approve: bool,
	quality: u8,
) -> DispatchResult {
	Datanets::vote(RuntimeOrigin::signed(validator), submission, approve, quality)
		.map(|_| ())
		.map_err(|e| e.error)
}

/// The three genesis validators of the text datanet approve with these qualities.
fn approve_all(submission: SubmissionId, qualities: [u8; 3]) {
	for (validator, quality) in [BOB, CHARLIE, DAVE].into_iter().zip(qualities) {
		assert_ok!(vote(validator, submission, true, quality));
	}
}

fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::total_balance_on_hold(&who)
}

/// The invariants that every test relies on do fail on corrupted state.
#[test]
fn try_state_detects_corruption() {
	use crate::{ContributorStatsOf, Epochs, Validators};
	let corruptions: [fn(); 4] = [
		|| ContributorStatsOf::<Test>::mutate(TEXT, ALICE, |stats| stats.score += 1),
		|| Validators::<Test>::mutate(TEXT, BOB, |bond| bond.as_mut().unwrap().amount += 1),
		|| Validators::<Test>::mutate(TEXT, BOB, |bond| bond.as_mut().unwrap().pending_votes += 1),
		|| Epochs::<Test>::mutate(TEXT, 0, |epoch| epoch.paid = 1),
	];
	for corrupt in corruptions {
		new_test_ext().execute_with(|| {
			let id = submit_text(ALICE, 1, 10);
			approve_all(id, [50, 50, 50]);
			assert_ok!(Datanets::do_try_state());
			corrupt();
			assert!(Datanets::do_try_state().is_err());
		});
	}
}

/// The v1 migration rebuilds every query index from the v0 state it summarises.
#[test]
fn migration_to_v1_builds_the_query_indexes() {
	use crate::{
		migrations::v1::MigrateV0ToV1, PendingCount, PendingSubmissions, RankNodes, RankRoots,
		UnclaimedEarnings,
	};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	test(|| {
		let accepted = submit_text(ALICE, 1, 10);
		approve_all(accepted, [50, 60, 70]);
		submit_text(ZOE, 2, 10);
		// Back to a v0 chain: no indexes.
		let _ = RankNodes::<Test>::clear(u32::MAX, None);
		let _ = RankRoots::<Test>::clear(u32::MAX, None);
		let _ = PendingSubmissions::<Test>::clear(u32::MAX, None);
		let _ = PendingCount::<Test>::clear(u32::MAX, None);
		let _ = UnclaimedEarnings::<Test>::clear(u32::MAX, None);
		StorageVersion::new(0).put::<Datanets>();
		assert!(Datanets::do_try_state().is_err());

		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Datanets::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(crate::Pallet::<Test>::rank_of(crate::Board::Global, &ALICE), Some(1));
	});
}
