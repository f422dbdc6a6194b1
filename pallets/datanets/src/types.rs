//! Plain data types stored or passed by the pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use frame_support::{pallet_prelude::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::Perbill;

pub type DatanetId = u32;
pub type SubmissionId = u64;
/// Reward epochs are numbered from block 0 in steps of `Config::EpochLength`.
pub type EpochIndex = u32;
/// UTC day number: days since the Unix epoch.
pub type DayIndex = u32;
/// Quality a validator gives a file, and the acceptance weight derived from those votes.
pub type Quality = u8;
pub const MAX_QUALITY: Quality = 100;

/// Longest canonical (binary CIDv1) form stored: version, codec and a 64-byte multihash fit.
pub const MAX_CANONICAL_CID_LEN: u32 = 80;
pub type CanonicalCid = BoundedVec<u8, ConstU32<MAX_CANONICAL_CID_LEN>>;

/// What a datanet collects; fixed at creation.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub enum Modality {
	Text,
	Image,
	Audio,
}

impl Modality {
	pub fn name(self) -> &'static str {
		match self {
			Self::Text => "text",
			Self::Image => "image",
			Self::Audio => "audio",
		}
	}

	pub fn formats(self) -> impl Iterator<Item = FileFormat> {
		FileFormat::ALL.into_iter().filter(move |format| format.modality() == self)
	}
}

/// File formats the chain knows; each belongs to exactly one modality.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum FileFormat {
	Md,
	Pdf,
	Docx,
	Txt,
	Png,
	/// `.jpg` and `.jpeg`.
	Jpeg,
	Webp,
	Tiff,
	Bmp,
	Wav,
	Mp3,
	Flac,
}

impl FileFormat {
	pub const ALL: [FileFormat; 12] = [
		Self::Md,
		Self::Pdf,
		Self::Docx,
		Self::Txt,
		Self::Png,
		Self::Jpeg,
		Self::Webp,
		Self::Tiff,
		Self::Bmp,
		Self::Wav,
		Self::Mp3,
		Self::Flac,
	];

	/// The usual file extension, lower case; also the format's name in JSON.
	pub fn extension(self) -> &'static str {
		match self {
			Self::Md => "md",
			Self::Pdf => "pdf",
			Self::Docx => "docx",
			Self::Txt => "txt",
			Self::Png => "png",
			Self::Jpeg => "jpg",
			Self::Webp => "webp",
			Self::Tiff => "tiff",
			Self::Bmp => "bmp",
			Self::Wav => "wav",
			Self::Mp3 => "mp3",
			Self::Flac => "flac",
		}
	}

	pub fn modality(self) -> Modality {
		match self {
			Self::Md | Self::Pdf | Self::Docx | Self::Txt => Modality::Text,
			Self::Png | Self::Jpeg | Self::Webp | Self::Tiff | Self::Bmp => Modality::Image,
			Self::Wav | Self::Mp3 | Self::Flac => Modality::Audio,
		}
	}
}

/// Per-datanet limits; each is at most the chain-wide limit of the same kind.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct DatanetCaps {
	/// Bytes one account may submit to this datanet per UTC day.
	pub daily_bytes_per_account: u64,
	/// Largest single file accepted.
	pub max_file_bytes: u64,
}

/// Optional overrides of the default caps, as given to `create_datanet` and `lower_caps`.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct CapOverrides {
	pub daily_bytes_per_account: Option<u64>,
	pub max_file_bytes: Option<u64>,
}

/// How a datanet decides its submissions.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct VotingRules<BlockNumber> {
	/// Votes needed to decide a submission (1..=`MaxVotesPerSubmission`).
	pub quorum: u32,
	/// Share of the voting stake that must approve for acceptance (ties at it accept).
	pub approval_threshold: Perbill,
	/// Blocks after submission during which votes are taken; afterwards it can only expire.
	pub voting_period: BlockNumber,
}

#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum DatanetStatus {
	Open,
	Closed,
}

#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxName, MaxDescription))]
pub struct Datanet<AccountId, Balance, BlockNumber, MaxName, MaxDescription>
where
	MaxName: frame_support::traits::Get<u32>,
	MaxDescription: frame_support::traits::Get<u32>,
{
	pub owner: AccountId,
	pub name: BoundedVec<u8, MaxName>,
	pub description: BoundedVec<u8, MaxDescription>,
	pub modality: Modality,
	pub caps: DatanetCaps,
	pub voting: VotingRules<BlockNumber>,
	pub status: DatanetStatus,
	/// Held from the owner while the datanet is open.
	pub deposit: Balance,
	/// Funded OPEN not yet released to any epoch.
	pub reward_pool: Balance,
	/// Most the pool releases per epoch.
	pub reward_per_epoch: Balance,
	/// Length of the append-only accepted list (`AcceptedSubmissions`).
	pub accepted_count: u32,
	pub created_at: BlockNumber,
}

/// One validator's vote, with the stake it carried when cast.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Vote<AccountId, Balance> {
	pub validator: AccountId,
	pub approve: bool,
	pub quality: Quality,
	pub stake: Balance,
}

#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum SubmissionStatus {
	Pending,
	/// Accepted with this acceptance weight (stake-weighted median quality of the approvals).
	Accepted {
		weight: Quality,
	},
	Rejected,
	/// The voting period ended without a quorum.
	Expired,
}

#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxVotes))]
pub struct Submission<AccountId, Balance, BlockNumber, MaxVotes: frame_support::traits::Get<u32>> {
	pub datanet: DatanetId,
	pub contributor: AccountId,
	/// Binary CIDv1 (CIDv0 input is stored as its CIDv1 dag-pb equivalent).
	pub cid: CanonicalCid,
	pub bytes: u64,
	pub format: FileFormat,
	pub submitted_at: BlockNumber,
	/// Last block in which votes are taken.
	pub voting_ends: BlockNumber,
	pub status: SubmissionStatus,
	pub votes: BoundedVec<Vote<AccountId, Balance>, MaxVotes>,
}

/// A contributor's standing, per datanet and chain-wide. Only acceptances raise `score`;
/// nothing lowers it.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct ContributorStats<BlockNumber> {
	pub submitted: u32,
	pub accepted: u32,
	pub rejected: u32,
	pub expired: u32,
	pub accepted_bytes: u64,
	/// Sum of the acceptance weights of the accepted files.
	pub score: u64,
	/// Block of the first acceptance: the last tie-breaker of the leaderboard.
	pub first_accepted_at: Option<BlockNumber>,
}

/// Bytes and files submitted by one account on one UTC day; older days read as empty.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct DailyUsage {
	pub day: DayIndex,
	pub bytes: u64,
	pub files: u32,
}

impl DailyUsage {
	/// The usage as of `today`: a record from an earlier day counts as nothing.
	pub fn on(self, today: DayIndex) -> Self {
		if self.day == today {
			self
		} else {
			Self { day: today, bytes: 0, files: 0 }
		}
	}

	/// The usage of `today` with one more file of `bytes`; callers have checked the caps,
	/// which keep the sums far from overflow.
	pub fn with_file(self, today: DayIndex, bytes: u64) -> Self {
		let current = self.on(today);
		Self {
			day: today,
			bytes: current.bytes.saturating_add(bytes),
			files: current.files.saturating_add(1),
		}
	}
}

/// A validator's bond on one datanet.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct ValidatorBond<Balance, BlockNumber> {
	pub amount: Balance,
	/// Votes cast on submissions still pending; the bond cannot be withdrawn while any.
	pub pending_votes: u32,
	/// Set by `unbond`: the block from which `withdraw_unbonded` releases the bond.
	pub unlocks_at: Option<BlockNumber>,
}

/// What one datanet's epoch earned and released.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct EpochRewards<Balance> {
	/// Sum of the acceptance weights accepted during the epoch.
	pub total_score: u64,
	/// Votes during the epoch that agreed with their submission's outcome.
	pub total_agreeing_votes: u32,
	/// Set once, at the first claim after the epoch ended.
	pub release: Option<EpochRelease<Balance>>,
	/// Paid out so far; never more than the release.
	pub paid: Balance,
}

#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct EpochRelease<Balance> {
	pub contributors: Balance,
	pub validators: Balance,
}

/// One account's unclaimed earnings in one epoch of one datanet.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct EpochEarnings {
	pub score: u64,
	pub agreeing_votes: u32,
}

/// A ranking: one datanet's contributors, or every contributor by chain-wide stats.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Board {
	Global,
	Datanet(DatanetId),
}

/// What a leaderboard orders by: score descending, then accepted count descending, then
/// the earliest first acceptance; the account id breaks the remaining ties.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Standing<BlockNumber> {
	pub score: u64,
	pub accepted: u32,
	pub first_accepted_at: BlockNumber,
}

impl<BlockNumber: Ord + Copy> Standing<BlockNumber> {
	/// The standing of a contributor with at least one acceptance; others are not ranked.
	pub fn of(stats: &ContributorStats<BlockNumber>) -> Option<Self> {
		stats.first_accepted_at.map(|first_accepted_at| Self {
			score: stats.score,
			accepted: stats.accepted,
			first_accepted_at,
		})
	}

	/// Whether `(self, account)` ranks above `(other, other_account)`.
	pub fn ranks_above<AccountId: Ord>(
		&self,
		account: &AccountId,
		other: &Self,
		other_account: &AccountId,
	) -> bool {
		use core::cmp::{Ordering, Reverse};
		let key = |s: &Self| (Reverse(s.score), Reverse(s.accepted), s.first_accepted_at);
		match key(self).cmp(&key(other)) {
			Ordering::Less => true,
			Ordering::Greater => false,
			Ordering::Equal => account < other_account,
		}
	}
}

/// A node of a leaderboard's order-statistic tree (an AVL tree keyed by standing, stored
/// one node per account). Children's subtree sizes and heights live in the parent, so a
/// rank or a page walks one root-to-node path without reading siblings.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct RankNode<AccountId, BlockNumber> {
	pub standing: Standing<BlockNumber>,
	pub left: Option<AccountId>,
	pub right: Option<AccountId>,
	pub left_size: u32,
	pub right_size: u32,
	pub left_height: u8,
	pub right_height: u8,
}

impl<AccountId, BlockNumber> RankNode<AccountId, BlockNumber> {
	pub fn leaf(standing: Standing<BlockNumber>) -> Self {
		Self {
			standing,
			left: None,
			right: None,
			left_size: 0,
			right_size: 0,
			left_height: 0,
			right_height: 0,
		}
	}

	/// Nodes in the subtree rooted here.
	pub fn size(&self) -> u32 {
		self.left_size.saturating_add(self.right_size).saturating_add(1)
	}

	pub fn height(&self) -> u8 {
		self.left_height.max(self.right_height).saturating_add(1)
	}
}
