//! # Datanets pallet
//!
//! Contributors submit files (by IPFS CID) to datanets; the bonded validators of a datanet
//! vote on each submission with sealed votes; accepted files earn the contributor rank and a
//! share of the datanet's OPEN reward pool, epoch by epoch.
//!
//! - **Datanets** have one modality (text, image or audio), caps the owner may only lower,
//!   voting rules fixed at creation, a deposit held from the owner, and a reward pool the
//!   owner funds and, once the datanet is closed, may withdraw what no epoch released.
//! - **Submissions** are refused, with a dedicated error and no state change, when the
//!   format, CID (only the canonical form, see `cid`), size, a daily cap (per account per
//!   UTC day, chain-wide and per datanet) or the datanet's state forbids them. Each needs a
//!   reservation of `hash(datanet, CID, account)` from an earlier block (`reserve`), so a
//!   file seen in the transaction pool cannot be taken by a front-runner, and holds a
//!   deposit until its votes are settled.
//! - **Votes** are sealed: validators commit a hash during the commit period and reveal in
//!   the reveal period that follows. Every validator bonded when the file was submitted may
//!   vote with the stake it had then. A submission is decided early only when the revealed
//!   stake makes the outcome certain against that snapshot; otherwise at the end of the
//!   reveal period over the revealed stake, or it expires below the datanet's minimum
//!   participation. The acceptance weight is the stake-weighted median quality of the
//!   approvals. After the reveal period the votes are settled: unrevealed commitments and
//!   revealed votes against the outcome are slashed into the reward pool, agreeing stake
//!   earns the validators' slice of the epoch. Due submissions are settled by `on_idle`.
//! - **Rank**: a contributor's score is the sum of their acceptance weights. Rejections
//!   never lower it.
//! - **Rewards**: an epoch's release is fixed when it ends, from the pool and the rate in
//!   force; contributors share it by score and validators by agreeing stake. Claims are
//!   pulled, one O(1) call per (datanet, epoch).
//! - **Pruning**: rejected and expired submissions are removed `RetentionPeriod` blocks
//!   after settlement, freeing their CID; accepted ones stay as the datanet's dataset.
//! - **Snapshots**: each datanet's accepted submissions form an append-only log with a
//!   running hash head (see `snapshots`); `(datanet, count, head)` names the first `count`
//!   accepted files exactly, and pallet-models trains on such snapshots.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

mod caps;
pub use openledger_primitives::cid;
mod decision;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod invariants;
mod leaderboard;
pub mod migrations;
mod pending;
mod queries;
mod rank;
mod rewards;
mod schedule;
mod snapshots;
pub mod types;
mod validators;
pub mod views;
mod voting;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use caps::Allowance;
pub use leaderboard::MAX_TREE_HEIGHT;
pub use pallet::*;
pub use queries::*;
pub use types::*;
pub use views::{QueryError, MAX_PAGE_SIZE};
pub use voting::{commitment, reservation};
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// The runtime's balance type.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A datanet as stored.
pub type DatanetOf<T> = Datanet<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::MaxNameLength,
	<T as Config>::MaxDescriptionLength,
>;
/// A submission as stored.
pub type SubmissionOf<T> = Submission<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;
/// A contributor's stats as stored.
pub type StatsOf<T> = ContributorStats<frame_system::pallet_prelude::BlockNumberFor<T>>;
/// A leaderboard standing.
pub type StandingOf<T> = Standing<frame_system::pallet_prelude::BlockNumberFor<T>>;
/// A leaderboard tree node.
pub type RankNodeOf<T> = RankNode<
	<T as frame_system::Config>::AccountId,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;
/// A validator's bond as stored.
pub type ValidatorBondOf<T> =
	ValidatorBond<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;
/// The voting rules of a datanet.
pub type VotingRulesOf<T> = VotingRules<frame_system::pallet_prelude::BlockNumberFor<T>>;

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
		traits::{CheckedAdd, SaturatedConversion, Saturating, Zero},
		Perbill,
	};

	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

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
		/// A submission's deposit, held until its votes are settled.
		SubmissionDeposit,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// OPEN: held for deposits and bonds, transferred for rewards.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, of which this pallet's are a part.
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
		/// Most validators bonded on one datanet: every one of them can always vote, so this
		/// bounds the votes a submission collects.
		#[pallet::constant]
		type MaxValidators: Get<u32>;
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
		/// Longest datanet name.
		#[pallet::constant]
		type MaxNameLength: Get<u32>;
		/// Longest datanet description.
		#[pallet::constant]
		type MaxDescriptionLength: Get<u32>;
		/// Longest commit period a datanet may set.
		#[pallet::constant]
		type MaxCommitPeriod: Get<BlockNumberFor<Self>>;
		/// Longest reveal period a datanet may set.
		#[pallet::constant]
		type MaxRevealPeriod: Get<BlockNumberFor<Self>>;
		/// Part of every submission's deposit.
		#[pallet::constant]
		type SubmissionDepositBase: Get<BalanceOf<Self>>;
		/// Part of a submission's deposit per declared byte.
		#[pallet::constant]
		type SubmissionDepositPerByte: Get<BalanceOf<Self>>;
		/// Share of a rejected submission's deposit that goes to the datanet's reward pool.
		#[pallet::constant]
		type RejectedDepositShare: Get<Perbill>;
		/// Share of its stake a validator loses for a commitment it never revealed.
		#[pallet::constant]
		type UnrevealedSlash: Get<Perbill>;
		/// Share of its stake a validator loses for a revealed vote against the outcome.
		#[pallet::constant]
		type DisagreementSlash: Get<Perbill>;
		/// Blocks a rejected or expired submission is kept after settlement before it is
		/// pruned and its CID can be submitted again.
		#[pallet::constant]
		type RetentionPeriod: Get<BlockNumberFor<Self>>;
		/// Blocks a CID reservation stays usable.
		#[pallet::constant]
		type ReservationLifetime: Get<BlockNumberFor<Self>>;
		/// Most reservations one `reserve` call makes.
		#[pallet::constant]
		type MaxReservations: Get<u32>;
		/// Blocks per reward epoch.
		#[pallet::constant]
		type EpochLength: Get<BlockNumberFor<Self>>;
		/// Slice of each epoch's release that goes to validators.
		#[pallet::constant]
		type ValidatorRewardShare: Get<Perbill>;
		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The id the next datanet gets.
	#[pallet::storage]
	pub type NextDatanetId<T> = StorageValue<_, DatanetId, ValueQuery>;

	/// Every datanet, open or closed.
	#[pallet::storage]
	pub type Datanets<T: Config> = StorageMap<_, Twox64Concat, DatanetId, DatanetOf<T>>;

	/// The id the next submission gets.
	#[pallet::storage]
	pub type NextSubmissionId<T> = StorageValue<_, SubmissionId, ValueQuery>;

	/// Submissions: pending, accepted (kept for good), rejected or expired (pruned after
	/// `RetentionPeriod`).
	#[pallet::storage]
	pub type Submissions<T: Config> = StorageMap<_, Twox64Concat, SubmissionId, SubmissionOf<T>>;

	/// The submission that holds each CID on a datanet; freed when it is pruned.
	#[pallet::storage]
	pub type SubmissionByCid<T> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Blake2_128Concat, CanonicalCid, SubmissionId>;

	/// Append-only log of each datanet's accepted submissions in acceptance order, indexed
	/// from 0 up to the datanet's `accepted_count`, each with the log's running head after
	/// it: dataset snapshots name its prefixes (see `snapshots`).
	#[pallet::storage]
	pub type AcceptedSubmissions<T> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Twox64Concat, u32, AcceptedEntry>;

	/// A contributor's stats on one datanet.
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

	/// Validators' bonds, per datanet.
	#[pallet::storage]
	pub type Validators<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatanetId,
		Blake2_128Concat,
		T::AccountId,
		ValidatorBondOf<T>,
	>;

	/// The sealed (then revealed) votes on each submission whose votes are not settled.
	#[pallet::storage]
	pub type Votes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		SubmissionId,
		Blake2_128Concat,
		T::AccountId,
		Vote<BalanceOf<T>>,
	>;

	/// CID reservations, under the account that made them: `reservation(datanet, CID,
	/// account)` and the block it was made in. Keyed by its maker, so no one can plant,
	/// renew or use a reservation for another account.
	#[pallet::storage]
	pub type Reservations<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Identity, [u8; 32], BlockNumberFor<T>>;

	/// Work due on submissions, keyed by (due block, submission id) big-endian so that
	/// iteration runs earliest first: a pending submission's settlement at the end of its
	/// reveal period, then a rejected or expired one's pruning.
	#[pallet::storage]
	pub type SubmissionQueue<T> = StorageMap<_, Identity, [u8; 16], ()>;

	/// The IPFS gateways a datanet's owner publishes, in the order clients should try
	/// them.
	#[pallet::storage]
	pub type DatanetGateways<T> = StorageMap<_, Twox64Concat, DatanetId, Gateways, ValueQuery>;

	/// Reservations to drop once stale, keyed by expiry block (big-endian) and
	/// `blake2_256(SCALE(account, reservation))`, so iteration runs by expiry.
	#[pallet::storage]
	pub type ReservationQueue<T: Config> =
		StorageMap<_, Identity, [u8; 40], (T::AccountId, [u8; 32])>;

	/// What each datanet's epoch earned and released.
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
		EpochEarnings<BalanceOf<T>>,
		ValueQuery,
	>;

	/// Each leaderboard's order-statistic tree (see `leaderboard.rs`): a node per account
	/// with at least one acceptance on the board.
	#[pallet::storage]
	pub type RankNodes<T: Config> =
		StorageDoubleMap<_, Twox64Concat, Board, Blake2_128Concat, T::AccountId, RankNodeOf<T>>;

	/// The root account of each leaderboard's tree.
	#[pallet::storage]
	pub type RankRoots<T: Config> = StorageMap<_, Twox64Concat, Board, T::AccountId>;

	/// Each datanet's pending submissions, keyed by the big-endian id so that iteration
	/// runs oldest first.
	#[pallet::storage]
	pub type PendingSubmissions<T> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Identity, [u8; 8], ()>;

	/// Number of pending submissions per datanet.
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
		pub default_voting: Option<VotingRulesOf<T>>,
		/// Bonds at genesis: (datanet, validator, amount).
		pub validators: Vec<(DatanetId, T::AccountId, BalanceOf<T>)>,
		/// Benchmarks only: `(datanet, count)` synthetic ranked contributors on that
		/// datanet and the global board, with stats but no submissions behind them (so
		/// `try_state` fails on such a chain). Only in builds with the `bench-genesis`
		/// feature (which `runtime-benchmarks` enables).
		#[cfg(feature = "bench-genesis")]
		pub benchmark_contributors: Option<(DatanetId, u32)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::ensure_pot_exists();
			let voting = self.default_voting.unwrap_or_else(Pallet::<T>::default_voting);
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
			#[cfg(feature = "bench-genesis")]
			if let Some((datanet, count)) = self.benchmark_contributors {
				Pallet::<T>::seed_benchmark_contributors(datanet, count);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A datanet was opened.
		DatanetCreated {
			/// Its id.
			datanet: DatanetId,
			/// Its owner.
			owner: T::AccountId,
			/// What it collects.
			modality: Modality,
			/// Its caps.
			caps: DatanetCaps,
			/// Held from the owner.
			deposit: BalanceOf<T>,
		},
		/// The owner changed the description.
		DescriptionUpdated {
			/// The datanet.
			datanet: DatanetId,
		},
		/// The owner replaced the datanet's published gateways.
		GatewaysSet {
			/// The datanet.
			datanet: DatanetId,
			/// How many it publishes now (0: none).
			count: u32,
		},
		/// The owner lowered the caps.
		CapsLowered {
			/// The datanet.
			datanet: DatanetId,
			/// The caps now.
			caps: DatanetCaps,
		},
		/// The owner closed the datanet.
		DatanetClosed {
			/// The datanet.
			datanet: DatanetId,
			/// Returned to the owner.
			deposit_released: BalanceOf<T>,
		},
		/// The owner added to the reward pool, and maybe set a new rate.
		RewardsFunded {
			/// The datanet.
			datanet: DatanetId,
			/// Added to the pool.
			amount: BalanceOf<T>,
			/// The pool now.
			pool: BalanceOf<T>,
			/// The new rate, and the first epoch it applies to.
			next_reward_per_epoch: Option<(EpochIndex, BalanceOf<T>)>,
		},
		/// The owner of a closed datanet took back what no epoch released.
		PoolWithdrawn {
			/// The datanet.
			datanet: DatanetId,
			/// Paid to the owner.
			amount: BalanceOf<T>,
		},
		/// An account reserved CIDs for its next submissions.
		Reserved {
			/// The account.
			who: T::AccountId,
			/// Reservations made.
			count: u32,
		},
		/// A file was submitted; commitments are taken until `commit_ends`.
		Submitted {
			/// Its id.
			submission: SubmissionId,
			/// The datanet.
			datanet: DatanetId,
			/// Who submitted it.
			contributor: T::AccountId,
			/// Its canonical binary CID.
			cid: CanonicalCid,
			/// Declared size.
			bytes: u64,
			/// Declared format.
			format: FileFormat,
			/// Held until its votes are settled.
			deposit: BalanceOf<T>,
			/// Last block of the commit period.
			commit_ends: BlockNumberFor<T>,
			/// Last block of the reveal period.
			reveal_ends: BlockNumberFor<T>,
		},
		/// A validator bonded or added to its bond.
		ValidatorBonded {
			/// The datanet.
			datanet: DatanetId,
			/// The validator.
			validator: T::AccountId,
			/// Added.
			amount: BalanceOf<T>,
			/// The bond now.
			total: BalanceOf<T>,
		},
		/// A validator started unbonding.
		UnbondingStarted {
			/// The datanet.
			datanet: DatanetId,
			/// The validator.
			validator: T::AccountId,
			/// First block of `withdraw_unbonded`.
			unlocks_at: BlockNumberFor<T>,
		},
		/// A bond was released.
		Unbonded {
			/// The datanet.
			datanet: DatanetId,
			/// The validator.
			validator: T::AccountId,
			/// Released.
			amount: BalanceOf<T>,
		},
		/// A validator committed a sealed vote (only its hash is known).
		VoteCommitted {
			/// The submission.
			submission: SubmissionId,
			/// The validator.
			validator: T::AccountId,
		},
		/// A validator revealed its vote.
		VoteRevealed {
			/// The submission.
			submission: SubmissionId,
			/// The validator.
			validator: T::AccountId,
			/// Its ballot.
			ballot: Ballot,
			/// The stake it carries.
			stake: BalanceOf<T>,
		},
		/// A submission was accepted.
		SubmissionAccepted {
			/// The submission.
			submission: SubmissionId,
			/// The datanet.
			datanet: DatanetId,
			/// The contributor.
			contributor: T::AccountId,
			/// Its acceptance weight.
			weight: Quality,
			/// The contributor's score on this datanet after the acceptance.
			score: u64,
		},
		/// A submission was rejected.
		SubmissionRejected {
			/// The submission.
			submission: SubmissionId,
			/// The datanet.
			datanet: DatanetId,
			/// The contributor.
			contributor: T::AccountId,
		},
		/// Too little stake revealed: the submission expired undecided.
		SubmissionExpired {
			/// The submission.
			submission: SubmissionId,
			/// The datanet.
			datanet: DatanetId,
			/// The contributor.
			contributor: T::AccountId,
		},
		/// A submission's votes were settled and its deposit returned (less the forfeit of
		/// a rejection).
		VotesSettled {
			/// The submission.
			submission: SubmissionId,
			/// Stake of the votes that agreed with the outcome.
			agreeing_stake: BalanceOf<T>,
			/// Slashed from validators into the reward pool.
			slashed: BalanceOf<T>,
			/// Of the deposit, moved to the reward pool.
			deposit_forfeited: BalanceOf<T>,
		},
		/// A validator lost part of its bond to the datanet's reward pool.
		ValidatorSlashed {
			/// The datanet.
			datanet: DatanetId,
			/// The validator.
			validator: T::AccountId,
			/// The submission whose vote cost it.
			submission: SubmissionId,
			/// Slashed.
			amount: BalanceOf<T>,
			/// Whether the commitment was never revealed (else: revealed against the outcome).
			unrevealed: bool,
		},
		/// A rejected or expired submission was removed and its CID freed.
		SubmissionPruned {
			/// The submission.
			submission: SubmissionId,
		},
		/// An epoch's release was fixed.
		EpochReleased {
			/// The datanet.
			datanet: DatanetId,
			/// The epoch.
			epoch: EpochIndex,
			/// For contributors.
			contributors: BalanceOf<T>,
			/// For validators.
			validators: BalanceOf<T>,
		},
		/// Rewards were paid.
		RewardsClaimed {
			/// The datanet.
			datanet: DatanetId,
			/// The epoch.
			epoch: EpochIndex,
			/// Paid to.
			who: T::AccountId,
			/// Paid.
			amount: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No datanet has this id.
		DatanetNotFound,
		/// Only the datanet's owner may do this.
		NotDatanetOwner,
		/// The datanet is closed to submissions, bonds and funding.
		DatanetClosed,
		/// The pool of an open datanet cannot be withdrawn: close it first.
		DatanetOpen,
		/// A datanet needs a name.
		EmptyName,
		/// The name is longer than `MaxNameLength`.
		NameTooLong,
		/// The description is longer than `MaxDescriptionLength`.
		DescriptionTooLong,
		/// More than `MAX_GATEWAYS` gateway URLs.
		TooManyGateways,
		/// A gateway URL longer than `MAX_GATEWAY_URL_LEN`.
		GatewayUrlTooLong,
		/// A gateway URL that is not `http(s)://host…` without spaces.
		InvalidGatewayUrl,
		/// A gateway URL listed twice.
		DuplicateGateway,
		/// A cap above the chain-wide limit of its kind.
		CapAboveGlobal,
		/// A cap of zero would close the datanet; use `close_datanet`.
		ZeroCap,
		/// Caps can only be lowered.
		CapNotLower,
		/// An approval threshold of 0% would accept anything.
		ZeroApprovalThreshold,
		/// A minimum participation of 0% would let one small vote decide.
		ZeroParticipation,
		/// The commit period must be between 1 and `MaxCommitPeriod` blocks.
		CommitPeriodOutOfRange,
		/// The reveal period must be between 1 and `MaxRevealPeriod` blocks.
		RevealPeriodOutOfRange,
		/// The file format does not belong to the datanet's modality.
		FormatNotInModality,
		/// The CID text is longer than `MaxCidLength`.
		CidTooLong,
		/// The text is not a CIDv0 or CIDv1 with a known hash function.
		InvalidCid,
		/// Not the canonical CID of the file: use CIDv1, sha2-256, raw leaves and 256 KiB
		/// chunks (`ipfs add --cid-version=1`, what `openledger submit` does); a file of at
		/// most 256 KiB is then one `raw` block, a larger one a `dag-pb` root.
		CidNotCanonical,
		/// This CID is held by a submission on the datanet (until it is pruned, if rejected
		/// or expired; the contributor of an expired one may submit it again before that).
		DuplicateCid,
		/// `submit` needs a reservation of `reservation(datanet, CID, account)` made by
		/// `reserve` in an earlier block, and not older than `ReservationLifetime`.
		NotReserved,
		/// The reservation was made in this block: submit in a later one.
		ReservationTooRecent,
		/// `reserve` takes 1 to `MaxReservations` reservations.
		ReservationCount,
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
		/// The free balance does not cover the submission's deposit.
		CannotPayDeposit,
		/// A bond below `MinValidatorBond`.
		BondTooSmall,
		/// An amount of zero.
		ZeroAmount,
		/// The datanet already has `MaxValidators` validators.
		TooManyValidators,
		/// A bond can change once per commit period of its datanet (so that no stake added
		/// after a submission counts on it).
		BondChangedRecently,
		/// The account has no bond on this datanet.
		NotValidator,
		/// The validator is unbonding and can no longer vote or add to the bond.
		ValidatorUnbonding,
		/// `unbond` was already called.
		AlreadyUnbonding,
		/// Votes not yet settled keep the bond in place.
		HasPendingVotes,
		/// `withdraw_unbonded` needs a prior `unbond`.
		NotUnbonding,
		/// The unbonding delay has not passed.
		UnbondingNotDue,
		/// No submission has this id (or it was pruned).
		SubmissionNotFound,
		/// The submission's votes were already settled.
		AlreadySettled,
		/// Quality is a score from 0 to 100.
		QualityOutOfRange,
		/// A validator may not vote on their own submission.
		OwnSubmission,
		/// The validator bonded after the submission was made: it has no stake on it.
		NoStakeAtSubmission,
		/// Commitments are taken only until the submission's `commit_ends`.
		CommitPeriodOver,
		/// The validator already committed a vote on this submission.
		AlreadyCommitted,
		/// Reveals start after the commit period.
		RevealPeriodNotStarted,
		/// Reveals are taken only until the submission's `reveal_ends`.
		RevealPeriodOver,
		/// The caller committed no vote on this submission.
		NoCommitment,
		/// The vote was already revealed.
		AlreadyRevealed,
		/// The ballot and salt do not hash to the caller's commitment.
		CommitmentMismatch,
		/// `finalize` is for submissions whose reveal period has ended.
		RevealPeriodNotOver,
		/// Rewards of an epoch are claimable once it has ended.
		EpochNotEnded,
		/// The current epoch has earnings not yet released: withdraw after it ends.
		EpochNotSettled,
		/// Submissions whose votes are not settled may still earn from the pool: withdraw
		/// once they are.
		SubmissionsPending,
		/// Nothing is owed to the caller.
		NothingToClaim,
		/// A counter or amount would overflow.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Settles submissions whose reveal period ended and prunes those past retention,
		/// earliest first, as far as the block's leftover weight allows.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep(now, remaining)
		}

		fn integrity_test() {
			assert!(T::DefaultDatanetDailyBytes::get() <= T::MaxDailyBytesPerAccount::get());
			assert!(T::MaxFileBytes::get() > 0 && T::MaxDailyFilesPerAccount::get() > 0);
			assert!(T::MaxValidators::get() > 0, "a datanet needs room for a validator");
			assert!(T::MaxReservations::get() > 0);
			assert!(!T::EpochLength::get().is_zero(), "epochs must have a length");
			assert!(!T::MaxCommitPeriod::get().is_zero() && !T::MaxRevealPeriod::get().is_zero());
			assert!(!T::ReservationLifetime::get().is_zero());
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
			voting: VotingRulesOf<T>,
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

		/// Replaces the datanet's description.
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
		/// owner's deposit. Pending submissions run their course, and the reward pool keeps
		/// paying out epochs already earned; `withdraw_pool` returns the rest.
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

		/// Moves `amount` from the owner into the datanet's reward pool and optionally sets
		/// how much the pool releases per epoch, from the next epoch on: an epoch's release
		/// is fixed by the rate in force while it ran.
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
			Self::settle_epoch(datanet, &mut record);
			record.reward_pool =
				record.reward_pool.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			if let Some(rate) = reward_per_epoch {
				record.next_reward_per_epoch =
					Some((Self::current_epoch().saturating_add(1), rate));
			}
			T::Currency::transfer(&who, &Self::pot(), amount, Preservation::Preserve)?;
			Self::deposit_event(Event::RewardsFunded {
				datanet,
				amount,
				pool: record.reward_pool,
				next_reward_per_epoch: record.next_reward_per_epoch,
			});
			Datanets::<T>::insert(datanet, record);
			Ok(())
		}

		/// Submits a file by the CID text IPFS gave for it, with its size and format. Needs
		/// a reservation from an earlier block (`reserve`), and holds a deposit of
		/// `SubmissionDepositBase + SubmissionDepositPerByte × bytes` until its votes are
		/// settled.
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
			Self::do_submit(contributor, datanet, cid, bytes, format).map(|_| ())
		}

		/// Bonds (or adds to the bond of) the caller as a validator of the datanet. The new
		/// stake votes on submissions made after this block.
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
			Self::do_unbond(datanet, &validator)
		}

		/// Releases the bond once the unbonding delay has passed.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>, datanet: DatanetId) -> DispatchResult {
			let validator = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(datanet, &validator)
		}

		/// Commits a sealed vote: `commitment(submission, approve, quality, salt, caller)`.
		/// Nothing about the vote is visible until it is revealed.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::commit_vote())]
		pub fn commit_vote(
			origin: OriginFor<T>,
			submission: SubmissionId,
			commitment: [u8; 32],
		) -> DispatchResult {
			let validator = ensure_signed(origin)?;
			Self::do_commit(submission, validator, commitment)
		}

		/// Settles a submission whose reveal period has ended (decides it if it is still
		/// pending). `on_idle` does this by itself; anyone may call it sooner.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::settle(T::MaxValidators::get())
			.saturating_add(T::WeightInfo::update_boards(MAX_TREE_HEIGHT)))]
		pub fn finalize(
			origin: OriginFor<T>,
			submission: SubmissionId,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let record = Submissions::<T>::get(submission).ok_or(Error::<T>::SubmissionNotFound)?;
			ensure!(!record.settled, Error::<T>::AlreadySettled);
			ensure!(
				frame_system::Pallet::<T>::block_number() > record.reveal_ends,
				Error::<T>::RevealPeriodNotOver
			);
			let weight = Self::settle(submission, record)?;
			Ok(Some(weight).into())
		}

		/// Pays the caller's share of an ended epoch: contributor score and agreeing stake.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::claim_rewards())]
		pub fn claim_rewards(
			origin: OriginFor<T>,
			datanet: DatanetId,
			epoch: EpochIndex,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(datanet, epoch, who)
		}

		/// Reveals the caller's committed vote. When the revealed stake makes the outcome
		/// certain against the stake bonded at submission, the submission is decided now.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::reveal_vote(T::MaxValidators::get())
			.saturating_add(T::WeightInfo::update_boards(MAX_TREE_HEIGHT)))]
		pub fn reveal_vote(
			origin: OriginFor<T>,
			submission: SubmissionId,
			approve: bool,
			quality: Quality,
			salt: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let validator = ensure_signed(origin)?;
			let weight = Self::do_reveal(submission, validator, Ballot { approve, quality }, salt)?;
			Ok(Some(weight).into())
		}

		/// Reserves CIDs for the caller's next submissions without showing them: each
		/// entry is `reservation(datanet, CID, caller)`. `submit` takes a reservation made
		/// in an earlier block, so a CID first seen in the transaction pool cannot be taken.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::reserve(reservations.len() as u32))]
		pub fn reserve(origin: OriginFor<T>, reservations: Vec<[u8; 32]>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reserve(who, reservations)
		}

		/// Pays the owner of a closed datanet what no epoch has released, once no pending
		/// submission or running epoch can still earn from the pool.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::withdraw_pool())]
		pub fn withdraw_pool(origin: OriginFor<T>, datanet: DatanetId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_pool(datanet, who)
		}

		/// Replaces the IPFS gateways the datanet publishes (owner only; an empty list
		/// clears them): base URLs where validators and trainers on other machines fetch its
		/// files, tried in this order after their own store.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::set_gateways(gateways.len() as u32))]
		pub fn set_gateways(
			origin: OriginFor<T>,
			datanet: DatanetId,
			gateways: Vec<Vec<u8>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::owned_datanet(datanet, &who)?;
			ensure!(gateways.len() as u32 <= MAX_GATEWAYS, Error::<T>::TooManyGateways);
			let mut published = Gateways::new();
			for url in gateways {
				let url: GatewayUrl = url.try_into().map_err(|_| Error::<T>::GatewayUrlTooLong)?;
				ensure!(is_gateway_url(&url), Error::<T>::InvalidGatewayUrl);
				ensure!(!published.contains(&url), Error::<T>::DuplicateGateway);
				published.try_push(url).map_err(|_| Error::<T>::TooManyGateways)?;
			}
			let count = published.len() as u32;
			if published.is_empty() {
				DatanetGateways::<T>::remove(datanet);
			} else {
				DatanetGateways::<T>::insert(datanet, published);
			}
			Self::deposit_event(Event::GatewaysSet { datanet, count });
			Ok(())
		}
	}

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

		/// A submission and its unsettled votes (ballots only once revealed).
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

		/// A datanet and its counts.
		pub fn datanet(id: DatanetId) -> Result<DatanetInfoOf<T>, QueryError> {
			Self::query_datanet(id)
		}

		/// A validator's bond on a datanet and its unclaimed agreeing stake.
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

		/// A page of a datanet's accepted log in acceptance order, with the running head
		/// after each entry: enough to recompute any snapshot of it.
		pub fn accepted(
			datanet: DatanetId,
			offset: u32,
			limit: u32,
		) -> Result<views::Page<AcceptedInfoOf<T>>, QueryError> {
			Self::query_accepted(datanet, offset, limit)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Rules for datanets that name none (genesis): a simple majority of the revealed
		/// stake, half of the bonded stake revealing, and the longest periods allowed.
		pub fn default_voting() -> VotingRulesOf<T> {
			VotingRules {
				approval_threshold: Perbill::from_percent(50),
				min_participation: Perbill::from_percent(50),
				commit_period: T::MaxCommitPeriod::get(),
				reveal_period: T::MaxRevealPeriod::get(),
			}
		}

		pub(crate) fn do_create_datanet(
			owner: T::AccountId,
			name: Vec<u8>,
			description: Vec<u8>,
			modality: Modality,
			caps: CapOverrides,
			voting: VotingRulesOf<T>,
			reward_per_epoch: BalanceOf<T>,
		) -> Result<DatanetId, DispatchError> {
			ensure!(!name.is_empty(), Error::<T>::EmptyName);
			let name = name.try_into().map_err(|_| Error::<T>::NameTooLong)?;
			let description = description.try_into().map_err(|_| Error::<T>::DescriptionTooLong)?;
			let caps = caps::initial::<T>(caps)?;
			ensure!(!voting.approval_threshold.is_zero(), Error::<T>::ZeroApprovalThreshold);
			ensure!(!voting.min_participation.is_zero(), Error::<T>::ZeroParticipation);
			ensure!(
				!voting.commit_period.is_zero()
					&& voting.commit_period <= T::MaxCommitPeriod::get(),
				Error::<T>::CommitPeriodOutOfRange
			);
			ensure!(
				!voting.reveal_period.is_zero()
					&& voting.reveal_period <= T::MaxRevealPeriod::get(),
				Error::<T>::RevealPeriodOutOfRange
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
					next_reward_per_epoch: None,
					unsettled_epoch: None,
					active_stake: Zero::zero(),
					stake_added: (Zero::zero(), Zero::zero()),
					validators: 0,
					unsettled: 0,
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

		pub(crate) fn do_submit(
			contributor: T::AccountId,
			datanet: DatanetId,
			cid: Vec<u8>,
			bytes: u64,
			format: FileFormat,
		) -> Result<SubmissionId, DispatchError> {
			let record = Datanets::<T>::get(datanet).ok_or(Error::<T>::DatanetNotFound)?;
			ensure!(record.status == DatanetStatus::Open, Error::<T>::DatanetClosed);
			ensure!(format.modality() == record.modality, Error::<T>::FormatNotInModality);
			ensure!(cid.len() <= T::MaxCidLength::get() as usize, Error::<T>::CidTooLong);
			let cid: CanonicalCid = cid::parse(&cid)
				.ok()
				.and_then(|binary| binary.try_into().ok())
				.ok_or(Error::<T>::InvalidCid)?;
			ensure!(bytes > 0, Error::<T>::EmptyFile);
			ensure!(cid::check_canonical(&cid, bytes), Error::<T>::CidNotCanonical);
			Self::free_cid_for(datanet, &cid, &contributor)?;
			ensure!(bytes <= record.caps.max_file_bytes, Error::<T>::FileTooLarge);
			Self::take_reservation(datanet, &cid, &contributor)?;
			Self::use_daily_allowance(&contributor, datanet, &record.caps, bytes)?;
			let deposit = Self::submission_deposit(bytes);
			T::Currency::hold(&HoldReason::SubmissionDeposit.into(), &contributor, deposit)
				.map_err(|_| Error::<T>::CannotPayDeposit)?;

			let id = NextSubmissionId::<T>::get();
			NextSubmissionId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			let now = frame_system::Pallet::<T>::block_number();
			let commit_ends = now.saturating_add(record.voting.commit_period);
			let reveal_ends = commit_ends.saturating_add(record.voting.reveal_period);
			// The contributor's own stake as it stood before this block: what it added in
			// this block is already left out below, with everyone's.
			let own_stake = Validators::<T>::get(datanet, &contributor)
				.filter(|bond| bond.unlocks_at.is_none())
				.map(|bond| bond.stake_at(now))
				.unwrap_or_default();
			let mut record = record;
			record.unsettled = record.unsettled.checked_add(1).ok_or(Error::<T>::Overflow)?;
			// Stake bonded in this block cannot vote on this submission: not in its snapshot.
			let added_now =
				if record.stake_added.0 == now { record.stake_added.1 } else { Zero::zero() };
			let snapshot = record.active_stake.saturating_sub(added_now).saturating_sub(own_stake);
			Datanets::<T>::insert(datanet, record);
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
					commit_ends,
					reveal_ends,
					status: SubmissionStatus::Pending,
					deposit,
					stake_snapshot: snapshot,
					tally: Default::default(),
					settled: false,
				},
			);
			Self::record_submitted(datanet, &contributor);
			Self::add_pending(datanet, id);
			Self::schedule(reveal_ends, id);
			Self::deposit_event(Event::Submitted {
				submission: id,
				datanet,
				contributor,
				cid,
				bytes,
				format,
				deposit,
				commit_ends,
				reveal_ends,
			});
			Ok(id)
		}

		/// `SubmissionDepositBase + SubmissionDepositPerByte × bytes`.
		pub fn submission_deposit(bytes: u64) -> BalanceOf<T> {
			let per_byte: BalanceOf<T> = bytes.saturated_into();
			T::SubmissionDepositBase::get()
				.saturating_add(T::SubmissionDepositPerByte::get().saturating_mul(per_byte))
		}

		pub(crate) fn owned_datanet(
			datanet: DatanetId,
			who: &T::AccountId,
		) -> Result<DatanetOf<T>, Error<T>> {
			let record = Datanets::<T>::get(datanet).ok_or(Error::<T>::DatanetNotFound)?;
			ensure!(&record.owner == who, Error::<T>::NotDatanetOwner);
			Ok(record)
		}

		/// The account that keeps every datanet's reward pool.
		pub fn pot() -> T::AccountId {
			use sp_runtime::traits::AccountIdConversion;
			T::PalletId::get().into_account_truncating()
		}

		/// Mints the pot's existential deposit if it has none, so that any slash or
		/// forfeit, however small, can be moved into it and the last unit of a pool paid
		/// out without reaping it.
		pub(crate) fn ensure_pot_exists() {
			let pot = Self::pot();
			let missing = T::Currency::minimum_balance().saturating_sub(T::Currency::balance(&pot));
			if !missing.is_zero() {
				let _ = T::Currency::mint_into(&pot, missing);
			}
		}
	}
}
