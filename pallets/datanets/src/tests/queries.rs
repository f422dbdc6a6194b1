//! The read paths behind the view functions and the runtime API, on state made by calls.

use super::*;
use crate::{views::*, Board, QueryError, MAX_PAGE_SIZE};

type Pallet = crate::Pallet<Test>;

fn accounts(page: &Page<LeaderboardEntry<AccountId, u64>>) -> Vec<(u32, AccountId)> {
	page.items.iter().map(|entry| (entry.rank, entry.account)).collect()
}

/// FERDIE 90 (1 file); EVE 80 (2 files); ALICE 80 (1 file, block 2); ZOE 80 (1 file,
/// block 3): a score tie broken by accepted count, and one broken by first acceptance.
fn four_ranked_contributors() {
	let first = submit_text(EVE, 1, 10);
	approve_all(first, [40, 40, 40]);
	let second = submit_text(EVE, 2, 10);
	approve_all(second, [40, 40, 40]);
	run_to_block(2);
	let alice = submit_text(ALICE, 3, 10);
	approve_all(alice, [80, 80, 80]);
	run_to_block(3);
	let zoe = submit_text(ZOE, 4, 10);
	approve_all(zoe, [80, 80, 80]);
	let ferdie = submit_text(FERDIE, 5, 10);
	approve_all(ferdie, [90, 90, 90]);
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
		four_ranked_contributors();
		let alice = Pallet::contributor(Board::Datanet(TEXT), ALICE).unwrap();
		assert_eq!((alice.rank, alice.ranked), (Some(3), 4));
		assert_eq!(
			(alice.stats.score, alice.stats.accepted, alice.stats.first_accepted_at),
			(80, 1, Some(2))
		);
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
		approve_all(ids[1], [50, 50, 50]);
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

		run_to_block(1 + VOTING_PERIOD + 1);
		assert_ok!(Datanets::finalize(RuntimeOrigin::signed(BOB), ids[0]));
		let page = Pallet::pending(TEXT, 0, 10).unwrap();
		assert_eq!((page.total, page.items.len()), (2, 2));
		assert_eq!(Pallet::datanet(TEXT).unwrap().pending, 2);
	});
}

#[test]
fn submissions_are_found_by_id() {
	test(|| {
		let id = submit_text(ALICE, 1, 1234);
		assert_ok!(vote(BOB, id, true, 70));
		let info = Pallet::submission(id).unwrap();
		assert_eq!((info.id, info.datanet, info.contributor, info.bytes), (id, TEXT, ALICE, 1234));
		assert_eq!(info.votes.len(), 1);
		assert_eq!(info.status, crate::SubmissionStatus::Pending);
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
		assert_eq!(bob.unclaimed_agreeing_votes, 1);
		assert_eq!(Pallet::validator(TEXT, EVE), Err(QueryError::NotValidator));
		assert_eq!(Pallet::validator(9, BOB), Err(QueryError::DatanetNotFound));
	});
}

#[test]
fn rewards_list_unclaimed_epochs_until_claimed() {
	test(|| {
		assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, 10_000, Some(1_000)));
		let id = submit_text(ALICE, 1, 10);
		approve_all(id, [60, 60, 60]);
		let running = Pallet::rewards(ALICE, 0, 10).unwrap();
		assert_eq!(running.total, 1);
		let entry = &running.items[0];
		assert_eq!((entry.datanet, entry.epoch, entry.score, entry.claimable), (TEXT, 0, 60, None));

		run_to_block(EPOCH_LENGTH);
		let ended = Pallet::rewards(ALICE, 0, 10).unwrap();
		assert_eq!(ended.items[0].claimable, Some(800));
		assert_eq!(Pallet::rewards(BOB, 0, 10).unwrap().items[0].claimable, Some(66));
		assert!(Pallet::rewards(ALICE, 1, 10).unwrap().items.is_empty());
		assert_eq!(
			Pallet::rewards(ALICE, 0, MAX_PAGE_SIZE + 1),
			Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE })
		);

		assert_ok!(Datanets::claim_rewards(RuntimeOrigin::signed(ALICE), TEXT, 0));
		assert_eq!(Pallet::rewards(ALICE, 0, 10).unwrap().total, 0);
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
