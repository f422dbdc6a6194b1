//! Red team: attacks on the money paths of Proof of Attribution, each a test that fails if
//! the attack pays. Forged proofs, rows claimed twice, tables that are no tables, rounding,
//! self-payments, payees that cannot receive, the pallet's account, overflow, a root that
//! changes, and `try_state` against every break of the books.

use crate::{mock::*, Claims, Error, ModelId, Pools, ProofOf, VerifiedModel};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, Mutate},
		Hooks, LockableCurrency, WithdrawReasons,
	},
};
use openledger_primitives::{
	attribution::{self, PARTS_PER_WHOLE},
	Hash32,
};
use sp_runtime::{DispatchError, DispatchResult, Perbill, TokenError};

fn model_of(rows: &[(AccountId, u32)], attesters: Vec<AccountId>, creator: AccountId) -> ModelId {
	TestModels::add(VerifiedModel {
		attribution_root: attribution::rows_root(rows),
		attesters,
		creator,
	})
}

fn model_with(rows: &[(AccountId, u32)]) -> ModelId {
	model_of(rows, TRAINERS.to_vec(), CREATOR)
}

fn pay(who: AccountId, model: ModelId, amount: Balance) -> DispatchResult {
	Attribution::pay_for_use(RuntimeOrigin::signed(who), model, amount)
		.map(|_| ())
		.map_err(|e| e.error)
}

fn claim_with(
	who: AccountId,
	model: ModelId,
	index: u32,
	parts: u32,
	leaves: u32,
	siblings: Vec<Hash32>,
) -> DispatchResult {
	Attribution::claim(
		RuntimeOrigin::signed(who),
		model,
		who,
		index,
		parts,
		leaves,
		ProofOf::truncate_from(siblings),
	)
}

fn claim_row(model: ModelId, rows: &[(AccountId, u32)], index: usize) -> DispatchResult {
	let (who, parts) = rows[index];
	let proof = attribution::proof(rows, index).unwrap();
	claim_with(who, model, index as u32, parts, proof.leaves, proof.siblings)
}

fn balance(who: AccountId) -> Balance {
	Balances::balance(&who)
}

fn owed(parts: u32, total: Balance) -> Balance {
	crate::owed(parts, total.into()) as Balance
}

/// Attack: forged proofs. For every row of a table, every sibling list an attacker can make
/// from the table's own proofs (each proof, its prefixes, one more hash: the root, a row's
/// node, junk), every leaf count (up to `u32::MAX`: it is not bound) and every index, and
/// the row's parts or others: the chain accepts only the row as it is, at its own index.
/// The attacker then holds exactly its share, and the other rows theirs.
#[test]
fn a_claim_proves_only_a_real_row_whatever_the_proof_length_or_leaf_count() {
	test(|| {
		let rows: Vec<(AccountId, u32)> =
			vec![(1, 100_000_000), (2, 150_000_000), (3, 200_000_000), (4, 250_000_000)];
		let rows = [rows, vec![(5, 300_000_000)]].concat();
		let model = model_with(&rows);
		assert_ok!(pay(PAYER, model, 1_000_000));
		let root = attribution::rows_root(&rows);
		let mut lists: Vec<Vec<Hash32>> = vec![Vec::new()];
		for index in 0..rows.len() {
			let siblings = attribution::proof(&rows, index).unwrap().siblings;
			for cut in 0..=siblings.len() {
				lists.push(siblings[..cut].to_vec());
			}
			let (who, parts) = rows[index];
			for extra in [root, attribution::leaf_node(index as u32, &who, parts), [0xAB; 32]] {
				let mut longer = siblings.clone();
				longer.push(extra);
				lists.push(longer.clone());
				longer.insert(0, extra);
				lists.push(longer);
			}
		}
		let leaf_counts: Vec<u32> = (1..=9).chain([u32::MAX]).collect();
		for (real, &(who, parts)) in rows.iter().enumerate() {
			let before = balance(who);
			let tried_parts = [parts, parts + 1, parts - 1, PARTS_PER_WHOLE, rows[0].1];
			for siblings in &lists {
				for &leaves in &leaf_counts {
					for index in (0..leaves.min(9)).chain([leaves - 1]) {
						for &tried in &tried_parts {
							let result =
								claim_with(who, model, index, tried, leaves, siblings.clone());
							let proved = result.is_ok()
								|| result == Err(Error::<Test>::NothingToClaim.into());
							if proved {
								assert_eq!(
									(index as usize, tried),
									(real, parts),
									"row {real} proved as {tried} parts at {index} of {leaves}"
								);
							}
						}
					}
				}
			}
			assert_eq!(balance(who) - before, owed(parts, 700_000), "row {real}: its share");
		}
		assert_eq!(Pools::<Test>::get(model).unwrap().claimed_parts, PARTS_PER_WHOLE);
	});
}

/// Attack: one row claimed under two indices (a table that lists the same row twice: the
/// chain sees only its root). Claims are keyed by account: the second index finds the row
/// already paid, now and after later payments.
#[test]
fn the_same_row_at_two_indices_is_paid_once() {
	test(|| {
		let rows = vec![(1, 400_000_000), (1, 400_000_000), (2, 200_000_000)];
		let model = model_with(&rows);
		assert_ok!(pay(PAYER, model, 100_000));
		let before = balance(1);
		assert_ok!(claim_row(model, &rows, 0));
		assert_noop!(claim_row(model, &rows, 1), Error::<Test>::NothingToClaim);
		assert_ok!(pay(PAYER, model, 100_000));
		assert_ok!(claim_row(model, &rows, 1));
		assert_noop!(claim_row(model, &rows, 0), Error::<Test>::NothingToClaim);
		assert_eq!(balance(1) - before, owed(400_000_000, 140_000));
		assert_eq!(Pools::<Test>::get(model).unwrap().claimed_parts, 400_000_000);
	});
}

/// Attack: a table that lists an account twice with different parts. Whichever row the
/// account claims first is the only one it ever claims: the smaller one first cannot be
/// topped up with the larger, the larger first cannot add the smaller.
#[test]
fn an_account_listed_twice_is_held_to_the_row_it_claimed_first() {
	test(|| {
		let rows = vec![(1, 100_000_000), (1, 500_000_000), (2, 400_000_000)];
		let small_first = model_with(&rows);
		let large_first = model_with(&rows);
		for model in [small_first, large_first] {
			assert_ok!(pay(PAYER, model, 100_000));
		}
		let before = balance(1);
		assert_ok!(claim_row(small_first, &rows, 0));
		assert_ok!(claim_row(large_first, &rows, 1));
		for model in [small_first, large_first] {
			assert_ok!(pay(PAYER, model, 100_000));
		}
		assert_noop!(claim_row(small_first, &rows, 1), Error::<Test>::OtherRowClaimed);
		assert_noop!(claim_row(large_first, &rows, 0), Error::<Test>::OtherRowClaimed);
		assert_ok!(claim_row(small_first, &rows, 0));
		assert_ok!(claim_row(large_first, &rows, 1));
		let expected = owed(100_000_000, 140_000) + owed(500_000_000, 140_000);
		assert_eq!(balance(1) - before, expected);
	});
}

/// Attack: sybil rows summing far above the whole (colluding trainers' table: each of five
/// accounts listed with all 10⁹ parts). The first claim takes the whole contributors' part
/// and every other row is refused: nothing beyond what payers kept for the contributors
/// leaves the pallet, whatever the table.
#[test]
fn rows_of_a_whole_each_cannot_pay_out_more_than_the_contributors_part() {
	test(|| {
		let rows: Vec<(AccountId, u32)> = (1..=5).map(|who| (who, PARTS_PER_WHOLE)).collect();
		let model = model_with(&rows);
		let other = model_with(&[(9, PARTS_PER_WHOLE)]);
		assert_ok!(pay(PAYER, model, 100_000));
		assert_ok!(pay(PAYER, other, 100_000));
		assert_ok!(claim_row(model, &rows, 0));
		for index in 1..rows.len() {
			assert_noop!(claim_row(model, &rows, index), Error::<Test>::PartsExceedWhole);
		}
		let pool = Pools::<Test>::get(model).unwrap();
		assert_eq!((pool.claimed, pool.to_contributors), (70_000, 70_000));
		// The other model's contributors are untouched.
		let before = balance(9);
		assert_ok!(claim_row(other, &[(9, PARTS_PER_WHOLE)], 0));
		assert_eq!(balance(9) - before, 70_000);
	});
}

/// Attack: claiming before any payment to reserve parts (or a row) cheaply. The claim is
/// refused and stores nothing: no claim, no pool, no parts taken.
#[test]
fn a_claim_before_any_payment_stores_nothing() {
	test(|| {
		let rows = vec![(1, 700_000_000), (2, 300_000_000)];
		let model = model_with(&rows);
		assert_noop!(claim_row(model, &rows, 0), Error::<Test>::NothingToClaim);
		assert!(Pools::<Test>::get(model).is_none());
		assert!(Claims::<Test>::get(model, 1).is_none());
	});
}

/// Attack: rounding by tiny payments. Paying the minimum many times rounds no row down:
/// each row is owed its share of the running total, the same as after one payment of the
/// same contributors' part. What rounding moves per payment is under a planck from the
/// contributors and under a planck per trainer, to the creator: under `1 + trainers`
/// planck a payment of at least `MinPayment` (in the runtime 17 planck of 10¹⁷).
#[test]
fn paying_the_minimum_many_times_rounds_no_row_down() {
	test(|| {
		let rows = vec![(1, 333_333_334), (2, 333_333_333), (3, 333_333_333)];
		let often = model_with(&rows);
		let once = model_with(&rows);
		let creator_before = balance(CREATOR);
		let payments = 500;
		// 101: 70.7 → 70 for the contributors, 20.2 → 20 → 10 a trainer, 11 to the creator.
		for _ in 0..payments {
			assert_ok!(pay(PAYER, often, MIN_PAYMENT + 1));
		}
		let kept = Pools::<Test>::get(often).unwrap().to_contributors;
		assert_eq!(kept, 70 * payments);
		assert_ok!(pay(PAYER, once, kept * 10 / 7));
		assert_eq!(Pools::<Test>::get(once).unwrap().to_contributors, kept);
		for index in 0..rows.len() {
			let (who, _) = rows[index];
			let before = balance(who);
			assert_ok!(claim_row(often, &rows, index));
			let from_often = balance(who) - before;
			assert_ok!(claim_row(once, &rows, index));
			assert_eq!(balance(who) - before, 2 * from_often, "row {index}");
			assert!(from_often >= owed(rows[index].1, kept) && from_often > 0);
		}
		let creator_gain = balance(CREATOR) - creator_before - (kept * 10 / 7) / 10;
		let exact_tenth = payments * (MIN_PAYMENT + 1) / 10;
		let rounding = creator_gain - exact_tenth;
		assert!(rounding < payments * (1 + TRAINERS.len() as Balance), "{rounding}");
	});
}

/// Attack: pumping a model (or a trainer's income) with one's own payments. A payer who is
/// also the creator, a trainer and a contributor gets back at most what it paid: the other
/// trainer's and the other contributors' shares are lost to it. Holding every role, it gets
/// back what it paid less the pallet account's deposit and rounding dust: never a gain.
#[test]
fn paying_oneself_never_gains() {
	test(|| {
		let attacker = 9;
		let rows = vec![(attacker, 600_000_000), (2, 400_000_000)];
		let model = model_of(&rows, vec![attacker, TRAINERS[0]], attacker);
		let start = balance(attacker);
		for round in 0..20 {
			assert_ok!(pay(attacker, model, 10_000 + round));
			assert_ok!(claim_row(model, &rows, 0));
			assert!(balance(attacker) < start, "round {round}");
		}
		let alone = vec![(attacker, PARTS_PER_WHOLE)];
		let everything = model_of(&alone, vec![attacker], attacker);
		let start = balance(attacker);
		for round in 0..20 {
			assert_ok!(pay(attacker, everything, 10_000 + round));
			let _ = claim_row(everything, &alone, 0);
			assert!(balance(attacker) <= start, "round {round}");
		}
	});
}

/// Attack: a trainer or creator making the model unpayable through its account: every
/// balance locked, consumer references, the payer itself as creator or trainer, a reaped
/// account. Payments go through and each share lands (a share below the deposit for a
/// reaped account goes to the contributors: `a_share_no_one_can_receive_goes_to_the_
/// contributors`).
#[test]
fn no_payee_can_make_a_payment_fail() {
	test(|| {
		let rows = vec![(1, PARTS_PER_WHOLE)];
		Balances::set_lock(*b"lockedup", &TRAINERS[0], Balance::MAX, WithdrawReasons::all());
		assert_ok!(frame_system::Pallet::<Test>::inc_consumers(&CREATOR));
		let locked = model_with(&rows);
		let before = [balance(TRAINERS[0]), balance(TRAINERS[1]), balance(CREATOR)];
		assert_ok!(pay(PAYER, locked, 10_000));
		assert_eq!(balance(TRAINERS[0]) - before[0], 1_000);
		assert_eq!(balance(TRAINERS[1]) - before[1], 1_000);
		assert_eq!(balance(CREATOR) - before[2], 1_000);

		// The payer as creator and trainer pays only the shares of others.
		let own = model_of(&rows, vec![PAYER, TRAINERS[1]], PAYER);
		let before = balance(PAYER);
		assert_ok!(pay(PAYER, own, 10_000));
		assert_eq!(before - balance(PAYER), 7_000 + 1_000);

		// A creator that empties its account before a small payment.
		let leaving = 50;
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(PAYER), leaving, 100));
		let reaped = model_of(&rows, TRAINERS.to_vec(), leaving);
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(leaving), PAYER, 100));
		assert!(!frame_system::Pallet::<Test>::account_exists(&leaving));
		assert_ok!(pay(PAYER, reaped, MIN_PAYMENT));
		assert_eq!(balance(leaving), MIN_PAYMENT / 10);
	});
}

/// Attack: draining the pallet's account below its deposit (or reaping it) by claims. After
/// every row claimed everything, it holds its deposit plus dust; a claim that would need the
/// deposit (books corrupted below) is `PoolShort` and changes nothing, and `try_state`
/// flags the books.
#[test]
fn claims_never_take_the_pallet_accounts_deposit() {
	new_test_ext().execute_with(|| {
		let rows = vec![(1, 333_333_334), (2, 333_333_333), (3, 333_333_333)];
		let model = model_with(&rows);
		assert_ok!(pay(PAYER, model, 1_001));
		for index in 0..rows.len() {
			assert_ok!(claim_row(model, &rows, index));
		}
		let pot = Attribution::account();
		assert!(frame_system::Pallet::<Test>::account_exists(&pot));
		let dust = balance(pot) - EXISTENTIAL_DEPOSIT;
		assert!(dust < rows.len() as Balance, "{dust}");
		crate::Pallet::<Test>::do_try_state().unwrap();

		assert_ok!(pay(PAYER, model, 1_001));
		<Balances as Mutate<_>>::set_balance(&pot, EXISTENTIAL_DEPOSIT + 100);
		assert_noop!(claim_row(model, &rows, 0), Error::<Test>::PoolShort);
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
	});
}

/// A contributor whose account is gone and whose claim is below the existential deposit is
/// refused with nothing stored (no one else can cause that), and claims it later in full.
#[test]
fn a_claim_too_small_for_a_reaped_account_waits_and_loses_nothing() {
	test(|| {
		let rows = vec![(1, 900_000_000), (50, 100_000_000)];
		let model = model_with(&rows);
		assert_ok!(pay(PAYER, model, MIN_PAYMENT));
		assert_noop!(claim_row(model, &rows, 1), DispatchError::Token(TokenError::BelowMinimum));
		assert_ok!(pay(PAYER, model, MIN_PAYMENT));
		assert_ok!(claim_row(model, &rows, 1));
		assert_eq!(balance(50), 14);
	});
}

/// Attack: totals that overflow the balance type. A payer recycling its money (creator,
/// trainer and whole table at once) drives a model's running total toward the largest
/// balance: the payment that would overflow it is refused with nothing moved, rather than
/// kept where no claim can reach it (a saturated total stops accruing).
#[test]
fn a_payment_that_would_overflow_the_totals_is_refused() {
	test(|| {
		let whale = PAYER;
		<Balances as Mutate<_>>::set_balance(&whale, Balance::MAX / 10 * 9);
		let rows = vec![(whale, PARTS_PER_WHOLE)];
		let model = model_of(&rows, vec![whale], whale);
		let amount = Balance::MAX / 3;
		let mut refused = false;
		for _ in 0..10 {
			match pay(whale, model, amount) {
				Ok(()) => {
					assert_ok!(claim_row(model, &rows, 0));
				},
				Err(error) => {
					assert_eq!(error, Error::<Test>::Overflow.into());
					refused = true;
					break;
				},
			}
		}
		assert!(refused);
		let pool = Pools::<Test>::get(model).unwrap();
		assert_noop!(pay(whale, model, amount), Error::<Test>::Overflow);
		assert_eq!(pool.claimed, pool.to_contributors, "everything kept was claimable");
	});
}

/// Attack on the arithmetic: whatever the rows' parts (summing to at most 10⁹) and the
/// totals (up to `u128::MAX`), the rows are owed no more than the total, and a row is owed
/// no less after more payments than before (claiming often never gains or loses).
#[test]
fn rows_are_never_owed_more_than_the_total() {
	let mut state = 0x2545_F491_4F6C_DD1Du64;
	let mut next = move || {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		state
	};
	for _ in 0..5_000 {
		let total = match next() % 3 {
			0 => u128::from(next()),
			1 => (u128::from(next()) << 64) | u128::from(next()),
			_ => u128::MAX - u128::from(next() % 1_000),
		};
		let mut left = u64::from(PARTS_PER_WHOLE);
		let mut sum = 0u128;
		while left > 0 {
			let parts = 1 + next() % left;
			left -= parts;
			sum += crate::owed(parts as u32, total);
		}
		assert!(sum <= total);
		let parts = (next() % u64::from(PARTS_PER_WHOLE)) as u32;
		let more = total.saturating_add(u128::from(next()));
		assert!(crate::owed(parts, more) >= crate::owed(parts, total));
	}
}

/// Attack: a model verified later with another root (pallet-models stores a verified model
/// once and never changes it; a registry that did is the worst case). Rows of the new root
/// are held to the parts their account claimed with and to 10⁹ parts in all: the model's
/// contributors' part is never exceeded.
#[test]
fn a_root_that_changes_cannot_pay_out_more_than_the_contributors_part() {
	test(|| {
		let first = vec![(1, 500_000_000), (2, 500_000_000)];
		let model = model_with(&first);
		assert_ok!(pay(PAYER, model, 100_000));
		assert_ok!(claim_row(model, &first, 0));
		let second = vec![(1, 900_000_000), (3, 100_000_000), (4, 500_000_000)];
		TestModels::set_root(model, attribution::rows_root(&second));
		assert_noop!(claim_row(model, &second, 0), Error::<Test>::OtherRowClaimed);
		assert_ok!(claim_row(model, &second, 1));
		assert_noop!(claim_row(model, &second, 2), Error::<Test>::PartsExceedWhole);
		assert_noop!(claim_row(model, &first, 1), Error::<Test>::WrongProof);
		let pool = Pools::<Test>::get(model).unwrap();
		assert!(pool.claimed <= pool.to_contributors);
		assert_eq!(pool.claimed_parts, 600_000_000);
	});
}

/// The creator of the job who also contributed is paid both, once each.
#[test]
fn a_creator_who_contributed_is_paid_as_both_and_no_more() {
	test(|| {
		let rows = vec![(1, 500_000_000), (CREATOR, 500_000_000)];
		let model = model_with(&rows);
		let before = balance(CREATOR);
		assert_ok!(pay(PAYER, model, 10_000));
		assert_ok!(claim_row(model, &rows, 1));
		assert_eq!(balance(CREATOR) - before, 1_000 + 3_500);
		assert_noop!(claim_row(model, &rows, 1), Error::<Test>::NothingToClaim);
	});
}

/// Shares summing above 100% are a misconfiguration the integrity test must catch
/// (`Perbill`'s addition saturates, so summing them as `Perbill` hid it): each payment
/// would charge the payer more than the amount.
#[test]
#[should_panic(expected = "the contributors' and trainers' shares exceed the payment")]
fn shares_above_the_whole_fail_the_integrity_test() {
	new_test_ext().execute_with(|| {
		TrainersShare::set(Perbill::from_percent(31));
		Attribution::integrity_test();
	});
}

#[test]
fn shares_of_exactly_the_whole_pass_the_integrity_test() {
	new_test_ext().execute_with(|| {
		TrainersShare::set(Perbill::from_percent(30));
		Attribution::integrity_test();
	});
}

/// `try_state` catches every break of the books, each from a sound state.
#[test]
fn try_state_catches_every_break() {
	let rows = vec![(1, 600_000_000), (2, 400_000_000)];
	let broken = |corrupt: &dyn Fn(ModelId), message: &'static str| {
		new_test_ext().execute_with(|| {
			let model = model_with(&rows);
			assert_ok!(pay(PAYER, model, 100_000));
			assert_ok!(claim_row(model, &rows, 0));
			assert_ok!(crate::Pallet::<Test>::do_try_state());
			corrupt(model);
			assert_eq!(crate::Pallet::<Test>::do_try_state(), Err(message.into()));
		})
	};
	let pool = |model, change: &dyn Fn(&mut crate::Pool<Balance>)| {
		Pools::<Test>::mutate(model, |pool| change(pool.as_mut().unwrap()))
	};
	broken(
		&|m| pool(m, &|p| p.claimed = p.to_contributors + 1),
		"a model's claims exceed its contributors' part",
	);
	broken(
		&|m| pool(m, &|p| p.paid_in = p.to_contributors - 1),
		"a contributors' part exceeds what was paid",
	);
	broken(
		&|m| pool(m, &|p| p.claimed_parts = PARTS_PER_WHOLE + 1),
		"claimed rows exceed 10⁹ parts",
	);
	broken(&|m| pool(m, &|p| p.claimed_parts -= 1), "claimed parts differ from the claims");
	broken(
		&|m| {
			Claims::<Test>::mutate(m, 1, |c| c.as_mut().unwrap().paid += 1);
			pool(m, &|p| p.claimed += 1);
		},
		"a claim paid more than owed",
	);
	broken(&|m| pool(m, &|p| p.claimed -= 1), "the claims' payments differ from the pool's");
	broken(
		&|_| Claims::<Test>::insert(99, 1, crate::Claim { parts: 0, paid: 0 }),
		"a claim on a model never paid for",
	);
	broken(
		&|m| {
			let _ = m;
			let pot = Attribution::account();
			<Balances as Mutate<_>>::set_balance(&pot, Balances::balance(&pot) - 1);
		},
		"the pallet's account holds less than is unclaimed",
	);
	// Everything claimed: the deposit alone is still owed to the account.
	broken(
		&|m| {
			assert_ok!(claim_row(m, &rows, 1));
			let pot = Attribution::account();
			<Balances as Mutate<_>>::set_balance(&pot, Balances::balance(&pot) - 1);
		},
		"the pallet's account holds less than is unclaimed",
	);
}
