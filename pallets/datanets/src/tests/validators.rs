use super::*;
use crate::{Datanets as DatanetsStorage, Error, Event, ValidatorBond, Validators, Votes};
use frame_support::assert_noop;
use sp_runtime::TokenError;

fn bond(who: AccountId, datanet: u32, amount: Balance) -> DispatchResult {
	Datanets::bond_validator(RuntimeOrigin::signed(who), datanet, amount)
}

fn active_stake(datanet: u32) -> Balance {
	DatanetsStorage::<Test>::get(datanet).unwrap().active_stake
}

#[test]
fn bonding_holds_open_and_can_be_topped_up_once_per_commit_period() {
	test(|| {
		let bonded_at = System::block_number();
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
		assert_eq!(active_stake(TEXT), 3 * GENESIS_BOND + MIN_BOND);
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().validators, 4);
		// A bond changes at most once per commit period of its datanet.
		run_to_block(bonded_at + COMMIT_PERIOD);
		assert_noop!(bond(EVE, TEXT, 10), Error::<Test>::BondChangedRecently);
		run_to_block(bonded_at + COMMIT_PERIOD + 1);
		assert_ok!(bond(EVE, TEXT, 10));
		System::assert_last_event(
			Event::ValidatorBonded {
				datanet: TEXT,
				validator: EVE,
				amount: 10,
				total: MIN_BOND + 10,
			}
			.into(),
		);
		assert_eq!(
			Validators::<Test>::get(TEXT, EVE),
			Some(ValidatorBond {
				amount: MIN_BOND + 10,
				previous_amount: MIN_BOND,
				changed_at: bonded_at + COMMIT_PERIOD + 1,
				slashed: 0,
				pending_votes: 0,
				unlocks_at: None,
			})
		);
		// Bonds on other datanets are separate.
		assert_ok!(bond(EVE, IMAGE, MIN_BOND));
		assert_eq!(held(EVE), 2 * MIN_BOND + 10);
		assert_eq!(active_stake(TEXT), 3 * GENESIS_BOND + MIN_BOND + 10);
		assert_eq!(active_stake(IMAGE), MIN_BOND);
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
fn a_datanet_takes_at_most_max_validators() {
	use frame_support::traits::fungible::Mutate;
	test(|| {
		let validators: Vec<AccountId> = (100..100 + MAX_VALIDATORS as u64 + 1).collect();
		for &validator in &validators {
			assert_ok!(Balances::mint_into(&validator, 10 * MIN_BOND));
		}
		for &validator in &validators[..MAX_VALIDATORS as usize] {
			assert_ok!(bond(validator, IMAGE, MIN_BOND));
		}
		assert_eq!(DatanetsStorage::<Test>::get(IMAGE).unwrap().validators, MAX_VALIDATORS);
		let last = validators[MAX_VALIDATORS as usize];
		assert_noop!(bond(last, IMAGE, MIN_BOND), Error::<Test>::TooManyValidators);
		// A bonded validator may still top up.
		run_to_block(System::block_number() + COMMIT_PERIOD + 1);
		assert_ok!(bond(validators[0], IMAGE, MIN_BOND));
		// A slot frees once a validator has withdrawn.
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(validators[1]), IMAGE));
		assert_noop!(bond(last, IMAGE, MIN_BOND), Error::<Test>::TooManyValidators);
		run_to_block(System::block_number() + UNBONDING_DELAY);
		assert_ok!(Datanets::withdraw_unbonded(RuntimeOrigin::signed(validators[1]), IMAGE));
		assert_ok!(bond(last, IMAGE, MIN_BOND));
	});
}

#[test]
fn a_new_bond_does_not_vote_on_older_submissions() {
	test(|| {
		let older = submit_text(ALICE, 1, 10);
		assert_ok!(bond(EVE, TEXT, MIN_BOND));
		assert_noop!(commit(EVE, older, true, 50), Error::<Test>::NoStakeAtSubmission);
		// The snapshot of the older submission does not count EVE's stake either.
		assert_eq!(submission(older).stake_snapshot, 3 * GENESIS_BOND);
		// A submission of a later block does count it, and EVE votes on it.
		let newer = submit_text(ZOE, 2, 10);
		assert_eq!(submission(newer).stake_snapshot, 3 * GENESIS_BOND + MIN_BOND);
		assert_ok!(commit(EVE, newer, true, 50));
		assert_eq!(Votes::<Test>::get(newer, EVE).unwrap().stake, MIN_BOND);
	});
}

#[test]
fn a_top_up_votes_only_on_later_submissions() {
	test(|| {
		let older = submit_text(ALICE, 1, 10);
		// A genesis bond may be topped up at once.
		assert_ok!(bond(BOB, TEXT, GENESIS_BOND));
		let newer = submit_text(ZOE, 2, 10);
		assert_ok!(commit(BOB, older, true, 50));
		assert_ok!(commit(BOB, newer, true, 50));
		assert_eq!(Votes::<Test>::get(older, BOB).unwrap().stake, GENESIS_BOND);
		assert_eq!(Votes::<Test>::get(newer, BOB).unwrap().stake, 2 * GENESIS_BOND);
		assert_eq!(submission(older).stake_snapshot, 3 * GENESIS_BOND);
		assert_eq!(submission(newer).stake_snapshot, 4 * GENESIS_BOND);
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
		// An unbonding bond no longer counts towards the stake that votes.
		assert_eq!(active_stake(TEXT), 2 * GENESIS_BOND);
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
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().validators, 2);
		assert_noop!(Datanets::withdraw_unbonded(origin(), TEXT), Error::<Test>::NotValidator);
		assert_noop!(Datanets::unbond(origin(), TEXT), Error::<Test>::NotValidator);
	});
}

#[test]
fn votes_not_yet_settled_keep_the_bond() {
	test(|| {
		let id = submit_text(ALICE, 1, 10);
		for validator in [BOB, CHARLIE, DAVE] {
			assert_ok!(commit(validator, id, true, 50));
		}
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().pending_votes, 1);
		assert_noop!(
			Datanets::unbond(RuntimeOrigin::signed(BOB), TEXT),
			Error::<Test>::HasPendingVotes
		);
		to_reveal(id);
		for validator in [BOB, CHARLIE, DAVE] {
			assert_ok!(reveal(validator, id, true, 50));
		}
		// Decided early, but the votes are settled only after the reveal period.
		assert_eq!(submission(id).status, crate::SubmissionStatus::Accepted { weight: 50 });
		assert_noop!(
			Datanets::unbond(RuntimeOrigin::signed(BOB), TEXT),
			Error::<Test>::HasPendingVotes
		);
		to_settlement(id);
		assert_eq!(Validators::<Test>::get(TEXT, BOB).unwrap().pending_votes, 0);
		assert_ok!(Datanets::unbond(RuntimeOrigin::signed(BOB), TEXT));
	});
}
