//! The JSON the `attribution_*` methods return, in the conventions of `datanets_*`: accounts
//! in SS58, balances as decimal strings, hashes as 0x-hex, fields in camelCase.

use pallet_attribution_runtime_api as api;
use pallet_datanets_rpc::json::Accounts;
use serde::{Deserialize, Serialize};
use sp_core::{crypto::Ss58Codec, H256};

/// A verified model's attribution (`attribution_model`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Model {
	pub model: u64,
	pub attribution_root: H256,
	pub attesters: Vec<String>,
	pub creator: String,
	/// Everything paid for its use.
	pub paid_in: String,
	/// The contributors' part of it.
	pub to_contributors: String,
	/// What contributors have claimed.
	pub claimed: String,
	/// Parts per billion of the rows claimed at least once.
	pub claimed_parts: u32,
}

/// What one row may claim (`attribution_claimable`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Claimable {
	pub parts: u32,
	pub owed: String,
	pub paid: String,
	pub claimable: String,
}

/// The runtime API's answers as JSON.
pub trait AttributionJson {
	fn model<A: Ss58Codec, B: ToString>(&self, info: api::ModelAttribution<A, B>) -> Model;
	fn claimable<B: ToString>(&self, info: api::Claimable<B>) -> Claimable;
}

impl AttributionJson for Accounts {
	fn model<A: Ss58Codec, B: ToString>(&self, info: api::ModelAttribution<A, B>) -> Model {
		Model {
			model: info.model,
			attribution_root: info.attribution_root.into(),
			attesters: info.attesters.iter().map(|a| self.show(a)).collect(),
			creator: self.show(&info.creator),
			paid_in: info.pool.paid_in.to_string(),
			to_contributors: info.pool.to_contributors.to_string(),
			claimed: info.pool.claimed.to_string(),
			claimed_parts: info.pool.claimed_parts,
		}
	}

	fn claimable<B: ToString>(&self, info: api::Claimable<B>) -> Claimable {
		Claimable {
			parts: info.parts,
			owed: info.owed.to_string(),
			paid: info.paid.to_string(),
			claimable: info.claimable.to_string(),
		}
	}
}
