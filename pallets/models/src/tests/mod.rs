//! Unit tests, one file per concern; helpers shared here. Every test ends with `try_state`
//! (see `mock::test`).

mod attacks;
mod attestations;
mod base_models;
mod fuzz;
mod jobs;
mod queries;
mod red_team;
mod red_team_2;
mod trainers;

use crate::{mock::*, *};
use frame_support::{assert_ok, BoundedVec};
use sp_arithmetic::{FixedU64, Perbill};

pub const BOUNTY: Balance = 1_000;
pub const COMMIT_PERIOD: u64 = 10;
pub const REVEAL_PERIOD: u64 = 10;

pub fn hyper() -> HyperParameters {
	HyperParameters {
		learning_rate: FixedU64::from_rational(2, 10_000),
		batch_size: 4,
		gradient_accumulation: 1,
		length: TrainingLength::Steps(100),
		sequence_length: 256,
		warmup_steps: 10,
		schedule: LrSchedule::Cosine,
		seed: 42,
		eval_fraction: Perbill::from_percent(5),
	}
}

pub fn lora() -> LoraSettings {
	LoraSettings { rank: 8, alpha: 16, target_modules: BoundedVec::new() }
}

/// k = 2 of at most 3 trainers, on the text datanet, LoRA on SmolLM2.
pub fn spec() -> JobSpecOf<Test> {
	JobSpec {
		source: ModelSource::Base(SMOL),
		datanets: BoundedVec::truncate_from(vec![TEXT]),
		method: TrainingMethod::Lora(lora()),
		hyper: hyper(),
		determinism: DeterminismClass::Portable,
		bounty: BOUNTY,
		attestations: 2,
		max_attesters: 3,
		commit_period: COMMIT_PERIOD,
		reveal_period: REVEAL_PERIOD,
		eval_datanet: None,
	}
}

pub fn create(spec: JobSpecOf<Test>) -> JobId {
	assert_ok!(ModelFactory::create_job(RuntimeOrigin::signed(CREATOR), spec));
	NextJobId::<Test>::get() - 1
}

/// A result whose model hash and attribution root are `n`-derived.
pub fn result(n: u8) -> AttestedResult {
	AttestedResult {
		adapter_cid: BoundedVec::truncate_from(binary_cid(100 + n)),
		model_hash: [n; 32],
		attribution_root: [n.wrapping_add(50); 32],
		eval_loss_before: FixedU64::from_rational(31, 10),
		eval_loss_after: FixedU64::from_rational(25, 10),
		tokens_trained: 25_600,
		manifest_cid: BoundedVec::truncate_from(binary_cid(200 + n)),
	}
}

pub fn salt(who: AccountId) -> [u8; 32] {
	[who as u8; 32]
}

pub fn commit(job: JobId, who: AccountId, result: &AttestedResult) {
	let sealed = commitment(job, result, &salt(who), &who);
	assert_ok!(ModelFactory::commit_result(RuntimeOrigin::signed(who), job, sealed));
}

pub fn reveal(job: JobId, who: AccountId, result: AttestedResult) {
	assert_ok!(ModelFactory::reveal_result(RuntimeOrigin::signed(who), job, result, salt(who)));
}

pub fn job(id: JobId) -> JobOf<Test> {
	Jobs::<Test>::get(id).expect("job exists")
}

/// First block of reveals when fewer than `max_attesters` commit.
pub fn to_reveals(id: JobId) {
	System::set_block_number(job(id).commit_ends + 1);
}

/// First block after the reveal deadline.
pub fn to_due(id: JobId) {
	System::set_block_number(job(id).reveal_ends + 1);
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

pub fn bond(who: AccountId) -> Balance {
	Trainers::<Test>::get(who).expect("trainer").bond
}

/// A job where T1 and T2 commit and reveal result 1 (verified, model 0).
pub fn verified_job() -> JobId {
	let id = create(spec());
	commit(id, T1, &result(1));
	commit(id, T2, &result(1));
	to_reveals(id);
	reveal(id, T1, result(1));
	reveal(id, T2, result(1));
	id
}
