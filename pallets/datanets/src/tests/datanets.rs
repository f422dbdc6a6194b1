use super::*;
use crate::{
	CapOverrides, DatanetCaps, DatanetStatus, Datanets as DatanetsStorage, Error, Event, Modality,
	NextDatanetId, VotingRules,
};
use frame_support::{assert_noop, traits::fungible::Inspect};
use sp_runtime::{Perbill, TokenError};

fn create(
	who: AccountId,
	name: &[u8],
	caps: CapOverrides,
	voting: VotingRules<u64>,
) -> DispatchResult {
	Datanets::create_datanet(
		RuntimeOrigin::signed(who),
		name.to_vec(),
		b"about".to_vec(),
		Modality::Image,
		caps,
		voting,
		7,
	)
}

#[test]
fn genesis_opens_one_datanet_per_modality_with_bonded_validators() {
	test(|| {
		let modalities: Vec<_> =
			(0..3).map(|id| DatanetsStorage::<Test>::get(id).unwrap().modality).collect();
		assert_eq!(modalities, [Modality::Text, Modality::Image, Modality::Audio]);
		let text = DatanetsStorage::<Test>::get(TEXT).unwrap();
		assert_eq!(
			text.caps,
			DatanetCaps { daily_bytes_per_account: 10 * MIB, max_file_bytes: 10 * MIB }
		);
		assert_eq!(held(OWNER), 3 * DEPOSIT);
		for validator in [BOB, CHARLIE, DAVE] {
			assert_eq!(
				crate::Validators::<Test>::get(TEXT, validator).unwrap().amount,
				GENESIS_BOND
			);
			assert_eq!(held(validator), GENESIS_BOND);
		}
	});
}

#[test]
fn create_datanet_holds_the_deposit_and_records_the_rules() {
	test(|| {
		let caps = CapOverrides { daily_bytes_per_account: Some(MIB), max_file_bytes: Some(1024) };
		assert_ok!(create(ALICE, b"Cats", caps, default_voting()));
		let datanet = DatanetsStorage::<Test>::get(3).unwrap();
		assert_eq!(datanet.owner, ALICE);
		assert_eq!(datanet.name.to_vec(), b"Cats".to_vec());
		assert_eq!(
			datanet.caps,
			DatanetCaps { daily_bytes_per_account: MIB, max_file_bytes: 1024 }
		);
		assert_eq!(datanet.voting, default_voting());
		assert_eq!(datanet.reward_per_epoch, 7);
		assert_eq!((datanet.status, datanet.deposit), (DatanetStatus::Open, DEPOSIT));
		assert_eq!(held(ALICE), DEPOSIT);
		assert_eq!(NextDatanetId::<Test>::get(), 4);
		System::assert_last_event(
			Event::DatanetCreated {
				datanet: 3,
				owner: ALICE,
				modality: Modality::Image,
				caps: datanet.caps,
				deposit: DEPOSIT,
			}
			.into(),
		);
	});
}

#[test]
fn create_datanet_refuses_bad_input() {
	test(|| {
		let none = CapOverrides::default();
		let rules = default_voting();
		assert_noop!(create(ALICE, b"", none, rules), Error::<Test>::EmptyName);
		assert_noop!(create(ALICE, &[b'n'; 33], none, rules), Error::<Test>::NameTooLong);
		assert_noop!(
			Datanets::create_datanet(
				RuntimeOrigin::signed(ALICE),
				b"Cats".to_vec(),
				vec![b'd'; 129],
				Modality::Text,
				none,
				rules,
				0
			),
			Error::<Test>::DescriptionTooLong
		);
		let above_daily = CapOverrides { daily_bytes_per_account: Some(10 * MIB + 1), ..none };
		assert_noop!(create(ALICE, b"Cats", above_daily, rules), Error::<Test>::CapAboveGlobal);
		let above_file = CapOverrides { max_file_bytes: Some(10 * MIB + 1), ..none };
		assert_noop!(create(ALICE, b"Cats", above_file, rules), Error::<Test>::CapAboveGlobal);
		let zero = CapOverrides { daily_bytes_per_account: Some(0), ..none };
		assert_noop!(create(ALICE, b"Cats", zero, rules), Error::<Test>::ZeroCap);
		for quorum in [0, MAX_VOTES + 1] {
			let voting = VotingRules { quorum, ..rules };
			assert_noop!(create(ALICE, b"Cats", none, voting), Error::<Test>::QuorumOutOfRange);
		}
		let voting = VotingRules { approval_threshold: Perbill::zero(), ..rules };
		assert_noop!(create(ALICE, b"Cats", none, voting), Error::<Test>::ZeroApprovalThreshold);
		for voting_period in [0, 101] {
			let voting = VotingRules { voting_period, ..rules };
			assert_noop!(
				create(ALICE, b"Cats", none, voting),
				Error::<Test>::VotingPeriodOutOfRange
			);
		}
		assert_noop!(create(PAUPER, b"Cats", none, rules), TokenError::FundsUnavailable);
		NextDatanetId::<Test>::put(u32::MAX);
		assert_noop!(create(ALICE, b"Cats", none, rules), Error::<Test>::Overflow);
	});
}

#[test]
fn owner_updates_the_description() {
	test(|| {
		assert_ok!(Datanets::update_description(
			RuntimeOrigin::signed(OWNER),
			TEXT,
			b"new".to_vec()
		));
		assert_eq!(
			DatanetsStorage::<Test>::get(TEXT).unwrap().description.to_vec(),
			b"new".to_vec()
		);
		System::assert_last_event(Event::DescriptionUpdated { datanet: TEXT }.into());
		let origin = || RuntimeOrigin::signed(OWNER);
		assert_noop!(
			Datanets::update_description(origin(), TEXT, vec![0; 129]),
			Error::<Test>::DescriptionTooLong
		);
		assert_noop!(
			Datanets::update_description(RuntimeOrigin::signed(ALICE), TEXT, vec![]),
			Error::<Test>::NotDatanetOwner
		);
		assert_noop!(
			Datanets::update_description(origin(), 9, vec![]),
			Error::<Test>::DatanetNotFound
		);
	});
}

#[test]
fn owner_only_lowers_caps() {
	test(|| {
		let origin = || RuntimeOrigin::signed(OWNER);
		let lower_daily = CapOverrides { daily_bytes_per_account: Some(MIB), max_file_bytes: None };
		assert_ok!(Datanets::lower_caps(origin(), TEXT, lower_daily));
		let caps = DatanetCaps { daily_bytes_per_account: MIB, max_file_bytes: 10 * MIB };
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().caps, caps);
		System::assert_last_event(Event::CapsLowered { datanet: TEXT, caps }.into());

		let lower_file = CapOverrides { daily_bytes_per_account: None, max_file_bytes: Some(512) };
		assert_ok!(Datanets::lower_caps(origin(), TEXT, lower_file));
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().caps.max_file_bytes, 512);

		for refused in [MIB, MIB + 1] {
			let caps =
				CapOverrides { daily_bytes_per_account: Some(refused), max_file_bytes: None };
			assert_noop!(Datanets::lower_caps(origin(), TEXT, caps), Error::<Test>::CapNotLower);
		}
		let zero = CapOverrides { daily_bytes_per_account: None, max_file_bytes: Some(0) };
		assert_noop!(Datanets::lower_caps(origin(), TEXT, zero), Error::<Test>::ZeroCap);
		assert_noop!(
			Datanets::lower_caps(RuntimeOrigin::signed(ALICE), TEXT, lower_file),
			Error::<Test>::NotDatanetOwner
		);
		assert_noop!(Datanets::lower_caps(origin(), 9, lower_file), Error::<Test>::DatanetNotFound);
		assert_ok!(Datanets::close_datanet(origin(), IMAGE));
		assert_noop!(
			Datanets::lower_caps(origin(), IMAGE, lower_file),
			Error::<Test>::DatanetClosed
		);
	});
}

#[test]
fn closing_releases_the_deposit_and_stops_new_activity() {
	test(|| {
		let origin = || RuntimeOrigin::signed(OWNER);
		let pending = submit_text(ALICE, 1, 10);
		assert_noop!(
			Datanets::close_datanet(RuntimeOrigin::signed(ALICE), TEXT),
			Error::<Test>::NotDatanetOwner
		);
		assert_ok!(Datanets::close_datanet(origin(), TEXT));
		System::assert_last_event(
			Event::DatanetClosed { datanet: TEXT, deposit_released: DEPOSIT }.into(),
		);
		assert_eq!(held(OWNER), 2 * DEPOSIT);
		assert_eq!(DatanetsStorage::<Test>::get(TEXT).unwrap().status, DatanetStatus::Closed);

		assert_noop!(Datanets::close_datanet(origin(), TEXT), Error::<Test>::DatanetClosed);
		assert_noop!(Datanets::close_datanet(origin(), 9), Error::<Test>::DatanetNotFound);
		assert_noop!(submit(ALICE, TEXT, 2, 10, FileFormat::Txt), Error::<Test>::DatanetClosed);
		assert_noop!(
			Datanets::bond_validator(RuntimeOrigin::signed(EVE), TEXT, MIN_BOND),
			Error::<Test>::DatanetClosed
		);
		assert_noop!(
			Datanets::fund_rewards(origin(), TEXT, 10, None),
			Error::<Test>::DatanetClosed
		);
		// Submissions already in are still decided.
		approve_all(pending, [50, 50, 50]);
		assert_eq!(crate::ContributorStatsOf::<Test>::get(TEXT, ALICE).score, 50);
	});
}

#[test]
fn funding_moves_open_into_the_pot() {
	test(|| {
		let origin = || RuntimeOrigin::signed(OWNER);
		let pot = Datanets::pot();
		assert_ok!(Datanets::fund_rewards(origin(), TEXT, 1_000, Some(300)));
		// The first funding also pays the pot's existential deposit.
		assert_eq!(Balances::balance(&pot), 1_000 + EXISTENTIAL_DEPOSIT);
		assert_eq!(
			Balances::balance(&OWNER),
			INITIAL_BALANCE - 3 * DEPOSIT - 1_000 - EXISTENTIAL_DEPOSIT
		);
		System::assert_last_event(
			Event::RewardsFunded {
				datanet: TEXT,
				amount: 1_000,
				pool: 1_000,
				reward_per_epoch: 300,
			}
			.into(),
		);
		assert_ok!(Datanets::fund_rewards(origin(), TEXT, 500, None));
		assert_eq!(Balances::balance(&pot), 1_500 + EXISTENTIAL_DEPOSIT);
		let datanet = DatanetsStorage::<Test>::get(TEXT).unwrap();
		assert_eq!((datanet.reward_pool, datanet.reward_per_epoch), (1_500, 300));

		assert_noop!(Datanets::fund_rewards(origin(), TEXT, 0, None), Error::<Test>::ZeroAmount);
		assert_noop!(
			Datanets::fund_rewards(RuntimeOrigin::signed(ALICE), TEXT, 1, None),
			Error::<Test>::NotDatanetOwner
		);
		assert_noop!(Datanets::fund_rewards(origin(), 9, 1, None), Error::<Test>::DatanetNotFound);
		assert_noop!(
			Datanets::fund_rewards(origin(), TEXT, INITIAL_BALANCE, None),
			TokenError::FundsUnavailable
		);
		DatanetsStorage::<Test>::mutate(TEXT, |d| d.as_mut().unwrap().reward_pool = u64::MAX);
		assert_noop!(Datanets::fund_rewards(origin(), TEXT, 1, None), Error::<Test>::Overflow);
		DatanetsStorage::<Test>::mutate(TEXT, |d| d.as_mut().unwrap().reward_pool = 1_500);
	});
}
