//! A test runtime with balances and attribution. Verified models are stood in for by
//! `TestModels` (a unit-test mock of the one piece this pallet reads from pallet-models).

use crate::{self as pallet_attribution, ModelId, VerifiedModel, VerifiedModels};
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU64, Hooks},
	PalletId,
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
		Attribution: pallet_attribution,
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
	type ExistentialDeposit = ConstU64<EXISTENTIAL_DEPOSIT>;
}

pub const INITIAL_BALANCE: Balance = 1_000_000_000_000;
/// Above one planck, so that shares below it to reaped accounts cannot be paid.
pub const EXISTENTIAL_DEPOSIT: Balance = 10;
pub const MIN_PAYMENT: Balance = 100;
/// Trainers of the test models.
pub const TRAINERS: [AccountId; 2] = [20, 21];
/// The creator of the test models' jobs.
pub const CREATOR: AccountId = 30;
/// A payer.
pub const PAYER: AccountId = 40;

parameter_types! {
	/// Settable per test (thread-local), so that a test can misconfigure them.
	pub static ContributorsShare: Perbill = Perbill::from_percent(70);
	pub static TrainersShare: Perbill = Perbill::from_percent(20);
	pub const AttributionPalletId: PalletId = PalletId(*b"ol/attrb");
}

thread_local! {
	static MODELS: RefCell<BTreeMap<ModelId, VerifiedModel<AccountId>>> =
		const { RefCell::new(BTreeMap::new()) };
}

pub struct TestModels;

impl TestModels {
	/// Registers a verified model; returns its id.
	pub fn add(model: VerifiedModel<AccountId>) -> ModelId {
		MODELS.with(|models| {
			let mut models = models.borrow_mut();
			let id = models.len() as ModelId;
			models.insert(id, model);
			id
		})
	}

	/// Replaces a verified model's attribution root (pallet-models never does: a test of
	/// what a registry that did could cost).
	pub fn set_root(model: ModelId, root: openledger_primitives::Hash32) {
		MODELS.with(|models| {
			models.borrow_mut().get_mut(&model).expect("a model").attribution_root = root
		})
	}
}

impl VerifiedModels<AccountId> for TestModels {
	fn verified(model: ModelId) -> Option<VerifiedModel<AccountId>> {
		MODELS.with(|models| models.borrow().get(&model).cloned())
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for TestModels {
	fn verified_model(
		root: openledger_primitives::Hash32,
		attesters: Vec<AccountId>,
		creator: AccountId,
	) -> ModelId {
		TestModels::add(VerifiedModel { attribution_root: root, attesters, creator })
	}
}

impl pallet_attribution::Config for Test {
	type Currency = Balances;
	type Models = TestModels;
	type ContributorsShare = ContributorsShare;
	type TrainersShare = TrainersShare;
	type MinPayment = ConstU64<MIN_PAYMENT>;
	type PalletId = AttributionPalletId;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestModels;
}

/// Funded accounts 1..=9 (contributors), the trainers, the creator and the payer.
pub fn new_test_ext() -> sp_io::TestExternalities {
	MODELS.with(|models| models.borrow_mut().clear());
	ContributorsShare::set(Perbill::from_percent(70));
	TrainersShare::set(Perbill::from_percent(20));
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let funded: Vec<(AccountId, Balance)> = (1..=9)
		.chain(TRAINERS)
		.chain([CREATOR, PAYER])
		.map(|account| (account, INITIAL_BALANCE))
		.collect();
	pallet_balances::GenesisConfig::<Test> { balances: funded, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test`, then checks every invariant.
pub fn test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Attribution::integrity_test();
		crate::Pallet::<Test>::do_try_state().expect("invariants hold");
	});
}
