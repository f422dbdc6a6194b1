//! The configuration of each pallet.

use crate::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Datanets, Hash, Nonce, PalletInfo,
	Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin,
	RuntimeTask, System, Timestamp, DAYS, EXISTENTIAL_DEPOSIT, HOURS, MICRO_OPEN, MILLI_OPEN, OPEN,
	SLOT_DURATION, SS58_PREFIX, VERSION,
};
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		ConstantMultiplier, Weight,
	},
	PalletId,
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, Perbill};
use sp_version::RuntimeVersion;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
const MIB: u64 = 1 << 20;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// Two seconds of compute in a six-second block.
	pub RuntimeBlockWeights: frame_system::limits::BlockWeights =
		frame_system::limits::BlockWeights::with_sensible_defaults(
			Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
			NORMAL_DISPATCH_RATIO,
		);
	/// 5 MiB blocks, 75% of them for normal transactions.
	pub RuntimeBlockLength: frame_system::limits::BlockLength =
		frame_system::limits::BlockLength::builder()
			.max_length(5 * 1024 * 1024)
			.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
			.build();
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	/// 10^6 units (10^-12 OPEN) per picosecond of weight: about 0.00002 OPEN for a
	/// 20 µs call.
	type WeightToFee = ConstantMultiplier<Balance, ConstU128<1_000_000>>;
	/// 10^-6 OPEN per byte.
	type LengthToFee = ConstantMultiplier<Balance, ConstU128<MICRO_OPEN>>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = ();
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = crate::OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const DatanetsPalletId: PalletId = PalletId(*b"ol/dnets");
	pub const ValidatorRewardShare: Perbill = Perbill::from_percent(10);
	/// Half of a rejected file's deposit pays the validators' pool.
	pub const RejectedDepositShare: Perbill = Perbill::from_percent(50);
	/// A commitment never revealed costs 1% of the stake it carried.
	pub const UnrevealedSlash: Perbill = Perbill::from_percent(1);
	/// A revealed vote against the outcome costs 0.5% of its stake.
	pub const DisagreementSlash: Perbill = Perbill::from_parts(5_000_000);
}

impl pallet_datanets::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnixTime = Timestamp;
	type PalletId = DatanetsPalletId;
	type DatanetDeposit = ConstU128<{ 10 * OPEN }>;
	type MinValidatorBond = ConstU128<{ 100 * OPEN }>;
	type MaxValidators = ConstU32<64>;
	type UnbondingDelay = ConstU32<DAYS>;
	type MaxDailyBytesPerAccount = ConstU64<{ 10 * MIB }>;
	type MaxDailyFilesPerAccount = ConstU32<20>;
	type DefaultDatanetDailyBytes = ConstU64<{ 10 * MIB }>;
	type MaxFileBytes = ConstU64<{ 10 * MIB }>;
	type MaxCidLength = ConstU32<128>;
	type MaxNameLength = ConstU32<64>;
	type MaxDescriptionLength = ConstU32<1024>;
	type MaxCommitPeriod = ConstU32<DAYS>;
	type MaxRevealPeriod = ConstU32<DAYS>;
	/// 1 OPEN per file plus 1 OPEN per MiB declared, returned unless rejected.
	type SubmissionDepositBase = ConstU128<OPEN>;
	type SubmissionDepositPerByte = ConstU128<{ OPEN / (1 << 20) }>;
	type RejectedDepositShare = RejectedDepositShare;
	type UnrevealedSlash = UnrevealedSlash;
	type DisagreementSlash = DisagreementSlash;
	type RetentionPeriod = ConstU32<{ 7 * DAYS }>;
	type ReservationLifetime = ConstU32<HOURS>;
	type MaxReservations = ConstU32<20>;
	type EpochLength = ConstU32<DAYS>;
	type ValidatorRewardShare = ValidatorRewardShare;
	type WeightInfo = pallet_datanets::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A revealed result that disagrees with the verified model costs 10% of the bond.
	pub const TrainerDissentSlash: Perbill = Perbill::from_percent(10);
	/// A commit never revealed costs 2% of the bond.
	pub const TrainerUnrevealedSlash: Perbill = Perbill::from_percent(2);
}

/// pallet-models' benchmarks make their datanets through pallet-datanets.
#[cfg(feature = "runtime-benchmarks")]
pub struct ModelsBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_models::BenchmarkHelper for ModelsBenchmarkHelper {
	fn datanet_with_files(seed: u32) -> pallet_models::DatanetId {
		Datanets::benchmark_datanet_with_files(seed)
	}
}

impl pallet_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type BaseModelOrigin = frame_system::EnsureRoot<AccountId>;
	type Datasets = Datanets;
	type MinTrainerBond = ConstU128<{ 100 * OPEN }>;
	type TrainerUnbondingDelay = ConstU32<DAYS>;
	type MinBounty = ConstU128<OPEN>;
	type MinAttestations = ConstU32<2>;
	type MinPeriod = ConstU32<2>;
	type MaxCommitPeriod = ConstU32<{ 7 * DAYS }>;
	type MaxRevealPeriod = ConstU32<DAYS>;
	type DissentSlash = TrainerDissentSlash;
	type UnrevealedSlash = TrainerUnrevealedSlash;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ModelsBenchmarkHelper;
}

parameter_types! {
	/// Of each payment for a model's use: 70% to its data's contributors, 20% to the trainers
	/// who verified it, the rest (10%, with rounding) to its job's creator.
	pub const AttributionContributorsShare: Perbill = Perbill::from_percent(70);
	pub const AttributionTrainersShare: Perbill = Perbill::from_percent(20);
	pub const AttributionPalletId: PalletId = PalletId(*b"ol/attrb");
}

/// A verified model of pallet-models, as pallet-attribution reads it: the root its trainers
/// agreed on, those trainers, and its job's creator.
pub struct VerifiedModelsOfRegistry;
impl pallet_attribution::VerifiedModels<AccountId> for VerifiedModelsOfRegistry {
	fn verified(
		model: pallet_attribution::ModelId,
	) -> Option<pallet_attribution::VerifiedModel<AccountId>> {
		let model = pallet_models::Models::<Runtime>::get(model)?;
		let job = pallet_models::Jobs::<Runtime>::get(model.job)?;
		Some(pallet_attribution::VerifiedModel {
			attribution_root: model.result.attribution_root,
			attesters: model.attesters.into_inner(),
			creator: job.creator,
		})
	}
}

/// pallet-attribution's benchmarks make their verified models through pallet-models.
#[cfg(feature = "runtime-benchmarks")]
pub struct AttributionBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_attribution::BenchmarkHelper<AccountId> for AttributionBenchmarkHelper {
	fn verified_model(
		root: openledger_primitives::Hash32,
		attesters: alloc::vec::Vec<AccountId>,
		creator: AccountId,
	) -> pallet_attribution::ModelId {
		crate::Models::benchmark_verified_model(root, attesters, creator)
	}
}

// pallet-attribution charges a payment for the most trainers a model can have.
const _: () = assert!(pallet_attribution::MAX_ATTESTERS == pallet_models::MAX_ATTESTERS);

impl pallet_attribution::Config for Runtime {
	type Currency = Balances;
	type Models = VerifiedModelsOfRegistry;
	type ContributorsShare = AttributionContributorsShare;
	type TrainersShare = AttributionTrainersShare;
	/// 0.1 OPEN: each of the most trainers a model has (16) gets 1.25 milli-OPEN and the
	/// creator 10, at least the existential deposit, so a share is never too small to land.
	type MinPayment = ConstU128<{ 100 * MILLI_OPEN }>;
	type PalletId = AttributionPalletId;
	type WeightInfo = pallet_attribution::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = AttributionBenchmarkHelper;
}
