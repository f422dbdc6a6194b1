//! What the read paths return: the runtime API, the view functions and (converted to
//! JSON) the node's `datanets_*` RPC methods. Generic over the runtime's account, balance
//! and block number types so that the runtime API can name them without a `Config`.

use crate::{
	Board, ContributorStats, DatanetCaps, DatanetId, DatanetStatus, EpochIndex, FileFormat,
	Modality, SubmissionId, SubmissionStatus, ValidatorBond, Vote, VotingRules,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// Largest `limit` a paged query accepts.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Why a query has no answer.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
pub enum QueryError {
	DatanetNotFound,
	SubmissionNotFound,
	/// The account has no bond on the datanet.
	NotValidator,
	/// `limit` above `MAX_PAGE_SIZE`.
	PageTooLarge {
		max: u32,
	},
}

/// Items `offset..offset + items.len()` of `total`.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct Page<Item> {
	pub total: u32,
	pub offset: u32,
	pub items: Vec<Item>,
}

#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct LeaderboardEntry<AccountId, BlockNumber> {
	/// 1-based.
	pub rank: u32,
	pub account: AccountId,
	pub stats: ContributorStats<BlockNumber>,
}

/// One contributor's standing on a board.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ContributorInfo<AccountId, BlockNumber> {
	pub account: AccountId,
	pub board: Board,
	/// 1-based; `None` until the contributor's first acceptance.
	pub rank: Option<u32>,
	/// Ranked accounts on the board.
	pub ranked: u32,
	pub stats: ContributorStats<BlockNumber>,
}

#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct SubmissionInfo<AccountId, Balance, BlockNumber> {
	pub id: SubmissionId,
	pub datanet: DatanetId,
	pub contributor: AccountId,
	/// Binary CIDv1 (see `cid::to_text`).
	pub cid: Vec<u8>,
	pub bytes: u64,
	pub format: FileFormat,
	pub submitted_at: BlockNumber,
	pub voting_ends: BlockNumber,
	pub status: SubmissionStatus,
	pub votes: Vec<Vote<AccountId, Balance>>,
}

#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct DatanetInfo<AccountId, Balance, BlockNumber> {
	pub id: DatanetId,
	pub owner: AccountId,
	pub name: Vec<u8>,
	pub description: Vec<u8>,
	pub modality: Modality,
	pub caps: DatanetCaps,
	pub voting: VotingRules<BlockNumber>,
	pub status: DatanetStatus,
	pub deposit: Balance,
	pub reward_pool: Balance,
	pub reward_per_epoch: Balance,
	pub created_at: BlockNumber,
	pub accepted: u32,
	pub pending: u32,
	/// Contributors with at least one accepted file.
	pub contributors: u32,
}

#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ValidatorInfo<AccountId, Balance, BlockNumber> {
	pub datanet: DatanetId,
	pub validator: AccountId,
	pub bond: ValidatorBond<Balance, BlockNumber>,
	/// Agreeing votes not yet claimed, over all epochs.
	pub unclaimed_agreeing_votes: u32,
}

/// Unclaimed earnings of one account in one epoch of one datanet.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct RewardInfo<Balance> {
	pub datanet: DatanetId,
	pub epoch: EpochIndex,
	pub score: u64,
	pub agreeing_votes: u32,
	/// What `claim_rewards` pays now; `None` while the epoch is still running.
	pub claimable: Option<Balance>,
}
