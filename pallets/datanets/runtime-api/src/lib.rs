//! The runtime API behind the node's `datanets_*` RPC methods. Every method is a bounded
//! read (see pallet-datanets' `queries.rs`); the same reads are the pallet's view functions.

#![cfg_attr(not(feature = "std"), no_std)]

use codec::Codec;
pub use pallet_datanets::{
	views::{
		AcceptedInfo, ContributorInfo, DatanetInfo, LeaderboardEntry, Page, RewardInfo,
		SubmissionInfo, ValidatorInfo,
	},
	Board, DatanetId, QueryError, SubmissionId, MAX_PAGE_SIZE,
};

sp_api::decl_runtime_apis! {
	pub trait DatanetsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// A page of `board`, best first; ranks are 1-based.
		fn leaderboard(
			board: Board,
			offset: u32,
			limit: u32,
		) -> Result<Page<LeaderboardEntry<AccountId, BlockNumber>>, QueryError>;

		fn contributor(
			board: Board,
			account: AccountId,
		) -> Result<ContributorInfo<AccountId, BlockNumber>, QueryError>;

		fn submission(
			id: SubmissionId,
		) -> Result<SubmissionInfo<AccountId, Balance, BlockNumber>, QueryError>;

		/// Pending submissions of a datanet, oldest first.
		fn pending(
			datanet: DatanetId,
			offset: u32,
			limit: u32,
		) -> Result<Page<SubmissionInfo<AccountId, Balance, BlockNumber>>, QueryError>;

		/// Datanets by id.
		fn datanets(
			offset: u32,
			limit: u32,
		) -> Result<Page<DatanetInfo<AccountId, Balance, BlockNumber>>, QueryError>;

		fn datanet(id: DatanetId) -> Result<DatanetInfo<AccountId, Balance, BlockNumber>, QueryError>;

		fn validator(
			datanet: DatanetId,
			validator: AccountId,
		) -> Result<ValidatorInfo<AccountId, Balance, BlockNumber>, QueryError>;

		/// Unclaimed rewards of an account, one entry per (datanet, epoch).
		fn rewards(
			account: AccountId,
			offset: u32,
			limit: u32,
		) -> Result<Page<RewardInfo<Balance>>, QueryError>;

		/// A page of a datanet's accepted log in acceptance order, with the running head
		/// after each entry (dataset snapshots).
		fn accepted(
			datanet: DatanetId,
			offset: u32,
			limit: u32,
		) -> Result<Page<AcceptedInfo<AccountId>>, QueryError>;
	}
}
