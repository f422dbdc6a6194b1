use super::*;
use crate::{Error, Event, ValidatorBond, Validators};
use frame_support::assert_noop;
use sp_runtime::TokenError;

fn bond(who: AccountId, datanet: u32, amount: Balance) -> DispatchResult {
	Datanets::bond_validator(RuntimeOrigin::signed(who), datanet, amount)
}

#[test]
fn bonding_holds_open_and_can_be_topped_up() {
	test(|| {
		assert_ok!(bond(EVE, TEXT, MIN_BOND));
		System::assert_last_event(
			Event::ValidatorBonded {
				datanet: TEXT,
				validator: EVE,
				amount: MIN_BOND,
				total: MIN_BOND,
			}
			.into(),
		);
		assert_ok!(bond(EVE, TEXT, 10));
		assert_ok!(bond(EVE, IMAGE, MIN_BOND));
		assert_eq!(
			Validators::<Test>::get(TEXT, EVE),
			Some(ValidatorBond { amount: MIN_BOND + 10, pending_votes: 0, unlocks_at: None })
		);
		assert_eq!(held(EVE), 2 * MIN_BOND + 10);
	});
}

#[test]
fn bonding_refuses_bad_input() {
	test(|| {
		assert_noop!(bond(EVE, TEXT, MIN_BOND - 1), Error::<Test>::BondTooSmall);
		assert_noop!(bond(EVE, TEXT, 0), Error::<Test>::ZeroAmount);
		assert_noop!(bond(EVE, 9, MIN_BOND), Error::<Test>::DatanetNotFound);
		assert_noop!(bond(PAUPER, TEXT, MIN_BOND), TokenError::FundsUnavailable);
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(BOB), TEXT));
		assert_noop!(bond(BOB, TEXT, MIN_BOND), Error::<Test>::ValidatorUnbonding);
	});
}

#[test]
fn unbonding_waits_for_the_delay_then_releases() {
	test(|| {
		let origin = || RuntimeOrigin::signed(BOB);
		assert_noop!(Datanets::withdraw_unbonded(origin(), TEXT), Error::<Test>::NotUnbonding);
		assert_ok!(Datanets::unbond(origin(), TEXT));
		let unlocks_at = 1 + UNBONDING_DELAY;
		System::assert_last_event(
			Event::UnbondingStarted { datanet: TEXT, validator: BOB, unlocks_at }.into(),
		);
		assert_noop!(Datanets::unbond(origin(), TEXT), Error::<Test>::AlreadyUnbonding);
		run_to_block(unlocks_at - 1);
		assert_noop!(Datanets::withdraw_unbonded(origin(), TEXT), Error::<Test>::UnbondingNotDue);
		run_to_block(unlocks_at);
		assert_ok!(Datanets::withdraw_unbonded(origin(), TEXT));
		System::assert_last_event(
			Event::Unbonded { datanet: TEXT, validator: BOB, amount: GENESIS_BOND }.into(),
		);
		assert_eq!(held(BOB), 0);
		assert!(Validators::<Test>::get(TEXT, BOB).is_none());
		assert_noop!(Datanets::withdraw_unbonded(origin(), TEXT), Error::<Test>::NotValidator);
		assert_noop!(Datanets::unbond(origin(), TEXT), Error::<Test>::NotValidator);
	});
}

#[test]
fn votes_on_undecided_submissions_keep_the_bond() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		assert_ok!(vote(BOB, id, true, 50));
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().pending_votes, 1);
		assert_noop!(
			Datanets::unbond(RuntimeOrigin::signed(BOB), TEXT),
			Error::<Test>::HasPendingVotes
		);
		assert_ok!(vote(CHARLIE, id, true, 50));
		assert_ok!(vote(DAVE, id, true, 50));
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().pending_votes, 0);
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(BOB), TEXT));
	});
}
