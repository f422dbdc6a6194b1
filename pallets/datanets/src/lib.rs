//! # Datanets pallet
//!
//! Contributors submit files (by IPFS CID) to datanets; bonded validators vote on each
//! submission; accepted files earn the contributor rank and a share of the datanet's OPEN
//! reward pool, epoch by epoch.
//!
//! - **Datanets** have one modality (text, image or audio), caps the owner may only lower,
//!   voting rules, a deposit held from the owner, and a reward pool the owner funds.
//! - **Submissions** are refused, with a dedicated error and no state change, when the
//!   format, CID, size, a daily cap (per account per UTC day, chain-wide and per datanet) or
//!   the datanet's state forbids them.
//! - **Decision**: once `quorum` votes are in, a submission is accepted when approving stake
//!   reaches the datanet's threshold of the voting stake (a tie at the threshold accepts);
//!   its acceptance weight is the stake-weighted median quality of the approvals, so one
//!   outlier cannot move it. Without a quorum by the end of the voting period it expires.
//! - **Rank**: a contributor's score is the sum of their acceptance weights. Rejections
//!   never lower it.
//! - **Rewards**: each ended epoch releases at most `reward_per_epoch` from the pool, split
//!   between contributors (by epoch score) and validators (by votes that agreed with the
//!   outcome). Claims are pulled, one O(1) call per (datanet, epoch).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod caps;
pub mod cid;
mod decision;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod invariants;
mod leaderboard;
pub mod migrations;
mod pending;
mod queries;
mod rank;
mod rewards;
pub mod types;
pub mod views;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
#[cfg(all(test, feature = "runtime-benchmarks"))]
mod weight_generator;

pub use caps::Allowance;
pub use leaderboard::MAX_TREE_HEIGHT;
pub use pallet::*;
pub use queries::*;
pub use types::*;
pub use views::{QueryError, MAX_PAGE_SIZE};
pub use weights::WeightInfo;

use frame_support::traits::fungible;

pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
pub type DatanetOf<T> = Datanet<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::MaxNameLength,
	<T as Config>::MaxDescriptionLength,
>;
pub type SubmissionOf<T> = Submission<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::MaxVotesPerSubmission,
>;
pub type StatsOf<T> = ContributorStats<frame_system::pallet_prelude::BlockNumberFor<T>>;
pub type StandingOf<T> = Standing<frame_system::pallet_prelude::BlockNumberFor<T>>;
pub type RankNodeOf<T> = RankNode<
	<T as frame_system::Config>::AccountId,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;
pub type ValidatorBondOf<T> =
	ValidatorBond<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::{Precision, Preservation},
			UnixTime,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{CheckedAdd, Saturating, Zero},
		Perbill,
	};

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of an open datanet, held from its owner.
		DatanetDeposit,
		/// A validator's bond on a datanet.
		ValidatorBond,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// OPEN: held for deposits and bonds, transferred for rewards.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		type RuntimeHoldReason: From<HoldReason>;
		/// Wall-clock time (pallet-timestamp) for the UTC day of the daily caps.
		type UnixTime: UnixTime;
		/// Owner of the account that keeps the funded reward pools.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Held from a datanet's creator until the datanet is closed.
		#[pallet::constant]
		type DatanetDeposit: Get<BalanceOf<Self>>;
		/// Smallest bond a validator may hold on one datanet.
		#[pallet::constant]
		type MinValidatorBond: Get<BalanceOf<Self>>;
		/// Blocks between `unbond` and the bond's release.
		#[pallet::constant]
		type UnbondingDelay: Get<BlockNumberFor<Self>>;
		/// Bytes one account may submit per UTC day, across all datanets.
		#[pallet::constant]
		type MaxDailyBytesPerAccount: Get<u64>;
		/// Files one account may submit per UTC day, across all datanets.
		#[pallet::constant]
		type MaxDailyFilesPerAccount: Get<u32>;
		/// A datanet's daily per-account byte cap unless its owner sets a lower one.
		#[pallet::constant]
		type DefaultDatanetDailyBytes: Get<u64>;
		/// Largest single file any datanet accepts.
		#[pallet::constant]
		type MaxFileBytes: Get<u64>;
		/// Longest CID text accepted by `submit`.
		#[pallet::constant]
		type MaxCidLength: Get<u32>;
		#[pallet::constant]
		type MaxNameLength: Get<u32>;
		#[pallet::constant]
		type MaxDescriptionLength: Get<u32>;
		/// Most votes one submission collects; a datanet's quorum is at most this.
		#[pallet::constant]
		type MaxVotesPerSubmission: Get<u32>;
		/// Longest voting period a datanet may set.
		#[pallet::constant]
		type MaxVotingPeriod: Get<BlockNumberFor<Self>>;
		/// Blocks per reward epoch.
		#[pallet::constant]
		type EpochLength: Get<BlockNumberFor<Self>>;
		/// Slice of each epoch's release that goes to validators.
		#[pallet::constant]
		type ValidatorRewardShare: Get<Perbill>;
		type WeightInfo: WeightInfo;
	}

	#[pallet::storage]
	pub type NextDatanetId<T> = StorageValue<_, DatanetId, ValueQuery>;

	#[pallet::storage]
	pub type Datanets<T: Config> = StorageMap<_, Twox64Concat, DatanetId, DatanetOf<T>>;

	#[pallet::storage]
	pub type NextSubmissionId<T> = StorageValue<_, SubmissionId, ValueQuery>;

	#[pallet::storage]
	pub type Submissions<T: Config> = StorageMap<_, Twox64Concat, SubmissionId, SubmissionOf<T>>;

	/// Every CID ever submitted to a datanet, whatever became of it.
	#[pallet::storage]
	pub type SubmissionByCid<T> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Blake2_128Concat, CanonicalCid, SubmissionId>;

	/// Append-only list of each datanet's accepted submissions, indexed from 0 up to the
	/// datanet's `accepted_count`; training snapshots refer to ranges of it.
	#[pallet::storage]
	pub type AcceptedSubmissions<T> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Twox64Concat, u32, SubmissionId>;

	#[pallet::storage]
	pub type ContributorStatsOf<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatanetId,
		Blake2_128Concat,
		T::AccountId,
		StatsOf<T>,
		ValueQuery,
	>;

	/// Chain-wide sums of `ContributorStatsOf`.
	#[pallet::storage]
	pub type GlobalStats<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, StatsOf<T>, ValueQuery>;

	/// Today's usage of the chain-wide daily caps.
	#[pallet::storage]
	pub type AccountUsage<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, DailyUsage, ValueQuery>;

	/// Today's usage of a datanet's daily cap.
	#[pallet::storage]
	pub type DatanetUsage<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatanetId,
		Blake2_128Concat,
		T::AccountId,
		DailyUsage,
		ValueQuery,
	>;

	#[pallet::storage]
	pub type Validators<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatanetId,
		Blake2_128Concat,
		T::AccountId,
		ValidatorBondOf<T>,
	>;

	#[pallet::storage]
	pub type Epochs<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatanetId,
		Twox64Concat,
		EpochIndex,
		EpochRewards<BalanceOf<T>>,
		ValueQuery,
	>;

	/// Unclaimed earnings; an entry is removed when claimed.
	#[pallet::storage]
	pub type Earnings<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, DatanetId>,
			NMapKey<Twox64Concat, EpochIndex>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		EpochEarnings,
		ValueQuery,
	>;

	/// Each leaderboard's order-statistic tree (see `leaderboard.rs`): a node per account
	/// with at least one acceptance on the board.
	#[pallet::storage]
	pub type RankNodes<T: Config> =
		StorageDoubleMap<_, Twox64Concat, Board, Blake2_128Concat, T::AccountId, RankNodeOf<T>>;

	#[pallet::storage]
	pub type RankRoots<T: Config> = StorageMap<_, Twox64Concat, Board, T::AccountId>;

	/// Each datanet's pending submissions, keyed by the big-endian id so that iteration
	/// runs oldest first.
	#[pallet::storage]
	pub type PendingSubmissions<T> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Identity, [u8; 8], ()>;

	#[pallet::storage]
	pub type PendingCount<T> = StorageMap<_, Twox64Concat, DatanetId, u32, ValueQuery>;

	/// Which (datanet, epoch) entries of `Earnings` each account has, for listing its
	/// rewards without scanning every datanet and epoch.
	#[pallet::storage]
	pub type UnclaimedEarnings<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		(DatanetId, EpochIndex),
		(),
	>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Datanets to open at genesis: (owner, name, modality), default caps and
		/// `default_voting`; their ids are 0, 1, … in this order.
		pub datanets: Vec<(T::AccountId, Vec<u8>, Modality)>,
		/// Voting rules of the genesis datanets.
		pub default_voting: Option<VotingRules<BlockNumberFor<T>>>,
		/// Bonds at genesis: (datanet, validator, amount).
		pub validators: Vec<(DatanetId, T::AccountId, BalanceOf<T>)>,
		/// Benchmarks only: `(datanet, count)` synthetic ranked contributors on that
		/// datanet and the global board, with stats but no submissions behind them (so
		/// `try_state` fails on such a chain). Never set on a real network.
		pub benchmark_contributors: Option<(DatanetId, u32)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let voting = self.default_voting.unwrap_or(VotingRules {
				quorum: 3.min(T::MaxVotesPerSubmission::get()),
				approval_threshold: Perbill::from_percent(50),
				voting_period: T::MaxVotingPeriod::get(),
			});
			for (owner, name, modality) in &self.datanets {
				Pallet::<T>::do_create_datanet(
					owner.clone(),
					name.clone(),
					Vec::new(),
					*modality,
					CapOverrides::default(),
					voting,
					Zero::zero(),
				)
				.expect("genesis datanets must be valid and their owners funded");
			}
			for (datanet, validator, amount) in &self.validators {
				Pallet::<T>::do_bond(*datanet, validator, *amount)
					.expect("genesis bonds must name a datanet and be funded");
			}
			if let Some((datanet, count)) = self.benchmark_contributors {
				Pallet::<T>::seed_benchmark_contributors(datanet, count);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		DatanetCreated {
			datanet: DatanetId,
			owner: T::AccountId,
			modality: Modality,
			caps: DatanetCaps,
			deposit: BalanceOf<T>,
		},
		DescriptionUpdated {
			datanet: DatanetId,
		},
		CapsLowered {
			datanet: DatanetId,
			caps: DatanetCaps,
		},
		DatanetClosed {
			datanet: DatanetId,
			deposit_released: BalanceOf<T>,
		},
		RewardsFunded {
			datanet: DatanetId,
			amount: BalanceOf<T>,
			pool: BalanceOf<T>,
			reward_per_epoch: BalanceOf<T>,
		},
		Submitted {
			submission: SubmissionId,
			datanet: DatanetId,
			contributor: T::AccountId,
			cid: CanonicalCid,
			bytes: u64,
			format: FileFormat,
			voting_ends: BlockNumberFor<T>,
		},
		ValidatorBonded {
			datanet: DatanetId,
			validator: T::AccountId,
			amount: BalanceOf<T>,
			total: BalanceOf<T>,
		},
		UnbondingStarted {
			datanet: DatanetId,
			validator: T::AccountId,
			unlocks_at: BlockNumberFor<T>,
		},
		Unbonded {
			datanet: DatanetId,
			validator: T::AccountId,
			amount: BalanceOf<T>,
		},
		Voted {
			submission: SubmissionId,
			validator: T::AccountId,
			approve: bool,
			quality: Quality,
			stake: BalanceOf<T>,
		},
		SubmissionAccepted {
			submission: SubmissionId,
			datanet: DatanetId,
			contributor: T::AccountId,
			weight: Quality,
			/// The contributor's score on this datanet after the acceptance.
			score: u64,
		},
		SubmissionRejected {
			submission: SubmissionId,
			datanet: DatanetId,
			contributor: T::AccountId,
		},
		SubmissionExpired {
			submission: SubmissionId,
			datanet: DatanetId,
			contributor: T::AccountId,
		},
		EpochReleased {
			datanet: DatanetId,
			epoch: EpochIndex,
			contributors: BalanceOf<T>,
			validators: BalanceOf<T>,
		},
		RewardsClaimed {
			datanet: DatanetId,
			epoch: EpochIndex,
			who: T::AccountId,
			amount: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		DatanetNotFound,
		/// Only the datanet's owner may do this.
		NotDatanetOwner,
		/// The datanet is closed to submissions, bonds and funding.
		DatanetClosed,
		EmptyName,
		NameTooLong,
		DescriptionTooLong,
		/// A cap above the chain-wide limit of its kind.
		CapAboveGlobal,
		/// A cap of zero would close the datanet; use `close_datanet`.
		ZeroCap,
		/// Caps can only be lowered.
		CapNotLower,
		/// The quorum must be between 1 and `MaxVotesPerSubmission`.
		QuorumOutOfRange,
		/// An approval threshold of 0% would accept anything.
		ZeroApprovalThreshold,
		/// The voting period must be between 1 and `MaxVotingPeriod` blocks.
		VotingPeriodOutOfRange,
		/// The file format does not belong to the datanet's modality.
		FormatNotInModality,
		/// The CID text is longer than `MaxCidLength`.
		CidTooLong,
		/// The text is not a CIDv0 or CIDv1 with a known hash function.
		InvalidCid,
		/// This CID was already submitted to the datanet.
		DuplicateCid,
		/// A submission of 0 bytes.
		EmptyFile,
		/// Larger than the datanet's maximum file size.
		FileTooLarge,
		/// Over the chain-wide bytes per account per UTC day.
		AccountDailyBytesExceeded,
		/// Over the chain-wide files per account per UTC day.
		AccountDailyFilesExceeded,
		/// Over the datanet's bytes per account per UTC day.
		DatanetDailyBytesExceeded,
		/// A bond below `MinValidatorBond`.
		BondTooSmall,
		ZeroAmount,
		/// The account has no bond on this datanet.
		NotValidator,
		/// The validator is unbonding and can no longer vote or add to the bond.
		ValidatorUnbonding,
		AlreadyUnbonding,
		/// Votes on undecided submissions keep the bond in place.
		HasPendingVotes,
		/// `withdraw_unbonded` needs a prior `unbond`.
		NotUnbonding,
		UnbondingNotDue,
		SubmissionNotFound,
		/// The submission was already accepted, rejected or expired.
		SubmissionNotPending,
		AlreadyVoted,
		/// Quality is a score from 0 to 100.
		QualityOutOfRange,
		/// A validator may not vote on their own submission.
		OwnSubmission,
		/// Votes are taken only until the submission's `voting_ends`.
		VotingPeriodOver,
		/// `finalize` is for submissions whose voting period has ended.
		VotingPeriodNotOver,
		/// The submission holds `MaxVotesPerSubmission` votes already.
		TooManyVotes,
		/// Rewards of an epoch are claimable once it has ended.
		EpochNotEnded,
		NothingToClaim,
		/// A counter or amount would overflow.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::DefaultDatanetDailyBytes::get() <= T::MaxDailyBytesPerAccount::get());
			assert!(T::MaxFileBytes::get() > 0 && T::MaxDailyFilesPerAccount::get() > 0);
			assert!(T::MaxVotesPerSubmission::get() > 0, "a submission needs room for a vote");
			assert!(!T::EpochLength::get().is_zero(), "epochs must have a length");
			assert!(!T::MaxVotingPeriod::get().is_zero());
			assert!(T::MaxCidLength::get() >= 46, "a CIDv0 is 46 characters");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Opens a datanet owned by the caller, holding `DatanetDeposit` from them.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_datanet())]
		pub fn create_datanet(
			origin: OriginFor<T>,
			name: Vec<u8>,
			description: Vec<u8>,
			modality: Modality,
			caps: CapOverrides,
			voting: VotingRules<BlockNumberFor<T>>,
			reward_per_epoch: BalanceOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_create_datanet(
				owner,
				name,
				description,
				modality,
				caps,
				voting,
				reward_per_epoch,
			)
			.map(|_| ())
		}

		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_description())]
		pub fn update_description(
			origin: OriginFor<T>,
			datanet: DatanetId,
			description: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut record = Self::owned_datanet(datanet, &who)?;
			record.description =
				description.try_into().map_err(|_| Error::<T>::DescriptionTooLong)?;
			Datanets::<T>::insert(datanet, record);
			Self::deposit_event(Event::DescriptionUpdated { datanet });
			Ok(())
		}

		/// Lowers the datanet's caps; a cap left `None` stays as it is. Today's usage already
		/// above a new cap stands, and further submissions wait for the next day.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::lower_caps())]
		pub fn lower_caps(
			origin: OriginFor<T>,
			datanet: DatanetId,
			caps: CapOverrides,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut record = Self::owned_datanet(datanet, &who)?;
			ensure!(record.status == DatanetStatus::Open, Error::<T>::DatanetClosed);
			let lowered = caps::lowered::<T>(record.caps, caps)?;
			record.caps = lowered;
			Datanets::<T>::insert(datanet, record);
			Self::deposit_event(Event::CapsLowered { datanet, caps: lowered });
			Ok(())
		}

		/// Closes the datanet to new submissions, bonds and funding, and releases the
		/// owner's deposit. Pending submissions can still be decided, and the reward pool
		/// keeps paying out epochs already earned.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::close_datanet())]
		pub fn close_datanet(origin: OriginFor<T>, datanet: DatanetId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut record = Self::owned_datanet(datanet, &who)?;
			ensure!(record.status == DatanetStatus::Open, Error::<T>::DatanetClosed);
			let deposit = core::mem::take(&mut record.deposit);
			T::Currency::release(
				&HoldReason::DatanetDeposit.into(),
				&who,
				deposit,
				Precision::Exact,
			)?;
			record.status = DatanetStatus::Closed;
			Datanets::<T>::insert(datanet, record);
			Self::deposit_event(Event::DatanetClosed { datanet, deposit_released: deposit });
			Ok(())
		}

		/// Moves `amount` from the owner into the datanet's reward pool, and optionally sets
		/// how much the pool releases per epoch.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::fund_rewards())]
		pub fn fund_rewards(
			origin: OriginFor<T>,
			datanet: DatanetId,
			amount: BalanceOf<T>,
			reward_per_epoch: Option<BalanceOf<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut record = Self::owned_datanet(datanet, &who)?;
			ensure!(record.status == DatanetStatus::Open, Error::<T>::DatanetClosed);
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			record.reward_pool =
				record.reward_pool.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			if let Some(rate) = reward_per_epoch {
				record.reward_per_epoch = rate;
			}
			Self::fund_pot(&who, amount)?;
			Self::deposit_event(Event::RewardsFunded {
				datanet,
				amount,
				pool: record.reward_pool,
				reward_per_epoch: record.reward_per_epoch,
			});
			Datanets::<T>::insert(datanet, record);
			Ok(())
		}

		/// Submits a file by the CID text IPFS gave for it, with its size and format.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::submit())]
		pub fn submit(
			origin: OriginFor<T>,
			datanet: DatanetId,
			cid: Vec<u8>,
			bytes: u64,
			format: FileFormat,
		) -> DispatchResult {
			let contributor = ensure_signed(origin)?;
			let record = Datanets::<T>::get(datanet).ok_or(Error::<T>::DatanetNotFound)?;
			ensure!(record.status == DatanetStatus::Open, Error::<T>::DatanetClosed);
			ensure!(format.modality() == record.modality, Error::<T>::FormatNotInModality);
			ensure!(cid.len() <= T::MaxCidLength::get() as usize, Error::<T>::CidTooLong);
			let cid: CanonicalCid = cid::parse(&cid)
				.ok()
				.and_then(|binary| binary.try_into().ok())
				.ok_or(Error::<T>::InvalidCid)?;
			ensure!(!SubmissionByCid::<T>::contains_key(datanet, &cid), Error::<T>::DuplicateCid);
			ensure!(bytes > 0, Error::<T>::EmptyFile);
			ensure!(bytes <= record.caps.max_file_bytes, Error::<T>::FileTooLarge);
			Self::use_daily_allowance(&contributor, datanet, &record.caps, bytes)?;

			let id = NextSubmissionId::<T>::get();
			NextSubmissionId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			let now = frame_system::Pallet::<T>::block_number();
			let voting_ends = now.saturating_add(record.voting.voting_period);
			SubmissionByCid::<T>::insert(datanet, &cid, id);
			Submissions::<T>::insert(
				id,
				Submission {
					datanet,
					contributor: contributor.clone(),
					cid: cid.clone(),
					bytes,
					format,
					submitted_at: now,
					voting_ends,
					status: SubmissionStatus::Pending,
					votes: Default::default(),
				},
			);
			Self::record_submitted(datanet, &contributor);
			Self::add_pending(datanet, id);
			Self::deposit_event(Event::Submitted {
				submission: id,
				datanet,
				contributor,
				cid,
				bytes,
				format,
				voting_ends,
			});
			Ok(())
		}

		/// Bonds (or adds to the bond of) the caller as a validator of the datanet.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::bond_validator())]
		pub fn bond_validator(
			origin: OriginFor<T>,
			datanet: DatanetId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let validator = ensure_signed(origin)?;
			Self::do_bond(datanet, &validator, amount)
		}

		/// Starts the unbonding delay; the validator stops voting on this datanet.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, datanet: DatanetId) -> DispatchResult {
			let validator = ensure_signed(origin)?;
			let mut bond =
				Validators::<T>::get(datanet, &validator).ok_or(Error::<T>::NotValidator)?;
			ensure!(bond.unlocks_at.is_none(), Error::<T>::AlreadyUnbonding);
			ensure!(bond.pending_votes == 0, Error::<T>::HasPendingVotes);
			let unlocks_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
			bond.unlocks_at = Some(unlocks_at);
			Validators::<T>::insert(datanet, &validator, bond);
			Self::deposit_event(Event::UnbondingStarted { datanet, validator, unlocks_at });
			Ok(())
		}

		/// Releases the bond once the unbonding delay has passed.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>, datanet: DatanetId) -> DispatchResult {
			let validator = ensure_signed(origin)?;
			let bond = Validators::<T>::get(datanet, &validator).ok_or(Error::<T>::NotValidator)?;
			let unlocks_at = bond.unlocks_at.ok_or(Error::<T>::NotUnbonding)?;
			ensure!(
				frame_system::Pallet::<T>::block_number() >= unlocks_at,
				Error::<T>::UnbondingNotDue
			);
			T::Currency::release(
				&HoldReason::ValidatorBond.into(),
				&validator,
				bond.amount,
				Precision::Exact,
			)?;
			Validators::<T>::remove(datanet, &validator);
			Self::deposit_event(Event::Unbonded { datanet, validator, amount: bond.amount });
			Ok(())
		}

		/// Votes on a pending submission with the caller's bond as stake. The vote that
		/// completes the quorum decides the submission.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::vote(T::MaxVotesPerSubmission::get())
			.saturating_add(T::WeightInfo::update_boards(MAX_TREE_HEIGHT)))]
		pub fn vote(
			origin: OriginFor<T>,
			submission: SubmissionId,
			approve: bool,
			quality: Quality,
		) -> DispatchResultWithPostInfo {
			let validator = ensure_signed(origin)?;
			ensure!(quality <= MAX_QUALITY, Error::<T>::QualityOutOfRange);
			let mut record =
				Submissions::<T>::get(submission).ok_or(Error::<T>::SubmissionNotFound)?;
			ensure!(record.status == SubmissionStatus::Pending, Error::<T>::SubmissionNotPending);
			ensure!(
				frame_system::Pallet::<T>::block_number() <= record.voting_ends,
				Error::<T>::VotingPeriodOver
			);
			let mut bond =
				Validators::<T>::get(record.datanet, &validator).ok_or(Error::<T>::NotValidator)?;
			ensure!(bond.unlocks_at.is_none(), Error::<T>::ValidatorUnbonding);
			ensure!(record.contributor != validator, Error::<T>::OwnSubmission);
			ensure!(
				!record.votes.iter().any(|vote| vote.validator == validator),
				Error::<T>::AlreadyVoted
			);
			record
				.votes
				.try_push(Vote {
					validator: validator.clone(),
					approve,
					quality,
					stake: bond.amount,
				})
				.map_err(|_| Error::<T>::TooManyVotes)?;
			bond.pending_votes = bond.pending_votes.checked_add(1).ok_or(Error::<T>::Overflow)?;
			Validators::<T>::insert(record.datanet, &validator, bond);
			Self::deposit_event(Event::Voted {
				submission,
				validator,
				approve,
				quality,
				stake: bond.amount,
			});

			let votes = record.votes.len() as u32;
			let quorum = Datanets::<T>::get(record.datanet)
				.map(|datanet| datanet.voting.quorum)
				.ok_or(Error::<T>::DatanetNotFound)?;
			let mut weight = T::WeightInfo::vote(votes);
			if votes >= quorum {
				if let Some(board_height) = Self::decide(submission, record)? {
					weight.saturating_accrue(T::WeightInfo::update_boards(board_height.into()));
				}
			} else {
				Submissions::<T>::insert(submission, record);
			}
			Ok(Some(weight).into())
		}

		/// Expires a submission whose voting period ended without a quorum. Anyone may call it.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::finalize(T::MaxVotesPerSubmission::get()))]
		pub fn finalize(
			origin: OriginFor<T>,
			submission: SubmissionId,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let record = Submissions::<T>::get(submission).ok_or(Error::<T>::SubmissionNotFound)?;
			ensure!(record.status == SubmissionStatus::Pending, Error::<T>::SubmissionNotPending);
			ensure!(
				frame_system::Pallet::<T>::block_number() > record.voting_ends,
				Error::<T>::VotingPeriodNotOver
			);
			let votes = record.votes.len() as u32;
			Self::expire(submission, record)?;
			Ok(Some(T::WeightInfo::finalize(votes)).into())
		}

		/// Pays the caller's share of an ended epoch: contributor score and agreeing votes.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::claim_rewards())]
		pub fn claim_rewards(
			origin: OriginFor<T>,
			datanet: DatanetId,
			epoch: EpochIndex,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Datanets::<T>::contains_key(datanet), Error::<T>::DatanetNotFound);
			ensure!(epoch < Self::current_epoch(), Error::<T>::EpochNotEnded);
			let earnings = Earnings::<T>::take((datanet, epoch, &who));
			ensure!(earnings != EpochEarnings::default(), Error::<T>::NothingToClaim);
			UnclaimedEarnings::<T>::remove(&who, (datanet, epoch));
			let amount = Self::settle_claim(datanet, epoch, earnings)?;
			if !amount.is_zero() {
				T::Currency::transfer(&Self::pot(), &who, amount, Preservation::Preserve)?;
			}
			Self::deposit_event(Event::RewardsClaimed { datanet, epoch, who, amount });
			Ok(())
		}
	}

	/// The read paths of `queries.rs`, callable by any client that reads the metadata.
	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// A page of `board`, best first (score, then accepted count, then earliest first
		/// acceptance, then account id); ranks are 1-based.
		pub fn leaderboard(
			board: Board,
			offset: u32,
			limit: u32,
		) -> Result<LeaderboardPageOf<T>, QueryError> {
			Self::query_leaderboard(board, offset, limit)
		}

		/// An account's stats and rank on `board`.
		pub fn contributor(
			board: Board,
			account: T::AccountId,
		) -> Result<ContributorInfoOf<T>, QueryError> {
			Self::query_contributor(board, account)
		}

		pub fn submission(id: SubmissionId) -> Result<SubmissionInfoOf<T>, QueryError> {
			Self::query_submission(id)
		}

		/// A datanet's pending submissions, oldest first.
		pub fn pending(
			datanet: DatanetId,
			offset: u32,
			limit: u32,
		) -> Result<views::Page<SubmissionInfoOf<T>>, QueryError> {
			Self::query_pending(datanet, offset, limit)
		}

		/// Datanets by id.
		pub fn datanet_list(
			offset: u32,
			limit: u32,
		) -> Result<views::Page<DatanetInfoOf<T>>, QueryError> {
			Self::query_datanets(offset, limit)
		}

		pub fn datanet(id: DatanetId) -> Result<DatanetInfoOf<T>, QueryError> {
			Self::query_datanet(id)
		}

		pub fn validator(
			datanet: DatanetId,
			validator: T::AccountId,
		) -> Result<ValidatorInfoOf<T>, QueryError> {
			Self::query_validator(datanet, validator)
		}

		/// What `account` may still submit to `datanet` today (UTC day of the block).
		pub fn allowance(
			datanet: DatanetId,
			account: T::AccountId,
		) -> Result<Allowance, QueryError> {
			Self::query_allowance(datanet, account)
		}

		/// An account's unclaimed rewards, one entry per (datanet, epoch).
		pub fn rewards(
			account: T::AccountId,
			offset: u32,
			limit: u32,
		) -> Result<views::Page<views::RewardInfo<BalanceOf<T>>>, QueryError> {
			Self::query_rewards(account, offset, limit)
		}
	}

	impl<T: Config> Pallet<T> {
		pub(crate) fn do_create_datanet(
			owner: T::AccountId,
			name: Vec<u8>,
			description: Vec<u8>,
			modality: Modality,
			caps: CapOverrides,
			voting: VotingRules<BlockNumberFor<T>>,
			reward_per_epoch: BalanceOf<T>,
		) -> Result<DatanetId, DispatchError> {
			ensure!(!name.is_empty(), Error::<T>::EmptyName);
			let name = name.try_into().map_err(|_| Error::<T>::NameTooLong)?;
			let description = description.try_into().map_err(|_| Error::<T>::DescriptionTooLong)?;
			let caps = caps::initial::<T>(caps)?;
			ensure!(
				(1..=T::MaxVotesPerSubmission::get()).contains(&voting.quorum),
				Error::<T>::QuorumOutOfRange
			);
			ensure!(!voting.approval_threshold.is_zero(), Error::<T>::ZeroApprovalThreshold);
			ensure!(
				!voting.voting_period.is_zero()
					&& voting.voting_period <= T::MaxVotingPeriod::get(),
				Error::<T>::VotingPeriodOutOfRange
			);

			let id = NextDatanetId::<T>::get();
			NextDatanetId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			let deposit = T::DatanetDeposit::get();
			T::Currency::hold(&HoldReason::DatanetDeposit.into(), &owner, deposit)?;
			Datanets::<T>::insert(
				id,
				Datanet {
					owner: owner.clone(),
					name,
					description,
					modality,
					caps,
					voting,
					status: DatanetStatus::Open,
					deposit,
					reward_pool: Zero::zero(),
					reward_per_epoch,
					accepted_count: 0,
					created_at: frame_system::Pallet::<T>::block_number(),
				},
			);
			Self::deposit_event(Event::DatanetCreated {
				datanet: id,
				owner,
				modality,
				caps,
				deposit,
			});
			Ok(id)
		}

		pub(crate) fn do_bond(
			datanet: DatanetId,
			validator: &T::AccountId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let record = Datanets::<T>::get(datanet).ok_or(Error::<T>::DatanetNotFound)?;
			ensure!(record.status == DatanetStatus::Open, Error::<T>::DatanetClosed);
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut bond = Validators::<T>::get(datanet, validator).unwrap_or(ValidatorBond {
				amount: Zero::zero(),
				pending_votes: 0,
				unlocks_at: None,
			});
			ensure!(bond.unlocks_at.is_none(), Error::<T>::ValidatorUnbonding);
			bond.amount = bond.amount.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			ensure!(bond.amount >= T::MinValidatorBond::get(), Error::<T>::BondTooSmall);
			T::Currency::hold(&HoldReason::ValidatorBond.into(), validator, amount)?;
			Validators::<T>::insert(datanet, validator, bond);
			Self::deposit_event(Event::ValidatorBonded {
				datanet,
				validator: validator.clone(),
				amount,
				total: bond.amount,
			});
			Ok(())
		}

		fn owned_datanet(datanet: DatanetId, who: &T::AccountId) -> Result<DatanetOf<T>, Error<T>> {
			let record = Datanets::<T>::get(datanet).ok_or(Error::<T>::DatanetNotFound)?;
			ensure!(&record.owner == who, Error::<T>::NotDatanetOwner);
			Ok(record)
		}

		/// The account that keeps every datanet's reward pool.
		pub fn pot() -> T::AccountId {
			use sp_runtime::traits::AccountIdConversion;
			T::PalletId::get().into_account_truncating()
		}

		/// Moves `amount` into the pot; the first funding also pays the pot's existential
		/// deposit so that paying out the last unit of a pool never reaps the pot.
		fn fund_pot(funder: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			let pot = Self::pot();
			let minimum = T::Currency::minimum_balance();
			let top_up = minimum.saturating_sub(T::Currency::balance(&pot));
			let total = amount.checked_add(&top_up).ok_or(Error::<T>::Overflow)?;
			T::Currency::transfer(funder, &pot, total, Preservation::Preserve)?;
			Ok(())
		}
	}
}
