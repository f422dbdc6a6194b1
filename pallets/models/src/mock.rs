//! A test runtime with balances and models. Datanets' logs are stood in for by
//! `TestDatasets` (a unit-test mock of the one piece pallet-models reads): three datanets
//! with 5, 3 and 0 accepted files. Two base models, four registered trainers.

use crate::{self as pallet_models, Capabilities, DeterminismClass, Device, ModelFamily};
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
	BoundedVec,
};
use openledger_primitives::{
	cid,
	dataset::{next_head, DatasetSnapshots, Snapshot, EMPTY_HEAD},
};
use sp_runtime::{BuildStorage, Perbill};
use std::collections::BTreeMap;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ModelFactory: pallet_models,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ExistentialDeposit = ConstU64<1>;
}

pub const MIN_TRAINER_BOND: Balance = 500;
pub const TRAINER_BOND: Balance = 5_000;
pub const UNBONDING_DELAY: u64 = 10;
pub const MIN_BOUNTY: Balance = 100;
pub const MIN_PERIOD: u64 = 2;
pub const INITIAL_BALANCE: Balance = 1_000_000;

parameter_types! {
	pub const DissentSlash: Perbill = Perbill::from_percent(10);
	pub const UnrevealedSlash: Perbill = Perbill::from_percent(5);
}

thread_local! {
	/// Each datanet's running heads: `heads[n]` is `head_n`.
	static DATASETS: RefCell<BTreeMap<u32, Vec<[u8; 32]>>> = const { RefCell::new(BTreeMap::new()) };
}

/// Appends `files` accepted entries to a datanet's log (creating the datanet).
pub fn accept_files(datanet: u32, files: u32) {
	DATASETS.with(|sets| {
		let mut sets = sets.borrow_mut();
		let heads = sets.entry(datanet).or_insert_with(|| vec![EMPTY_HEAD]);
		for _ in 0..files {
			let index = heads.len() as u32 - 1;
			let head = next_head(heads.last().unwrap(), index, index as u64, b"cid", &7u64, 50);
			heads.push(head);
		}
	});
}

/// The datanets' logs, as pallet-datanets keeps them.
pub struct TestDatasets;
impl DatasetSnapshots for TestDatasets {
	fn current_snapshot(datanet: u32) -> Option<Snapshot> {
		DATASETS.with(|sets| {
			let sets = sets.borrow();
			let heads = sets.get(&datanet)?;
			Some(Snapshot { datanet, count: heads.len() as u32 - 1, head: *heads.last()? })
		})
	}
	fn is_snapshot(snapshot: &Snapshot) -> bool {
		DATASETS.with(|sets| {
			sets.borrow()
				.get(&snapshot.datanet)
				.and_then(|heads| heads.get(snapshot.count as usize))
				.is_some_and(|head| *head == snapshot.head)
		})
	}
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type BaseModelOrigin = frame_system::EnsureRoot<AccountId>;
	type Datasets = TestDatasets;
	type MinTrainerBond = ConstU64<MIN_TRAINER_BOND>;
	type TrainerUnbondingDelay = ConstU64<UNBONDING_DELAY>;
	type MinBounty = ConstU64<MIN_BOUNTY>;
	type MinAttestations = ConstU32<2>;
	type MinPeriod = ConstU64<MIN_PERIOD>;
	type MaxCommitPeriod = ConstU64<100>;
	type MaxRevealPeriod = ConstU64<100>;
	type DissentSlash = DissentSlash;
	type UnrevealedSlash = UnrevealedSlash;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestDatasets;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper for TestDatasets {
	fn datanet_with_files(seed: u32) -> u32 {
		let datanet = 100 + seed;
		accept_files(datanet, 1);
		datanet
	}
}

pub const CREATOR: AccountId = 1;
pub const OTHER: AccountId = 2;
pub const T1: AccountId = 11;
pub const T2: AccountId = 12;
pub const T3: AccountId = 13;
pub const T4: AccountId = 14;
/// Funded, not a trainer.
pub const OUTSIDER: AccountId = 20;
/// No balance at all.
pub const PAUPER: AccountId = 99;

/// SmolLM2-sized, family smollm2.
pub const SMOL: u32 = 0;
/// Llama-7B-sized, family llama.
pub const BIG: u32 = 1;
pub const SMOL_PARAMETERS: u64 = 134_515_008;
pub const TEXT: u32 = 0;
pub const CODE: u32 = 1;
pub const EMPTY: u32 = 2;

/// A valid binary CIDv1 (raw, sha2-256) whose digest is `fill` repeated.
pub fn binary_cid(fill: u8) -> Vec<u8> {
	let mut cid = vec![0x01, 0x55, 0x12, 0x20];
	cid.extend_from_slice(&[fill; 32]);
	cid
}

pub fn capabilities(max_parameters: u64) -> Capabilities {
	Capabilities {
		families: BoundedVec::truncate_from(vec![ModelFamily::Smollm2, ModelFamily::Llama]),
		max_parameters,
		devices: BoundedVec::truncate_from(vec![Device::Cpu]),
		determinism: BoundedVec::truncate_from(vec![DeterminismClass::Portable]),
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	DATASETS.with(|sets| sets.borrow_mut().clear());
	accept_files(TEXT, 5);
	accept_files(CODE, 3);
	accept_files(EMPTY, 0);
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [CREATOR, OTHER, T1, T2, T3, T4, OUTSIDER]
			.into_iter()
			.map(|who| (who, INITIAL_BALANCE))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let smol = (
		b"SmolLM2-135M".to_vec(),
		ModelFamily::Smollm2,
		cid::to_text(&binary_cid(1)),
		[1; 32],
		[2; 32],
		b"Apache-2.0".to_vec(),
		SMOL_PARAMETERS,
	);
	let big = (
		b"Llama-7B".to_vec(),
		ModelFamily::Llama,
		cid::to_text(&binary_cid(2)),
		[3; 32],
		[4; 32],
		b"Llama 2 Community".to_vec(),
		6_738_415_616,
	);
	pallet_models::GenesisConfig::<Test> {
		base_models: vec![smol, big],
		trainers: [T1, T2, T3, T4]
			.into_iter()
			.map(|who| (who, TRAINER_BOND, capabilities(1_000_000_000)))
			.collect(),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs a test and then checks every invariant.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		ModelFactory::do_try_state().expect("invariants hold after the test");
	});
}
