//! Plain data types stored or passed by the pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use frame_support::{pallet_prelude::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::Perbill;

/// Datanets are numbered from 0.
pub type DatanetId = u32;
/// Submissions are numbered from 0, across all datanets.
pub type SubmissionId = u64;
/// Reward epochs are numbered from block 0 in steps of `Config::EpochLength`.
pub type EpochIndex = u32;
/// UTC day number: days since the Unix epoch.
pub type DayIndex = u32;
/// Quality a validator gives a file, and the acceptance weight derived from those votes.
pub type Quality = u8;
/// The best quality a validator can give.
pub const MAX_QUALITY: Quality = 100;

/// Longest canonical (binary CIDv1) form stored: version, codec and a 64-byte multihash fit.
pub const MAX_CANONICAL_CID_LEN: u32 = crate::cid::MAX_BINARY_CID_LEN;
/// Most gateway URLs a datanet publishes.
pub const MAX_GATEWAYS: u32 = 8;
/// Longest gateway URL.
pub const MAX_GATEWAY_URL_LEN: u32 = 256;
/// An IPFS gateway's base URL (`https://host[:port][/path]`), where validators and trainers
/// fetch a datanet's files.
pub type GatewayUrl = BoundedVec<u8, ConstU32<MAX_GATEWAY_URL_LEN>>;
/// A datanet's published gateways.
pub type Gateways = BoundedVec<GatewayUrl, ConstU32<MAX_GATEWAYS>>;

/// Whether `url` is an absolute `http://` or `https://` URL with a host and no whitespace
/// or control characters: what a client can put `/ipfs/{cid}` after.
pub fn is_gateway_url(url: &[u8]) -> bool {
	let rest = url.strip_prefix(b"https://").or_else(|| url.strip_prefix(b"http://"));
	let Some(rest) = rest else { return false };
	let host = rest.split(|c| *c == b'/').next().unwrap_or_default();
	!host.is_empty() && url.iter().all(|c| c.is_ascii_graphic())
}

/// A CID in the binary form the chain stores.
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
	/// Documents: md, pdf, docx, txt.
	Text,
	/// Pictures: png, jpg, webp, tiff, bmp.
	Image,
	/// Sound: wav, mp3, flac.
	Audio,
}

impl Modality {
	/// Lower-case name, as the RPC and CLI show it.
	pub fn name(self) -> &'static str {
		match self {
			Self::Text => "text",
			Self::Image => "image",
			Self::Audio => "audio",
		}
	}

	/// The formats a datanet of this modality takes.
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
	/// Markdown.
	Md,
	/// PDF.
	Pdf,
	/// Word (OOXML).
	Docx,
	/// Plain text.
	Txt,
	/// PNG.
	Png,
	/// `.jpg` and `.jpeg`.
	Jpeg,
	/// WebP.
	Webp,
	/// TIFF.
	Tiff,
	/// BMP.
	Bmp,
	/// WAV.
	Wav,
	/// MP3.
	Mp3,
	/// FLAC.
	Flac,
}

impl FileFormat {
	/// Every format, in declaration order.
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

	/// The one modality this format belongs to.
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
	/// A lower daily byte cap per account.
	pub daily_bytes_per_account: Option<u64>,
	/// A lower largest file size.
	pub max_file_bytes: Option<u64>,
}

/// How a datanet decides its submissions: sealed votes of its whole bonded set.
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
	/// Share of the revealed stake that must approve for acceptance (ties at it accept).
	pub approval_threshold: Perbill,
	/// Share of the stake bonded at submission that must reveal for any decision; below it
	/// the submission expires.
	pub min_participation: Perbill,
	/// Blocks after the submission's block in which validators commit sealed votes.
	pub commit_period: BlockNumber,
	/// Blocks after the commit period in which commitments are revealed.
	pub reveal_period: BlockNumber,
}

/// Whether a datanet takes new submissions, bonds and funding.
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
	/// Open to submissions, bonds and funding.
	Open,
	/// Closed by its owner: pending submissions still run their course.
	Closed,
}

/// A datanet: its rules, its validators' total stake and its reward pool.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxName, MaxDescription))]
pub struct Datanet<AccountId, Balance, BlockNumber, MaxName, MaxDescription>
where
	MaxName: frame_support::traits::Get<u32>,
	MaxDescription: frame_support::traits::Get<u32>,
{
	/// Creator; may lower caps, fund, close and withdraw the unreleased pool after closing.
	pub owner: AccountId,
	/// Display name.
	pub name: BoundedVec<u8, MaxName>,
	/// Free text for contributors.
	pub description: BoundedVec<u8, MaxDescription>,
	/// What the datanet collects.
	pub modality: Modality,
	/// Daily and per-file limits.
	pub caps: DatanetCaps,
	/// How submissions are decided; fixed at creation.
	pub voting: VotingRules<BlockNumber>,
	/// Open or closed.
	pub status: DatanetStatus,
	/// Held from the owner while the datanet is open.
	pub deposit: Balance,
	/// Funded OPEN not yet released to any epoch.
	pub reward_pool: Balance,
	/// Most the pool releases per epoch, for the current epoch.
	pub reward_per_epoch: Balance,
	/// A rate set by the owner and the epoch from which it applies (always a later epoch,
	/// so an epoch's release is fixed by the rate in force while it ran).
	pub next_reward_per_epoch: Option<(EpochIndex, Balance)>,
	/// The one epoch with earnings whose release is not fixed yet; it is fixed (settled)
	/// before anything else touches the pool after the epoch ends.
	pub unsettled_epoch: Option<EpochIndex>,
	/// Sum of the bonds of the validators that are not unbonding.
	pub active_stake: Balance,
	/// Stake added to `active_stake` in the given block: it votes only on later
	/// submissions, so a submission of that block leaves it out of its snapshot.
	pub stake_added: (BlockNumber, Balance),
	/// Validators bonded (unbonding ones included); at most `MaxValidators`.
	pub validators: u32,
	/// Submissions whose votes are not settled yet (pending or decided early): they may
	/// still credit earnings, so the pool cannot be withdrawn while any.
	pub unsettled: u32,
	/// Length of the append-only accepted log (`AcceptedSubmissions`).
	pub accepted_count: u32,
	/// Block of creation.
	pub created_at: BlockNumber,
}

/// A revealed vote.
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
pub struct Ballot {
	/// Accept (true) or reject.
	pub approve: bool,
	/// 0..=100; only an approval's quality counts towards the acceptance weight.
	pub quality: Quality,
}

/// One validator's sealed vote on one submission: a commitment until revealed.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Vote<Balance> {
	/// `blake2_256(SCALE(submission, approve, quality, salt, validator))`.
	pub commitment: [u8; 32],
	/// The validator's bond as it stood when the submission was made.
	pub stake: Balance,
	/// The ballot, once revealed.
	pub revealed: Option<Ballot>,
}

/// Running sums of a submission's votes.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Tally<Balance> {
	/// Commitments made.
	pub commits: u32,
	/// Commitments revealed.
	pub reveals: u32,
	/// Revealed stake that approves.
	pub approving: Balance,
	/// Revealed stake that rejects.
	pub rejecting: Balance,
}

/// Where a submission stands.
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
	/// Not decided yet.
	Pending,
	/// Accepted with this acceptance weight (stake-weighted median quality of the approvals).
	Accepted {
		/// The acceptance weight added to the contributor's score.
		weight: Quality,
	},
	/// Rejected by the revealed stake.
	Rejected,
	/// Too little stake revealed by the end of the reveal period.
	Expired,
}

impl SubmissionStatus {
	/// The acceptance weight, if accepted.
	pub fn accepted_weight(self) -> Option<Quality> {
		match self {
			Self::Accepted { weight } => Some(weight),
			_ => None,
		}
	}
}

/// A file submitted to a datanet.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Submission<AccountId, Balance, BlockNumber> {
	/// The datanet it was submitted to.
	pub datanet: DatanetId,
	/// Who submitted it.
	pub contributor: AccountId,
	/// Binary CIDv1 in the chain's canonical form (see `cid`).
	pub cid: CanonicalCid,
	/// Declared size.
	pub bytes: u64,
	/// Declared format.
	pub format: FileFormat,
	/// Block of the submission.
	pub submitted_at: BlockNumber,
	/// Last block in which commitments are taken.
	pub commit_ends: BlockNumber,
	/// Last block in which commitments are revealed; votes are settled after it.
	pub reveal_ends: BlockNumber,
	/// Outcome so far.
	pub status: SubmissionStatus,
	/// Held from the contributor until the votes are settled.
	pub deposit: Balance,
	/// Active stake of the datanet at submission, less the contributor's own bond.
	pub stake_snapshot: Balance,
	/// Votes so far.
	pub tally: Tally<Balance>,
	/// Whether the votes were settled (slashes and agreement credits) at the end of the
	/// reveal period; a settled submission that was not accepted waits for pruning.
	pub settled: bool,
}

/// One entry of a datanet's accepted log (`AcceptedSubmissions`), with the log's running
/// head after it, so that a dataset snapshot of any prefix is one read away.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct AcceptedEntry {
	/// The accepted submission.
	pub submission: SubmissionId,
	/// `head_{index + 1}` (see `openledger_primitives::dataset`): the head of the log
	/// up to and including this entry.
	pub head: [u8; 32],
}

/// A contributor's standing, per datanet and chain-wide. Only acceptances raise `score`;
/// nothing lowers it.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct ContributorStats<BlockNumber> {
	/// Files submitted (pruned ones included).
	pub submitted: u32,
	/// Files accepted.
	pub accepted: u32,
	/// Files rejected.
	pub rejected: u32,
	/// Files that expired undecided.
	pub expired: u32,
	/// Bytes of the accepted files.
	pub accepted_bytes: u64,
	/// Sum of the acceptance weights of the accepted files.
	pub score: u64,
	/// Block of the first acceptance: the last tie-breaker of the leaderboard.
	pub first_accepted_at: Option<BlockNumber>,
}

/// Bytes and files submitted by one account on one UTC day; older days read as empty.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct DailyUsage {
	/// The UTC day counted.
	pub day: DayIndex,
	/// Bytes submitted that day.
	pub bytes: u64,
	/// Files submitted that day.
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
	/// Held now.
	pub amount: Balance,
	/// The amount before the latest bond (or top-up): a submission made before that block
	/// is voted on with this, so stake added after a snapshot never counts against it.
	pub previous_amount: Balance,
	/// Block of the latest bond or top-up.
	pub changed_at: BlockNumber,
	/// Slashed from this bond so far.
	pub slashed: Balance,
	/// Commitments on submissions whose votes are not settled; the bond cannot be unbonded
	/// while any.
	pub pending_votes: u32,
	/// Set by `unbond`: the block from which `withdraw_unbonded` releases the bond.
	pub unlocks_at: Option<BlockNumber>,
}

impl<Balance: Copy + Ord, BlockNumber: Ord> ValidatorBond<Balance, BlockNumber> {
	/// The stake this bond votes with on a submission made at `submitted_at`: what was
	/// bonded before that block, less any slash since.
	pub fn stake_at(&self, submitted_at: BlockNumber) -> Balance {
		if self.changed_at >= submitted_at {
			self.previous_amount.min(self.amount)
		} else {
			self.amount
		}
	}
}

/// What one datanet's epoch earned and released.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct EpochRewards<Balance> {
	/// Sum of the acceptance weights accepted during the epoch.
	pub total_score: u64,
	/// Stake of the votes settled during the epoch that agreed with their outcome.
	pub total_agreeing_stake: Balance,
	/// Fixed once, when the epoch is settled after its end.
	pub release: Option<EpochRelease<Balance>>,
	/// Paid out so far; never more than the release.
	pub paid: Balance,
}

/// An epoch's release, by side.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct EpochRelease<Balance> {
	/// For contributors, by epoch score.
	pub contributors: Balance,
	/// For validators, by agreeing stake.
	pub validators: Balance,
}

/// One account's unclaimed earnings in one epoch of one datanet; never all zero.
#[derive(Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct EpochEarnings<Balance> {
	/// Acceptance weights earned as a contributor.
	pub score: u64,
	/// Stake of the account's votes that agreed with their outcome.
	pub agreeing_stake: Balance,
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
	/// Every contributor, by chain-wide stats.
	Global,
	/// One datanet's contributors.
	Datanet(DatanetId),
}

/// What a leaderboard orders by: score descending, then accepted count descending, then
/// the earliest first acceptance; the account id breaks the remaining ties.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Standing<BlockNumber> {
	/// Sum of acceptance weights.
	pub score: u64,
	/// Accepted files.
	pub accepted: u32,
	/// Block of the first acceptance.
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
	/// The account's standing: the tree's key.
	pub standing: Standing<BlockNumber>,
	/// Root of the subtree ranked above.
	pub left: Option<AccountId>,
	/// Root of the subtree ranked below.
	pub right: Option<AccountId>,
	/// Nodes in the left subtree.
	pub left_size: u32,
	/// Nodes in the right subtree.
	pub right_size: u32,
	/// Height of the left subtree.
	pub left_height: u8,
	/// Height of the right subtree.
	pub right_height: u8,
}

impl<AccountId, BlockNumber> RankNode<AccountId, BlockNumber> {
	/// A node without children.
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

	/// Height of the subtree rooted here.
	pub fn height(&self) -> u8 {
		self.left_height.max(self.right_height).saturating_add(1)
	}
}
