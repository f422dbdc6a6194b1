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
		assert_eq!((text.active_stake, text.validators), (3 * GENESIS_BOND, 3));
		assert_eq!((text.reward_pool, text.unsettled_epoch), (0, None));
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
		let voting = VotingRules { approval_threshold: Perbill::zero(), ..rules };
		assert_noop!(create(ALICE, b"Cats", none, voting), Error::<Test>::ZeroApprovalThreshold);
		let voting = VotingRules { min_participation: Perbill::zero(), ..rules };
		assert_noop!(create(ALICE, b"Cats", none, voting), Error::<Test>::ZeroParticipation);
		for commit_period in [0, 51] {
			let voting = VotingRules { commit_period, ..rules };
			assert_noop!(
				create(ALICE, b"Cats", none, voting),
				Error::<Test>::CommitPeriodOutOfRange
			);
		}
		for reveal_period in [0, 51] {
			let voting = VotingRules { reveal_period, ..rules };
			assert_noop!(
				create(ALICE, b"Cats", none, voting),
				Error::<Test>::RevealPeriodOutOfRange
			);
		}
		// The longest periods allowed are taken.
		let longest = VotingRules { commit_period: 50, reveal_period: 50, ..rules };
		assert_ok!(create(ZOE, b"Slow", none, longest));
		assert_eq!(DatanetsStorage::<Test>::get(3).unwrap().voting, longest);
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
		assert_ok!(reserve(ALICE, TEXT, 2));
		run_to_block(System::block_number() + 1);
		assert_noop!(
			submit_reserved(ALICE, TEXT, 2, 10, FileFormat::Txt),
			Error::<Test>::DatanetClosed
		);
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
		// Genesis gave the pot its existential deposit.
		assert_eq!(Balances::balance(&pot), EXISTENTIAL_DEPOSIT);
		assert_ok!(Datanets::fund_rewards(origin(), TEXT, 1_000, Some(300)));
		assert_eq!(Balances::balance(&pot), 1_000 + EXISTENTIAL_DEPOSIT);
		assert_eq!(Balances::balance(&OWNER), INITIAL_BALANCE - 3 * DEPOSIT - 1_000);
		System::assert_last_event(
			Event::RewardsFunded {
				datanet: TEXT,
				amount: 1_000,
				pool: 1_000,
				next_reward_per_epoch: Some((1, 300)),
			}
			.into(),
		);
		// Funding without a rate keeps the scheduled one.
		assert_ok!(Datanets::fund_rewards(origin(), TEXT, 500, None));
		assert_eq!(Balances::balance(&pot), 1_500 + EXISTENTIAL_DEPOSIT);
		let datanet = DatanetsStorage::<Test>::get(TEXT).unwrap();
		assert_eq!(datanet.reward_pool, 1_500);
		assert_eq!((datanet.reward_per_epoch, datanet.next_reward_per_epoch), (0, Some((1, 300))));

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

/// A rate set during an epoch applies from the next one: the running epoch's release is
/// fixed by the rate in force while it ran.
#[test]
fn a_new_rate_applies_from_the_next_epoch() {
	test(|| {
		let origin = || RuntimeOrigin::signed(OWNER);
		assert_ok!(Datanets::fund_rewards(origin(), TEXT, 10_000, Some(300)));
		let datanet = DatanetsStorage::<Test>::get(TEXT).unwrap();
		assert_eq!((datanet.reward_per_epoch, datanet.next_reward_per_epoch), (0, Some((1, 300))));
		// Earned in epoch 0, whose rate is still 0: nothing is released for it.
		let early = submit_text(ALICE, 1, 10);
		approve_all(early, [50, 50, 50]);

		run_to_block(EPOCH_LENGTH);
		assert_eq!(Datanets::epoch_release(TEXT, 0), Default::default());
		// The next change to the pool makes the scheduled rate current.
		assert_ok!(Datanets::fund_rewards(origin(), TEXT, 1, Some(500)));
		let datanet = DatanetsStorage::<Test>::get(TEXT).unwrap();
		assert_eq!(datanet.reward_per_epoch, 300);
		assert_eq!(datanet.next_reward_per_epoch, Some((2, 500)));
		assert_eq!(datanet.reward_pool, 10_001, "epoch 0 released nothing");
		System::assert_has_event(
			Event::EpochReleased { datanet: TEXT, epoch: 0, contributors: 0, validators: 0 }.into(),
		);

		// Earned in epoch 1 at 300, although 500 was set during it.
		let later = submit_text(ALICE, 2, 10);
		approve_all(later, [50, 50, 50]);
		run_to_block(2 * EPOCH_LENGTH);
		let release = Datanets::epoch_release(TEXT, 1);
		assert_eq!(release.contributors + release.validators, 300);
		assert_ok!(Datanets::claim_rewards(RuntimeOrigin::signed(ALICE), TEXT, 1));
		System::assert_last_event(
			Event::RewardsClaimed { datanet: TEXT, epoch: 1, who: ALICE, amount: 240 }.into(),
		);
		let datanet = DatanetsStorage::<Test>::get(TEXT).unwrap();
		assert_eq!((datanet.reward_per_epoch, datanet.next_reward_per_epoch), (500, None));
		assert_eq!(datanet.reward_pool, 10_001 - 300);
	});
}
