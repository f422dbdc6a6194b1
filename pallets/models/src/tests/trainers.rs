use super::*;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};

fn hold(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::ModelFactory(HoldReason::TrainerBond), &who)
}

#[test]
fn register_holds_the_bond() {
	test(|| {
		assert_ok!(ModelFactory::register_trainer(
			RuntimeOrigin::signed(OUTSIDER),
			600,
			capabilities(10)
		));
		assert_eq!(hold(OUTSIDER), 600);
		assert_eq!(free(OUTSIDER), INITIAL_BALANCE - 600);
		let trainer = Trainers::<Test>::get(OUTSIDER).unwrap();
		assert_eq!(
			(trainer.bond, trainer.open_commitments, trainer.unbonding_until),
			(600, 0, None)
		);
		System::assert_last_event(Event::TrainerRegistered { trainer: OUTSIDER, bond: 600 }.into());
	});
}

#[test]
fn registration_errors() {
	test(|| {
		let signed = RuntimeOrigin::signed;
		assert_noop!(
			ModelFactory::register_trainer(signed(T1), 600, capabilities(10)),
			Error::<Test>::AlreadyTrainer
		);
		assert_noop!(
			ModelFactory::register_trainer(
				signed(OUTSIDER),
				MIN_TRAINER_BOND - 1,
				capabilities(10)
			),
			Error::<Test>::BondTooLow
		);
		assert_noop!(
			ModelFactory::register_trainer(signed(PAUPER), 600, capabilities(10)),
			Error::<Test>::InsufficientBalance
		);
		let mut caps = capabilities(10);
		caps.families.clear();
		assert_noop!(
			ModelFactory::register_trainer(signed(OUTSIDER), 600, caps),
			Error::<Test>::NoFamilies
		);
		let mut caps = capabilities(10);
		caps.devices.clear();
		assert_noop!(
			ModelFactory::register_trainer(signed(OUTSIDER), 600, caps),
			Error::<Test>::NoDevices
		);
		let mut caps = capabilities(10);
		caps.determinism.clear();
		assert_noop!(
			ModelFactory::register_trainer(signed(OUTSIDER), 600, caps),
			Error::<Test>::NoDeterminismClasses
		);
		assert_noop!(
			ModelFactory::register_trainer(signed(OUTSIDER), 600, capabilities(0)),
			Error::<Test>::ZeroMaxParameters
		);
		let mut caps = capabilities(10);
		caps.devices.try_push(Device::Cpu).unwrap();
		assert_noop!(
			ModelFactory::register_trainer(signed(OUTSIDER), 600, caps),
			Error::<Test>::DuplicateCapability
		);
	});
}

#[test]
fn unbond_then_withdraw_after_the_delay() {
	test(|| {
		assert_ok!(ModelFactory::unbond_trainer(RuntimeOrigin::signed(T4)));
		System::assert_last_event(
			Event::TrainerUnbonding { trainer: T4, until: 1 + UNBONDING_DELAY }.into(),
		);
		assert_noop!(
			ModelFactory::withdraw_trainer(RuntimeOrigin::signed(T4)),
			Error::<Test>::StillUnbonding
		);
		System::set_block_number(1 + UNBONDING_DELAY);
		assert_ok!(ModelFactory::withdraw_trainer(RuntimeOrigin::signed(T4)));
		System::assert_last_event(
			Event::TrainerWithdrawn { trainer: T4, amount: TRAINER_BOND }.into(),
		);
		assert!(!Trainers::<Test>::contains_key(T4));
		assert_eq!((hold(T4), free(T4)), (0, INITIAL_BALANCE));
	});
}

#[test]
fn unbonding_errors() {
	test(|| {
		let signed = RuntimeOrigin::signed;
		assert_noop!(ModelFactory::unbond_trainer(signed(OUTSIDER)), Error::<Test>::NotTrainer);
		assert_noop!(ModelFactory::withdraw_trainer(signed(OUTSIDER)), Error::<Test>::NotTrainer);
		assert_noop!(ModelFactory::withdraw_trainer(signed(T1)), Error::<Test>::NotUnbonding);
		let id = create(spec());
		commit(id, T1, &result(1));
		assert_noop!(ModelFactory::unbond_trainer(signed(T1)), Error::<Test>::HasOpenCommitments);
		assert_ok!(ModelFactory::unbond_trainer(signed(T2)));
		assert_noop!(ModelFactory::unbond_trainer(signed(T2)), Error::<Test>::TrainerUnbonding);
		// An unbonding trainer takes no new job.
		assert_noop!(
			ModelFactory::commit_result(signed(T2), id, [0; 32]),
			Error::<Test>::TrainerUnbonding
		);
	});
}

#[test]
fn settlement_releases_commitments_so_the_trainer_can_unbond() {
	test(|| {
		let id = verified_job();
		assert_noop!(
			ModelFactory::unbond_trainer(RuntimeOrigin::signed(T1)),
			Error::<Test>::HasOpenCommitments
		);
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(Trainers::<Test>::get(T1).unwrap().open_commitments, 0);
		assert_ok!(ModelFactory::unbond_trainer(RuntimeOrigin::signed(T1)));
	});
}
