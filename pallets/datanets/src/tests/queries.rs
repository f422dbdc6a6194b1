//! The read paths behind the view functions and the runtime API, on state made by calls.

use super::*;
use crate::{views::*, Board, QueryError, MAX_PAGE_SIZE};

type Pallet = crate::Pallet<Test>;

fn accounts(page: &Page<LeaderboardEntry<AccountId, u64>>) -> Vec<(u32, AccountId)> {
	page.items.iter().map(|entry| (entry.rank, entry.account)).collect()
}

/// FERDIE 90 (1 file); EVE 80 (2 files); ALICE 80 (1 file); ZOE 80 (1 file, accepted
/// after ALICE's): a score tie broken by accepted count, and one broken by first
/// acceptance. Returns ALICE's submission.
fn four_ranked_contributors() -> SubmissionId {
	let first = submit_text(EVE, 1, 10);
	approve_all(first, [40, 40, 40]);
	let second = submit_text(EVE, 2, 10);
	approve_all(second, [40, 40, 40]);
	let alice = submit_text(ALICE, 3, 10);
	approve_all(alice, [80, 80, 80]);
	let zoe = submit_text(ZOE, 4, 10);
	approve_all(zoe, [80, 80, 80]);
	let ferdie = submit_text(FERDIE, 5, 10);
	approve_all(ferdie, [90, 90, 90]);
	alice
}

#[test]
fn leaderboards_order_ties_and_page() {
	test(|| {
		four_ranked_contributors();
		let expected = vec![(1, FERDIE), (2, EVE), (3, ALICE), (4, ZOE)];
		for board in [Board::Datanet(TEXT), Board::Global] {
			let page = Pallet::leaderboard(board, 0, 10).unwrap();
			assert_eq!((page.total, page.offset), (4, 0));
			assert_eq!(accounts(&page), expected);
			assert_eq!(page.items[1].stats.accepted, 2);
			assert_eq!(page.items[1].stats.score, 80);

			let middle = Pallet::leaderboard(board, 1, 2).unwrap();
			assert_eq!(accounts(&middle), expected[1..3].to_vec());
			let last = Pallet::leaderboard(board, 3, 5).unwrap();
			assert_eq!(accounts(&last), vec![(4, ZOE)]);
			let past_the_end = Pallet::leaderboard(board, 4, 5).unwrap();
			assert!(past_the_end.items.is_empty());
			assert_eq!(past_the_end.total, 4);
			assert!(Pallet::leaderboard(board, 0, 0).unwrap().items.is_empty());
			assert!(Pallet::leaderboard(board, u32::MAX, MAX_PAGE_SIZE).unwrap().items.is_empty());
			assert_eq!(
				Pallet::leaderboard(board, 0, MAX_PAGE_SIZE + 1),
				Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE })
			);
		}
		assert!(Pallet::leaderboard(Board::Datanet(IMAGE), 0, 10).unwrap().items.is_empty());
		assert_eq!(
			Pallet::leaderboard(Board::Datanet(99), 0, 10),
			Err(QueryError::DatanetNotFound)
		);
	});
}

#[test]
fn a_contributor_has_stats_and_a_rank() {
	test(|| {
		let id = four_ranked_contributors();
		let alice = Pallet::contributor(Board::Datanet(TEXT), ALICE).unwrap();
		assert_eq!((alice.rank, alice.ranked), (Some(3), 4));
		// Accepted by the second reveal, in the first block of the reveal period.
		let accepted_at = submission(id).commit_ends + 1;
		assert_eq!(
			(alice.stats.score, alice.stats.accepted, alice.stats.first_accepted_at),
			(80, 1, Some(accepted_at))
		);
		let zoe = Pallet::contributor(Board::Global, ZOE).unwrap();
		assert!(zoe.stats.first_accepted_at > Some(accepted_at));
		assert_eq!(zoe.rank, Some(4));
		let unranked = Pallet::contributor(Board::Global, PAUPER).unwrap();
		assert_eq!((unranked.rank, unranked.stats.submitted), (None, 0));
		assert_eq!(
			Pallet::contributor(Board::Datanet(99), ALICE),
			Err(QueryError::DatanetNotFound)
		);
	});
}

#[test]
fn pending_submissions_are_listed_oldest_first_and_leave_when_decided() {
	test(|| {
		let ids: Vec<_> = (1..=4).map(|n| submit_text(ALICE, n, 10)).collect();
		// ids[1] is accepted early, in its reveal period, before ids[0]'s reveal period ends.
		assert_ok!(commit(BOB, ids[1], true, 50));
		assert_ok!(commit(CHARLIE, ids[1], true, 50));
		to_reveal(ids[1]);
		assert_ok!(reveal(BOB, ids[1], true, 50));
		assert_ok!(reveal(CHARLIE, ids[1], true, 50));
		assert_eq!(submission(ids[1]).status, crate::SubmissionStatus::Accepted { weight: 50 });
		assert!(System::block_number() <= submission(ids[0]).reveal_ends);

		let page = Pallet::pending(TEXT, 0, 10).unwrap();
		assert_eq!(page.total, 3);
		let listed: Vec<_> = page.items.iter().map(|s| s.id).collect();
		assert_eq!(listed, vec![ids[0], ids[2], ids[3]]);
		assert_eq!(page.items[0].cid, canonical(&cid_text(1)).into_inner());
		let tail = Pallet::pending(TEXT, 2, 5).unwrap();
		assert_eq!(tail.items.iter().map(|s| s.id).collect::<Vec<_>>(), vec![ids[3]]);
		assert!(Pallet::pending(TEXT, 3, 5).unwrap().items.is_empty());
		assert_eq!(Pallet::pending(7, 0, 5), Err(QueryError::DatanetNotFound));
		assert_eq!(
			Pallet::pending(TEXT, 0, MAX_PAGE_SIZE + 1),
			Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE })
		);

		// ids[0] had no votes: it expires at the end of its reveal period.
		to_settlement(ids[0]);
		assert_eq!(submission(ids[0]).status, crate::SubmissionStatus::Expired);
		let page = Pallet::pending(TEXT, 0, 10).unwrap();
		assert_eq!((page.total, page.items.len()), (2, 2));
		assert_eq!(page.items[0].id, ids[2]);
		assert_eq!(Pallet::datanet(TEXT).unwrap().pending, 2);
	});
}

#[test]
fn submissions_are_found_by_id_with_sealed_votes_until_revealed() {
	test(|| {
		let id = submit_text(ALICE, 1, 1234);
		assert_ok!(commit(BOB, id, true, 70));
		let info = Pallet::submission(id).unwrap();
		assert_eq!((info.id, info.datanet, info.contributor, info.bytes), (id, TEXT, ALICE, 1234));
		let record = submission(id);
		assert_eq!(
			(info.submitted_at, info.commit_ends, info.reveal_ends),
			(
				record.submitted_at,
				record.submitted_at + COMMIT_PERIOD,
				record.commit_ends + REVEAL_PERIOD
			)
		);
		assert_eq!((info.deposit, info.stake_snapshot), (DEPOSIT_BASE, 3 * GENESIS_BOND));
		assert_eq!(info.status, crate::SubmissionStatus::Pending);
		assert!(!info.settled);
		// Sealed: only the stake is known.
		assert_eq!(
			info.votes,
			vec![VoteInfo { validator: BOB, stake: GENESIS_BOND, revealed: None }]
		);
		to_reveal(id);
		assert_ok!(reveal(BOB, id, true, 70));
		let info = Pallet::submission(id).unwrap();
		assert_eq!(info.votes[0].revealed, Some(crate::Ballot { approve: true, quality: 70 }));
		assert_eq!(info.tally.approving, GENESIS_BOND);
		to_settlement(id);
		let info = Pallet::submission(id).unwrap();
		assert!(info.settled && info.votes.is_empty());
		assert_eq!(Pallet::submission(id + 1), Err(QueryError::SubmissionNotFound));
	});
}

#[test]
fn datanets_are_listed_by_id_with_their_counts() {
	test(|| {
		four_ranked_contributors();
		submit_text(ALICE, 9, 10);
		let all = Pallet::datanet_list(0, 10).unwrap();
		assert_eq!(all.total, 3);
		assert_eq!(all.items.iter().map(|d| d.id).collect::<Vec<_>>(), vec![TEXT, IMAGE, AUDIO]);
		let text = &all.items[0];
		assert_eq!((text.accepted, text.pending, text.contributors), (5, 1, 4));
		assert_eq!((text.name.as_slice(), text.owner), (&b"Text"[..], OWNER));
		assert_eq!((text.active_stake, text.validators), (3 * GENESIS_BOND, 3));
		let second = Pallet::datanet_list(1, 1).unwrap();
		assert_eq!(second.items.iter().map(|d| d.id).collect::<Vec<_>>(), vec![IMAGE]);
		assert!(Pallet::datanet_list(3, 10).unwrap().items.is_empty());
		assert_eq!(
			Pallet::datanet_list(0, MAX_PAGE_SIZE + 1),
			Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE })
		);
		assert_eq!(Pallet::datanet(7), Err(QueryError::DatanetNotFound));
	});
}

#[test]
fn validators_show_their_bond_and_unclaimed_votes() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		approve_all(id, [50, 50, 50]);
		let bob = Pallet::validator(TEXT, BOB).unwrap();
		assert_eq!((bob.bond.amount, bob.bond.pending_votes), (GENESIS_BOND, 0));
		assert_eq!(bob.unclaimed_agreeing_stake, GENESIS_BOND);
		let id = submit_text(ZOE, 2, 10);
		approve_all(id, [50, 50, 50]);
		let bob = Pallet::validator(TEXT, BOB).unwrap();
		assert_eq!(bob.unclaimed_agreeing_stake, 2 * GENESIS_BOND);
		assert_eq!(Pallet::validator(TEXT, EVE), Err(QueryError::NotValidator));
		assert_eq!(Pallet::validator(9, BOB), Err(QueryError::DatanetNotFound));
	});
}

#[test]
fn rewards_list_unclaimed_epochs_until_claimed() {
	test(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 10_000, Some(1_000)));
		// The rate applies from epoch 1.
		run_to_block(EPOCH_LENGTH);
		let id = submit_text(ALICE, 1, 10);
		approve_all(id, [60, 60, 60]);
		let running = Pallet::rewards(ALICE, 0, 10).unwrap();
		assert_eq!(running.total, 1);
		let entry = &running.items[0];
		assert_eq!((entry.datanet, entry.epoch, entry.score, entry.claimable), (TEXT, 1, 60, None));
		let bob = &Pallet::rewards(BOB, 0, 10).unwrap().items[0];
		assert_eq!((bob.score, bob.agreeing_stake), (0, GENESIS_BOND));

		run_to_block(2 * EPOCH_LENGTH);
		let ended = Pallet::rewards(ALICE, 0, 10).unwrap();
		assert_eq!(ended.items[0].claimable, Some(800));
		// 200 for validators, by agreeing stake 100 : 100 : 100.
		assert_eq!(Pallet::rewards(BOB, 0, 10).unwrap().items[0].claimable, Some(66));
		assert!(Pallet::rewards(ALICE, 1, 10).unwrap().items.is_empty());
		assert_eq!(
			Pallet::rewards(ALICE, 0, MAX_PAGE_SIZE + 1),
			Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE })
		);

		assert_ok!(Datanets::claim_rewards(RuntimeOrigin::signed(ALICE), TEXT, 1));
		assert_eq!(Pallet::rewards(ALICE, 0, 10).unwrap().total, 0);
		assert_eq!(Pallet::rewards(BOB, 0, 10).unwrap().total, 1);
	});
}

#[test]
fn allowance_shrinks_with_each_submission_of_the_day() {
	test(|| {
		let fresh = Pallet::allowance(TEXT, ALICE).unwrap();
		assert_eq!((fresh.account_bytes, fresh.account_files), (10 * MIB, 20));
		submit_text(ALICE, 1, 1_000);
		let after = Pallet::allowance(TEXT, ALICE).unwrap();
		assert_eq!(after.account_bytes, fresh.account_bytes - 1_000);
		assert_eq!(after.account_files, fresh.account_files - 1);
		assert_eq!(after.datanet_bytes, fresh.datanet_bytes - 1_000);
		assert_eq!(Pallet::allowance(TEXT, BOB).unwrap(), fresh);
		assert_eq!(Pallet::allowance(9, ALICE), Err(QueryError::DatanetNotFound));
	});
}
