//! Benchmarks of every call, each at its worst case: longest labels and lists, the most
//! datanets a job names, the most attestations a reveal or a settlement walks.

use super::*;
use crate::Pallet as ModelsPallet;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		EnsureOrigin, Get,
	},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use openledger_primitives::cid;
use sp_arithmetic::{FixedU64, Perbill};
use sp_runtime::traits::{One, Saturating};

/// An account with enough for a bond and several bounties.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let amount = T::MinTrainerBond::get()
		.saturating_add(T::MinBounty::get())
		.saturating_mul(100u32.into())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, amount);
	who
}

fn label(fill: u8) -> Label {
	BoundedVec::truncate_from(vec![fill; MAX_LABEL_LEN as usize])
}

/// A valid binary CIDv1 with a sha2-512 multihash: the longest the chain reads.
fn long_cid(fill: u8) -> Vec<u8> {
	let mut binary = vec![0x01, 0x70, 0x13, 0x40];
	binary.extend_from_slice(&[fill; 64]);
	binary
}

/// Every family, device and class: the longest capability lists a check walks.
fn capabilities() -> Capabilities {
	use DeterminismClass::*;
	use ModelFamily::*;
	Capabilities {
		families: BoundedVec::truncate_from(vec![
			Llama, Mistral, Qwen2, Deepseek, Smollm2, Gpt2, Bloom, Chatglm,
		]),
		max_parameters: u64::MAX,
		devices: BoundedVec::truncate_from(vec![Device::Cpu, Device::Cuda, Device::Metal]),
		determinism: BoundedVec::truncate_from(vec![Portable, Fast]),
	}
}

fn base_model<T: Config>() -> BaseModelId {
	ModelsPallet::<T>::do_register_base_model((
		label(b'n'),
		ModelFamily::Chatglm,
		BoundedVec::truncate_from(cid::to_text(&long_cid(1))),
		[1; 32],
		[2; 32],
		label(b'l'),
		1_000_000,
	))
	.expect("benchmark base model registers")
}

fn trainer<T: Config>(index: u32) -> T::AccountId {
	let who = funded::<T>("trainer", index);
	ModelsPallet::<T>::do_register_trainer(who.clone(), T::MinTrainerBond::get(), capabilities())
		.expect("benchmark trainer registers");
	who
}

/// A job on `datanets` datanets for k of `max_attesters`, with the longest LoRA settings.
fn job<T: Config>(datanets: u32, attestations: u32, max_attesters: u32) -> JobSpecOf<T> {
	let modules = (0..MAX_TARGET_MODULES)
		.map(|i| BoundedVec::truncate_from(vec![b'a' + i as u8; MAX_MODULE_NAME_LEN as usize]))
		.collect::<Vec<ModuleName>>();
	JobSpec {
		source: ModelSource::Base(base_model::<T>()),
		datanets: BoundedVec::truncate_from(
			(0..datanets).map(T::BenchmarkHelper::datanet_with_files).collect(),
		),
		method: TrainingMethod::Qlora {
			lora: LoraSettings {
				rank: 16,
				alpha: 32,
				target_modules: BoundedVec::truncate_from(modules),
			},
			bits: 4,
		},
		hyper: HyperParameters {
			learning_rate: FixedU64::from_rational(2, 10_000),
			batch_size: 8,
			gradient_accumulation: 4,
			length: TrainingLength::Steps(1_000),
			sequence_length: 2048,
			warmup_steps: 100,
			schedule: LrSchedule::Cosine,
			seed: 42,
			eval_fraction: Perbill::from_percent(5),
		},
		determinism: DeterminismClass::Fast,
		bounty: T::MinBounty::get().saturating_mul(10u32.into()),
		attestations,
		max_attesters,
		commit_period: T::MinPeriod::get(),
		reveal_period: T::MinPeriod::get(),
		eval_datanet: None,
	}
}

fn created<T: Config>(spec: JobSpecOf<T>) -> (T::AccountId, JobId) {
	let creator = funded::<T>("creator", 0);
	let id = ModelsPallet::<T>::do_create_job(creator.clone(), spec).expect("benchmark job");
	(creator, id)
}

fn result(n: u8) -> AttestedResult {
	AttestedResult {
		adapter_cid: BoundedVec::truncate_from(long_cid(n)),
		model_hash: [n; 32],
		attribution_root: [n; 32],
		eval_loss_before: FixedU64::from_rational(3, 1),
		eval_loss_after: FixedU64::from_rational(2, 1),
		tokens_trained: 1_000_000,
		manifest_cid: BoundedVec::truncate_from(long_cid(n.wrapping_add(1))),
	}
}

const SALT: [u8; 32] = [7; 32];

fn commit<T: Config>(id: JobId, who: &T::AccountId, result: &AttestedResult) {
	let sealed = commitment(id, result, &SALT, who);
	ModelsPallet::<T>::do_commit_result(who.clone(), id, sealed).expect("benchmark commit");
}

fn past<T: Config>(block: BlockNumberFor<T>) {
	frame_system::Pallet::<T>::set_block_number(block.saturating_add(One::one()));
}

impl<T: Config> ModelsPallet<T> {
	/// A verified model for other pallets' benchmarks (pallet-attribution's): a real job of
	/// `creator`'s, verified with `attesters` and `attribution_root` without being trained.
	pub fn benchmark_verified_model(
		attribution_root: openledger_primitives::Hash32,
		attesters: Vec<T::AccountId>,
		creator: T::AccountId,
	) -> ModelId {
		let balance = T::Currency::balance(&creator)
			.saturating_add(T::MinBounty::get().saturating_mul(100u32.into()));
		T::Currency::set_balance(&creator, balance);
		let job_id =
			ModelsPallet::<T>::do_create_job(creator, job::<T>(1, 2, 3)).expect("benchmark job");
		let job = Jobs::<T>::get(job_id).expect("just created");
		let id = NextModelId::<T>::get();
		NextModelId::<T>::put(id + 1);
		Models::<T>::insert(
			id,
			Model {
				job: job_id,
				base: job.base,
				parent: None,
				snapshots: job.snapshots,
				method: job.method,
				hyper: job.hyper,
				result: AttestedResult { attribution_root, ..result(1) },
				attesters: BoundedVec::truncate_from(attesters),
				verified_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		id
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_base_model() -> Result<(), BenchmarkError> {
		let origin =
			T::BaseModelOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let cid_text = BoundedVec::truncate_from(cid::to_text(&long_cid(1)));
		let before = NextBaseModelId::<T>::get();
		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			label(b'n'),
			ModelFamily::Chatglm,
			cid_text,
			[1; 32],
			[2; 32],
			label(b'l'),
			1_000_000,
		);
		assert_eq!(NextBaseModelId::<T>::get(), before + 1);
		Ok(())
	}

	#[benchmark]
	fn retire_base_model() -> Result<(), BenchmarkError> {
		let origin =
			T::BaseModelOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let base = base_model::<T>();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, base);
		assert_eq!(BaseModels::<T>::get(base).unwrap().status, BaseModelStatus::Retired);
		Ok(())
	}

	#[benchmark]
	fn register_trainer() {
		let who = funded::<T>("trainer", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::MinTrainerBond::get(), capabilities());
		assert!(Trainers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn unbond_trainer() {
		let who = trainer::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Trainers::<T>::get(&who).unwrap().unbonding_until.is_some());
	}

	#[benchmark]
	fn withdraw_trainer() {
		let who = trainer::<T>(0);
		ModelsPallet::<T>::do_unbond_trainer(who.clone()).expect("unbonds");
		past::<T>(
			frame_system::Pallet::<T>::block_number()
				.saturating_add(T::TrainerUnbondingDelay::get()),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Trainers::<T>::contains_key(&who));
	}

	/// On `d` datanets, with a held-out eval datanet besides (one more snapshot to take).
	#[benchmark]
	fn create_job(d: Linear<1, MAX_DATANETS_PER_JOB>) {
		let creator = funded::<T>("creator", 0);
		let k = T::MinAttestations::get();
		let mut spec = job::<T>(d, k, MAX_ATTESTERS);
		spec.eval_datanet = Some(T::BenchmarkHelper::datanet_with_files(d));
		spec.hyper.eval_fraction = Perbill::zero();
		#[extrinsic_call]
		_(RawOrigin::Signed(creator), spec);
		assert!(Jobs::<T>::get(0).unwrap().eval.is_some());
	}

	#[benchmark]
	fn cancel_job() {
		let k = T::MinAttestations::get();
		let (creator, id) = created::<T>(job::<T>(1, k, k + 1));
		#[extrinsic_call]
		_(RawOrigin::Signed(creator), id);
		assert_eq!(Jobs::<T>::get(id).unwrap().status, JobStatus::Cancelled);
	}

	#[benchmark]
	fn commit_result() {
		let k = T::MinAttestations::get();
		let (_, id) = created::<T>(job::<T>(1, k, k + 1));
		let who = trainer::<T>(0);
		let sealed = commitment(id, &result(1), &SALT, &who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, sealed);
		assert_eq!(Jobs::<T>::get(id).unwrap().commits, 1);
	}

	/// The reveal that verifies early, on a job over the most datanets: it walks `a`
	/// attestations, pays the majority (`a / 2 + 1` trainers) and slashes the others, who
	/// revealed other results before it.
	#[benchmark]
	fn reveal_result(a: Linear<3, MAX_ATTESTERS>) {
		let k = T::MinAttestations::get();
		let (_, id) = created::<T>(job::<T>(MAX_DATANETS_PER_JOB, k, a));
		let trainers: Vec<T::AccountId> = (0..a).map(trainer::<T>).collect();
		let majority = (a / 2 + 1) as usize;
		let (agreeing, dissenting) = trainers.split_at(majority);
		for (n, who) in dissenting.iter().enumerate() {
			commit::<T>(id, who, &result(10 + n as u8));
		}
		for who in agreeing {
			commit::<T>(id, who, &result(1));
		}
		for (n, who) in dissenting.iter().enumerate() {
			ModelsPallet::<T>::do_reveal_result(who.clone(), id, result(10 + n as u8), SALT)
				.expect("dissent reveals");
		}
		for who in &agreeing[..majority - 1] {
			ModelsPallet::<T>::do_reveal_result(who.clone(), id, result(1), SALT).expect("reveals");
		}
		let last = agreeing[majority - 1].clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(last), id, result(1), SALT);
		assert!(matches!(Jobs::<T>::get(id).unwrap().status, JobStatus::Verified(_)));
	}

	/// Settling at the reveal deadline a job no majority verified, over the most datanets:
	/// of `a` reveals, the largest group (`a / 2`) wins and is paid, the `a / 2` others
	/// (each alone) are slashed.
	#[benchmark]
	fn finalize_job(a: Linear<4, MAX_ATTESTERS>) {
		let k = T::MinAttestations::get();
		let (_, id) = created::<T>(job::<T>(MAX_DATANETS_PER_JOB, k, a));
		let trainers: Vec<T::AccountId> = (0..a).map(trainer::<T>).collect();
		let winners = (a / 2) as usize;
		let results: Vec<AttestedResult> = (0..a as usize)
			.map(|n| if n < winners { result(1) } else { result(10 + n as u8) })
			.collect();
		for (who, result) in trainers.iter().zip(&results) {
			commit::<T>(id, who, result);
		}
		for (who, result) in trainers.iter().zip(&results) {
			ModelsPallet::<T>::do_reveal_result(who.clone(), id, result.clone(), SALT)
				.expect("reveals");
		}
		past::<T>(Jobs::<T>::get(id).unwrap().reveal_ends);
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id);
		assert!(matches!(Jobs::<T>::get(id).unwrap().status, JobStatus::Verified(_)));
	}

	impl_benchmark_test_suite!(ModelsPallet, crate::mock::new_test_ext(), crate::mock::Test);
}
