//! Every call's success paths and errors, the attacks on the money, and random payments and
//! claims against the invariants.

use crate::{mock::*, Claims, Error, Event, ModelId, Pools, ProofOf, VerifiedModel};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use openledger_primitives::attribution::{self, PARTS_PER_WHOLE};
use sp_runtime::{DispatchError, TokenError};

/// A model whose table is `rows` (sorted by account, or not: the chain sees only the root).
fn model_with(rows: &[(AccountId, u32)]) -> ModelId {
	TestModels::add(VerifiedModel {
		attribution_root: attribution::rows_root(rows),
		attesters: TRAINERS.to_vec(),
		creator: CREATOR,
	})
}

/// The table of contributors 1, 2 and 3 with 50%, 30% and 20%.
fn three_rows() -> Vec<(AccountId, u32)> {
	vec![(1, 500_000_000), (2, 300_000_000), (3, 200_000_000)]
}

fn claim_row(
	model: ModelId,
	rows: &[(AccountId, u32)],
	index: usize,
) -> sp_runtime::DispatchResult {
	let (who, parts) = rows[index];
	let proof = attribution::proof(rows, index).unwrap();
	Attribution::claim(
		RuntimeOrigin::signed(who),
		model,
		who,
		index as u32,
		parts,
		proof.leaves,
		ProofOf::truncate_from(proof.siblings),
	)
}

fn balance(who: AccountId) -> Balance {
	Balances::balance(&who)
}

/// The pallet's account, less the existential deposit it keeps.
fn pot() -> Balance {
	Balances::balance(&Attribution::account()).saturating_sub(EXISTENTIAL_DEPOSIT)
}

#[test]
fn a_payment_is_split_between_contributors_trainers_and_the_creator() {
	test(|| {
		let model = model_with(&three_rows());
		let before = [balance(PAYER), balance(TRAINERS[0]), balance(TRAINERS[1]), balance(CREATOR)];
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 10_001));
		// 70% kept: 7_000 (shares round down: 7000.7); 20% = 2_000 over two trainers; the
		// creator gets the rest (1_001).
		assert_eq!(pot(), 7_000);
		assert_eq!(balance(TRAINERS[0]) - before[1], 1_000);
		assert_eq!(balance(TRAINERS[1]) - before[2], 1_000);
		assert_eq!(balance(CREATOR) - before[3], 1_001);
		// The chain's first payment also endows the pallet's account with the deposit.
		assert_eq!(before[0] - balance(PAYER), 10_001 + EXISTENTIAL_DEPOSIT);
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 10_001));
		assert_eq!(before[0] - balance(PAYER), 2 * 10_001 + EXISTENTIAL_DEPOSIT, "only once");
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 10_001));
		let pool = Pools::<Test>::get(model).unwrap();
		assert_eq!((pool.paid_in, pool.to_contributors, pool.claimed), (30_003, 21_000, 0));
		System::assert_last_event(
			Event::PaidForUse {
				model,
				payer: PAYER,
				amount: 10_001,
				to_contributors: 7_000,
				to_each_trainer: 1_000,
				trainers_paid: 2,
				to_creator: 1_001,
			}
			.into(),
		);
	});
}

/// Attack: trainers or a creator with empty accounts, whose shares are below the existential
/// deposit, would make every payment for the model fail. Their shares go to the
/// contributors instead, and the payment goes through.
#[test]
fn a_share_no_one_can_receive_goes_to_the_contributors() {
	test(|| {
		let (dead_trainers, dead_creator) = ([66, 68, 70], 67);
		let model = TestModels::add(VerifiedModel {
			attribution_root: attribution::rows_root(&three_rows()),
			attesters: dead_trainers.to_vec(),
			creator: dead_creator,
		});
		// 100: 70 for the contributors; 20 / 3 = 6 a trainer, below the deposit of 10 that
		// a reaped account needs, so 18 more for the contributors; the creator's 12 is paid.
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, MIN_PAYMENT));
		assert_eq!(Pools::<Test>::get(model).unwrap().to_contributors, 88);
		assert!(dead_trainers.iter().all(|t| balance(*t) == 0));
		assert_eq!(balance(dead_creator), 12);
	});
}

#[test]
fn payments_that_cannot_be_made_change_nothing() {
	test(|| {
		let model = model_with(&three_rows());
		assert_noop!(
			Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, MIN_PAYMENT - 1),
			Error::<Test>::PaymentTooSmall
		);
		assert_noop!(
			Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), 99, MIN_PAYMENT),
			Error::<Test>::ModelNotVerified
		);
		assert_noop!(
			Attribution::pay_for_use(RuntimeOrigin::signed(77), model, MIN_PAYMENT),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
		assert_noop!(
			Attribution::pay_for_use(RuntimeOrigin::none(), model, MIN_PAYMENT),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn each_contributor_claims_its_share_and_a_second_claim_only_what_accrued_since() {
	test(|| {
		let rows = three_rows();
		let model = model_with(&rows);
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 100_000));
		let before = balance(1);
		assert_ok!(claim_row(model, &rows, 0));
		assert_eq!(balance(1) - before, 35_000, "50% of the contributors' 70_000");
		System::assert_last_event(
			Event::Claimed { model, contributor: 1, parts: 500_000_000, amount: 35_000 }.into(),
		);
		assert_noop!(claim_row(model, &rows, 0), Error::<Test>::NothingToClaim);

		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 10_000));
		assert_ok!(claim_row(model, &rows, 0));
		assert_eq!(balance(1) - before, 35_000 + 3_500);
		assert_ok!(claim_row(model, &rows, 1));
		assert_ok!(claim_row(model, &rows, 2));
		assert_eq!(Claims::<Test>::get(model, 2).unwrap().parts, 300_000_000);
		// Everything was claimed: 77_000 = 38_500 + 23_100 + 15_400.
		assert_eq!(pot(), 0);
		assert_eq!(Pools::<Test>::get(model).unwrap().claimed_parts, PARTS_PER_WHOLE);
	});
}

#[test]
fn claims_that_do_not_hold_change_nothing() {
	test(|| {
		let rows = three_rows();
		let model = model_with(&rows);
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 100_000));
		let proof = attribution::proof(&rows, 0).unwrap();
		let siblings = || ProofOf::truncate_from(proof.siblings.clone());
		let claim = |who: AccountId, model, contributor, index, parts| {
			Attribution::claim(
				RuntimeOrigin::signed(who),
				model,
				contributor,
				index,
				parts,
				proof.leaves,
				siblings(),
			)
		};
		// Another's row, even with its proof.
		assert_noop!(claim(2, model, 1, 0, 500_000_000), Error::<Test>::ForeignAccount);
		// More parts, another index, another account in the row.
		assert_noop!(claim(1, model, 1, 0, 500_000_001), Error::<Test>::WrongProof);
		assert_noop!(claim(1, model, 1, 1, 500_000_000), Error::<Test>::WrongProof);
		assert_noop!(claim(4, model, 4, 0, 500_000_000), Error::<Test>::WrongProof);
		assert_noop!(claim(1, 99, 1, 0, 500_000_000), Error::<Test>::ModelNotVerified);
		assert_noop!(
			Attribution::claim(RuntimeOrigin::none(), model, 1, 0, 500_000_000, 3, siblings()),
			DispatchError::BadOrigin
		);
		// A verified model no one paid for yet: nothing accrued.
		let unpaid = model_with(&rows);
		assert_noop!(claim(1, unpaid, 1, 0, 500_000_000), Error::<Test>::NothingToClaim);
	});
}

/// Attack: the trainers agree on a table whose parts sum to more than the whole (the chain
/// sees only its root). The rows claimed are capped at 10⁹ parts: the contributors' part
/// is never exceeded, and the claim that would exceed it is refused.
#[test]
fn a_table_of_more_than_the_whole_cannot_pay_out_more_than_the_contributors_part() {
	test(|| {
		let rows = vec![(1, 700_000_000), (2, 700_000_000)];
		let model = model_with(&rows);
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 100_000));
		assert_ok!(claim_row(model, &rows, 0));
		assert_noop!(claim_row(model, &rows, 1), Error::<Test>::PartsExceedWhole);
		assert_eq!(pot(), 70_000 - 49_000);
	});
}

/// Attack: a table that lists an account twice. Only the first row it claims counts.
#[test]
fn an_account_listed_twice_is_paid_for_one_row() {
	test(|| {
		let rows = vec![(1, 300_000_000), (1, 600_000_000), (2, 100_000_000)];
		let model = model_with(&rows);
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 100_000));
		assert_ok!(claim_row(model, &rows, 0));
		assert_noop!(claim_row(model, &rows, 1), Error::<Test>::OtherRowClaimed);
	});
}

/// Claiming often neither gains nor loses on rounding: claims after every payment add up to
/// exactly what one claim at the end pays.
#[test]
fn claiming_after_every_payment_earns_no_more_than_one_claim_at_the_end() {
	test(|| {
		let rows = vec![(1, 333_333_334), (2, 333_333_333), (3, 333_333_333)];
		let often = model_with(&rows);
		let once = model_with(&rows);
		for _ in 0..50 {
			assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), often, 1_003));
			assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), once, 1_003));
			let _ = claim_row(often, &rows, 1);
		}
		assert_ok!(claim_row(once, &rows, 1));
		let claimed_often = Pools::<Test>::get(often).unwrap().claimed;
		let claimed_once = Pools::<Test>::get(once).unwrap().claimed;
		assert_eq!(claimed_often, claimed_once);
	});
}

/// Random payments and claims by random contributors on random tables keep every invariant
/// (checked after each call), and a contributor that claims once at the end gets exactly
/// its share of everything paid, to the planck (rounded down once).
#[test]
fn random_payments_and_claims_keep_the_pool_whole() {
	for seed in 0..8u64 {
		test(|| {
			let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
			let mut next = move || {
				state ^= state << 13;
				state ^= state >> 7;
				state ^= state << 17;
				state
			};
			let weights: Vec<(AccountId, u128)> =
				(1..=6).map(|who| (who, u128::from(next() % 1_000 + 1))).collect();
			let rows = attribution::parts_per_billion(weights).unwrap();
			let model = model_with(&rows);
			let mut paid_to_contributors: u128 = 0;
			for _ in 0..200 {
				if next() % 3 == 0 {
					let amount = MIN_PAYMENT + next() % 1_000_000;
					assert_ok!(Attribution::pay_for_use(
						RuntimeOrigin::signed(PAYER),
						model,
						amount
					));
					paid_to_contributors += u128::from(ContributorsShare::get().mul_floor(amount));
				} else {
					// Row 0 waits to the end.
					let index = 1 + (next() % (rows.len() as u64 - 1)) as usize;
					let _ = claim_row(model, &rows, index);
				}
				crate::Pallet::<Test>::do_try_state().expect("invariants after each call");
			}
			let (first, first_parts) = rows[0];
			let before = balance(first);
			assert_ok!(claim_row(model, &rows, 0));
			let exact =
				paid_to_contributors * u128::from(first_parts) / u128::from(PARTS_PER_WHOLE);
			assert_eq!(u128::from(balance(first) - before), exact, "its share, to the planck");
			for index in 1..rows.len() {
				let _ = claim_row(model, &rows, index);
			}
			for (who, _) in &rows {
				if let Some(claim) = Claims::<Test>::get(model, who) {
					let parts = u128::from(claim.parts);
					let exact = paid_to_contributors * parts / u128::from(PARTS_PER_WHOLE);
					assert_eq!(u128::from(claim.paid), exact, "every row, to the planck");
				}
			}
			let pool = Pools::<Test>::get(model).unwrap();
			assert_eq!(u128::from(pool.to_contributors), paid_to_contributors);
			assert_eq!(u128::from(pot()), paid_to_contributors - u128::from(pool.claimed));
			// All rows claimed at the end: what is left is rounding dust, under one planck a
			// row.
			assert!(u128::from(pot()) < rows.len() as u128, "dust {}", pot());
		});
	}
}

#[test]
fn owed_is_exact_and_never_overflows() {
	assert_eq!(crate::owed(PARTS_PER_WHOLE, u128::MAX), u128::MAX);
	assert_eq!(crate::owed(1, u128::MAX), u128::MAX / u128::from(PARTS_PER_WHOLE));
	for (parts, total) in [(333_333_333, 1_003u128), (1, 999_999_999), (7, 10u128.pow(30) + 17)] {
		let exact = total * u128::from(parts) / u128::from(PARTS_PER_WHOLE);
		assert_eq!(crate::owed(parts, total), exact);
	}
}

#[test]
fn the_reads_show_a_models_payees_and_what_each_row_may_claim() {
	use crate::views::{Claimable, QueryError};
	test(|| {
		let rows = three_rows();
		let model = model_with(&rows);
		let info = Attribution::query_model(model).unwrap();
		assert_eq!(info.attribution_root, attribution::rows_root(&rows));
		assert_eq!((info.attesters, info.creator), (TRAINERS.to_vec(), CREATOR));
		assert_eq!(info.pool, Default::default(), "nothing paid yet");
		assert_eq!(
			Attribution::query_claimable(model, 1, 500_000_000).unwrap().claimable,
			0,
			"nothing accrued yet"
		);

		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 10_001));
		assert_eq!(Attribution::query_model(model).unwrap().pool.to_contributors, 7_000);
		let before = Attribution::query_claimable(model, 1, 500_000_000).unwrap();
		assert_eq!(
			before,
			Claimable { parts: 500_000_000, owed: 3_500, paid: 0, claimable: 3_500 }
		);
		assert_ok!(claim_row(model, &rows, 0));
		let after = Attribution::query_claimable(model, 1, 500_000_000).unwrap();
		assert_eq!((after.owed, after.paid, after.claimable), (3_500, 3_500, 0));
		assert_ok!(Attribution::pay_for_use(RuntimeOrigin::signed(PAYER), model, 10_001));
		assert_eq!(Attribution::query_claimable(model, 1, 500_000_000).unwrap().claimable, 3_500);

		assert_eq!(Attribution::query_model(99), Err(QueryError::ModelNotVerified));
		assert_eq!(Attribution::query_claimable(99, 1, 1), Err(QueryError::ModelNotVerified));
		assert_eq!(
			Attribution::query_claimable(model, 1, 300_000_000),
			Err(QueryError::OtherRowClaimed { parts: 500_000_000 })
		);
		assert_eq!(
			Attribution::query_claimable(model, 2, PARTS_PER_WHOLE + 1),
			Err(QueryError::PartsAboveWhole)
		);
	});
}
