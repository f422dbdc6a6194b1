use super::*;
use crate::{Datanets as DatanetsStorage, EpochRelease, Epochs, Error, Event};
use frame_support::{assert_noop, traits::fungible::Inspect};

fn claim(who: AccountId, datanet: u32, epoch: u32) -> Result<Balance, sp_runtime::DispatchError> {
	let before = Balances::balance(&who);
	Datanets::claim_rewards(RuntimeOrigin::signed(who), datanet, epoch)?;
	Ok(Balances::balance(&who) - before)
}

/// Funds the text datanet's pool with a rate, and moves to epoch 1, from which the rate
/// applies.
fn fund(amount: Balance, per_epoch: Balance) {
	assert_ok!(Datanets::fund_rewards(RuntimeOrigin::signed(OWNER), TEXT, amount, Some(per_epoch)));
	run_to_block(EPOCH_LENGTH);
	assert_eq!(Datanets::current_epoch(), 1);
}

fn pool() -> Balance {
	DatanetsStorage::<Test>::get(TEXT).unwrap().reward_pool
}

fn withdraw(who: AccountId, datanet: u32) -> DispatchResult {
	Datanets::withdraw_pool(RuntimeOrigin::signed(who), datanet)
}

#[test]
fn an_epoch_pays_contributors_by_score_and_validators_by_agreeing_stake() {
	test(|| {
		fund(10_000, 1_000);
		let a = submit_text(ALICE, 1, 10);
		approve_all(a, [60, 60, 60]);
		let z = submit_text(ZOE, 2, 10);
		approve_all(z, [20, 20, 20]);
		let r = submit_text(ZOE, 3, 10);
		vote_all(r, &[(BOB, true, 90), (CHARLIE, false, 0), (DAVE, false, 0)]);
		assert_eq!(submission(r).status, crate::SubmissionStatus::Rejected);
		assert_noop!(claim(ALICE, TEXT, 1), Error::<Test>::EpochNotEnded);
		// BOB's 2% slash and half of ZOE's rejected deposit went to the pool.
		assert_eq!(pool(), 10_000 + 2 + DEPOSIT_BASE / 2);

		run_to_block(2 * EPOCH_LENGTH);
		// 20% of 1_000 by agreeing stake (BOB 200, CHARLIE 300, DAVE 300); 800 by score
		// 60 : 20.
		assert_eq!(claim(ALICE, TEXT, 1), Ok(600));
		System::assert_has_event(
			Event::EpochReleased { datanet: TEXT, epoch: 1, contributors: 800, validators: 200 }
				.into(),
		);
		System::assert_last_event(
			Event::RewardsClaimed { datanet: TEXT, epoch: 1, who: ALICE, amount: 600 }.into(),
		);
		assert_eq!(claim(ZOE, TEXT, 1), Ok(200));
		assert_eq!(claim(BOB, TEXT, 1), Ok(50));
		assert_eq!(claim(CHARLIE, TEXT, 1), Ok(75));
		assert_eq!(claim(DAVE, TEXT, 1), Ok(75));
		let epoch = Epochs::<Test>::get(TEXT, 1);
		assert_eq!(epoch.release, Some(EpochRelease { contributors: 800, validators: 200 }));
		assert_eq!((epoch.total_score, epoch.total_agreeing_stake), (80, 800));
		assert_eq!(epoch.paid, 1_000);
		assert_eq!(pool(), 9_000 + 2 + DEPOSIT_BASE / 2);
		assert_noop!(claim(ALICE, TEXT, 1), Error::<Test>::NothingToClaim);
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
		run_to_block(2 * EPOCH_LENGTH);
		let paid: Balance = [ALICE, ZOE, EVE, BOB, CHARLIE, DAVE]
			.into_iter()
			.map(|who| claim(who, TEXT, 1).unwrap())
			.sum();
		// 800 / 3 and 200 / 3 round down: 266 * 3 + 66 * 3 = 996, 4 units of dust.
		assert_eq!(paid, 996);
		let epoch = Epochs::<Test>::get(TEXT, 1);
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
		run_to_block(2 * EPOCH_LENGTH);
		let second = submit_text(ALICE, 2, 10);
		approve_all(second, [40, 40, 40]);
		run_to_block(50 * EPOCH_LENGTH);
		assert_eq!(claim(ALICE, TEXT, 1), Ok(400));
		assert_eq!(pool(), 0);
		// Epoch 2's release finds an empty pool.
		assert_eq!(claim(ALICE, TEXT, 2), Ok(0));
		System::assert_last_event(
			Event::RewardsClaimed { datanet: TEXT, epoch: 2, who: ALICE, amount: 0 }.into(),
		);
		assert_eq!(claim(BOB, TEXT, 1), Ok(100 / 3));
	});
}

#[test]
fn claims_refuse_bad_input() {
	test(|| {
		fund(1_000, 100);
		let id = submit_text(ALICE, 1, 10);
		vote_all(id, &[(BOB, false, 0), (CHARLIE, true, 80), (DAVE, true, 80)]);
		assert_eq!(submission(id).status, crate::SubmissionStatus::Accepted { weight: 80 });
		assert_noop!(claim(ALICE, TEXT, 1), Error::<Test>::EpochNotEnded);
		run_to_block(2 * EPOCH_LENGTH);
		assert_noop!(claim(ALICE, 9, 1), Error::<Test>::DatanetNotFound);
		assert_noop!(claim(ALICE, TEXT, 2), Error::<Test>::EpochNotEnded);
		// BOB disagreed with the outcome and earned nothing.
		assert_noop!(claim(BOB, TEXT, 1), Error::<Test>::NothingToClaim);
		assert_noop!(claim(ZOE, TEXT, 1), Error::<Test>::NothingToClaim);
		// Nothing was earned in epoch 0.
		assert_noop!(claim(ALICE, TEXT, 0), Error::<Test>::NothingToClaim);
		assert_eq!(claim(ALICE, TEXT, 1), Ok(80));
		assert_noop!(claim(ALICE, TEXT, 1), Error::<Test>::NothingToClaim);
	});
}

#[test]
fn withdraw_pool_refuses_until_nothing_can_earn_from_it() {
	test(|| {
		fund(10_000, 1_000);
		assert_noop!(withdraw(ALICE, TEXT), Error::<Test>::NotDatanetOwner);
		assert_noop!(withdraw(OWNER, 9), Error::<Test>::DatanetNotFound);
		assert_noop!(withdraw(OWNER, TEXT), Error::<Test>::DatanetOpen);
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(Datanets::close_datanet(RuntimeOrigin::signed(OWNER), TEXT));
		// The pending submission may still earn.
		assert_noop!(withdraw(OWNER, TEXT), Error::<Test>::SubmissionsPending);
		approve_all(id, [50, 50, 50]);
		// The running epoch has earnings whose release is not fixed yet.
		assert_noop!(withdraw(OWNER, TEXT), Error::<Test>::EpochNotSettled);
		// Nor can anyone else withdraw a closed datanet's pool.
		assert_noop!(withdraw(ALICE, TEXT), Error::<Test>::NotDatanetOwner);
		// Another closed datanet that was never funded has nothing to withdraw.
		assert_ok!(Datanets::close_datanet(RuntimeOrigin::signed(OWNER), IMAGE));
		assert_noop!(withdraw(OWNER, IMAGE), Error::<Test>::NothingToClaim);
	});
}

#[test]
fn withdraw_pool_pays_the_owner_what_no_epoch_released() {
	test(|| {
		fund(10_000, 1_000);
		let id = submit_text(ALICE, 1, 10);
		approve_all(id, [50, 50, 50]);
		assert_ok!(Datanets::close_datanet(RuntimeOrigin::signed(OWNER), TEXT));
		run_to_block(2 * EPOCH_LENGTH);
		let owner_before = Balances::balance(&OWNER);
		let pot_before = Balances::balance(&Datanets::pot());
		assert_ok!(withdraw(OWNER, TEXT));
		// Epoch 1 released 1_000; the rest goes back.
		System::assert_last_event(Event::PoolWithdrawn { datanet: TEXT, amount: 9_000 }.into());
		System::assert_has_event(
			Event::EpochReleased { datanet: TEXT, epoch: 1, contributors: 800, validators: 200 }
				.into(),
		);
		assert_eq!(Balances::balance(&OWNER), owner_before + 9_000);
		assert_eq!(Balances::balance(&Datanets::pot()), pot_before - 9_000);
		assert_eq!(pool(), 0);
		assert_noop!(withdraw(OWNER, TEXT), Error::<Test>::NothingToClaim);
		// What the epoch released is still paid.
		assert_eq!(claim(ALICE, TEXT, 1), Ok(800));
		assert_eq!(claim(BOB, TEXT, 1), Ok(66));
	});
}

/// An acceptance with weight 0 earns its contributor nothing and leaves no empty earnings
/// entry behind (one that could never be claimed); the validators who agreed still earn.
#[test]
fn a_zero_weight_acceptance_leaves_no_unclaimable_entry() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		approve_all(id, [0, 0, 0]);
		assert_eq!(
			crate::Submissions::<Test>::get(id).unwrap().status,
			crate::SubmissionStatus::Accepted { weight: 0 }
		);
		let epoch = crate::Pallet::<Test>::current_epoch();
		assert!(!crate::Earnings::<Test>::contains_key((TEXT, epoch, ALICE)));
		assert!(!crate::UnclaimedEarnings::<Test>::contains_key(ALICE, (TEXT, epoch)));
		assert_eq!(crate::Earnings::<Test>::get((TEXT, epoch, BOB)).agreeing_stake, GENESIS_BOND);
	});
}
