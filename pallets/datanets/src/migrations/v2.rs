//! v1 -> v2: sealed votes of the whole bonded set, submission deposits, pruning queues and
//! epochs settled at their end.
//!
//! - Datanets: the quorum rules become threshold + participation (50%) + commit and reveal
//!   periods (the old voting period split in two, within the runtime's bounds); active
//!   stake and validator count come from the bonds. Epochs that ended with earnings and no
//!   release are settled now, oldest first, as the old rule would have at the first claim.
//! - Bonds: the whole amount votes from now on; no unsettled votes remain.
//! - Pending submissions start a fresh commit period at the upgrade: their old votes were
//!   public, so they are dropped and validators vote again, sealed. Decided submissions
//!   count as settled; rejected and expired ones are queued for pruning. None held a
//!   deposit, so none is returned.
//! - Agreement counted votes; it now counts stake. Within an old epoch every vote weighs
//!   one unit, which keeps each validator's share of that epoch unchanged.
//!
//! Single-block and O(state), like v1: meant for chains from before launch.

use crate::{
	BalanceOf, CanonicalCid, Config, DatanetCaps, DatanetStatus, Datanets, EpochIndex,
	EpochRelease, Epochs, FileFormat, Modality, Pallet, Quality, Submission, SubmissionStatus,
	Submissions, ValidatorBond, Validators, VotingRules,
};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use codec::{Decode, Encode};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	BoundedVec,
};
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

/// The v1 shapes of the changed types.
pub mod v1 {
	use super::*;
	use scale_info::TypeInfo;

	/// v1 `VotingRules`.
	#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
	pub struct VotingRules<BlockNumber> {
		/// Votes that decided.
		pub quorum: u32,
		/// Approving share of the voting stake.
		pub approval_threshold: Perbill,
		/// Blocks of voting.
		pub voting_period: BlockNumber,
	}

	/// v1 `Datanet`.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct Datanet<AccountId, Balance, BlockNumber> {
		/// Owner.
		pub owner: AccountId,
		/// Name.
		pub name: Vec<u8>,
		/// Description.
		pub description: Vec<u8>,
		/// Modality.
		pub modality: Modality,
		/// Caps.
		pub caps: DatanetCaps,
		/// Rules.
		pub voting: VotingRules<BlockNumber>,
		/// Status.
		pub status: DatanetStatus,
		/// Owner's deposit.
		pub deposit: Balance,
		/// Pool.
		pub reward_pool: Balance,
		/// Rate.
		pub reward_per_epoch: Balance,
		/// Accepted count.
		pub accepted_count: u32,
		/// Creation block.
		pub created_at: BlockNumber,
	}

	/// v1 `Vote`: public from the start.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct Vote<AccountId, Balance> {
		/// Validator.
		pub validator: AccountId,
		/// Approve or reject.
		pub approve: bool,
		/// Quality.
		pub quality: Quality,
		/// Stake.
		pub stake: Balance,
	}

	/// v1 `Submission`.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct Submission<AccountId, Balance, BlockNumber> {
		/// Datanet.
		pub datanet: u32,
		/// Contributor.
		pub contributor: AccountId,
		/// CID.
		pub cid: CanonicalCid,
		/// Size.
		pub bytes: u64,
		/// Format.
		pub format: FileFormat,
		/// Block.
		pub submitted_at: BlockNumber,
		/// End of voting.
		pub voting_ends: BlockNumber,
		/// Status.
		pub status: SubmissionStatus,
		/// Votes.
		pub votes: Vec<Vote<AccountId, Balance>>,
	}

	/// v1 `ValidatorBond`.
	#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
	pub struct ValidatorBond<Balance, BlockNumber> {
		/// Bonded.
		pub amount: Balance,
		/// Votes on pending submissions.
		pub pending_votes: u32,
		/// Unbonding.
		pub unlocks_at: Option<BlockNumber>,
	}

	/// v1 `EpochRewards`.
	#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo)]
	pub struct EpochRewards<Balance> {
		/// Score.
		pub total_score: u64,
		/// Agreeing votes.
		pub total_agreeing_votes: u32,
		/// Release.
		pub release: Option<EpochRelease<Balance>>,
		/// Paid.
		pub paid: Balance,
	}

	/// v1 `EpochEarnings`.
	#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo)]
	pub struct EpochEarnings {
		/// Score.
		pub score: u64,
		/// Agreeing votes.
		pub agreeing_votes: u32,
	}
}

/// The v1 -> v2 translation; see the module docs.
pub struct SealedVotes<T>(core::marker::PhantomData<T>);

type OldDatanet<T> = v1::Datanet<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

impl<T: Config> UncheckedOnRuntimeUpgrade for SealedVotes<T> {
	fn on_runtime_upgrade() -> Weight {
		let (mut reads, mut writes) = (0u64, 0u64);
		let now = frame_system::Pallet::<T>::block_number();
		let current = Pallet::<T>::current_epoch();
		Pallet::<T>::ensure_pot_exists();

		// Bonds first: the datanets' active stake is their sum.
		let mut stake: BTreeMap<u32, (BalanceOf<T>, u32)> = BTreeMap::new();
		Validators::<T>::translate::<v1::ValidatorBond<BalanceOf<T>, _>, _>(|datanet, _, old| {
			reads += 1;
			writes += 1;
			let entry = stake.entry(datanet).or_default();
			entry.1 += 1;
			if old.unlocks_at.is_none() {
				entry.0.saturating_accrue(old.amount);
			}
			Some(ValidatorBond {
				amount: old.amount,
				previous_amount: old.amount,
				changed_at: Zero::zero(),
				slashed: Zero::zero(),
				pending_votes: 0,
				unlocks_at: old.unlocks_at,
			})
		});

		let mut pending: BTreeMap<u32, u32> = BTreeMap::new();
		for (datanet, _) in crate::PendingSubmissions::<T>::iter_keys() {
			reads += 1;
			*pending.entry(datanet).or_default() += 1;
		}
		let mut releasable: BTreeMap<u32, Vec<EpochIndex>> = BTreeMap::new();
		Epochs::<T>::translate::<v1::EpochRewards<BalanceOf<T>>, _>(|datanet, epoch, old| {
			reads += 1;
			writes += 1;
			if old.release.is_none() {
				releasable.entry(datanet).or_default().push(epoch);
			}
			Some(crate::EpochRewards {
				total_score: old.total_score,
				total_agreeing_stake: old.total_agreeing_votes.into(),
				release: old.release,
				paid: old.paid,
			})
		});
		crate::Earnings::<T>::translate::<v1::EpochEarnings, _>(|_, old| {
			reads += 1;
			writes += 1;
			Some(crate::EpochEarnings {
				score: old.score,
				agreeing_stake: old.agreeing_votes.into(),
			})
		});

		Datanets::<T>::translate::<OldDatanet<T>, _>(|id, old| {
			reads += 1;
			writes += 1;
			let period = old.voting.voting_period;
			let half = period / 2u32.into();
			let commit_period = half.max(1u32.into()).min(T::MaxCommitPeriod::get());
			let reveal_period =
				period.saturating_sub(half).max(1u32.into()).min(T::MaxRevealPeriod::get());
			let (active_stake, validators) = stake.remove(&id).unwrap_or_default();
			let mut datanet = crate::Datanet {
				owner: old.owner,
				name: BoundedVec::truncate_from(old.name),
				description: BoundedVec::truncate_from(old.description),
				modality: old.modality,
				caps: old.caps,
				voting: VotingRules {
					approval_threshold: old.voting.approval_threshold,
					min_participation: Perbill::from_percent(50),
					commit_period,
					reveal_period,
				},
				status: old.status,
				deposit: old.deposit,
				reward_pool: old.reward_pool,
				reward_per_epoch: old.reward_per_epoch,
				next_reward_per_epoch: None,
				unsettled_epoch: None,
				active_stake,
				stake_added: (Zero::zero(), Zero::zero()),
				validators,
				unsettled: pending.remove(&id).unwrap_or_default(),
				accepted_count: old.accepted_count,
				created_at: old.created_at,
			};
			let mut epochs = releasable.remove(&id).unwrap_or_default();
			epochs.sort();
			for epoch in epochs {
				// One unsettled epoch at a time, as the pallet keeps it.
				datanet.unsettled_epoch = Some(epoch);
				Pallet::<T>::settle_epoch(id, &mut datanet);
				writes += 1;
				if epoch >= current {
					datanet.unsettled_epoch = Some(epoch);
				}
			}
			Some(datanet)
		});

		let retention = T::RetentionPeriod::get();
		Submissions::<T>::translate::<v1::Submission<T::AccountId, BalanceOf<T>, _>, _>(
			|id, old| {
				reads += 1;
				writes += 2;
				let pending = old.status == SubmissionStatus::Pending;
				let (commit_ends, reveal_ends, snapshot) = if pending {
					let record = Datanets::<T>::get(old.datanet)?;
					let own = Validators::<T>::get(old.datanet, &old.contributor)
						.filter(|bond| bond.unlocks_at.is_none())
						.map(|bond| bond.amount)
						.unwrap_or_default();
					let commit_ends = now.saturating_add(record.voting.commit_period);
					let reveal_ends = commit_ends.saturating_add(record.voting.reveal_period);
					Pallet::<T>::schedule(reveal_ends, id);
					(commit_ends, reveal_ends, record.active_stake.saturating_sub(own))
				} else {
					if !matches!(old.status, SubmissionStatus::Accepted { .. }) {
						Pallet::<T>::schedule(now.saturating_add(retention), id);
					}
					(old.voting_ends, old.voting_ends, Zero::zero())
				};
				Some(Submission {
					datanet: old.datanet,
					contributor: old.contributor,
					cid: old.cid,
					bytes: old.bytes,
					format: old.format,
					submitted_at: old.submitted_at,
					commit_ends,
					reveal_ends,
					status: old.status,
					deposit: Zero::zero(),
					stake_snapshot: snapshot,
					tally: Default::default(),
					settled: !pending,
				})
			},
		);
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let submissions = Submissions::<T>::iter_keys().count() as u64;
		let datanets = Datanets::<T>::iter_keys().count() as u64;
		let bonds = Validators::<T>::iter_keys().count() as u64;
		Ok((submissions, datanets, bonds).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (submissions, datanets, bonds): (u64, u64, u64) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		frame_support::ensure!(
			Submissions::<T>::iter().count() as u64 == submissions,
			"a submission was lost or undecodable"
		);
		frame_support::ensure!(
			Datanets::<T>::iter().count() as u64 == datanets,
			"a datanet was lost or undecodable"
		);
		frame_support::ensure!(
			Validators::<T>::iter().count() as u64 == bonds,
			"a bond was lost or undecodable"
		);
		Pallet::<T>::do_try_state()
	}
}

/// The v1 -> v2 migration, run once: it checks and bumps the on-chain storage version.
pub type MigrateV1ToV2<T> =
	VersionedMigration<1, 2, SealedVotes<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;
