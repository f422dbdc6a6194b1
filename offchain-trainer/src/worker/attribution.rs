//! The attribution table of a run: each contributor's parts per billion of what the model
//! earns, and the root the chain checks claims against (`openledger_primitives::attribution`).
//!
//! The credit is measured influence (`crate::influence`, docs/ATTRIBUTION.md): per
//! contributor, Σ over its files of acceptance weight × TracIn of the file's training tokens
//! on the held-out loss. Scores are clipped at 0 and scaled to integers (the largest is
//! 2⁴⁰), then to parts per billion (largest remainder, exact sum). When no score is positive
//! (or there is no eval split to measure against), the table falls back to the token share:
//! tokens in the corpus × acceptance weight. The table says which method it used.

use super::dataset::SourceFile;
use crate::{
	influence::{Checkpoint, Groups, Influence},
	Error, Result,
};
use openledger_client::AccountId;
use openledger_primitives::attribution;
use serde::Serialize;

/// Influence: Σ over a contributor's files of acceptance weight × TracIn.
pub const TRACIN: &str = "tracin_x_weight";
/// The fallback: Σ over a contributor's files of tokens × acceptance weight.
pub const TOKEN_SHARE: &str = "token_share_x_weight";

/// Credits are integers with the largest score at 2⁴⁰: finer than parts per billion by far,
/// and exact to compute from the f64 scores (a division and a power-of-two scaling).
const CREDIT_SCALE: f64 = (1u64 << 40) as f64;

/// One row, as published in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
	pub contributor: String,
	pub parts: u32,
}

/// A table and its root.
#[derive(Clone, Debug, Serialize)]
pub struct Table {
	/// [`TRACIN`] or [`TOKEN_SHARE`].
	pub method: &'static str,
	pub rows: Vec<Row>,
	#[serde(serialize_with = "hex_root")]
	pub root: [u8; 32],
	/// What the influence measured (absent from a token-share table made without it).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub influence: Option<Measured>,
}

/// The influence behind a table, published with it so anyone can follow the parts back to
/// the scores.
#[derive(Clone, Debug, Serialize)]
pub struct Measured {
	pub checkpoints: Vec<Checkpoint>,
	pub eval_windows: usize,
	/// Per contributor in account order: the raw score and the integer credit it became.
	pub scores: Vec<Score>,
	/// Why the table used the token share instead, when it did.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub fallback: Option<&'static str>,
}

/// One contributor's measured influence.
#[derive(Clone, Debug, Serialize)]
pub struct Score {
	pub contributor: String,
	/// Σ_i η_i ⟨g_c, g_eval⟩, before clipping.
	pub score: f64,
	/// ⌊max(score, 0) / max score × 2⁴⁰⌋: what the parts are split by.
	pub credit: u64,
}

fn hex_root<S: serde::Serializer>(root: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
	serializer.serialize_str(&format!("0x{}", hex::encode(root)))
}

/// The contributors of `files` in account order (group i is the i-th), and each file's
/// group with its acceptance weight.
pub fn contributors(files: &[SourceFile]) -> (Vec<AccountId>, Groups) {
	let mut accounts: Vec<AccountId> = files.iter().map(|f| f.contributor).collect();
	accounts.sort_by_key(|a| a.0);
	accounts.dedup();
	let of_source = files
		.iter()
		.map(|file| {
			let group = accounts.binary_search_by(|a| a.0.cmp(&file.contributor.0)).ok()?;
			Some((group, f32::from(file.weight)))
		})
		.collect();
	let count = accounts.len();
	(accounts, Groups { of_source, count })
}

/// The integer credits of `scores`: each score clipped at 0, divided by the largest and
/// scaled by 2⁴⁰, rounded down. None when no score is positive (a NaN or an infinity counts
/// as none).
pub fn credits(scores: &[f64]) -> Option<Vec<u64>> {
	let positive = |s: f64| if s.is_finite() && s > 0.0 { s } else { 0.0 };
	let max = scores.iter().map(|&s| positive(s)).fold(0.0, f64::max);
	(max > 0.0).then(|| {
		scores.iter().map(|&s| (positive(s) / max * CREDIT_SCALE).floor() as u64).collect()
	})
}

fn rows_and_root(weights: Vec<([u8; 32], u128)>) -> Result<(Vec<Row>, [u8; 32])> {
	let rows = attribution::parts_per_billion(weights)
		.map_err(|e| Error::Data(format!("no attribution: {e:?} (nothing has credit)")))?;
	let root = attribution::root(&rows).map_err(|e| Error::Data(format!("attribution: {e:?}")))?;
	let rows = rows
		.iter()
		.map(|(account, parts)| Row { contributor: AccountId(*account).to_string(), parts: *parts })
		.collect();
	Ok((rows, root))
}

/// The token-share table from the files and their token counts
/// (`data::Dataset::tokens_by_source`, same order as `files`).
pub fn token_share(files: &[SourceFile], tokens: &[usize]) -> Result<Table> {
	let weights = files
		.iter()
		.zip(tokens)
		.map(|(file, &tokens)| (file.contributor.0, tokens as u128 * u128::from(file.weight)))
		.collect();
	let (rows, root) = rows_and_root(weights)
		.map_err(|_| Error::Data("no attribution: no accepted file has tokens".into()))?;
	Ok(Table { method: TOKEN_SHARE, rows, root, influence: None })
}

/// The table from the measured `influence` (scores per group of [`contributors`]), or the
/// token share (`files`, `tokens`) when no score is positive. A score that is not a number
/// or infinite means the run diverged: no table, so the run is not attested (every worker
/// refuses alike, and the job's bounty goes back when it ends).
pub fn table(
	files: &[SourceFile],
	tokens: &[usize],
	contributors: &[AccountId],
	influence: &Influence,
) -> Result<Table> {
	if let Some(i) = influence.scores.iter().position(|s| !s.is_finite()) {
		return Err(Error::Data(format!(
			"the run diverged: contributor {}'s influence is {}; such a model is not attested",
			contributors[i], influence.scores[i]
		)));
	}
	let credits = credits(&influence.scores);
	let measured = |credits: Option<&Vec<u64>>, fallback| Measured {
		checkpoints: influence.checkpoints.clone(),
		eval_windows: influence.eval_windows,
		scores: contributors
			.iter()
			.enumerate()
			.map(|(i, who)| Score {
				contributor: who.to_string(),
				score: influence.scores[i],
				credit: credits.map_or(0, |c| c[i]),
			})
			.collect(),
		fallback,
	};
	match &credits {
		Some(credits) => {
			let weights =
				contributors.iter().zip(credits).map(|(who, &c)| (who.0, u128::from(c))).collect();
			let (rows, root) = rows_and_root(weights)?;
			Ok(Table { method: TRACIN, rows, root, influence: Some(measured(Some(credits), None)) })
		},
		None => {
			let why = if influence.eval_windows == 0 {
				"no eval split to measure influence on"
			} else {
				"no contributor's influence is positive"
			};
			let mut table = token_share(files, tokens)?;
			table.influence = Some(measured(None, Some(why)));
			Ok(table)
		},
	}
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

	fn measured(scores: Vec<f64>, eval_windows: usize) -> Influence {
		Influence {
			scores,
			checkpoints: vec![Checkpoint { step: 3, rate: 0.5 }],
			eval_windows,
			parameters: 10,
			seconds: 0.0,
		}
	}

	fn parts(table: &Table) -> Vec<u32> {
		table.rows.iter().map(|r| r.parts).collect()
	}

	#[test]
	fn token_share_is_tokens_times_weight_and_sums_to_a_billion() {
		// Contributor 1: 300 tokens × 50 + 100 × 100 = 25 000; contributor 2: 250 × 100.
		let files = [file(1, 50), file(2, 100), file(1, 100)];
		let table = token_share(&files, &[300, 250, 100]).unwrap();
		assert_eq!(parts(&table), vec![500_000_000, 500_000_000]);
		assert_eq!(table.method, TOKEN_SHARE);
		let again = token_share(&files, &[300, 250, 100]).unwrap();
		assert_eq!(table.root, again.root);
		let shifted = token_share(&files, &[301, 250, 100]).unwrap();
		assert_ne!(table.root, shifted.root);
		assert!(token_share(&files, &[0, 0, 0]).is_err());
	}

	#[test]
	fn contributors_are_grouped_in_account_order_with_each_files_weight() {
		let files = [file(9, 50), file(2, 100), file(9, 70)];
		let (accounts, groups) = contributors(&files);
		assert_eq!(accounts, vec![AccountId([2; 32]), AccountId([9; 32])]);
		assert_eq!(groups.count, 2);
		assert_eq!(groups.of_source, vec![Some((1, 50.0)), Some((0, 100.0)), Some((1, 70.0))]);
	}

	#[test]
	fn credits_clip_at_zero_and_scale_the_largest_to_two_to_the_forty() {
		assert_eq!(credits(&[2.0, 1.0, -3.0, 0.5]), Some(vec![1 << 40, 1 << 39, 0, 1 << 38]));
		// A third of the largest, rounded down.
		assert_eq!(credits(&[3e-12, 1e-12]).unwrap()[1], (1u64 << 40) / 3);
		assert_eq!(credits(&[f64::NAN, 1.0, f64::INFINITY]), Some(vec![0, 1 << 40, 0]));
		assert_eq!(credits(&[-1.0, 0.0]), None);
		assert_eq!(credits(&[]), None);
	}

	#[test]
	fn the_influence_table_splits_by_credit_and_publishes_the_scores() {
		let files = [file(1, 100), file(2, 100), file(3, 50)];
		let (accounts, _) = contributors(&files);
		let influence = measured(vec![3.0, 1.0, -2.0], 4);
		let table = table(&files, &[10, 10, 10], &accounts, &influence).unwrap();
		assert_eq!(table.method, TRACIN);
		// 3 : 1 : 0 (clipped); the clipped contributor has no row.
		assert_eq!(parts(&table), vec![750_000_000, 250_000_000]);
		let json = serde_json::to_value(&table).unwrap();
		let scores = &json["influence"]["scores"];
		assert_eq!(scores[2]["score"], -2.0);
		assert_eq!(
			(scores[0]["credit"].as_u64(), scores[2]["credit"].as_u64()),
			(Some(1 << 40), Some(0))
		);
		assert_eq!(json["influence"]["checkpoints"][0]["step"], 3);
		assert!(json["influence"].get("fallback").is_none());
		assert_eq!(json["root"], format!("0x{}", hex::encode(table.root)));
	}

	#[test]
	fn without_positive_influence_the_table_falls_back_to_the_token_share() {
		let files = [file(1, 100), file(2, 100)];
		let (accounts, _) = contributors(&files);
		let share = token_share(&files, &[30, 10]).unwrap();
		for (scores, eval_windows, why) in [
			(vec![-1.0, 0.0], 4, "no contributor's influence is positive"),
			(vec![0.0, 0.0], 0, "no eval split to measure influence on"),
		] {
			let table =
				table(&files, &[30, 10], &accounts, &measured(scores, eval_windows)).unwrap();
			assert_eq!((table.method, table.root), (TOKEN_SHARE, share.root));
			assert_eq!(parts(&table), vec![750_000_000, 250_000_000]);
			let influence = table.influence.unwrap();
			assert_eq!(influence.fallback, Some(why));
			assert!(influence.scores.iter().all(|s| s.credit == 0));
		}
	}

	#[test]
	fn a_diverged_run_gets_no_table() {
		let files = [file(1, 100), file(2, 100)];
		let (accounts, _) = contributors(&files);
		for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
			let err = table(&files, &[30, 10], &accounts, &measured(vec![1.0, bad], 4))
				.unwrap_err()
				.to_string();
			assert!(err.contains("diverged") && err.contains(&accounts[1].to_string()), "{err}");
		}
	}
}
