//! # Models pallet (ModelFactory registry)
//!
//! The model half of the chain: what is trained, on which data, by whom, and which result
//! the chain stands behind.
//!
//! - **Base models** are registered and retired by a privileged origin: family, weights
//!   CID and hash, tokenizer hash, licence, parameter count.
//! - **Trainers** register with a bond (held) and their capabilities (families, largest
//!   model, devices, determinism classes). A trainer cannot unbond while it has commitments
//!   on unsettled jobs; the bond is released `TrainerUnbondingDelay` blocks after `unbond`.
//! - **Jobs** name a base model or a verified parent model (refine), one or more datanets
//!   (the chain takes their snapshots at creation), LoRA/QLoRA settings, fixed-point
//!   hyper-parameters, a determinism class, a bounty held in escrow, k and the commit and
//!   reveal periods. A creator may cancel before the first commit; without a commit by the
//!   commit deadline the job expires; both refund the bounty.
//! - **Attestations** are sealed with the chain's one commit–reveal scheme
//!   (`openledger_primitives::seal`, as validators' votes in pallet-datanets): trainers
//!   commit `commitment(job, result, salt, trainer)` while the job takes commits, and reveal
//!   once `max_attesters` have committed or the commit deadline passed. Results agree when
//!   their (model hash, attribution root) are equal. A group of at least k agreeing reveals
//!   that is a strict majority of the commits verifies the model at once; otherwise, at
//!   the reveal deadline, the largest group wins if it has at least k members and more than
//!   any other. The verified model is stored with its lineage and the bounty is split
//!   exactly among its group. A revealed result that disagrees with the verified one loses
//!   `DissentSlash` of the stake its commitment carries (`MinTrainerBond`); after the
//!   deadline a commit never revealed loses `UnrevealedSlash` of it (unless the job had
//!   fewer than k commits, when no reveal could matter). Slashes are burnt: no one, the
//!   creator included, gains from them. No winner by the deadline: the job fails and the
//!   bounty is refunded.
//! - **Reads**: view functions, the runtime API behind the node's `models_*` RPC methods.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

mod attestations;
mod base_models;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod invariants;
mod jobs;
pub mod migrations;
mod queries;
mod trainers;
pub mod types;
pub mod views;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use attestations::commitment;
pub use pallet::*;
pub use types::*;
pub use views::QueryError;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// The runtime's balance type.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A base model as stored.
pub type BaseModelOf<T> = BaseModel<frame_system::pallet_prelude::BlockNumberFor<T>>;
/// A trainer as stored.
pub type TrainerOf<T> = Trainer<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;
/// A job as `create_job` takes it.
pub type JobSpecOf<T> = JobSpec<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;
/// A job as stored.
pub type JobOf<T> = Job<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;
/// A verified model as stored.
pub type ModelOf<T> =
	Model<<T as frame_system::Config>::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>;
/// A base model in the genesis config: name, family, weights CID text, weights hash,
/// tokenizer hash, licence, parameters.
pub type GenesisBaseModel = (
	alloc::vec::Vec<u8>,
	ModelFamily,
	alloc::vec::Vec<u8>,
	Hash32,
	Hash32,
	alloc::vec::Vec<u8>,
	u64,
);
/// A key of the model index.
pub type ModelFilterOf<T> = ModelFilter<<T as frame_system::Config>::AccountId>;

/// What the benchmarks need from the runtime beyond this pallet.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// A datanet (distinct per `seed`) with at least one accepted file.
	fn datanet_with_files(seed: u32) -> DatanetId;
}

/// Big-endian bytes of an id: as an `Identity`-hashed key, iteration runs in id order.
pub(crate) fn ordered(id: u64) -> [u8; 8] {
	id.to_be_bytes()
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use openledger_primitives::dataset::DatasetSnapshots;
	use sp_runtime::Perbill;

	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A trainer's bond.
		TrainerBond,
		/// A job's bounty, in escrow until it is paid or refunded.
		JobBounty,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// OPEN: held for bonds and bounties, transferred for payments and slashes.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, of which this pallet's are a part.
		type RuntimeHoldReason: From<HoldReason>;
		/// Registers and retires base models.
		type BaseModelOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The datanets' accepted logs, from which jobs take their snapshots.
		type Datasets: DatasetSnapshots;
		/// Smallest bond a trainer registers with, and the stake each open commitment
		/// carries: a trainer holds at most `bond / MinTrainerBond` commitments at once,
		/// and slashes are shares of this stake.
		#[pallet::constant]
		type MinTrainerBond: Get<BalanceOf<Self>>;
		/// Blocks between `unbond_trainer` and the bond's release.
		#[pallet::constant]
		type TrainerUnbondingDelay: Get<BlockNumberFor<Self>>;
		/// Smallest bounty a job escrows.
		#[pallet::constant]
		type MinBounty: Get<BalanceOf<Self>>;
		/// Smallest k a job may ask for.
		#[pallet::constant]
		type MinAttestations: Get<u32>;
		/// Shortest commit or reveal period.
		#[pallet::constant]
		type MinPeriod: Get<BlockNumberFor<Self>>;
		/// Longest commit period.
		#[pallet::constant]
		type MaxCommitPeriod: Get<BlockNumberFor<Self>>;
		/// Longest reveal period.
		#[pallet::constant]
		type MaxRevealPeriod: Get<BlockNumberFor<Self>>;
		/// Share of a commitment's stake a trainer loses for a revealed result that
		/// disagrees with the verified one.
		#[pallet::constant]
		type DissentSlash: Get<Perbill>;
		/// Share of a commitment's stake a trainer loses for a commit it never revealed
		/// (when the job had at least k commits).
		#[pallet::constant]
		type UnrevealedSlash: Get<Perbill>;
		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
		/// Makes datanets with accepted files for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// The id the next base model gets.
	#[pallet::storage]
	pub type NextBaseModelId<T> = StorageValue<_, BaseModelId, ValueQuery>;

	/// Base models, active or retired.
	#[pallet::storage]
	pub type BaseModels<T: Config> = StorageMap<_, Twox64Concat, BaseModelId, BaseModelOf<T>>;

	/// Registered trainers.
	#[pallet::storage]
	pub type Trainers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, TrainerOf<T>>;

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T> = StorageValue<_, JobId, ValueQuery>;

	/// Every job, kept after it ends: verified models refer to theirs.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// Sealed (then revealed) attestations of jobs whose attestations are not settled.
	#[pallet::storage]
	pub type Attestations<T: Config> =
		StorageDoubleMap<_, Twox64Concat, JobId, Blake2_128Concat, T::AccountId, Attestation>;

	/// The id the next verified model gets.
	#[pallet::storage]
	pub type NextModelId<T> = StorageValue<_, ModelId, ValueQuery>;

	/// Verified models.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Twox64Concat, ModelId, ModelOf<T>>;

	/// Jobs by status, in id order (big-endian key), for the paged `jobs` read.
	#[pallet::storage]
	pub type JobIndex<T> =
		StorageDoubleMap<_, Twox64Concat, JobStatusKind, Identity, [u8; 8], (), OptionQuery>;

	/// Length of each `JobIndex` list.
	#[pallet::storage]
	pub type JobIndexCount<T> = StorageMap<_, Twox64Concat, JobStatusKind, u32, ValueQuery>;

	/// Models by base, datanet and trainer, in id order (big-endian key), for the paged
	/// `models` read.
	#[pallet::storage]
	pub type ModelIndex<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, ModelFilterOf<T>, Identity, [u8; 8], ()>;

	/// Length of each `ModelIndex` list.
	#[pallet::storage]
	pub type ModelIndexCount<T: Config> =
		StorageMap<_, Blake2_128Concat, ModelFilterOf<T>, u32, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Base models to register.
		pub base_models: Vec<GenesisBaseModel>,
		/// Trainers: (account, bond, capabilities).
		pub trainers: Vec<(T::AccountId, BalanceOf<T>, Capabilities)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (name, family, cid, weights_hash, tokenizer_hash, licence, parameters) in
				&self.base_models
			{
				let spec = (
					Label::try_from(name.clone()).expect("genesis base model name fits"),
					*family,
					CidText::try_from(cid.clone()).expect("genesis CID fits"),
					*weights_hash,
					*tokenizer_hash,
					Label::try_from(licence.clone()).expect("genesis licence fits"),
					*parameters,
				);
				Pallet::<T>::do_register_base_model(spec).expect("valid genesis base model");
			}
			for (who, bond, capabilities) in &self.trainers {
				Pallet::<T>::do_register_trainer(who.clone(), *bond, capabilities.clone())
					.expect("valid genesis trainer");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A base model was registered.
		BaseModelRegistered {
			/// Its id.
			base: BaseModelId,
			/// Its family.
			family: ModelFamily,
		},
		/// A base model was retired: no new jobs may name it.
		BaseModelRetired {
			/// Its id.
			base: BaseModelId,
		},
		/// A trainer registered.
		TrainerRegistered {
			/// The trainer.
			trainer: T::AccountId,
			/// Its bond.
			bond: BalanceOf<T>,
		},
		/// A trainer started unbonding.
		TrainerUnbonding {
			/// The trainer.
			trainer: T::AccountId,
			/// First block `withdraw_trainer` releases the bond.
			until: BlockNumberFor<T>,
		},
		/// A trainer's bond was released and the trainer removed.
		TrainerWithdrawn {
			/// The trainer.
			trainer: T::AccountId,
			/// The bond released.
			amount: BalanceOf<T>,
		},
		/// A job was created and its bounty escrowed.
		JobCreated {
			/// Its id.
			job: JobId,
			/// Its creator.
			creator: T::AccountId,
			/// The escrowed bounty.
			bounty: BalanceOf<T>,
		},
		/// A job was cancelled and its bounty refunded.
		JobCancelled {
			/// The job.
			job: JobId,
		},
		/// A trainer committed a sealed result.
		ResultCommitted {
			/// The job.
			job: JobId,
			/// The trainer.
			trainer: T::AccountId,
		},
		/// A trainer revealed its result.
		ResultRevealed {
			/// The job.
			job: JobId,
			/// The trainer.
			trainer: T::AccountId,
			/// The adapter's canonical tensor hash.
			model_hash: Hash32,
			/// The attribution root.
			attribution_root: Hash32,
		},
		/// k reveals agreed: the model is verified.
		ModelVerified {
			/// The new model.
			model: ModelId,
			/// Its job.
			job: JobId,
			/// The agreed model hash.
			model_hash: Hash32,
		},
		/// A share of a job's bounty was paid to an agreeing trainer.
		BountyPaid {
			/// The job.
			job: JobId,
			/// The trainer.
			trainer: T::AccountId,
			/// Its share.
			amount: BalanceOf<T>,
		},
		/// Part of a trainer's bond was burnt.
		TrainerSlashed {
			/// The job.
			job: JobId,
			/// The trainer.
			trainer: T::AccountId,
			/// What it lost.
			amount: BalanceOf<T>,
			/// Why.
			reason: SlashReason,
		},
		/// The reveal deadline passed without agreement; the bounty was refunded.
		JobFailed {
			/// The job.
			job: JobId,
		},
		/// The commit deadline passed without a commit; the bounty was refunded.
		JobExpired {
			/// The job.
			job: JobId,
		},
		/// A job's attestations were settled and its trainers' commitments released.
		JobSettled {
			/// The job.
			job: JobId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No base model has this id.
		BaseModelNotFound,
		/// The base model is retired: no new jobs may name it.
		BaseModelRetired,
		/// A name or licence is empty or not UTF-8.
		InvalidLabel,
		/// A CID is not a CID the chain reads.
		InvalidCid,
		/// A base model needs a parameter count.
		ZeroParameters,
		/// The account is a trainer already.
		AlreadyTrainer,
		/// The account is not a registered trainer.
		NotTrainer,
		/// The bond is below `MinTrainerBond`.
		BondTooLow,
		/// The bond does not cover another open commitment: each needs `MinTrainerBond`.
		BondFullyCommitted,
		/// Capabilities must name at least one family.
		NoFamilies,
		/// Capabilities must name at least one device.
		NoDevices,
		/// Capabilities must name at least one determinism class.
		NoDeterminismClasses,
		/// A capability list names an entry twice.
		DuplicateCapability,
		/// Capabilities must allow some parameters.
		ZeroMaxParameters,
		/// The account cannot pay the bond or bounty.
		InsufficientBalance,
		/// The trainer is unbonding: it takes no new jobs.
		TrainerUnbonding,
		/// The trainer has commitments on unsettled jobs.
		HasOpenCommitments,
		/// `withdraw_trainer` before `unbond_trainer`.
		NotUnbonding,
		/// The unbonding delay has not passed.
		StillUnbonding,
		/// No verified model has this id.
		ModelNotFound,
		/// A job must name at least one datanet.
		NoDatanets,
		/// A job names a datanet twice.
		DuplicateDatanet,
		/// A job names a datanet (to train on, or as its eval set) that does not exist.
		DatanetNotFound,
		/// A datanet named by a job (to train on, or as its eval set) has no accepted files
		/// yet.
		EmptyDataset,
		/// LoRA rank must be 1 to 1024.
		InvalidLoraRank,
		/// LoRA alpha must be at least 1.
		InvalidLoraAlpha,
		/// A target module name is empty or not `[a-z0-9_]`.
		InvalidTargetModule,
		/// A target module is named twice.
		DuplicateTargetModule,
		/// QLoRA quantises to 4 or 8 bits.
		InvalidQuantBits,
		/// The learning rate must be above 0 and at most 1.
		InvalidLearningRate,
		/// The batch size must be 1 to 4096.
		InvalidBatchSize,
		/// Gradient accumulation must be 1 to 4096.
		InvalidGradientAccumulation,
		/// Steps must be 1 to 10^7, epochs 1 to 1000.
		InvalidTrainingLength,
		/// The sequence length must be 2 to 131072 tokens.
		InvalidSequenceLength,
		/// Warm-up steps must not exceed the job's steps.
		WarmupTooLong,
		/// Without an eval datanet, the eval fraction must be above 0 and at most 50%.
		InvalidEvalFraction,
		/// The bounty is below `MinBounty`.
		BountyTooLow,
		/// k is below `MinAttestations`.
		TooFewAttestations,
		/// `max_attesters` must exceed k (so one junk commit cannot block an agreement) and be
		/// at most `MAX_ATTESTERS`.
		InvalidMaxAttesters,
		/// The commit period is outside `MinPeriod..=MaxCommitPeriod`.
		InvalidCommitPeriod,
		/// The reveal period is outside `MinPeriod..=MaxRevealPeriod`.
		InvalidRevealPeriod,
		/// No job has this id.
		JobNotFound,
		/// Only the job's creator may do this.
		NotJobCreator,
		/// The job has ended.
		JobNotOpen,
		/// A trainer has committed: the job can no longer be cancelled.
		JobHasCommits,
		/// The job takes no more commits: its commit deadline passed or enough committed.
		CommitsClosed,
		/// The trainer has committed to this job already.
		AlreadyCommitted,
		/// The trainer's capabilities lack the base model's family.
		FamilyNotSupported,
		/// The base model is larger than the trainer's capabilities allow.
		ModelTooLarge,
		/// The trainer's capabilities lack the job's determinism class.
		DeterminismNotSupported,
		/// Reveals open once `max_attesters` committed or the commit deadline passed.
		RevealNotOpen,
		/// The reveal deadline passed.
		RevealPeriodOver,
		/// The trainer has no commitment on this job: a result is revealed only by whoever
		/// sealed it.
		NotCommitted,
		/// The trainer revealed already.
		AlreadyRevealed,
		/// The revealed result and salt do not hash to the trainer's commitment.
		CommitmentMismatch,
		/// The job is not due for settlement: its reveal deadline (or, without commits, its
		/// commit deadline) has not passed.
		JobNotDue,
		/// The job was settled already.
		AlreadySettled,
		/// A counter would overflow.
		Overflow,
		/// A job with an eval datanet must have an eval fraction of zero: its eval set is
		/// that datanet, and all of its training data is trained on.
		EvalFractionWithEvalDatanet,
		/// A job's eval datanet is also one it trains on: the eval set must be held out.
		EvalDatanetTrainedOn,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MinAttestations::get() >= 1, "k must be at least 1");
			assert!(T::MinAttestations::get() <= MAX_ATTESTERS, "k above MAX_ATTESTERS");
			assert!(!T::MinPeriod::get().is_zero(), "MinPeriod must be at least one block");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a base model (privileged). `weights_cid` is a CID text in any form the
		/// chain reads; it is stored as binary CIDv1.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_base_model())]
		#[allow(clippy::too_many_arguments)]
		pub fn register_base_model(
			origin: OriginFor<T>,
			name: Label,
			family: ModelFamily,
			weights_cid: CidText,
			weights_hash: Hash32,
			tokenizer_hash: Hash32,
			licence: Label,
			parameters: u64,
		) -> DispatchResult {
			T::BaseModelOrigin::ensure_origin(origin)?;
			Self::do_register_base_model((
				name,
				family,
				weights_cid,
				weights_hash,
				tokenizer_hash,
				licence,
				parameters,
			))
			.map(|_| ())
			.map_err(Into::into)
		}

		/// Retires a base model (privileged): jobs already created and models keep it.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::retire_base_model())]
		pub fn retire_base_model(origin: OriginFor<T>, base: BaseModelId) -> DispatchResult {
			T::BaseModelOrigin::ensure_origin(origin)?;
			Self::do_retire_base_model(base)
		}

		/// Registers the caller as a trainer, holding `bond`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::register_trainer())]
		pub fn register_trainer(
			origin: OriginFor<T>,
			bond: BalanceOf<T>,
			capabilities: Capabilities,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_trainer(who, bond, capabilities)
		}

		/// Starts the caller's unbonding; refused while it has commitments on unsettled
		/// jobs.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unbond_trainer())]
		pub fn unbond_trainer(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond_trainer(who)
		}

		/// Releases the caller's bond once unbonded and removes the trainer.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw_trainer())]
		pub fn withdraw_trainer(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_trainer(who)
		}

		/// Creates a job, takes the snapshots of its datanets and holds its bounty.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::create_job(spec.datanets.len() as u32))]
		pub fn create_job(origin: OriginFor<T>, spec: JobSpecOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create_job(who, spec).map(|_| ())
		}

		/// Cancels the caller's job before any commit and refunds the bounty.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::cancel_job())]
		pub fn cancel_job(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_job(who, job)
		}

		/// Commits the caller's sealed result: `commitment(job, result, salt, trainer)`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::commit_result())]
		pub fn commit_result(
			origin: OriginFor<T>,
			job: JobId,
			commitment: Hash32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit_result(who, job, commitment)
		}

		/// Reveals the caller's committed result. A reveal that makes its group at least k
		/// and a strict majority of the commits verifies the model and pays the bounty.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::reveal_result(MAX_ATTESTERS))]
		pub fn reveal_result(
			origin: OriginFor<T>,
			job: JobId,
			result: AttestedResult,
			salt: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let walked = Self::do_reveal_result(who, job, result, salt)?;
			Ok(Some(T::WeightInfo::reveal_result(walked)).into())
		}

		/// Settles a job whose reveal deadline passed (anyone may call): verifies the
		/// largest agreeing group if no majority did earlier, penalises unrevealed commits,
		/// refunds the bounty of a job without a winner, releases the trainers'
		/// commitments. A job without commits may be settled (expired) once its
		/// commit deadline passed.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::finalize_job(MAX_ATTESTERS))]
		pub fn finalize_job(origin: OriginFor<T>, job: JobId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let attestations = Self::do_finalize_job(job)?;
			Ok(Some(T::WeightInfo::finalize_job(attestations)).into())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// A base model.
		pub fn base_model(base: BaseModelId) -> Result<views::BaseModelInfoOf<T>, QueryError> {
			Self::query_base_model(base)
		}

		/// Base models by id.
		pub fn base_models(
			offset: u32,
			limit: u32,
		) -> Result<views::Page<views::BaseModelInfoOf<T>>, QueryError> {
			Self::query_base_models(offset, limit)
		}

		/// A trainer.
		pub fn trainer(account: T::AccountId) -> Result<views::TrainerInfoOf<T>, QueryError> {
			Self::query_trainer(account)
		}

		/// A job, its phase and its unsettled attestations (results only once revealed).
		pub fn job(job: JobId) -> Result<views::JobInfoOf<T>, QueryError> {
			Self::query_job(job)
		}

		/// Jobs by id, all or of one status.
		pub fn jobs(
			status: Option<JobStatusKind>,
			offset: u32,
			limit: u32,
		) -> Result<views::Page<views::JobInfoOf<T>>, QueryError> {
			Self::query_jobs(status, offset, limit)
		}

		/// A verified model.
		pub fn model(model: ModelId) -> Result<views::ModelInfoOf<T>, QueryError> {
			Self::query_model(model)
		}

		/// Verified models by id: all, or of one base, datanet or trainer.
		pub fn models(
			filter: Option<ModelFilterOf<T>>,
			offset: u32,
			limit: u32,
		) -> Result<views::Page<views::ModelInfoOf<T>>, QueryError> {
			Self::query_models(filter, offset, limit)
		}
	}
}
