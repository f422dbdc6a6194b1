//! The leaderboard trees: ordering, ties, ranks and pages, against a sorted model.

use super::*;
use crate::{Board, Pallet, RankNodes, Standing};

/// Every account on `board`, best first, from a full scan: the model the tree must match.
fn scanned(board: Board) -> Vec<AccountId> {
	let mut ranked: Vec<_> = RankNodes::<Test>::iter_prefix(board)
		.map(|(account, node)| (account, node.standing))
		.collect();
	ranked.sort_by(|(a, sa), (b, sb)| {
		if sa.ranks_above(a, sb, b) {
			core::cmp::Ordering::Less
		} else {
			core::cmp::Ordering::Greater
		}
	});
	ranked.into_iter().map(|(account, _)| account).collect()
}

fn paged(board: Board, offset: u32, limit: u32) -> Vec<AccountId> {
	Pallet::<Test>::ranked_page(board, offset, limit).into_iter().map(|(a, _)| a).collect()
}

/// A small deterministic PRNG (xorshift), so the random walk is the same on every run.
struct Xorshift(u64);
impl Xorshift {
	fn below(&mut self, n: u64) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0 % n
	}
}

#[test]
fn random_updates_keep_the_tree_sorted_balanced_and_ranked() {
	new_test_ext().execute_with(|| {
		let mut rng = Xorshift(0x5eed_1234_abcd_0001);
		for step in 0..1500u64 {
			let who = 1_000 + rng.below(300);
			let datanet = rng.below(2) as u32;
			run_to_block(1 + step / 7);
			let now = System::block_number();
			// Raise the score by 0..=100, often by 0 (a weight-0 acceptance), to make ties.
			let gain = [0, 0, 50, 100][rng.below(4) as usize];
			let accept = |stats: &mut crate::StatsOf<Test>| {
				stats.accepted += 1;
				stats.score += gain;
				stats.first_accepted_at.get_or_insert(now);
			};
			let stats = Pallet::<Test>::record_stats(datanet, &who, accept);
			Pallet::<Test>::update_boards(datanet, &who, &stats);

			if step % 100 == 99 {
				Pallet::<Test>::check_leaderboards().expect("trees stay valid");
				for board in [Board::Global, Board::Datanet(0), Board::Datanet(1)] {
					let model = scanned(board);
					assert_eq!(Pallet::<Test>::board_size(board), model.len() as u32);
					assert_eq!(paged(board, 0, u32::MAX), model);
					let offset = rng.below(model.len() as u64 + 2) as u32;
					let limit = rng.below(40) as u32;
					let want: Vec<_> =
						model.iter().skip(offset as usize).take(limit as usize).copied().collect();
					assert_eq!(paged(board, offset, limit), want, "page {offset}+{limit}");
					for (position, account) in model.iter().enumerate() {
						assert_eq!(
							Pallet::<Test>::rank_of(board, account),
							Some(position as u32 + 1)
						);
					}
				}
			}
		}
		// 300 accounts: an AVL tree of that size is at most 1.44·log2(302) ≈ 11 high.
		let root = crate::RankRoots::<Test>::get(Board::Global).unwrap();
		assert!(RankNodes::<Test>::get(Board::Global, root).unwrap().height() <= 11);
	});
}

#[test]
fn ties_break_on_accepted_count_then_first_acceptance_then_account() {
	let standing = |score, accepted, first| Standing { score, accepted, first_accepted_at: first };
	let a = standing(80, 1, 5u64);
	assert!(standing(81, 1, 9).ranks_above(&9u64, &a, &1u64), "higher score first");
	assert!(standing(80, 2, 9).ranks_above(&9u64, &a, &1u64), "then more accepted files");
	assert!(standing(80, 1, 4).ranks_above(&9u64, &a, &1u64), "then the earlier acceptance");
	assert!(a.ranks_above(&1u64, &a, &2u64), "then the lower account id");
	assert!(!a.ranks_above(&1u64, &a, &1u64), "never above itself");
}

#[test]
fn accounts_without_an_acceptance_are_not_ranked() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		vote_all(id, &[(BOB, false, 0), (CHARLIE, false, 0), (DAVE, false, 0)]);
		assert_eq!(submission(id).status, crate::SubmissionStatus::Rejected);
		assert_eq!(crate::ContributorStatsOf::<Test>::get(TEXT, ALICE).rejected, 1);
		assert_eq!(Pallet::<Test>::rank_of(Board::Global, &ALICE), None);
		assert_eq!(Pallet::<Test>::board_size(Board::Datanet(TEXT)), 0);
		assert!(paged(Board::Global, 0, 10).is_empty());
	});
}

#[test]
fn the_benchmark_fixture_builds_valid_boards_in_order() {
	new_test_ext().execute_with(|| {
		Pallet::<Test>::seed_benchmark_contributors(IMAGE, 1000);
		Pallet::<Test>::check_leaderboards().expect("seeded trees are valid");
		for board in [Board::Global, Board::Datanet(IMAGE)] {
			assert_eq!(Pallet::<Test>::board_size(board), 1000);
			let top = Pallet::<Test>::ranked_page(board, 0, 3);
			assert_eq!(top[0].1.score, top[1].1.score, "pairs tie on score");
			assert!(top[0].1.accepted > top[1].1.accepted, "and differ in accepted count");
			assert!(top[1].1.score > top[2].1.score);
			assert_eq!(Pallet::<Test>::rank_of(board, &top[2].0), Some(3));
		}
	});
}

#[test]
fn an_acceptance_is_charged_for_the_boards_it_moved() {
	use crate::WeightInfo;
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		for validator in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(validator, id, true, 70));
		}
		to_reveal(id);
		let reveal = |who| {
			Datanets::reveal_vote(RuntimeOrigin::signed(who), id, true, 70, salt_of(who)).unwrap()
		};
		// Not deciding: the base cost only.
		assert_eq!(reveal(BOB).actual_weight, Some(<() as WeightInfo>::reveal_vote(0)));
		// The deciding reveal: the median reads all three commitments, ALICE alone on both
		// boards (height 1).
		let charged = reveal(CHARLIE).actual_weight.unwrap();
		assert_eq!(
			charged,
			<() as WeightInfo>::reveal_vote(3) + <() as WeightInfo>::update_boards(1)
		);
		let declared = <() as WeightInfo>::reveal_vote(MAX_VALIDATORS)
			+ <() as WeightInfo>::update_boards(crate::MAX_TREE_HEIGHT);
		assert!(charged.ref_time() < declared.ref_time());
		// A reveal after the decision decides nothing more.
		assert_eq!(reveal(DAVE).actual_weight, Some(<() as WeightInfo>::reveal_vote(0)));
	});
}
