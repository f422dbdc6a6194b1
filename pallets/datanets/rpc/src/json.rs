//! The JSON the `datanets_*` methods return: accounts in SS58, balances as decimal
//! strings (they exceed JavaScript's safe integers), CIDs as base32 CIDv1 text, enums as
//! lower-case names, fields in camelCase.

use codec::Codec;
use pallet_datanets::{cid, ContributorStats, DatanetStatus, SubmissionStatus};
use pallet_datanets_runtime_api as api;
use serde::{Deserialize, Serialize};
use sp_core::{
	crypto::{Ss58AddressFormat, Ss58Codec},
	H256,
};

/// Writes and reads accounts in the chain's SS58 format.
#[derive(Clone, Copy)]
pub struct Accounts {
	pub ss58_format: u16,
}

impl Accounts {
	pub fn show<AccountId: Ss58Codec>(&self, account: &AccountId) -> String {
		account.to_ss58check_with_version(Ss58AddressFormat::custom(self.ss58_format))
	}

	pub fn parse<AccountId: Ss58Codec>(&self, text: &str) -> Result<AccountId, String> {
		let (account, format) = AccountId::from_ss58check_with_version(text)
			.map_err(|error| format!("{text:?} is not an SS58 address: {error}"))?;
		if u16::from(format) != self.ss58_format {
			return Err(format!(
				"{text:?} is an address for SS58 format {}; this chain uses {}",
				u16::from(format),
				self.ss58_format
			));
		}
		Ok(account)
	}
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Page<Item> {
	pub total: u32,
	pub offset: u32,
	pub items: Vec<Item>,
}

impl<Item> Page<Item> {
	pub fn convert<From>(page: api::Page<From>, convert: impl Fn(From) -> Item) -> Self {
		Self {
			total: page.total,
			offset: page.offset,
			items: page.items.into_iter().map(convert).collect(),
		}
	}
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
	pub score: u64,
	pub accepted: u32,
	pub rejected: u32,
	pub expired: u32,
	pub submitted: u32,
	pub accepted_bytes: u64,
	/// Accepted over decided (accepted + rejected); absent before any decision.
	#[serde(default, deserialize_with = "flattened_f64")]
	pub acceptance_rate: Option<f64>,
	pub first_accepted_at: Option<u64>,
}

impl<BlockNumber: Into<u64>> From<ContributorStats<BlockNumber>> for Stats {
	fn from(stats: ContributorStats<BlockNumber>) -> Self {
		let decided = stats.accepted + stats.rejected;
		Self {
			score: stats.score,
			accepted: stats.accepted,
			rejected: stats.rejected,
			expired: stats.expired,
			submitted: stats.submitted,
			accepted_bytes: stats.accepted_bytes,
			acceptance_rate: (decided > 0).then(|| f64::from(stats.accepted) / f64::from(decided)),
			first_accepted_at: stats.first_accepted_at.map(Into::into),
		}
	}
}

/// Reads an `f64` inside a `#[serde(flatten)]` struct. serde buffers flattened fields, and
/// with serde_json's `arbitrary_precision` (which `sp-genesis-builder` turns on for every
/// crate built with it) a buffered number is no longer an `f64` but a `Number` in disguise.
fn flattened_f64<'de, D: serde::Deserializer<'de>>(
	deserializer: D,
) -> Result<Option<f64>, D::Error> {
	let number: Option<serde_json::Number> = Deserialize::deserialize(deserializer)?;
	Ok(number.and_then(|number| number.as_f64()))
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeaderboardEntry {
	pub rank: u32,
	pub account: String,
	#[serde(flatten)]
	pub stats: Stats,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Contributor {
	pub account: String,
	/// The datanet whose board this is; absent for the global board.
	pub datanet: Option<u32>,
	/// 1-based; absent until the first acceptance.
	pub rank: Option<u32>,
	/// Accounts ranked on the board.
	pub ranked: u32,
	#[serde(flatten)]
	pub stats: Stats,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Vote {
	pub validator: String,
	pub stake: String,
	/// Absent while the vote is sealed.
	pub approve: Option<bool>,
	pub quality: Option<u8>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Submission {
	pub id: u64,
	pub datanet: u32,
	pub contributor: String,
	pub cid: String,
	pub bytes: u64,
	pub format: String,
	pub submitted_at: u64,
	/// Last block in which validators commit sealed votes.
	pub commit_ends: u64,
	/// Last block in which they reveal them; the votes are settled after it.
	pub reveal_ends: u64,
	/// pending, accepted, rejected or expired.
	pub status: String,
	/// The acceptance weight, when accepted.
	pub weight: Option<u8>,
	/// Held from the contributor until settlement.
	pub deposit: String,
	/// Stake bonded when it was submitted (the contributor's own excluded).
	pub stake_snapshot: String,
	pub commits: u32,
	pub reveals: u32,
	pub approving_stake: String,
	pub rejecting_stake: String,
	/// Whether its votes were settled (slashes and rewards applied).
	pub settled: bool,
	/// The votes not yet settled.
	pub votes: Vec<Vote>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Datanet {
	pub id: u32,
	pub owner: String,
	pub name: String,
	pub description: String,
	pub modality: String,
	pub formats: Vec<String>,
	pub daily_bytes_per_account: u64,
	pub max_file_bytes: u64,
	/// Share of the revealed stake that must approve, in percent.
	pub approval_threshold_percent: f64,
	/// Share of the bonded stake that must reveal for a decision, in percent.
	pub min_participation_percent: f64,
	pub commit_period: u64,
	pub reveal_period: u64,
	/// open or closed.
	pub status: String,
	pub deposit: String,
	pub reward_pool: String,
	pub reward_per_epoch: String,
	/// A new rate and the epoch it applies from.
	pub next_reward_per_epoch: Option<(u32, String)>,
	/// Bonded stake of the validators not unbonding.
	pub active_stake: String,
	pub validators: u32,
	pub created_at: u64,
	pub accepted: u32,
	pub pending: u32,
	pub contributors: u32,
	/// IPFS gateway base URLs the owner publishes, in the order to try them.
	pub gateways: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Validator {
	pub datanet: u32,
	pub validator: String,
	pub bond: String,
	/// Slashed from the bond so far.
	pub slashed: String,
	/// Commitments on submissions whose votes are not settled.
	pub pending_votes: u32,
	/// Set while unbonding: the block from which the bond can be withdrawn.
	pub unlocks_at: Option<u64>,
	pub unclaimed_agreeing_stake: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Reward {
	pub datanet: u32,
	pub epoch: u32,
	pub score: u64,
	pub agreeing_stake: String,
	/// What a claim pays now; absent while the epoch is running.
	pub claimable: Option<String>,
}

/// One entry of a datanet's accepted log. `head` chains from a zero head as
/// `blake2_256(previous ‖ SCALE(index, submission, binary CID, contributor, weight))`
/// (`openledger_primitives::dataset::next_head`), with the CID text parsed back to binary
/// and the contributor decoded from SS58.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
	pub index: u32,
	pub submission: u64,
	pub cid: String,
	pub contributor: String,
	pub weight: u8,
	/// The log's head after this entry, 0x-prefixed hex.
	pub head: H256,
}

/// Conversions from the runtime API's types, which need the SS58 format.
impl Accounts {
	pub fn leaderboard_entry<A: Ss58Codec, B: Into<u64>>(
		&self,
		entry: api::LeaderboardEntry<A, B>,
	) -> LeaderboardEntry {
		LeaderboardEntry {
			rank: entry.rank,
			account: self.show(&entry.account),
			stats: entry.stats.into(),
		}
	}

	pub fn contributor<A: Ss58Codec, B: Into<u64>>(
		&self,
		info: api::ContributorInfo<A, B>,
	) -> Contributor {
		Contributor {
			account: self.show(&info.account),
			datanet: match info.board {
				api::Board::Global => None,
				api::Board::Datanet(id) => Some(id),
			},
			rank: info.rank,
			ranked: info.ranked,
			stats: info.stats.into(),
		}
	}

	pub fn submission<A: Ss58Codec, Bal: ToString, B: Into<u64>>(
		&self,
		info: api::SubmissionInfo<A, Bal, B>,
	) -> Submission {
		let (status, weight) = match info.status {
			SubmissionStatus::Pending => ("pending", None),
			SubmissionStatus::Accepted { weight } => ("accepted", Some(weight)),
			SubmissionStatus::Rejected => ("rejected", None),
			SubmissionStatus::Expired => ("expired", None),
		};
		Submission {
			id: info.id,
			datanet: info.datanet,
			contributor: self.show(&info.contributor),
			cid: cid_text(&info.cid),
			bytes: info.bytes,
			format: info.format.extension().into(),
			submitted_at: info.submitted_at.into(),
			commit_ends: info.commit_ends.into(),
			reveal_ends: info.reveal_ends.into(),
			status: status.into(),
			weight,
			deposit: info.deposit.to_string(),
			stake_snapshot: info.stake_snapshot.to_string(),
			commits: info.tally.commits,
			reveals: info.tally.reveals,
			approving_stake: info.tally.approving.to_string(),
			rejecting_stake: info.tally.rejecting.to_string(),
			settled: info.settled,
			votes: info
				.votes
				.into_iter()
				.map(|vote| Vote {
					validator: self.show(&vote.validator),
					stake: vote.stake.to_string(),
					approve: vote.revealed.map(|ballot| ballot.approve),
					quality: vote.revealed.map(|ballot| ballot.quality),
				})
				.collect(),
		}
	}

	pub fn datanet<A: Ss58Codec, Bal: ToString, B: Into<u64>>(
		&self,
		info: api::DatanetInfo<A, Bal, B>,
	) -> Datanet {
		Datanet {
			id: info.id,
			owner: self.show(&info.owner),
			name: String::from_utf8_lossy(&info.name).into_owned(),
			description: String::from_utf8_lossy(&info.description).into_owned(),
			modality: info.modality.name().into(),
			formats: info.modality.formats().map(|format| format.extension().into()).collect(),
			daily_bytes_per_account: info.caps.daily_bytes_per_account,
			max_file_bytes: info.caps.max_file_bytes,
			approval_threshold_percent: percent(info.voting.approval_threshold),
			min_participation_percent: percent(info.voting.min_participation),
			commit_period: info.voting.commit_period.into(),
			reveal_period: info.voting.reveal_period.into(),
			status: match info.status {
				DatanetStatus::Open => "open",
				DatanetStatus::Closed => "closed",
			}
			.into(),
			deposit: info.deposit.to_string(),
			reward_pool: info.reward_pool.to_string(),
			reward_per_epoch: info.reward_per_epoch.to_string(),
			next_reward_per_epoch: info
				.next_reward_per_epoch
				.map(|(epoch, rate)| (epoch, rate.to_string())),
			active_stake: info.active_stake.to_string(),
			validators: info.validators,
			created_at: info.created_at.into(),
			accepted: info.accepted,
			pending: info.pending,
			contributors: info.contributors,
			gateways: info
				.gateways
				.iter()
				.map(|url| String::from_utf8_lossy(url).into_owned())
				.collect(),
		}
	}

	pub fn validator<A: Ss58Codec, Bal: ToString, B: Into<u64>>(
		&self,
		info: api::ValidatorInfo<A, Bal, B>,
	) -> Validator {
		Validator {
			datanet: info.datanet,
			validator: self.show(&info.validator),
			bond: info.bond.amount.to_string(),
			slashed: info.bond.slashed.to_string(),
			pending_votes: info.bond.pending_votes,
			unlocks_at: info.bond.unlocks_at.map(Into::into),
			unclaimed_agreeing_stake: info.unclaimed_agreeing_stake.to_string(),
		}
	}

	pub fn accepted<A: Ss58Codec>(&self, entry: api::AcceptedInfo<A>) -> Accepted {
		Accepted {
			index: entry.index,
			submission: entry.submission,
			cid: cid_text(&entry.cid),
			contributor: self.show(&entry.contributor),
			weight: entry.weight,
			head: entry.head.into(),
		}
	}
}

impl<Bal: ToString> From<api::RewardInfo<Bal>> for Reward {
	fn from(info: api::RewardInfo<Bal>) -> Self {
		Self {
			datanet: info.datanet,
			epoch: info.epoch,
			score: info.score,
			agreeing_stake: info.agreeing_stake.to_string(),
			claimable: info.claimable.map(|amount| amount.to_string()),
		}
	}
}

/// A binary CID as base32 CIDv1 text, as every `*_` RPC method writes CIDs.
pub fn cid_text(binary: &[u8]) -> String {
	String::from_utf8_lossy(&cid::to_text(binary)).into_owned()
}

fn percent(share: sp_runtime::Perbill) -> f64 {
	f64::from(share.deconstruct()) / 10_000_000.0
}

/// Bounds the runtime's account type must meet for the JSON conversions.
pub trait AccountIdFor: Ss58Codec + Codec + Clone + Send + Sync + 'static {}
impl<T: Ss58Codec + Codec + Clone + Send + Sync + 'static> AccountIdFor for T {}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::crypto::AccountId32;

	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

	#[test]
	fn accounts_round_trip_in_the_chain_format_only() {
		let accounts = Accounts { ss58_format: 42 };
		let alice: AccountId32 = accounts.parse(ALICE).unwrap();
		assert_eq!(accounts.show(&alice), ALICE);
		let polkadot = alice.to_ss58check_with_version(Ss58AddressFormat::custom(0));
		let refused = accounts.parse::<AccountId32>(&polkadot).unwrap_err();
		assert!(refused.contains("SS58 format 0; this chain uses 42"), "{refused}");
		assert!(accounts.parse::<AccountId32>("5Grw").unwrap_err().contains("not an SS58"));
	}

	#[test]
	fn flattened_entries_read_back_what_the_node_writes() {
		let stats = |rate| Stats {
			score: 7,
			accepted: 3,
			rejected: 1,
			expired: 0,
			submitted: 4,
			accepted_bytes: 10,
			acceptance_rate: rate,
			first_accepted_at: Some(2),
		};
		for rate in [Some(0.75), None] {
			let entry = LeaderboardEntry { rank: 1, account: ALICE.into(), stats: stats(rate) };
			let text = serde_json::to_string(&entry).unwrap();
			assert_eq!(serde_json::from_str::<LeaderboardEntry>(&text).unwrap(), entry, "{text}");
		}
	}

	/// A client recomputes the head from the JSON alone: the CID text parses back to the
	/// binary CID that was hashed, and the head reads back as the same 32 bytes.
	#[test]
	fn accepted_entries_carry_what_recomputes_the_head() {
		let accounts = Accounts { ss58_format: 42 };
		let alice: AccountId32 = accounts.parse(ALICE).unwrap();
		let mut binary = vec![0x01, 0x55, 0x12, 0x20];
		binary.extend_from_slice(&[9; 32]);
		let head = [7; 32];
		let entry = accounts.accepted(api::AcceptedInfo {
			index: 3,
			submission: 12,
			cid: binary.clone(),
			contributor: alice.clone(),
			weight: 80,
			head,
		});
		let json = serde_json::to_value(&entry).unwrap();
		assert_eq!(json["head"], format!("0x{}", "07".repeat(32)));
		assert_eq!(json["contributor"], ALICE);
		assert_eq!((json["index"].clone(), json["weight"].clone()), (3.into(), 80.into()));
		let read: Accepted = serde_json::from_value(json).unwrap();
		assert_eq!(read.head.0, head);
		assert_eq!(cid::parse(read.cid.as_bytes()).unwrap(), binary);
		assert_eq!(accounts.parse::<AccountId32>(&read.contributor).unwrap(), alice);
	}

	#[test]
	fn stats_show_the_acceptance_rate_of_decided_files() {
		let stats = |accepted, rejected, expired| ContributorStats::<u32> {
			submitted: accepted + rejected + expired,
			accepted,
			rejected,
			expired,
			..Default::default()
		};
		assert_eq!(Stats::from(stats(3, 1, 5)).acceptance_rate, Some(0.75));
		assert_eq!(Stats::from(stats(0, 0, 2)).acceptance_rate, None);
	}

	#[test]
	fn entries_are_camel_case_with_flattened_stats() {
		let entry = LeaderboardEntry {
			rank: 1,
			account: ALICE.into(),
			stats: ContributorStats::<u32> {
				accepted: 1,
				score: 80,
				first_accepted_at: Some(7),
				..Default::default()
			}
			.into(),
		};
		let json = serde_json::to_value(&entry).unwrap();
		assert_eq!(json["firstAcceptedAt"], 7);
		assert_eq!(json["score"], 80);
		assert_eq!(json["acceptedBytes"], 0);
	}
}
