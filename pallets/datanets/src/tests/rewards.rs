use super::*;
use crate::{Datanets as DatanetsStorage, EpochRelease, Epochs, Error, Event};
use frame_support::{assert_noop, traits::fungible::Inspect};

fn claim(who: AccountId, datanet: u32, epoch: u32) -> Result<Balance, sp_runtime::DispatchError> {
	let before = Balances::balance(&who);
	Datanets::claim_rewards(RuntimeOrigin::signed(who), datanet, epoch)?;
	Ok(Balances::balance(&who) - before)
}

fn fund(amount: Balance, per_epoch: Balance) {
	assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, amount, Some(per_epoch)));
}

#[test]
fn an_epoch_pays_contributors_by_score_and_validators_by_agreeing_votes() {
	test(|| {
		fund(10_000, 1_000);
		let a = submit_text(ALICE, 1, 10);
		approve_all(a, [60, 60, 60]);
		let z = submit_text(ZOE, 2, 10);
		approve_all(z, [20, 20, 20]);
		let r = submit_text(ZOE, 3, 10);
		assert_ok!(vote(BOB, r, true, 90));
		assert_ok!(vote(CHARLIE, r, false, 0));
		assert_ok!(vote(DAVE, r, false, 0));
		assert_noop!(claim(ALICE, TEXT, 0), Error::<Test>::EpochNotEnded);

		run_to_block(EPOCH_LENGTH);
		// 20% of 1_000 to 8 agreeing votes (BOB 2, CHARLIE 3, DAVE 3); 800 by score 60 : 20.
		assert_eq!(claim(ALICE, TEXT, 0), Ok(600));
		System::assert_has_event(
			Event::EpochReleased { datanet: TEXT, epoch: 0, contributors: 800, validators: 200 }
				.into(),
		);
		System::assert_last_event(
			Event::RewardsClaimed { datanet: TEXT, epoch: 0, who: ALICE, amount: 600 }.into(),
		);
		assert_eq!(claim(ZOE, TEXT, 0), Ok(200));
		assert_eq!(claim(BOB, TEXT, 0), Ok(50));
		assert_eq!(claim(CHARLIE, TEXT, 0), Ok(75));
		assert_eq!(claim(DAVE, TEXT, 0), Ok(75));
		let epoch = Epochs::<Test>::get(TEXT, 0);
		assert_eq!(epoch.release, Some(EpochRelease { contributors: 800, validators: 200 }));
		assert_eq!(epoch.paid, 1_000);
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().reward_pool, 9_000);
		assert_noop!(claim(ALICE, TEXT, 0), Error::<Test>::NothingToClaim);
	});
}

#[test]
fn rounding_dust_stays_in_the_pot() {
	test(|| {
		fund(1_000, 1_000);
		for (n, contributor) in [ALICE, ZOE, EVE].into_iter().enumerate() {
			let id = submit_text(contributor, n as u32, 10);
			approve_all(id, [50, 50, 50]);
		}
		run_to_block(EPOCH_LENGTH);
		let paid: Balance = [ALICE, ZOE, EVE, BOB, CHARLIE, DAVE]
			.into_iter()
			.map(|who| claim(who, TEXT, 0).unwrap())
			.sum();
		// 800 / 3 and 200 / 3 round down: 266 * 3 + 66 * 3 = 996, 4 units of dust.
		assert_eq!(paid, 996);
		let epoch = Epochs::<Test>::get(TEXT, 0);
		assert_eq!(epoch.paid, paid);
		assert!(paid <= 1_000 && 1_000 - paid < 6, "dust is less than one unit per claimant");
		assert_eq!(Balances::balance(&Datanets::pot()), 1_000 - paid + EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn a_small_pool_releases_what_it_has_and_unclaimed_rewards_wait() {
	test(|| {
		fund(500, 1_000);
		let first = submit_text(ALICE, 1, 10);
		approve_all(first, [40, 40, 40]);
		run_to_block(EPOCH_LENGTH);
		let second = submit_text(ALICE, 2, 10);
		approve_all(second, [40, 40, 40]);
		run_to_block(50 * EPOCH_LENGTH);
		assert_eq!(claim(ALICE, TEXT, 0), Ok(400));
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().reward_pool, 0);
		// Epoch 1's release finds an empty pool.
		assert_eq!(claim(ALICE, TEXT, 1), Ok(0));
		System::assert_last_event(
			Event::RewardsClaimed { datanet: TEXT, epoch: 1, who: ALICE, amount: 0 }.into(),
		);
		assert_eq!(claim(BOB, TEXT, 0), Ok(100 / 3));
	});
}

#[test]
fn claims_refuse_bad_input() {
	test(|| {
		fund(1_000, 100);
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(vote(BOB, id, false, 0));
		assert_ok!(vote(CHARLIE, id, true, 80));
		assert_ok!(vote(DAVE, id, true, 80));
		run_to_block(EPOCH_LENGTH);
		assert_noop!(claim(ALICE, 9, 0), Error::<Test>::DatanetNotFound);
		assert_noop!(claim(ALICE, TEXT, 1), Error::<Test>::EpochNotEnded);
		// BOB disagreed with the outcome and earned nothing.
		assert_noop!(claim(BOB, TEXT, 0), Error::<Test>::NothingToClaim);
		assert_noop!(claim(ZOE, TEXT, 0), Error::<Test>::NothingToClaim);
	});
}
