//! Random payments and claims over many blocks, on several verified models with random
//! attribution tables (and some roots of rows that are no table), by the rows' contributors
//! with their proofs and by others with wrong or foreign ones. After every successful call:
//! the money moved only between the payer, the pallet's account and the payees, as its event
//! says, and the call weighed no more than it declared. After every failed call: the storage
//! root is unchanged. After every block: `try_state`, the pallet's account holding exactly
//! the deposit plus every model's unclaimed part, and every balance summing to the issuance.
//! At the end (of each round of `ROUND` calls, from
//! a fresh genesis) every row of every real table is claimed: each is paid its exact share
//! and less than one planck a row is left.
//!
//! Deterministic for a seed: `ATTRIBUTION_FUZZ_SEED` and `ATTRIBUTION_FUZZ_CALLS` (default
//! 2_000 calls) choose the run; `scripts/fuzz-pallets.sh` runs long ones.

use crate::{mock::*, owed, Call, Claims, Event, ModelId, Pools, ProofOf, VerifiedModel};
use frame_support::{
	dispatch::GetDispatchInfo,
	traits::{fungible::Inspect, GetCallName, UnfilteredDispatchable},
};
use openledger_primitives::{
	attribution::{self, PARTS_PER_WHOLE},
	fuzz::{env_u64, print_report, require, Outcomes, Reached, Rng},
};
use sp_runtime::{DispatchError, StateVersion};
use std::collections::{BTreeMap, BTreeSet};

/// Funded contributors (1..=9) and, from 50, accounts that do not exist until paid.
fn contributor_pool() -> Vec<AccountId> {
	(1..=9).chain(50..=80).collect()
}

/// Who pays: the payer, the creator, contributors, a trainer, and 77 (no balance until it
/// claims a row as a contributor, then a small one).
const PAYERS: [AccountId; 7] = [PAYER, PAYER, CREATOR, 1, 2, TRAINERS[0], 77];
/// Trainers of the models: the mock's two, and two without a balance.
const ATTESTERS: [AccountId; 4] = [TRAINERS[0], TRAINERS[1], 22, 23];
/// Most models a round makes.
const MAX_MODELS: usize = 24;
/// Calls per round: each round starts from a fresh genesis with new models, and ends with
/// every row of every real table claimed.
const ROUND: u64 = 20_000;

fn balance(who: AccountId) -> Balance {
	Balances::balance(&who)
}

/// Sum of every account's balance.
fn total_funds() -> Balance {
	frame_system::Account::<Test>::iter_keys()
		.map(|who| <Balances as Inspect<AccountId>>::total_balance(&who))
		.sum()
}

fn error_name(error: DispatchError) -> String {
	match error {
		DispatchError::Module(module) => module.message.unwrap_or("Module").to_string(),
		other => format!("{other:?}"),
	}
}

/// A model's rows as its trainers built them, and whether they are a table.
struct Table {
	rows: Vec<(AccountId, u32)>,
	real: bool,
}

fn proof_of(rows: &[(AccountId, u32)], index: usize) -> attribution::Proof {
	attribution::proof(rows, index).expect("a row")
}

struct Driver {
	rng: Rng,
	seed: u64,
	tables: Vec<Table>,
	/// Per model: paid in and kept for the contributors, from the events.
	ledger: BTreeMap<ModelId, (Balance, Balance)>,
	outcomes: Outcomes,
	deep: Reached,
	issuance: Balance,
	blocks: u64,
}

impl Driver {
	/// A fresh genesis: four models to start with, the books empty.
	fn start_round(&mut self) {
		self.tables.clear();
		self.ledger.clear();
		for _ in 0..4 {
			self.add_model();
		}
		self.issuance = Balances::total_issuance();
		System::reset_events();
		assert_eq!(total_funds(), self.issuance);
	}

	/// A verified model with random rows: mostly a table (1 to 40 rows), sometimes rows
	/// that are none (parts over the whole, an account twice, unsorted).
	fn add_model(&mut self) {
		let mut pool = contributor_pool();
		let size = if self.rng.one_in(4) { 1 + self.rng.below(40) } else { 1 + self.rng.below(6) };
		let mut weights = Vec::new();
		for _ in 0..size {
			let at = self.rng.below(pool.len() as u64) as usize;
			weights.push((pool.swap_remove(at), u128::from(1 + self.rng.below(1_000))));
		}
		let mut rows = attribution::parts_per_billion(weights).expect("weights");
		let mut real = true;
		if self.rng.one_in(5) {
			real = false;
			match self.rng.below(3) {
				0 => rows = vec![(1, 700_000_000), (2, 700_000_000), (3, 1)],
				1 => rows = vec![(4, 400_000_000), (4, 500_000_000), (5, 100_000_000)],
				_ => rows.reverse(),
			}
			if attribution::check(&rows).is_ok() {
				real = true;
			}
		}
		let id = self.tables.len() as AccountId;
		let mut attesters: Vec<AccountId> =
			ATTESTERS.into_iter().filter(|_| self.rng.one_in(2)).collect();
		if self.rng.one_in(2) {
			// A trainer without an account: shares below the deposit cannot reach it.
			attesters.push(200 + id);
		}
		let creator = if self.rng.one_in(4) { 300 + id } else { CREATOR };
		let id = TestModels::add(VerifiedModel {
			attribution_root: attribution::rows_root(&rows),
			attesters,
			creator,
		});
		assert_eq!(id as usize, self.tables.len());
		self.tables.push(Table { rows, real });
	}

	fn model(&mut self) -> ModelId {
		if self.rng.one_in(25) {
			self.tables.len() as ModelId + self.rng.below(3)
		} else {
			self.rng.below(self.tables.len() as u64)
		}
	}

	fn pay(&mut self) -> (AccountId, Call<Test>) {
		let payer = self.rng.pick(&PAYERS);
		let model = self.model();
		let amount = match self.rng.below(40) {
			0 => self.rng.below(MIN_PAYMENT),
			1 => 2 * INITIAL_BALANCE,
			// Shares below the existential deposit for trainers that have no account.
			2..=9 => MIN_PAYMENT + self.rng.below(50),
			_ => {
				let digits = self.rng.below(8) as u32;
				MIN_PAYMENT + self.rng.below(10u64.pow(digits))
			},
		};
		(payer, Call::pay_for_use { model, amount })
	}

	fn claim(&mut self) -> (AccountId, Call<Test>) {
		let model = self.model();
		let Some(table) = self.tables.get(model as usize) else {
			return (
				1,
				Call::claim {
					model,
					contributor: 1,
					index: 0,
					parts: 1,
					leaves: 1,
					proof: Default::default(),
				},
			);
		};
		let rows = table.rows.clone();
		let index = self.rng.below(rows.len() as u64) as usize;
		let (mut contributor, mut parts) = rows[index];
		let mut proof = proof_of(&rows, index);
		let mut signer = contributor;
		if self.rng.one_in(4) {
			match self.rng.below(7) {
				0 => signer = self.rng.pick(&contributor_pool()),
				1 => parts += 1,
				2 => {
					// Another row's proof, this row's data.
					proof = proof_of(&rows, self.rng.below(rows.len() as u64) as usize);
				},
				3 => proof.leaves += 1 + self.rng.below(3) as u32,
				4 if !proof.siblings.is_empty() => {
					let at = self.rng.below(proof.siblings.len() as u64) as usize;
					proof.siblings[at][0] ^= 1;
				},
				5 => {
					// A row of another model's table, proved against this one.
					let other = &self.tables[self.rng.below(self.tables.len() as u64) as usize];
					let at = self.rng.below(other.rows.len() as u64) as usize;
					(contributor, parts) = other.rows[at];
					proof = proof_of(&other.rows, at);
					signer = contributor;
				},
				_ => {
					proof.siblings.pop();
				},
			}
		}
		let call = Call::claim {
			model,
			contributor,
			index: proof.index,
			parts,
			leaves: proof.leaves,
			proof: ProofOf::truncate_from(proof.siblings),
		};
		(signer, call)
	}

	/// Picks and makes one call; returns false when it ended the block instead.
	fn step(&mut self) -> bool {
		let (who, call) = match self.rng.below(100) {
			0..=34 => self.pay(),
			35..=87 => self.claim(),
			_ => {
				self.end_block();
				return false;
			},
		};
		let declared = call.get_dispatch_info().call_weight;
		let name = call.get_call_name();
		let pot = Attribution::account();
		let model = match &call {
			Call::pay_for_use { model, .. } | Call::claim { model, .. } => *model,
			_ => unreachable!("only the two calls"),
		};
		let facts = <TestModels as crate::VerifiedModels<AccountId>>::verified(model);
		let mut involved: BTreeSet<AccountId> = [who, pot].into();
		if let Some(facts) = &facts {
			involved.extend(facts.attesters.iter().copied());
			involved.insert(facts.creator);
		}
		let before: BTreeMap<AccountId, Balance> =
			involved.iter().map(|who| (*who, balance(*who))).collect();
		let pool_before = Pools::<Test>::get(model).unwrap_or_default();
		let root = sp_io::storage::root(StateVersion::V1);
		let result = call.dispatch_bypass_filter(RuntimeOrigin::signed(who));
		if result.is_err() {
			let after = sp_io::storage::root(StateVersion::V1);
			assert_eq!(root, after, "a failed {name} changed storage (seed {:#x})", self.seed);
		}
		let events: Vec<Event<Test>> = System::events()
			.into_iter()
			.filter_map(|record| match record.event {
				RuntimeEvent::Attribution(event) => Some(event),
				_ => None,
			})
			.collect();
		System::reset_events();
		let delta = |account: AccountId| balance(account) as i128 - before[&account] as i128;
		let outcome = match result {
			Ok(post) => {
				let actual = post.actual_weight.unwrap_or(declared);
				assert!(actual.all_lte(declared), "{name} weighed more than it declared");
				"Ok".to_string()
			},
			Err(error) => {
				assert!(events.is_empty(), "a failed {name} left events");
				error_name(error.error)
			},
		};
		*self.outcomes.entry((name, outcome)).or_default() += 1;
		if result.is_err() {
			return true;
		}
		// Money moved only between the accounts the call names.
		assert_eq!(involved.iter().map(|a| delta(*a)).sum::<i128>(), 0, "{name} leaked funds");
		let pool = Pools::<Test>::get(model).expect("a pool once paid");
		match events.as_slice() {
			[Event::PaidForUse {
				amount,
				to_contributors,
				to_each_trainer,
				trainers_paid,
				to_creator,
				..
			}] => {
				let endowment = if before[&pot] == 0 { EXISTENTIAL_DEPOSIT } else { 0 };
				let split = to_contributors + to_each_trainer * *trainers_paid as u64 + to_creator;
				assert_eq!(split, *amount, "a payment's parts differ from it");
				assert!(*to_contributors >= ContributorsShare::get().mul_floor(*amount));
				assert_eq!(delta(pot), (to_contributors + endowment) as i128);
				assert_eq!(pool.paid_in - pool_before.paid_in, *amount);
				assert_eq!(pool.to_contributors - pool_before.to_contributors, *to_contributors);
				let entry = self.ledger.entry(model).or_default();
				entry.0 += amount;
				entry.1 += to_contributors;
				let facts = facts.expect("paid for a verified model");
				if *trainers_paid < facts.attesters.len() as u32 && *to_each_trainer > 0 {
					*self.deep.entry("trainer shares kept for the contributors").or_default() += 1;
				}
				if *to_creator == 0 {
					*self.deep.entry("creator shares kept for the contributors").or_default() += 1;
				}
			},
			[Event::Claimed { contributor, parts, amount, .. }] => {
				assert!(*amount > 0);
				assert_eq!(delta(*contributor), *amount as i128);
				assert_eq!(delta(pot), -(*amount as i128));
				assert_eq!(pool.claimed - pool_before.claimed, *amount);
				let claim = Claims::<Test>::get(model, contributor).expect("a claim");
				assert_eq!(u128::from(claim.paid), owed(*parts, pool.to_contributors.into()));
				let what = if before[contributor] == 0 {
					"claims into a new account"
				} else if pool.claimed_parts == pool_before.claimed_parts {
					"repeat claims"
				} else {
					"first claims"
				};
				*self.deep.entry(what).or_default() += 1;
				if !self.tables[model as usize].real {
					*self.deep.entry("claims on rows that are no table").or_default() += 1;
				}
			},
			other => panic!("{name} made events {other:?}"),
		}
		true
	}

	/// The pallet's account holds exactly the deposit and what is unclaimed.
	fn check_books(&self) {
		let mut unclaimed = 0;
		for (model, (paid_in, kept)) in &self.ledger {
			let pool = Pools::<Test>::get(model).expect("a paid model's pool");
			assert_eq!((pool.paid_in, pool.to_contributors), (*paid_in, *kept));
			unclaimed += pool.to_contributors - pool.claimed;
		}
		let reserve = if self.ledger.is_empty() { 0 } else { EXISTENTIAL_DEPOSIT };
		assert_eq!(balance(Attribution::account()), reserve + unclaimed, "the pot's books");
		assert_eq!(total_funds(), self.issuance, "funds created or destroyed");
		assert_eq!(Balances::total_issuance(), self.issuance, "issuance moved");
	}

	fn end_block(&mut self) {
		let now = System::block_number();
		System::set_block_number(now + 1);
		if self.tables.len() < MAX_MODELS && self.rng.one_in(8) {
			self.add_model();
		}
		self.blocks += 1;
		if let Err(error) = crate::Pallet::<Test>::do_try_state() {
			panic!("block {now} (seed {:#x}): {error:?}", self.seed);
		}
		self.check_books();
	}

	/// Every row of every real table claims: each is paid exactly its share of what its
	/// model's contributors were paid, and less than a planck a row stays behind.
	fn claim_everything(&mut self) {
		for (model, table) in self.tables.iter().enumerate() {
			let model = model as ModelId;
			let Some(pool) = Pools::<Test>::get(model) else { continue };
			if !table.real {
				continue;
			}
			let mut all_paid = true;
			for (index, (who, parts)) in table.rows.iter().enumerate() {
				let proof = proof_of(&table.rows, index);
				let claimed = Attribution::claim(
					RuntimeOrigin::signed(*who),
					model,
					*who,
					index as u32,
					*parts,
					proof.leaves,
					ProofOf::truncate_from(proof.siblings),
				);
				match claimed.map_err(error_name) {
					Ok(()) => {},
					Err(error) if error == "NothingToClaim" => {},
					// A share below the deposit into an account that does not exist.
					Err(_) => {
						all_paid = false;
						continue;
					},
				}
				if let Some(claim) = Claims::<Test>::get(model, who) {
					assert_eq!(u128::from(claim.paid), owed(*parts, pool.to_contributors.into()));
				}
			}
			let pool = Pools::<Test>::get(model).unwrap();
			if all_paid {
				assert_eq!(pool.claimed_parts, PARTS_PER_WHOLE);
				let dust = pool.to_contributors - pool.claimed;
				assert!(dust < table.rows.len() as Balance, "model {model}: dust {dust}");
				*self.deep.entry("real tables claimed in full").or_default() += 1;
			}
		}
		System::reset_events();
		crate::Pallet::<Test>::do_try_state().unwrap();
		self.check_books_after_sweep();
	}

	fn check_books_after_sweep(&self) {
		let unclaimed: Balance =
			Pools::<Test>::iter().map(|(_, pool)| pool.to_contributors - pool.claimed).sum();
		let reserve = if self.ledger.is_empty() { 0 } else { EXISTENTIAL_DEPOSIT };
		assert_eq!(balance(Attribution::account()), reserve + unclaimed);
		assert_eq!(total_funds(), self.issuance);
	}
}

#[test]
fn random_payments_and_claims_keep_every_invariant() {
	let seed = env_u64("ATTRIBUTION_FUZZ_SEED", 0x5eed);
	let calls = env_u64("ATTRIBUTION_FUZZ_CALLS", 2_000);
	let mut driver = Driver {
		rng: Rng::new(seed),
		seed,
		tables: Vec::new(),
		ledger: BTreeMap::new(),
		outcomes: BTreeMap::new(),
		deep: BTreeMap::new(),
		issuance: 0,
		blocks: 0,
	};
	let started = std::time::Instant::now();
	let (mut done, mut models) = (0u64, 0);
	while done < calls {
		let mut ext = new_test_ext();
		ext.execute_with(|| driver.start_round());
		let round_end = (done + ROUND).min(calls);
		while done < round_end {
			// One block per session; its changes are committed after it, so that the storage
			// roots compared around each call cover one block's changes.
			ext.execute_with(|| {
				while done < round_end && driver.step() {
					done += 1;
				}
			});
			ext.commit_all().unwrap();
		}
		ext.execute_with(|| {
			driver.end_block();
			driver.claim_everything();
		});
		models += driver.tables.len();
	}
	println!(
		"pallet-attribution: {calls} calls (seed {seed:#x}), {} blocks, {models} models, in {:.1?}",
		driver.blocks,
		started.elapsed()
	);
	print_report(&driver.outcomes, &driver.deep);
	if calls >= 2_000 {
		require(
			&driver.deep,
			&[
				"first claims",
				"repeat claims",
				"claims into a new account",
				"claims on rows that are no table",
				"trainer shares kept for the contributors",
				"real tables claimed in full",
			],
		);
	}
}
