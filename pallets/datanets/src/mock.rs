//! A test runtime with balances, timestamp and datanets; three genesis datanets (text,
//! image, audio) owned by `OWNER`, and three validators bonded on the text datanet.

use crate::{self as pallet_datanets, cid, VotingRules};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
	PalletId,
};
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Timestamp: pallet_timestamp,
		Datanets: pallet_datanets,
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
	type ExistentialDeposit = ConstU64<EXISTENTIAL_DEPOSIT>;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

pub const MIB: u64 = 1 << 20;
pub const EXISTENTIAL_DEPOSIT: Balance = 1;
pub const DEPOSIT: Balance = 100;
pub const MIN_BOND: Balance = 50;
pub const UNBONDING_DELAY: u64 = 5;
pub const EPOCH_LENGTH: u64 = 100;
pub const COMMIT_PERIOD: u64 = 3;
pub const REVEAL_PERIOD: u64 = 3;
pub const MAX_VALIDATORS: u32 = 12;
pub const DEPOSIT_BASE: Balance = 10;
pub const DEPOSIT_PER_BYTE: Balance = 0;
pub const RETENTION: u64 = 20;
pub const RESERVATION_LIFETIME: u64 = 30;
pub const DAY_MS: u64 = 86_400_000;
/// Noon on day 20_000 after the Unix epoch (2024-10-04).
pub const START_MS: u64 = 20_000 * DAY_MS + DAY_MS / 2;

parameter_types! {
	pub const DatanetsPalletId: PalletId = PalletId(*b"py/dnets");
	pub const ValidatorShare: Perbill = Perbill::from_percent(20);
	pub const RejectedShare: Perbill = Perbill::from_percent(50);
	pub const UnrevealedSlash: Perbill = Perbill::from_percent(10);
	pub const DisagreementSlash: Perbill = Perbill::from_percent(2);
}

impl pallet_datanets::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnixTime = Timestamp;
	type PalletId = DatanetsPalletId;
	type DatanetDeposit = ConstU64<DEPOSIT>;
	type MinValidatorBond = ConstU64<MIN_BOND>;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	type UnbondingDelay = ConstU64<UNBONDING_DELAY>;
	type MaxDailyBytesPerAccount = ConstU64<{ 10 * MIB }>;
	type MaxDailyFilesPerAccount = ConstU32<20>;
	type DefaultDatanetDailyBytes = ConstU64<{ 10 * MIB }>;
	type MaxFileBytes = ConstU64<{ 10 * MIB }>;
	type MaxCidLength = ConstU32<128>;
	type MaxNameLength = ConstU32<32>;
	type MaxDescriptionLength = ConstU32<128>;
	type MaxCommitPeriod = ConstU64<50>;
	type MaxRevealPeriod = ConstU64<50>;
	type SubmissionDepositBase = ConstU64<DEPOSIT_BASE>;
	type SubmissionDepositPerByte = ConstU64<DEPOSIT_PER_BYTE>;
	type RejectedDepositShare = RejectedShare;
	type UnrevealedSlash = UnrevealedSlash;
	type DisagreementSlash = DisagreementSlash;
	type RetentionPeriod = ConstU64<RETENTION>;
	type ReservationLifetime = ConstU64<RESERVATION_LIFETIME>;
	type MaxReservations = ConstU32<20>;
	type EpochLength = ConstU64<EPOCH_LENGTH>;
	type ValidatorRewardShare = ValidatorShare;
	type WeightInfo = ();
}

pub const OWNER: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const DAVE: AccountId = 4;
pub const EVE: AccountId = 5;
pub const FERDIE: AccountId = 6;
pub const ALICE: AccountId = 10;
pub const ZOE: AccountId = 11;
/// An account with no balance at all.
pub const PAUPER: AccountId = 99;
pub const INITIAL_BALANCE: Balance = 1_000_000;
pub const GENESIS_BOND: Balance = 100;

pub const TEXT: u32 = 0;
pub const IMAGE: u32 = 1;
pub const AUDIO: u32 = 2;

pub fn default_voting() -> VotingRules<u64> {
	VotingRules {
		approval_threshold: Perbill::from_percent(50),
		min_participation: Perbill::from_percent(50),
		commit_period: COMMIT_PERIOD,
		reveal_period: REVEAL_PERIOD,
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [OWNER, BOB, CHARLIE, DAVE, EVE, FERDIE, ALICE, ZOE]
			.iter()
			.map(|&who| (who, INITIAL_BALANCE))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_datanets::GenesisConfig::<Test> {
		datanets: vec![
			(OWNER, b"Text".to_vec(), crate::Modality::Text),
			(OWNER, b"Images".to_vec(), crate::Modality::Image),
			(OWNER, b"Audio".to_vec(), crate::Modality::Audio),
		],
		default_voting: Some(default_voting()),
		validators: [BOB, CHARLIE, DAVE].iter().map(|&v| (TEXT, v, GENESIS_BOND)).collect(),
		#[cfg(feature = "bench-genesis")]
		benchmark_contributors: None,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(START_MS);
	});
	ext
}

/// Runs `test` on a fresh chain, then checks every `try_state` invariant.
pub fn test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Datanets::do_try_state().expect("try_state invariants hold after the test");
	});
}

/// Moves to block `n`, keeping the wall clock where it is, and runs `on_idle` (with room
/// to spare) at the end of each block passed, as the executive would.
pub fn run_to_block(n: u64) {
	use frame_support::{traits::Hooks, weights::Weight};
	while System::block_number() < n {
		let now = System::block_number();
		Datanets::on_idle(now, Weight::MAX);
		System::set_block_number(now + 1);
	}
}

/// Moves to the first block after `n`'s end of block, running `on_idle` of block `n` too.
pub fn run_past_block(n: u64) {
	run_to_block(n);
	use frame_support::{traits::Hooks, weights::Weight};
	if System::block_number() == n {
		Datanets::on_idle(n, Weight::MAX);
		System::set_block_number(n + 1);
	}
}

pub fn set_time_ms(ms: u64) {
	pallet_timestamp::Now::<Test>::put(ms);
}

/// A distinct valid canonical CIDv1 (raw, sha2-256) text for each `n`, for files of at
/// most 256 KiB.
pub fn cid_text(n: u32) -> Vec<u8> {
	let mut binary = vec![0x01, 0x55, 0x12, 0x20];
	binary.extend_from_slice(&sp_io::hashing::sha2_256(&n.to_le_bytes()));
	cid::to_text(&binary)
}

pub fn canonical(text: &[u8]) -> crate::CanonicalCid {
	cid::parse(text).unwrap().try_into().unwrap()
}
