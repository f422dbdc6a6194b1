//! Random call sequences: every dispatchable from many accounts over many blocks, with
//! mostly plausible arguments (so that jobs get commits, reveals that agree and that
//! dissent, and reach every end: verified early or at the deadline, failed, expired,
//! cancelled) and some wild ones. After every block: `try_state` and the conservation of
//! funds (every balance, held included, sums to the issuance, which falls by exactly the
//! slashes burnt). After every failed call: the storage root is unchanged (and no event is
//! left); after every successful one: it weighed no more than it declared; after every
//! verification: the bounty was paid out exactly.
//!
//! Deterministic for a seed: `MODELS_FUZZ_SEED` and `MODELS_FUZZ_CALLS` (default 1_500
//! calls) choose the run; `scripts/fuzz-pallets.sh` runs long ones. Jobs are never pruned
//! (verified models refer to theirs) and `try_state` walks them all, so a long run is split
//! into rounds of `ROUND` calls, each from a fresh genesis.

use super::{hyper, lora, result};
use crate::{mock::*, *};
use frame_support::{
	dispatch::GetDispatchInfo,
	traits::{
		fungible::{Inspect, Mutate},
		GetCallName, UnfilteredDispatchable,
	},
	BoundedVec,
};
use openledger_primitives::{
	cid,
	fuzz::{env_u64, print_report, require, Outcomes, Reached, Rng},
};
use sp_arithmetic::{FixedU64, Perbill};
use sp_runtime::{DispatchError, StateVersion};
use std::collections::{BTreeMap, BTreeSet};

/// The mock's trainers and creators, two more funded accounts, one funded non-trainer and
/// one without a balance.
const ACCOUNTS: [AccountId; 10] = [CREATOR, OTHER, T1, T2, T3, T4, 15, 16, OUTSIDER, PAUPER];
/// A datanet that appears once a block end accepts its first file.
const LATE: u32 = 3;
/// Calls per round: each round starts from a fresh genesis.
const ROUND: u64 = 5_000;

/// Sum of every account's balance (free and held).
fn total_funds() -> Balance {
	frame_system::Account::<Test>::iter_keys()
		.map(|who| <Balances as Inspect<AccountId>>::total_balance(&who))
		.sum()
}

/// An error's name: the pallet's variant, or the dispatch error's kind.
fn error_name(error: DispatchError) -> String {
	match error {
		DispatchError::Module(module) => module.message.unwrap_or("Module").to_string(),
		other => format!("{other:?}"),
	}
}

/// Result `variant` of a job as `trainer` reveals it: trainers that agree differ only in
/// their manifests. Variant 3 has an adapter CID that is no CID.
fn attested(variant: u8, trainer: AccountId) -> AttestedResult {
	let mut attested = result(variant);
	attested.manifest_cid =
		BoundedVec::truncate_from(binary_cid(200u8.wrapping_add(trainer as u8)));
	if variant == 3 {
		attested.adapter_cid = BoundedVec::truncate_from(b"not a cid".to_vec());
	}
	attested
}

/// A job and a trainer.
type Key = (JobId, AccountId);

/// A committed result and its salt.
#[derive(Clone)]
struct Sealed {
	result: AttestedResult,
	salt: [u8; 32],
	/// Revealed, or never revealable (a junk commitment, a result whose CID is no CID).
	done: bool,
}

struct Driver {
	rng: Rng,
	seed: u64,
	/// Unsettled jobs (plus a few settled ones until the next block end notices).
	live: BTreeSet<JobId>,
	/// Successful commits of unsettled jobs.
	sealed: BTreeMap<Key, Sealed>,
	/// (call, outcome) -> count.
	outcomes: Outcomes,
	/// What the successful calls did, from their events.
	deep: Reached,
	/// Issuance at the start of the round, and what slashes burnt since.
	issuance: Balance,
	burnt: Balance,
	blocks: u64,
}

impl Driver {
	fn now() -> u64 {
		System::block_number()
	}

	fn start_round(&mut self) {
		for extra in [15, 16] {
			Balances::mint_into(&extra, INITIAL_BALANCE).unwrap();
		}
		self.live.clear();
		self.sealed.clear();
		self.issuance = Balances::total_issuance();
		self.burnt = 0;
		System::reset_events();
		assert_eq!(total_funds(), self.issuance);
	}

	fn trainers(&self) -> Vec<AccountId> {
		Trainers::<Test>::iter_keys().collect()
	}

	/// Live jobs for which `when` holds.
	fn live_where(&self, when: impl Fn(&JobOf<Test>) -> bool) -> Vec<JobId> {
		self.live
			.iter()
			.copied()
			.filter(|id| Jobs::<Test>::get(id).is_some_and(|job| !job.settled && when(&job)))
			.collect()
	}

	fn any_job(&mut self) -> JobId {
		self.rng.below(NextJobId::<Test>::get() + 1)
	}

	fn register_base_model(&mut self) -> (RuntimeOrigin, Call<Test>) {
		let origin = if self.rng.one_in(8) {
			RuntimeOrigin::signed(self.rng.pick(&ACCOUNTS))
		} else {
			RuntimeOrigin::root()
		};
		let n = NextBaseModelId::<Test>::get();
		let mut name = format!("Base-{n}").into_bytes();
		let mut licence = b"MIT".to_vec();
		let mut weights_cid = cid::to_text(&binary_cid(n as u8));
		let family = self.rng.pick(&[ModelFamily::Smollm2, ModelFamily::Llama, ModelFamily::Qwen2]);
		let mut parameters = self.rng.pick(&[135_000_000, 360_000_000, 900_000_000, 7_000_000_000]);
		if self.rng.one_in(6) {
			match self.rng.below(5) {
				0 => name.clear(),
				1 => licence = vec![0xff, 0xfe],
				2 => weights_cid = b"bafy-not-a-cid".to_vec(),
				3 => parameters = 0,
				_ => weights_cid.truncate(10),
			}
		}
		let call = Call::register_base_model {
			name: BoundedVec::truncate_from(name),
			family,
			weights_cid: BoundedVec::truncate_from(weights_cid),
			weights_hash: [n as u8; 32],
			tokenizer_hash: [2; 32],
			licence: BoundedVec::truncate_from(licence),
			parameters,
		};
		(origin, call)
	}

	fn retire_base_model(&mut self) -> (RuntimeOrigin, Call<Test>) {
		let active: Vec<BaseModelId> = BaseModels::<Test>::iter()
			.filter(|(_, base)| base.status == BaseModelStatus::Active)
			.map(|(id, _)| id)
			.collect();
		// Keep two active bases, or jobs would soon have nothing to train.
		let base = if active.len() > 2 && !self.rng.one_in(4) {
			self.rng.pick(&active)
		} else {
			self.rng.below(NextBaseModelId::<Test>::get() as u64 + 1) as BaseModelId
		};
		let origin =
			if self.rng.one_in(8) { RuntimeOrigin::signed(CREATOR) } else { RuntimeOrigin::root() };
		(origin, Call::retire_base_model { base })
	}

	fn register_trainer(&mut self) -> Call<Test> {
		let mut bond = MIN_TRAINER_BOND * (1 + self.rng.below(12));
		let mut families = vec![ModelFamily::Smollm2, ModelFamily::Llama];
		if self.rng.one_in(3) {
			families.push(ModelFamily::Qwen2);
		}
		let mut capabilities = Capabilities {
			families: BoundedVec::truncate_from(families),
			max_parameters: self.rng.pick(&[500_000_000, 1_000_000_000, 10_000_000_000]),
			devices: BoundedVec::truncate_from(vec![Device::Cpu]),
			determinism: BoundedVec::truncate_from(if self.rng.one_in(3) {
				vec![DeterminismClass::Portable, DeterminismClass::Fast]
			} else {
				vec![DeterminismClass::Portable]
			}),
		};
		if self.rng.one_in(5) {
			match self.rng.below(7) {
				0 => bond = MIN_TRAINER_BOND - 1,
				1 => bond = 2 * INITIAL_BALANCE,
				2 => capabilities.families.clear(),
				3 => capabilities.devices.clear(),
				4 => capabilities.determinism.clear(),
				5 => capabilities.max_parameters = 0,
				_ => capabilities.devices = BoundedVec::truncate_from(vec![Device::Cpu; 2]),
			}
		}
		Call::register_trainer { bond, capabilities }
	}

	fn spec(&mut self) -> JobSpecOf<Test> {
		let active: Vec<BaseModelId> = BaseModels::<Test>::iter()
			.filter(|(_, base)| base.status == BaseModelStatus::Active)
			.map(|(id, _)| id)
			.collect();
		let models = NextModelId::<Test>::get();
		let source = if models > 0 && self.rng.one_in(5) {
			ModelSource::Refine(self.rng.below(models))
		} else if active.is_empty() {
			ModelSource::Base(SMOL)
		} else {
			// Mostly the small base every trainer can train while it is active.
			ModelSource::Base(if active.contains(&SMOL) && self.rng.one_in(2) {
				SMOL
			} else {
				self.rng.pick(&active)
			})
		};
		let (datanets, eval) = match self.rng.below(6) {
			0 => (vec![TEXT, CODE], None),
			1 => (vec![TEXT], Some(CODE)),
			2 => (vec![CODE], Some(TEXT)),
			3 => (vec![TEXT, LATE], None),
			_ => (vec![self.rng.pick(&[TEXT, CODE])], None),
		};
		let mut hyper = hyper();
		hyper.seed = self.rng.next();
		if eval.is_some() {
			hyper.eval_fraction = Perbill::zero();
		}
		let lora = LoraSettings { rank: 1 + self.rng.below(64) as u16, ..lora() };
		let method = match self.rng.below(3) {
			0 => TrainingMethod::Qlora { lora, bits: self.rng.pick(&[4, 8]) },
			_ => TrainingMethod::Lora(lora),
		};
		let attestations = 2 + self.rng.below(3) as u32;
		let mut spec = JobSpec {
			source,
			datanets: BoundedVec::truncate_from(datanets),
			method,
			hyper,
			determinism: if self.rng.one_in(10) {
				DeterminismClass::Fast
			} else {
				DeterminismClass::Portable
			},
			bounty: MIN_BOUNTY + self.rng.below(5_000),
			attestations,
			max_attesters: attestations + 1 + self.rng.below(3) as u32,
			commit_period: MIN_PERIOD + self.rng.below(7),
			reveal_period: MIN_PERIOD + self.rng.below(7),
			eval_datanet: eval,
		};
		if self.rng.one_in(5) {
			self.wild_spec(&mut spec);
		}
		spec
	}

	/// One thing wrong with a job (or, at times, nothing that matters).
	fn wild_spec(&mut self, spec: &mut JobSpecOf<Test>) {
		let lora = |spec: &JobSpecOf<Test>| match &spec.method {
			TrainingMethod::Lora(lora) | TrainingMethod::Qlora { lora, .. } => lora.clone(),
		};
		match self.rng.below(24) {
			0 => spec.source = ModelSource::Base(NextBaseModelId::<Test>::get()),
			1 => spec.source = ModelSource::Refine(NextModelId::<Test>::get() + 1),
			2 => spec.datanets.clear(),
			3 => spec.datanets = BoundedVec::truncate_from(vec![TEXT, TEXT]),
			4 => spec.datanets = BoundedVec::truncate_from(vec![EMPTY]),
			5 => spec.datanets = BoundedVec::truncate_from(vec![9]),
			6 => spec.method = TrainingMethod::Lora(LoraSettings { rank: 0, ..lora(spec) }),
			7 => spec.method = TrainingMethod::Lora(LoraSettings { alpha: 0, ..lora(spec) }),
			8 => {
				let modules = if self.rng.one_in(2) {
					vec![b"Q-proj".to_vec()]
				} else {
					vec![b"q_proj".to_vec(); 2]
				};
				let target_modules = BoundedVec::truncate_from(
					modules.into_iter().map(BoundedVec::truncate_from).collect::<Vec<_>>(),
				);
				spec.method = TrainingMethod::Lora(LoraSettings { target_modules, ..lora(spec) });
			},
			9 => spec.method = TrainingMethod::Qlora { lora: lora(spec), bits: 5 },
			10 => spec.hyper.learning_rate = FixedU64::from_u32(self.rng.below(3) as u32 * 2),
			11 => spec.hyper.batch_size = self.rng.pick(&[0, 4097]),
			12 => spec.hyper.gradient_accumulation = 0,
			13 => spec.hyper.length = TrainingLength::Epochs(self.rng.pick(&[0, 1, 1001])),
			14 => spec.hyper.warmup_steps = 101,
			15 => spec.hyper.sequence_length = self.rng.pick(&[1, 131_073]),
			16 => spec.hyper.eval_fraction = Perbill::from_percent(self.rng.pick(&[0, 51, 5])),
			17 => spec.eval_datanet = Some(self.rng.pick(&[TEXT, EMPTY, 9])),
			18 => spec.bounty = self.rng.pick(&[MIN_BOUNTY - 1, 2 * INITIAL_BALANCE]),
			19 => spec.attestations = 1,
			20 => spec.max_attesters = self.rng.pick(&[spec.attestations, MAX_ATTESTERS + 1]),
			21 => spec.commit_period = self.rng.pick(&[MIN_PERIOD - 1, 101]),
			22 => spec.reveal_period = self.rng.pick(&[MIN_PERIOD - 1, 101]),
			_ => spec.determinism = DeterminismClass::Fast,
		}
	}

	fn create(&mut self, who: &mut AccountId) -> Call<Test> {
		if !self.rng.one_in(5) {
			*who = self.rng.pick(&[CREATOR, OTHER, OUTSIDER]);
		}
		Call::create_job { spec: self.spec() }
	}

	/// Live jobs that take commits.
	fn committable(&self, now: u64) -> Vec<JobId> {
		self.live_where(|job| {
			job.status == JobStatus::Open
				&& job.commits < job.max_attesters
				&& now <= job.commit_ends
		})
	}

	/// Sealed results whose jobs take reveals (mostly leaving out those never revealable).
	fn revealable(&mut self, now: u64) -> Vec<Key> {
		let rng = &mut self.rng;
		self.sealed
			.iter()
			.filter(|(_, s)| !s.done || rng.one_in(10))
			.map(|(key, _)| *key)
			.filter(|(id, _)| {
				Jobs::<Test>::get(id).is_some_and(|job| {
					!job.settled
						&& (job.commits == job.max_attesters || now > job.commit_ends)
						&& now <= job.reveal_ends
				})
			})
			.collect()
	}

	fn commit(&mut self, who: &mut AccountId) -> (Call<Test>, (Key, Sealed)) {
		let open = self.committable(Self::now());
		let job = if open.is_empty() || self.rng.one_in(8) {
			self.any_job()
		} else if self.rng.one_in(2) {
			// The job with the most commits: jobs that fill up open their reveals early.
			open.iter()
				.copied()
				.max_by_key(|id| Jobs::<Test>::get(id).map(|job| job.commits))
				.unwrap()
		} else {
			self.rng.pick(&open)
		};
		if !self.rng.one_in(6) {
			// Mostly a trainer that can take the job.
			let can_train = |who: &AccountId| {
				let (Some(trainer), Some(job)) =
					(Trainers::<Test>::get(who), Jobs::<Test>::get(job))
				else {
					return false;
				};
				BaseModels::<Test>::get(job.base).is_some_and(|base| {
					ModelFactory::check_can_train(&trainer, &job, &base).is_ok()
				})
			};
			let free: Vec<AccountId> = self
				.trainers()
				.into_iter()
				.filter(|t| !Attestations::<Test>::contains_key(job, t))
				.filter(|t| self.rng.one_in(10) || can_train(t))
				.collect();
			if !free.is_empty() {
				*who = self.rng.pick(&free);
			}
		}
		// Mostly the one result the job's honest trainers agree on.
		let variant = match self.rng.below(100) {
			0..=71 => 0,
			72..=89 => 1,
			90..=96 => 2,
			_ => 3,
		};
		let result = attested(variant, *who);
		let mut salt = [0u8; 32];
		salt[..8].copy_from_slice(&self.rng.next().to_le_bytes());
		let junk = self.rng.one_in(25);
		let sealed = if junk {
			// A commitment no reveal can open.
			[self.rng.next() as u8; 32]
		} else {
			commitment(job, &result, &salt, who)
		};
		// Some trainers never reveal: left to the deadline, such jobs are verified (or fail)
		// there.
		let lazy = self.rng.one_in(6);
		let record = Sealed { result, salt, done: junk || lazy || variant == 3 };
		(Call::commit_result { job, commitment: sealed }, ((job, *who), record))
	}

	fn reveal(&mut self, who: &mut AccountId) -> (Call<Test>, Key) {
		let due = self.revealable(Self::now());
		let keys: Vec<Key> = self.sealed.keys().copied().collect();
		let (job, account) = if !due.is_empty() && !self.rng.one_in(8) {
			self.rng.pick(&due)
		} else if !keys.is_empty() && !self.rng.one_in(3) {
			// Too early, revealed already, or too late.
			self.rng.pick(&keys)
		} else {
			(self.any_job(), *who)
		};
		*who = account;
		let (mut result, mut salt) = self
			.sealed
			.get(&(job, account))
			.map(|s| (s.result.clone(), s.salt))
			.unwrap_or_else(|| (attested(0, account), [0; 32]));
		match self.rng.below(20) {
			0 => salt[31] ^= 1,
			1 => result = attested(1, account),
			2 => result.manifest_cid = BoundedVec::truncate_from(binary_cid(1)),
			_ => {},
		}
		(Call::reveal_result { job, result, salt }, (job, account))
	}

	/// Picks and makes one call; returns false when it ended the block instead.
	fn step(&mut self) -> bool {
		let mut who = self.rng.pick(&ACCOUNTS);
		let mut origin = None;
		let mut committing = None;
		let mut revealing = None;
		let now = Self::now();
		let call: Call<Test> = match self.rng.below(100) {
			0..=1 => {
				let (o, call) = self.register_base_model();
				origin = Some(o);
				call
			},
			2 => {
				let (o, call) = self.retire_base_model();
				origin = Some(o);
				call
			},
			3..=5 => {
				let others: Vec<AccountId> =
					ACCOUNTS.into_iter().filter(|a| !Trainers::<Test>::contains_key(a)).collect();
				if !others.is_empty() && !self.rng.one_in(4) {
					who = self.rng.pick(&others);
				}
				self.register_trainer()
			},
			6..=7 => {
				let idle: Vec<AccountId> = Trainers::<Test>::iter()
					.filter(|(_, t)| t.unbonding_until.is_none() && t.open_commitments == 0)
					.map(|(who, _)| who)
					.collect();
				// Keep most trainers: mostly, only while three others stay.
				let staying =
					Trainers::<Test>::iter_values().filter(|t| t.unbonding_until.is_none()).count();
				if !idle.is_empty() && staying > 3 && !self.rng.one_in(4) {
					who = self.rng.pick(&idle);
				}
				Call::unbond_trainer {}
			},
			8..=9 => {
				let unbonding: Vec<AccountId> = Trainers::<Test>::iter()
					.filter(|(_, t)| t.unbonding_until.is_some())
					.map(|(who, _)| who)
					.collect();
				if !unbonding.is_empty() && !self.rng.one_in(4) {
					who = self.rng.pick(&unbonding);
				}
				Call::withdraw_trainer {}
			},
			10..=15 => self.create(&mut who),
			16..=17 => {
				let cancellable = self.live_where(|job| job.commits == 0);
				let job = if cancellable.is_empty() || self.rng.one_in(4) {
					self.any_job()
				} else {
					self.rng.pick(&cancellable)
				};
				if !self.rng.one_in(4) {
					if let Some(job) = Jobs::<Test>::get(job) {
						who = job.creator;
					}
				}
				Call::cancel_job { job }
			},
			// Commits, reveals: when there is nothing to commit to or reveal, mostly the step
			// before instead.
			18..=80 if self.committable(now).is_empty() && !self.rng.one_in(4) => {
				self.create(&mut who)
			},
			51..=80 if self.revealable(now).is_empty() && !self.rng.one_in(4) => {
				let (call, record) = self.commit(&mut who);
				committing = Some(record);
				call
			},
			18..=50 => {
				let (call, record) = self.commit(&mut who);
				committing = Some(record);
				call
			},
			51..=80 => {
				let (call, key) = self.reveal(&mut who);
				revealing = Some(key);
				call
			},
			81..=87 => {
				let due = self.live_where(|job| {
					if job.commits == 0 {
						now > job.commit_ends
					} else {
						now > job.reveal_ends
					}
				});
				let job = if due.is_empty() || self.rng.one_in(5) {
					self.any_job()
				} else {
					self.rng.pick(&due)
				};
				Call::finalize_job { job }
			},
			_ => {
				self.end_block();
				return false;
			},
		};
		let origin = origin.unwrap_or_else(|| RuntimeOrigin::signed(who));
		let declared = call.get_dispatch_info().call_weight;
		let name = call.get_call_name();
		let before = sp_io::storage::root(StateVersion::V1);
		let result = call.dispatch_bypass_filter(origin);
		if result.is_err() {
			let after = sp_io::storage::root(StateVersion::V1);
			assert_eq!(before, after, "a failed {name} changed storage (seed {:#x})", self.seed);
		}
		let events: Vec<Event<Test>> = System::events()
			.into_iter()
			.filter_map(|record| match record.event {
				RuntimeEvent::ModelFactory(event) => Some(event),
				_ => None,
			})
			.collect();
		System::reset_events();
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
		if result.is_ok() {
			if let Some((key, record)) = committing {
				self.sealed.insert(key, record);
			}
			if let Some(key) = revealing {
				if let Some(sealed) = self.sealed.get_mut(&key) {
					sealed.done = true;
				}
			}
			self.account(name, &events);
		}
		true
	}

	/// Tallies what a successful call did and checks that a verification paid its bounty
	/// out exactly.
	fn account(&mut self, name: &'static str, events: &[Event<Test>]) {
		let mut paid: BTreeMap<JobId, Balance> = BTreeMap::new();
		for event in events {
			let what = match event {
				Event::JobCreated { job, .. } => {
					self.live.insert(*job);
					let job = Jobs::<Test>::get(job).unwrap();
					if job.parent.is_some() {
						*self.deep.entry("refine jobs created").or_default() += 1;
					}
					if job.eval.is_some() {
						*self.deep.entry("jobs with an eval datanet").or_default() += 1;
					}
					continue;
				},
				Event::ModelVerified { .. } if name == "reveal_result" => "verified by a majority",
				Event::ModelVerified { .. } => "verified at the deadline",
				Event::BountyPaid { job, amount, .. } => {
					*paid.entry(*job).or_default() += amount;
					"bounty shares paid"
				},
				Event::TrainerSlashed { amount, reason, .. } => {
					self.burnt += amount;
					match reason {
						SlashReason::Dissent => "dissent slashes",
						SlashReason::Unrevealed => "unrevealed slashes",
					}
				},
				Event::JobFailed { .. } => "jobs failed",
				Event::JobExpired { .. } => "jobs expired",
				Event::JobCancelled { .. } => "jobs cancelled",
				Event::JobSettled { .. } => "jobs settled",
				Event::TrainerWithdrawn { .. } => "trainers withdrawn",
				Event::ResultRevealed { job, .. } => {
					let verifies = events.iter().any(|e| matches!(e, Event::ModelVerified { .. }));
					let job = Jobs::<Test>::get(job).unwrap();
					if !verifies && matches!(job.status, JobStatus::Verified(_)) {
						"reveals after verification"
					} else {
						continue;
					}
				},
				_ => continue,
			};
			*self.deep.entry(what).or_default() += 1;
		}
		for event in events {
			if let Event::ModelVerified { job, .. } = event {
				let bounty = Jobs::<Test>::get(job).unwrap().bounty;
				let paid = paid.get(job).copied().unwrap_or_default();
				assert_eq!(paid, bounty, "job {job}'s bounty not paid out exactly");
			}
		}
	}

	/// Ends the block: the block number moves on (now and then past deadlines), a datanet
	/// may accept a file, and every invariant is checked.
	fn end_block(&mut self) {
		let now = Self::now();
		let jump = if self.rng.one_in(10) { 2 + self.rng.below(10) } else { 1 };
		System::set_block_number(now + jump);
		if self.rng.one_in(20) {
			accept_files(self.rng.pick(&[TEXT, CODE, LATE]), 1);
		}
		self.live.retain(|id| Jobs::<Test>::get(id).is_some_and(|job| !job.settled));
		let live = &self.live;
		self.sealed.retain(|(id, _), _| live.contains(id));
		self.blocks += 1;
		if let Err(error) = ModelFactory::do_try_state() {
			panic!("block {now} (seed {:#x}): {error:?}", self.seed);
		}
		let issuance = Balances::total_issuance();
		assert_eq!(issuance, self.issuance - self.burnt, "issuance moved other than by slashes");
		assert_eq!(total_funds(), issuance, "funds created or destroyed");
	}
}

#[test]
fn random_call_sequences_keep_every_invariant() {
	let seed = env_u64("MODELS_FUZZ_SEED", 0x5eed);
	let calls = env_u64("MODELS_FUZZ_CALLS", 1_500);
	let mut driver = Driver {
		rng: Rng::new(seed),
		seed,
		live: BTreeSet::new(),
		sealed: BTreeMap::new(),
		outcomes: BTreeMap::new(),
		deep: BTreeMap::new(),
		issuance: 0,
		burnt: 0,
		blocks: 0,
	};
	let started = std::time::Instant::now();
	let mut done = 0u64;
	while done < calls {
		let mut ext = new_test_ext();
		ext.execute_with(|| driver.start_round());
		let round_end = (done + ROUND).min(calls);
		while done < round_end {
			// One block per externalities' session; its changes are committed after it, so
			// that the storage roots compared around each call cover one block's changes.
			ext.execute_with(|| {
				while done < round_end && driver.step() {
					done += 1;
				}
			});
			ext.commit_all().unwrap();
		}
		ext.execute_with(|| driver.end_block());
	}
	println!(
		"pallet-models: {calls} calls (seed {seed:#x}), {} blocks, in {:.1?}",
		driver.blocks,
		started.elapsed()
	);
	print_report(&driver.outcomes, &driver.deep);
	// The run must reach the deep states, or it proves little.
	if calls >= 1_500 {
		require(
			&driver.deep,
			&[
				"verified by a majority",
				"verified at the deadline",
				"jobs failed",
				"jobs expired",
				"dissent slashes",
				"unrevealed slashes",
				"refine jobs created",
				"jobs with an eval datanet",
				"trainers withdrawn",
			],
		);
	}
}
