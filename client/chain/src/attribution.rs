//! Proof of Attribution from a client's side: a verified model's attribution and what a row
//! may claim (`attribution_*` RPC), paying for a model's use, and claiming a row of the
//! attribution table its trainers published, with a proof built here from the whole table.

use crate::{find_event, runtime, AccountId, Chain, ChainError};
use openledger_primitives::attribution::{self, Proof};
use pallet_attribution_rpc::json;
use serde::{Deserialize, Serialize};
use subxt::{rpcs::rpc_params, tx::Signer, PolkadotConfig};

pub use runtime::attribution::events::{Claimed, PaidForUse};

/// A model's attribution table as its trainers publish it beside the adapter (JSON; the
/// manifest's `attribution_cid` names it): rows sorted by account, parts per billion.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PublishedTable {
	/// How the parts were measured (e.g. influence or token share).
	pub method: String,
	/// The rows, in the order the root is built over.
	pub rows: Vec<PublishedRow>,
	/// The Merkle root as 0x-hex: what the chain's model must have.
	pub root: String,
	/// Whatever else the trainers published with it (scores, …).
	#[serde(flatten)]
	pub details: serde_json::Map<String, serde_json::Value>,
}

/// One row of a published table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishedRow {
	/// The contributor's SS58 address.
	pub contributor: String,
	/// Its parts per billion.
	pub parts: u32,
}

/// A table whose rows make the root the chain has for its model.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedTable {
	/// `(contributor, parts)`, in table order.
	pub rows: Vec<(AccountId, u32)>,
}

/// Why a published table cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TableError {
	/// A row's contributor is not an address.
	#[error("row {row}: {contributor:?} is not an SS58 address")]
	BadAddress { row: usize, contributor: String },
	/// The rows are no table (unsorted, repeated, zero parts or not summing to 10⁹).
	#[error("the rows are not a table: {0}")]
	NotATable(String),
	/// The rows make another root than the chain's.
	#[error("the table's rows make root {computed}, but the chain's model has {chain}: this is not the table the trainers attested")]
	WrongRoot { computed: String, chain: String },
}

fn hex32(bytes: &[u8; 32]) -> String {
	format!("0x{}", hex::encode(bytes))
}

impl PublishedTable {
	/// The rows, checked to be a table whose root is `chain_root`.
	pub fn check(&self, chain_root: &[u8; 32]) -> Result<CheckedTable, TableError> {
		let rows = self
			.rows
			.iter()
			.enumerate()
			.map(|(row, r)| {
				let account = r.contributor.parse::<AccountId>().map_err(|_| {
					TableError::BadAddress { row, contributor: r.contributor.clone() }
				})?;
				Ok((account, r.parts))
			})
			.collect::<Result<Vec<_>, TableError>>()?;
		let keyed: Vec<([u8; 32], u32)> = rows.iter().map(|(a, p)| (a.0, *p)).collect();
		let computed =
			attribution::root(&keyed).map_err(|e| TableError::NotATable(format!("{e:?}")))?;
		if &computed != chain_root {
			return Err(TableError::WrongRoot {
				computed: hex32(&computed),
				chain: hex32(chain_root),
			});
		}
		Ok(CheckedTable { rows })
	}
}

impl CheckedTable {
	/// `account`'s row: its index, parts and proof, if it has one.
	pub fn row_of(&self, account: &AccountId) -> Option<(u32, u32, Proof)> {
		let index = self.rows.iter().position(|(who, _)| who == account)?;
		let keyed: Vec<([u8; 32], u32)> = self.rows.iter().map(|(a, p)| (a.0, *p)).collect();
		let proof = attribution::proof(&keyed, index)?;
		Some((index as u32, self.rows[index].1, proof))
	}
}

impl Chain {
	/// A verified model's attribution root, payees, and payments and claims so far.
	pub async fn attribution_model(&self, model: u64) -> Result<json::Model, ChainError> {
		self.query("attribution_model", rpc_params![model]).await
	}

	/// What `account`'s row of `parts` on `model` may claim now.
	pub async fn attribution_claimable(
		&self,
		model: u64,
		account: &str,
		parts: u32,
	) -> Result<json::Claimable, ChainError> {
		self.query("attribution_claimable", rpc_params![model, account, parts]).await
	}

	/// The smallest `pay_for_use` the chain takes (`Attribution::MinPayment`), in planck.
	pub async fn attribution_min_payment(&self) -> Result<u128, ChainError> {
		let at = self.at().await?;
		let address = runtime::constants().attribution().min_payment();
		crate::compat::constant(at.metadata_ref(), &address).map_err(|item| self.stale(item))?;
		at.constants().entry(address).map_err(ChainError::node)
	}

	/// Pays `amount` (planck) for the use of `model`; returns how it was split.
	pub async fn pay_for_use<S: Signer<PolkadotConfig>>(
		&self,
		signer: &S,
		model: u64,
		amount: u128,
	) -> Result<PaidForUse, ChainError> {
		let call = runtime::transactions().attribution().pay_for_use(model, amount);
		find_event(&self.submit(&call, signer).await?)
	}

	/// Claims the signer's row `(index, parts)` of `model`'s table, proved by `proof`.
	pub async fn claim_attribution<S: Signer<PolkadotConfig>>(
		&self,
		signer: &S,
		model: u64,
		index: u32,
		parts: u32,
		proof: Proof,
	) -> Result<Claimed, ChainError> {
		use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
		let contributor = signer.account_id();
		let call = runtime::transactions().attribution().claim(
			model,
			contributor,
			index,
			parts,
			proof.leaves,
			BoundedVec(proof.siblings),
		);
		find_event(&self.submit(&call, signer).await?)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn table(rows: &[([u8; 32], u32)]) -> PublishedTable {
		PublishedTable {
			method: "test".into(),
			rows: rows
				.iter()
				.map(|(a, parts)| PublishedRow {
					contributor: AccountId(*a).to_string(),
					parts: *parts,
				})
				.collect(),
			root: String::new(),
			details: Default::default(),
		}
	}

	#[test]
	fn a_table_is_checked_against_the_chains_root_and_proves_each_row() {
		let rows = [([1; 32], 600_000_000), ([2; 32], 300_000_000), ([3; 32], 100_000_000)];
		let root = attribution::root(&rows).unwrap();
		let checked = table(&rows).check(&root).unwrap();
		for (i, (account, parts)) in rows.iter().enumerate() {
			let (index, got, proof) = checked.row_of(&AccountId(*account)).unwrap();
			assert_eq!((index, got), (i as u32, *parts));
			assert!(attribution::verify(&root, account, *parts, &proof));
		}
		assert!(checked.row_of(&AccountId([9; 32])).is_none());

		let mut forged = table(&rows);
		forged.rows[0].parts -= 1;
		forged.rows[1].parts += 1;
		assert!(matches!(forged.check(&root), Err(TableError::WrongRoot { .. })));
		let mut unsorted = table(&rows);
		unsorted.rows.swap(0, 1);
		assert!(matches!(unsorted.check(&root), Err(TableError::NotATable(_))));
		let mut bad = table(&rows);
		bad.rows[2].contributor = "nobody".into();
		assert_eq!(
			bad.check(&root),
			Err(TableError::BadAddress { row: 2, contributor: "nobody".into() })
		);
	}

	/// Attack: a table whose rows make the chain's root but are no table (the chain sees only
	/// the root, so colluding trainers could attest one): an account listed twice, rows out
	/// of order, a row of zero parts, parts summing above the whole. The client refuses each
	/// rather than build a proof from it.
	#[test]
	fn rows_that_make_the_root_but_are_no_table_are_refused() {
		let (a, b, c) = ([1u8; 32], [2u8; 32], [3u8; 32]);
		for rows in [
			vec![(a, 300_000_000), (a, 300_000_000), (b, 400_000_000)],
			vec![(a, 500_000_000), (b, 300_000_000), (a, 200_000_000)],
			vec![(b, 600_000_000), (a, 400_000_000)],
			vec![(a, 600_000_000), (b, 400_000_000), (c, 0)],
			vec![(a, 600_000_000), (b, 600_000_000)],
		] {
			let root = attribution::rows_root(&rows);
			let refused = table(&rows).check(&root);
			assert!(matches!(refused, Err(TableError::NotATable(_))), "{rows:?}: {refused:?}");
		}
	}

	#[test]
	fn a_published_table_keeps_what_else_the_trainers_wrote() {
		let text = r#"{"method":"tracin","rows":[],"root":"0x00","scores":[1.5]}"#;
		let table: PublishedTable = serde_json::from_str(text).unwrap();
		assert_eq!(table.details["scores"], serde_json::json!([1.5]));
	}
}
