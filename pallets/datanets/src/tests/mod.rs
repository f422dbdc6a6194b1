//! Unit tests on the mock runtime. Every test runs through `mock::test`, which checks the
//! `try_state` invariants at its end; refused calls are checked with `assert_noop!`, which
//! also proves that they left storage (events included) untouched.

mod attacks;
mod datanets;
mod gateways;
mod leaderboard;
mod property;
mod queries;
mod red_team;
mod rewards;
mod snapshots;
mod submissions;
mod validators;
mod voting;

use crate::{mock::*, FileFormat, SubmissionId};
use frame_support::assert_ok;
use sp_runtime::DispatchResult;

/// Reserves file number `n` for `who` on `datanet` (as `openledger submit` does first).
fn reserve(who: AccountId, datanet: u32, n: u32) -> DispatchResult {
	let key = crate::reservation(datanet, &canonical(&cid_text(n)), &who);
	Datanets::reserve(RuntimeOrigin::signed(who), vec![key])
}

/// Submits file number `n` without reserving it first.
fn submit_reserved(
	who: AccountId,
	datanet: u32,
	n: u32,
	bytes: u64,
	format: FileFormat,
) -> DispatchResult {
	Datanets::submit(RuntimeOrigin::signed(who), datanet, cid_text(n), bytes, format)
}

/// Reserves file number `n`, moves to the next block and submits it: the real flow.
fn submit(who: AccountId, datanet: u32, n: u32, bytes: u64, format: FileFormat) -> DispatchResult {
	reserve(who, datanet, n)?;
	run_to_block(System::block_number() + 1);
	submit_reserved(who, datanet, n, bytes, format)
}

/// Submits text file number `n` as `who` and returns its id.
fn submit_text(who: AccountId, n: u32, bytes: u64) -> SubmissionId {
	assert_ok!(submit(who, TEXT, n, bytes, FileFormat::Txt));
	crate::NextSubmissionId::<Test>::get() - 1
}

/// A fixed salt per validator, as a validator client would draw at random.
fn salt_of(validator: AccountId) -> [u8; 32] {
	[validator as u8; 32]
}

fn commit(
	validator: AccountId,
	submission: SubmissionId,
	approve: bool,
	quality: u8,
) -> DispatchResult {
	let hash = crate::commitment(submission, approve, quality, &salt_of(validator), &validator);
	Datanets::commit_vote(RuntimeOrigin::signed(validator), submission, hash)
}

fn reveal(
	validator: AccountId,
	submission: SubmissionId,
	approve: bool,
	quality: u8,
) -> DispatchResult {
	Datanets::reveal_vote(
		RuntimeOrigin::signed(validator),
		submission,
		approve,
		quality,
		salt_of(validator),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

fn submission(id: SubmissionId) -> crate::SubmissionOf<Test> {
	crate::Submissions::<Test>::get(id).expect("the submission exists")
}

/// Moves to the first block of the submission's reveal period.
fn to_reveal(id: SubmissionId) {
	run_to_block(submission(id).commit_ends + 1);
}

/// Moves past the end of the reveal period: `on_idle` settles the submission.
fn to_settlement(id: SubmissionId) {
	run_past_block(submission(id).reveal_ends);
}

/// Each validator commits, then reveals, its ballot; then the votes are settled.
fn vote_all(id: SubmissionId, ballots: &[(AccountId, bool, u8)]) {
	for &(validator, approve, quality) in ballots {
		assert_ok!(commit(validator, id, approve, quality));
	}
	to_reveal(id);
	for &(validator, approve, quality) in ballots {
		assert_ok!(reveal(validator, id, approve, quality));
	}
	to_settlement(id);
}

/// The three genesis validators of the text datanet approve with these qualities.
fn approve_all(submission: SubmissionId, qualities: [u8; 3]) {
	let ballots: Vec<_> =
		[BOB, CHARLIE, DAVE].into_iter().zip(qualities).map(|(v, q)| (v, true, q)).collect();
	vote_all(submission, &ballots);
}

fn status(id: SubmissionId) -> crate::SubmissionStatus {
	submission(id).status
}

/// The id of the last submission made.
fn last_id() -> SubmissionId {
	crate::NextSubmissionId::<Test>::get() - 1
}

/// Submits text file number `n` of 10 bytes as `who` to `datanet`; returns its id.
fn submit_to(who: AccountId, datanet: u32, n: u32) -> SubmissionId {
	assert_ok!(submit(who, datanet, n, 10, FileFormat::Txt));
	last_id()
}

/// A text datanet owned by `OWNER` with these rules; returns its id.
fn text_datanet(voting: crate::VotingRules<u64>) -> u32 {
	assert_ok!(Datanets::create_datanet(
		RuntimeOrigin::signed(OWNER),
		b"Rules".to_vec(),
		vec![],
		crate::Modality::Text,
		Default::default(),
		voting,
		0
	));
	crate::NextDatanetId::<Test>::get() - 1
}

fn fund_account(who: AccountId) {
	assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), who, INITIAL_BALANCE));
}

fn bond(who: AccountId, datanet: u32, amount: Balance) {
	assert_ok!(Datanets::bond_validator(RuntimeOrigin::signed(who), datanet, amount));
}

/// Claims an epoch's rewards as `who`; returns what was paid.
fn claim(who: AccountId, datanet: u32, epoch: u32) -> Balance {
	use frame_support::traits::fungible::Inspect;
	let before = Balances::balance(&who);
	assert_ok!(Datanets::claim_rewards(RuntimeOrigin::signed(who), datanet, epoch));
	Balances::balance(&who) - before
}

fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::total_balance_on_hold(&who)
}

/// The invariants that every test relies on do fail on corrupted state.
#[test]
fn try_state_detects_corruption() {
	use crate::{ContributorStatsOf, Epochs, Validators};
	let corruptions: [fn(); 5] = [
		|| ContributorStatsOf::<Test>::mutate(TEXT, ALICE, |stats| stats.score += 1),
		|| Validators::<Test>::mutate(TEXT, BOB, |bond| bond.as_mut().unwrap().amount += 1),
		|| Validators::<Test>::mutate(TEXT, BOB, |bond| bond.as_mut().unwrap().pending_votes += 1),
		|| crate::SubmissionByCid::<Test>::remove(TEXT, canonical(&cid_text(1))),
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

/// The v2 migration turns a v1 chain (public quorum votes, vote-count agreement, no
/// deposits) into one that passes every v2 invariant: a pending submission gets fresh
/// sealed windows, bonds keep their amounts, earned epochs keep their shares.
#[test]
fn migration_to_v2_seals_the_votes_of_a_v1_chain() {
	use crate::{
		migrations::v2::{v1, MigrateV1ToV2},
		Datanets as DatanetsStorage, Earnings, Epochs, ReservationQueue, Reservations,
		SubmissionQueue, SubmissionStatus, Submissions, Validators, Votes,
	};
	use codec::Encode;
	use frame_support::{
		storage::unhashed,
		traits::{
			fungible::MutateHold, tokens::Precision, GetStorageVersion, OnRuntimeUpgrade,
			StorageVersion,
		},
	};
	new_test_ext().execute_with(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 1_000, Some(100)));
		run_to_block(EPOCH_LENGTH);
		let accepted = submit_text(ALICE, 1, 10);
		approve_all(accepted, [60, 60, 60]);
		let pending = submit_text(ZOE, 2, 10);
		assert_ok!(commit(BOB, pending, true, 50));

		// Rewrite the state in its v1 shapes, as a v1 chain would hold it.
		for (id, datanet) in DatanetsStorage::<Test>::iter() {
			let old = v1::Datanet {
				owner: datanet.owner,
				name: datanet.name.into_inner(),
				description: datanet.description.into_inner(),
				modality: datanet.modality,
				caps: datanet.caps,
				voting: v1::VotingRules {
					quorum: 3,
					approval_threshold: datanet.voting.approval_threshold,
					voting_period: 10u64,
				},
				status: datanet.status,
				deposit: datanet.deposit,
				reward_pool: datanet.reward_pool,
				reward_per_epoch: datanet.reward_per_epoch,
				accepted_count: datanet.accepted_count,
				created_at: datanet.created_at,
			};
			unhashed::put(&DatanetsStorage::<Test>::hashed_key_for(id), &old);
		}
		let pending_votes: Vec<_> = Votes::<Test>::iter_prefix(pending)
			.map(|(validator, vote)| v1::Vote {
				validator,
				approve: true,
				quality: 50,
				stake: vote.stake,
			})
			.collect();
		for (id, submission) in Submissions::<Test>::iter() {
			if !submission.settled {
				assert_ok!(<Balances as MutateHold<AccountId>>::release(
					&crate::HoldReason::SubmissionDeposit.into(),
					&submission.contributor,
					submission.deposit,
					Precision::Exact,
				));
			}
			let votes = if id == pending { pending_votes.clone() } else { vec![] };
			let old = v1::Submission {
				datanet: submission.datanet,
				contributor: submission.contributor,
				cid: submission.cid,
				bytes: submission.bytes,
				format: submission.format,
				submitted_at: submission.submitted_at,
				voting_ends: submission.reveal_ends,
				status: submission.status,
				votes,
			};
			unhashed::put(&Submissions::<Test>::hashed_key_for(id), &old);
		}
		for (datanet, validator, bond) in Validators::<Test>::iter() {
			let old = v1::ValidatorBond {
				amount: bond.amount,
				pending_votes: bond.pending_votes,
				unlocks_at: bond.unlocks_at,
			};
			unhashed::put(&Validators::<Test>::hashed_key_for(datanet, validator), &old);
		}
		for (datanet, epoch, totals) in Epochs::<Test>::iter() {
			let old = v1::EpochRewards {
				total_score: totals.total_score,
				total_agreeing_votes: (totals.total_agreeing_stake / GENESIS_BOND) as u32,
				release: totals.release,
				paid: totals.paid,
			};
			unhashed::put(&Epochs::<Test>::hashed_key_for(datanet, epoch), &old);
		}
		for ((datanet, epoch, account), earned) in Earnings::<Test>::iter() {
			let old = v1::EpochEarnings {
				score: earned.score,
				agreeing_votes: (earned.agreeing_stake / GENESIS_BOND) as u32,
			};
			unhashed::put(
				&Earnings::<Test>::hashed_key_for((datanet, epoch, account)),
				&old.encode(),
			);
		}
		let _ = Votes::<Test>::clear(u32::MAX, None);
		let _ = SubmissionQueue::<Test>::clear(u32::MAX, None);
		let _ = Reservations::<Test>::clear(u32::MAX, None);
		let _ = ReservationQueue::<Test>::clear(u32::MAX, None);
		StorageVersion::new(1).put::<Datanets>();

		run_to_block(2 * EPOCH_LENGTH);
		let upgraded_at = System::block_number();
		#[cfg(feature = "try-runtime")]
		MigrateV1ToV2::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Datanets::on_chain_storage_version(), StorageVersion::new(2));
		Datanets::do_try_state().expect("a migrated chain keeps every v2 invariant");

		// Epoch 1 was earned under v1 and settled by the migration: ALICE is paid.
		assert_eq!(Epochs::<Test>::get(TEXT, 1).release.map(|r| r.contributors), Some(80));
		// The pending submission votes again, sealed, from the upgrade on.
		let migrated = submission(pending);
		assert_eq!(migrated.status, SubmissionStatus::Pending);
		// Half of the v1 voting period of 10 blocks to commit, half to reveal.
		assert_eq!(
			(migrated.commit_ends, migrated.reveal_ends),
			(upgraded_at + 5, upgraded_at + 10)
		);
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().pending_votes, 0);
		approve_all(pending, [70, 70, 70]);
		assert_eq!(submission(pending).status, SubmissionStatus::Accepted { weight: 70 });
		Datanets::do_try_state().unwrap();
	});
}
