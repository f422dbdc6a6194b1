//! Random call sequences from many accounts over many blocks and epochs, with every
//! `try_state` invariant and the conservation of funds checked after each block.
//!
//! Deterministic for a seed: `DATANETS_FUZZ_SEED` and `DATANETS_FUZZ_CALLS` (default
//! 4_000 calls) choose the run; `scripts/fuzz-pallets.sh` runs long ones.

use crate::{mock::*, Call, FileFormat, Modality, SubmissionStatus, Submissions};
use frame_support::{
	dispatch::GetDispatchInfo,
	traits::{fungible::Inspect, Currency, GetCallName, Hooks, UnfilteredDispatchable},
	weights::Weight,
};
use openledger_primitives::fuzz::{env_u64, Rng};
use std::collections::BTreeMap;

const ACCOUNTS: [AccountId; 10] = [OWNER, BOB, CHARLIE, DAVE, EVE, FERDIE, ALICE, ZOE, 20, 21];

/// Sum of every account's balance (free and held): what conservation is checked against.
fn total_funds() -> Balance {
	frame_system::Account::<Test>::iter_keys()
		.map(|who| <Balances as Inspect<AccountId>>::total_balance(&who))
		.sum()
}

#[test]
fn random_call_sequences_keep_every_invariant() {
	let seed = env_u64("DATANETS_FUZZ_SEED", 0x5eed);
	let calls = env_u64("DATANETS_FUZZ_CALLS", 4_000);
	new_test_ext().execute_with(|| {
		for extra in [20, 21] {
			let _ = Balances::deposit_creating(&extra, INITIAL_BALANCE);
		}
		let issuance = Balances::total_issuance();
		assert_eq!(total_funds(), issuance);
		let mut rng = Rng::new(seed);
		// Ballots committed and not yet revealed: (submission, validator) -> (approve, quality).
		let mut sealed: BTreeMap<(u64, AccountId), (bool, u8)> = BTreeMap::new();
		let mut next_file = 0u32;
		let mut outcomes: BTreeMap<&'static str, u32> = BTreeMap::new();
		// Reservations made: (account, datanet, file); most submissions use one of them.
		let mut reserved: Vec<(AccountId, u32, u32)> = Vec::new();
		for step in 0..calls {
			let mut committing = None;
			let mut who = rng.pick(&ACCOUNTS);
			let datanets = crate::NextDatanetId::<Test>::get();
			let datanet = rng.below(datanets as u64 + 1) as u32;
			let submissions = crate::NextSubmissionId::<Test>::get();
			let id = submissions.saturating_sub(1 + rng.below(8));
			let call: Call<Test> = match rng.below(100) {
				0..=14 => {
					next_file += 1;
					let excess = reserved.len().saturating_sub(64);
					reserved.drain(..excess);
					reserved.push((who, datanet, next_file));
					let key = crate::reservation(datanet, &canonical(&cid_text(next_file)), &who);
					Call::reserve { reservations: vec![key] }
				},
				15..=29 => {
					let (account, datanet, file) = if reserved.is_empty() || rng.below(5) == 0 {
						(who, datanet, next_file)
					} else {
						// One of the newest 64: older ones may have gone stale.
						reserved.swap_remove(rng.below(reserved.len() as u64) as usize)
					};
					who = account;
					let format = crate::Datanets::<Test>::get(datanet)
						.and_then(|d| d.modality.formats().next())
						.unwrap_or(FileFormat::Txt);
					let largest = if rng.below(10) == 0 { 400_000 } else { 200_000 };
					Call::submit {
						datanet,
						cid: cid_text(file),
						bytes: 1 + rng.below(largest),
						format: if rng.below(10) == 0 { FileFormat::Png } else { format },
					}
				},
				30..=49 => {
					// Mostly a validator of the submission's datanet, on an unsettled one.
					let open: Vec<(u64, u32)> = Submissions::<Test>::iter()
						.filter(|(_, s)| !s.settled)
						.map(|(id, s)| (id, s.datanet))
						.collect();
					let id = if open.is_empty() || rng.below(5) == 0 {
						id
					} else {
						let (id, datanet) = open[rng.below(open.len() as u64) as usize];
						let validators: Vec<AccountId> =
							crate::Validators::<Test>::iter_key_prefix(datanet).collect();
						if !validators.is_empty() {
							who = validators[rng.below(validators.len() as u64) as usize];
						}
						id
					};
					let ballot = (rng.below(4) != 0, rng.below(101) as u8);
					committing = Some(((id, who), ballot));
					let hash = crate::commitment(id, ballot.0, ballot.1, &[who as u8; 32], &who);
					Call::commit_vote { submission: id, commitment: hash }
				},
				50..=69 => {
					let now = System::block_number();
					let known: Vec<_> = sealed
						.keys()
						.copied()
						.filter(|(id, _)| {
							Submissions::<Test>::get(id)
								.is_some_and(|s| s.commit_ends < now && now <= s.reveal_ends)
						})
						.collect();
					let (id, account) = if known.is_empty() || rng.below(5) == 0 {
						(id, who)
					} else {
						known[rng.below(known.len() as u64) as usize]
					};
					who = account;
					let (approve, quality) =
						sealed.get(&(id, who)).copied().unwrap_or((true, rng.below(101) as u8));
					Call::reveal_vote { submission: id, approve, quality, salt: [who as u8; 32] }
				},
				70..=72 => Call::bond_validator { datanet, amount: MIN_BOND + rng.below(200) },
				73..=74 => Call::unbond { datanet },
				75..=80 => Call::withdraw_unbonded { datanet },
				81..=84 => Call::fund_rewards {
					datanet,
					amount: 1 + rng.below(5_000),
					reward_per_epoch: (rng.below(2) == 0).then(|| rng.below(2_000)),
				},
				85..=89 => {
					let owed: Vec<(AccountId, (u32, u32))> =
						crate::UnclaimedEarnings::<Test>::iter_keys().collect();
					if owed.is_empty() || rng.below(5) == 0 {
						let current = crate::Pallet::<Test>::current_epoch();
						Call::claim_rewards {
							datanet,
							epoch: current.saturating_sub(rng.below(3) as u32),
						}
					} else {
						let (account, (datanet, epoch)) =
							owed[rng.below(owed.len() as u64) as usize];
						who = account;
						Call::claim_rewards { datanet, epoch }
					}
				},
				90..=91 => Call::finalize { submission: id },
				92 => Call::close_datanet { datanet },
				93 => Call::withdraw_pool { datanet },
				94 if datanets < 8 => Call::create_datanet {
					name: b"Random".to_vec(),
					description: vec![],
					modality: rng.pick(&[Modality::Text, Modality::Image, Modality::Audio]),
					caps: Default::default(),
					voting: default_voting(),
					reward_per_epoch: rng.below(1_000),
				},
				_ => {
					// End the block: on_idle with a random share of a block's weight.
					let now = System::block_number();
					let room = Weight::from_parts(rng.below(4_000_000_000_000), u64::MAX);
					Datanets::on_idle(now, room);
					System::set_block_number(now + 1 + rng.below(3));
					// Up to two hours a block: UTC days, and the daily caps, roll over.
					let ms = pallet_timestamp::Now::<Test>::get() + rng.below(7_200_000);
					set_time_ms(ms);
					sealed.retain(|(id, _), _| {
						Submissions::<Test>::get(id).is_some_and(|s| !s.settled)
					});
					if let Err(error) = Datanets::do_try_state() {
						panic!("step {step} (seed {seed:#x}): {error:?}");
					}
					assert_eq!(total_funds(), issuance, "funds created or destroyed");
					continue;
				},
			};
			let origin = RuntimeOrigin::signed(who);
			let _ = call.get_dispatch_info();
			let name = call.get_call_name();
			let before = sp_io::storage::root(sp_storage::StateVersion::V1);
			let result = call.dispatch_bypass_filter(origin);
			if result.is_err() {
				let after = sp_io::storage::root(sp_storage::StateVersion::V1);
				assert_eq!(before, after, "a failed {name} changed storage");
			}
			if let (Ok(_), Some((key, ballot))) = (&result, committing) {
				sealed.insert(key, ballot);
			}
			*outcomes.entry(if result.is_ok() { name } else { "refused" }).or_default() += 1;
		}
		Datanets::do_try_state().unwrap();
		let decided = Submissions::<Test>::iter()
			.filter(|(_, s)| !matches!(s.status, SubmissionStatus::Pending))
			.count();
		println!("calls by outcome: {outcomes:?}; decided submissions stored: {decided}");
		// The run must exercise the voting path, or it proves little.
		for needed in ["submit", "commit_vote", "reveal_vote", "claim_rewards"] {
			assert!(outcomes.get(needed).copied().unwrap_or_default() > 0, "no {needed} succeeded");
		}
	});
}
