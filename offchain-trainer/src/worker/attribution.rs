//! The attribution table of a run (token-share form): each contributor's credit is the sum,
//! over its files, of the file's tokens in the corpus × the file's acceptance weight,
//! scaled to parts per billion (largest remainder, exact sum). The root is the one
//! `openledger_primitives::attribution` computes, which the chain checks claims against.

use super::dataset::SourceFile;
use crate::{Error, Result};
use openledger_client::AccountId;
use openledger_primitives::attribution;
use serde::Serialize;

/// One row, as published in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
	pub contributor: String,
	pub parts: u32,
}

/// A table and its root.
#[derive(Clone, Debug, Serialize)]
pub struct Table {
	/// `token_share_x_weight` (the influence form replaces it).
	pub method: &'static str,
	pub rows: Vec<Row>,
	#[serde(serialize_with = "hex_root")]
	pub root: [u8; 32],
}

fn hex_root<S: serde::Serializer>(root: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
	serializer.serialize_str(&format!("0x{}", hex::encode(root)))
}

/// The table from the files and their token counts (`data::Dataset::tokens_by_source`,
/// same order as `files`).
pub fn token_share(files: &[SourceFile], tokens: &[usize]) -> Result<Table> {
	let weights = files
		.iter()
		.zip(tokens)
		.map(|(file, &tokens)| (file.contributor.0, tokens as u128 * u128::from(file.weight)));
	let rows = attribution::parts_per_billion(weights)
		.map_err(|e| Error::Data(format!("no attribution: {e:?} (no accepted file has tokens)")))?;
	let root = attribution::root(&rows).map_err(|e| Error::Data(format!("attribution: {e:?}")))?;
	Ok(Table {
		method: "token_share_x_weight",
		rows: rows
			.iter()
			.map(|(account, parts)| Row {
				contributor: AccountId(*account).to_string(),
				parts: *parts,
			})
			.collect(),
		root,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	fn file(who: u8, weight: u8) -> SourceFile {
		SourceFile {
			datanet: 0,
			index: 0,
			submission: 0,
			cid: String::new(),
			contributor: AccountId([who; 32]),
			weight,
			format: "txt".into(),
			bytes: 0,
		}
	}

	#[test]
	fn credit_is_tokens_times_weight_and_sums_to_a_billion() {
		// Contributor 1: 300 tokens × 50 + 100 × 100 = 25 000; contributor 2: 250 × 100.
		let files = [file(1, 50), file(2, 100), file(1, 100)];
		let table = token_share(&files, &[300, 250, 100]).unwrap();
		let parts: Vec<u32> = table.rows.iter().map(|r| r.parts).collect();
		assert_eq!(parts, vec![500_000_000, 500_000_000]);
		let again = token_share(&files, &[300, 250, 100]).unwrap();
		assert_eq!(table.root, again.root);
		let shifted = token_share(&files, &[301, 250, 100]).unwrap();
		assert_ne!(table.root, shifted.root);
		assert!(token_share(&files, &[0, 0, 0]).is_err());
	}
}
