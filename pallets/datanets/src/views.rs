//! What the read paths return: the runtime API, the view functions and (converted to
//! JSON) the node's `datanets_*` RPC methods. Generic over the runtime's account, balance
//! and block number types so that the runtime API can name them without a `Config`.

use crate::{
	Ballot, Board, ContributorStats, DatanetCaps, DatanetId, DatanetStatus, EpochIndex, FileFormat,
	Modality, Quality, SubmissionId, SubmissionStatus, Tally, ValidatorBond, VotingRules,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// The page every paged read returns, and its largest `limit`: shared by every pallet.
pub use openledger_primitives::query::{Page, MAX_PAGE_SIZE};

/// Why a query has no answer.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
pub enum QueryError {
	/// No datanet has this id.
	DatanetNotFound,
	/// No submission has this id (or it was pruned).
	SubmissionNotFound,
	/// The account has no bond on the datanet.
	NotValidator,
	/// `limit` above `MAX_PAGE_SIZE`.
	PageTooLarge {
		/// The largest limit.
		max: u32,
	},
}

/// One row of a leaderboard.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct LeaderboardEntry<AccountId, BlockNumber> {
	/// 1-based.
	pub rank: u32,
	/// The contributor.
	pub account: AccountId,
	/// Their stats on the board.
	pub stats: ContributorStats<BlockNumber>,
}

/// One contributor's standing on a board.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ContributorInfo<AccountId, BlockNumber> {
	/// The contributor.
	pub account: AccountId,
	/// The board asked about.
	pub board: Board,
	/// 1-based; `None` until the contributor's first acceptance.
	pub rank: Option<u32>,
	/// Ranked accounts on the board.
	pub ranked: u32,
	/// Their stats on the board.
	pub stats: ContributorStats<BlockNumber>,
}

/// A vote on a submission whose votes are not settled: its ballot only once revealed.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct VoteInfo<AccountId, Balance> {
	/// The validator.
	pub validator: AccountId,
	/// The stake the vote carries.
	pub stake: Balance,
	/// `None` while sealed.
	pub revealed: Option<Ballot>,
}

/// A submission and its votes.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct SubmissionInfo<AccountId, Balance, BlockNumber> {
	/// Its id.
	pub id: SubmissionId,
	/// The datanet.
	pub datanet: DatanetId,
	/// Who submitted it.
	pub contributor: AccountId,
	/// Binary CIDv1 (see `cid::to_text`).
	pub cid: Vec<u8>,
	/// Declared size.
	pub bytes: u64,
	/// Declared format.
	pub format: FileFormat,
	/// Block of the submission.
	pub submitted_at: BlockNumber,
	/// Last block of the commit period.
	pub commit_ends: BlockNumber,
	/// Last block of the reveal period.
	pub reveal_ends: BlockNumber,
	/// Outcome so far.
	pub status: SubmissionStatus,
	/// Held from the contributor until settlement.
	pub deposit: Balance,
	/// Stake that may vote on it.
	pub stake_snapshot: Balance,
	/// Votes so far.
	pub tally: Tally<Balance>,
	/// Whether its votes were settled.
	pub settled: bool,
	/// Unsettled votes (empty once settled).
	pub votes: Vec<VoteInfo<AccountId, Balance>>,
}

/// A datanet and its counts.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct DatanetInfo<AccountId, Balance, BlockNumber> {
	/// Its id.
	pub id: DatanetId,
	/// Its owner.
	pub owner: AccountId,
	/// Its name.
	pub name: Vec<u8>,
	/// Its description.
	pub description: Vec<u8>,
	/// What it collects.
	pub modality: Modality,
	/// Its caps.
	pub caps: DatanetCaps,
	/// How it decides.
	pub voting: VotingRules<BlockNumber>,
	/// Open or closed.
	pub status: DatanetStatus,
	/// Held from the owner.
	pub deposit: Balance,
	/// Unreleased funds.
	pub reward_pool: Balance,
	/// Most released per epoch now.
	pub reward_per_epoch: Balance,
	/// A rate change and the epoch it applies from.
	pub next_reward_per_epoch: Option<(EpochIndex, Balance)>,
	/// Bonded stake of the validators that are not unbonding.
	pub active_stake: Balance,
	/// Validators bonded.
	pub validators: u32,
	/// Block of creation.
	pub created_at: BlockNumber,
	/// Accepted submissions.
	pub accepted: u32,
	/// Pending submissions.
	pub pending: u32,
	/// Contributors with at least one accepted file.
	pub contributors: u32,
	/// IPFS gateways the owner publishes, in the order to try them.
	pub gateways: Vec<Vec<u8>>,
}

/// A validator's bond and unclaimed agreement.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ValidatorInfo<AccountId, Balance, BlockNumber> {
	/// The datanet.
	pub datanet: DatanetId,
	/// The validator.
	pub validator: AccountId,
	/// Its bond.
	pub bond: ValidatorBond<Balance, BlockNumber>,
	/// Agreeing stake not yet claimed, over all epochs.
	pub unclaimed_agreeing_stake: Balance,
}

/// Unclaimed earnings of one account in one epoch of one datanet.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct RewardInfo<Balance> {
	/// The datanet.
	pub datanet: DatanetId,
	/// The epoch.
	pub epoch: EpochIndex,
	/// Acceptance weights earned.
	pub score: u64,
	/// Agreeing stake earned.
	pub agreeing_stake: Balance,
	/// What `claim_rewards` pays now; `None` while the epoch is still running.
	pub claimable: Option<Balance>,
}

/// One entry of a datanet's accepted log: what its head commits to, and the head after it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct AcceptedInfo<AccountId> {
	/// Position in the log, from 0.
	pub index: u32,
	/// The accepted submission.
	pub submission: SubmissionId,
	/// Binary CIDv1 (see `cid::to_text`), as hashed into the head.
	pub cid: Vec<u8>,
	/// Who submitted it.
	pub contributor: AccountId,
	/// Its acceptance weight.
	pub weight: Quality,
	/// The log's head after this entry: `next_head(previous head, index, submission, cid,
	/// contributor, weight)` of `openledger_primitives::dataset`.
	pub head: [u8; 32],
}
