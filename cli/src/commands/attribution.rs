//! `openledger attribution show|claim`: a verified model's attribution table, fetched from
//! IPFS and checked against the root its trainers attested, and a contributor's claim on it
//! (the proof built here from the whole table).

use crate::{
	context::{account_of, Global},
	error::{CliError, CliResult, Exit},
	output::{fields, table},
};
use clap::Subcommand;
use openledger_client::{
	amount,
	attribution::{CheckedTable, PublishedTable},
	attribution_json, Chain,
};
use openledger_ipfs::{Cid, FetchOutcome};

/// Largest manifest or table fetched: far above any real one (a row is ~70 bytes).
const MAX_JSON_BYTES: u64 = 64 << 20;

#[derive(Subcommand, Debug)]
pub enum AttributionCommand {
	/// A model's attribution table (from IPFS, checked against the chain's root), what was
	/// paid for the model's use, and what each row has been paid and may claim.
	Show {
		/// Model id.
		model: u64,
		/// IPFS gateways to fetch the table from after the embedded store and the model's
		/// datanets' published gateways (repeatable).
		#[arg(long = "gateway", value_name = "URL")]
		gateways: Vec<String>,
	},
	/// Claim what the signer's row of a model's table accrued since its last claim.
	Claim {
		/// Model id.
		model: u64,
		/// As for `show`.
		#[arg(long = "gateway", value_name = "URL")]
		gateways: Vec<String>,
	},
}

/// A model's table, fetched and checked, with the chain's view of the model's payments.
struct Attributed {
	table: PublishedTable,
	checked: CheckedTable,
	chain: attribution_json::Model,
}

fn cid(text: &str, what: &str) -> CliResult<Cid> {
	text.parse().map_err(|why| CliError::input(format!("{what} {text:?} is not a CID: {why}")))
}

async fn fetch_json<T: serde::de::DeserializeOwned>(
	fetcher: &openledger_ipfs::Fetcher,
	sources: &str,
	cid: &Cid,
	what: &str,
) -> CliResult<T> {
	let bytes = match fetcher.fetch(cid, MAX_JSON_BYTES).await.outcome {
		FetchOutcome::Ok(bytes) => bytes,
		FetchOutcome::Unavailable(why) | FetchOutcome::Lied { gateway: why } => {
			return Err(CliError::new(
				Exit::Ipfs,
				format!(
					"{what} {cid} could not be fetched from {sources} ({why}); pass --gateway \
					 URL of a host that has it (the trainers publish it once the model is \
					 verified)"
				),
			))
		},
		FetchOutcome::TooLarge => {
			return Err(CliError::input(format!("{what} {cid} is over {MAX_JSON_BYTES} bytes")))
		},
		FetchOutcome::Invalid(why) => {
			return Err(CliError::input(format!("{what} {cid} is not a file: {why}")))
		},
	};
	serde_json::from_slice(&bytes)
		.map_err(|error| CliError::input(format!("{what} {cid} is not the expected JSON: {error}")))
}

/// Fetches `model`'s manifest, then its attribution table, and checks the table against the
/// root on chain.
async fn attributed(
	global: &Global,
	chain: &Chain,
	model: u64,
	gateways: &[String],
) -> CliResult<Attributed> {
	let registered = chain.model(model).await?;
	let on_chain = chain.attribution_model(model).await?;
	let mut published = Vec::new();
	for snapshot in &registered.snapshots {
		published.extend(chain.datanet(snapshot.datanet).await?.gateways);
	}
	let (fetcher, sources) = global.fetcher(published.iter().chain(gateways)).await?;
	let manifest_cid = cid(&registered.result.manifest_cid, "the manifest CID")?;
	let manifest: serde_json::Value =
		fetch_json(&fetcher, &sources, &manifest_cid, "the manifest").await?;
	let table_cid = manifest["attribution_cid"].as_str().ok_or_else(|| {
		CliError::input(format!("the manifest {manifest_cid} names no attribution_cid"))
	})?;
	let table: PublishedTable = fetch_json(
		&fetcher,
		&sources,
		&cid(table_cid, "attribution_cid")?,
		"the attribution table",
	)
	.await?;
	let checked = table.check(&on_chain.attribution_root.0).map_err(|error| {
		CliError::input(format!("model {model}'s attribution table {table_cid}: {error}"))
	})?;
	Ok(Attributed { table, checked, chain: on_chain })
}

/// A row of `show`: its contributor, and its parts, owed, paid and claimable amounts.
#[derive(serde::Serialize)]
struct Row {
	contributor: String,
	#[serde(flatten)]
	claimable: attribution_json::Claimable,
}

fn percent(parts: u32) -> String {
	format!("{:.4}%", f64::from(parts) / 1e7)
}

pub async fn run(global: &Global, command: AttributionCommand) -> CliResult<()> {
	let output = global.output();
	match command {
		AttributionCommand::Show { model, gateways } => {
			let chain = global.chain().await?;
			let Attributed { table: published, checked, chain: pool } =
				attributed(global, &chain, model, &gateways).await?;
			// The chain's root, which the rows were checked to make: the table's own `root`
			// field is whatever its publisher wrote.
			let root = format!("{:?}", pool.attribution_root);
			let mut rows = Vec::new();
			for (account, parts) in &checked.rows {
				let contributor = account.to_string();
				let claimable = chain.attribution_claimable(model, &contributor, *parts).await?;
				rows.push(Row { contributor, claimable });
			}
			let json = serde_json::json!({
				"model": model, "method": published.method, "root": root,
				"paidIn": pool.paid_in, "toContributors": pool.to_contributors,
				"claimed": pool.claimed, "rows": rows,
			});
			output.print(&json, || {
				let header = fields(&[
					("model", model.to_string()),
					("method", published.method.clone()),
					("attribution root", format!("{root} (the table's rows make it)")),
					("paid for use", amount::format_text(&pool.paid_in)),
					("to contributors", amount::format_text(&pool.to_contributors)),
					("claimed", amount::format_text(&pool.claimed)),
				]);
				let lines: Vec<Vec<String>> = rows
					.iter()
					.map(|Row { contributor, claimable: c }| {
						vec![
							contributor.clone(),
							c.parts.to_string(),
							percent(c.parts),
							amount::format_text(&c.paid),
							amount::format_text(&c.claimable),
						]
					})
					.collect();
				format!(
					"{header}\n{}",
					table(&["contributor", "parts/10^9", "share", "paid", "claimable"], &lines)
				)
			});
		},
		AttributionCommand::Claim { model, gateways } => {
			let signer = global.signer()?;
			let me = account_of(&signer);
			let chain = global.chain().await?;
			let Attributed { checked, .. } = attributed(global, &chain, model, &gateways).await?;
			let Some((index, parts, proof)) = checked.row_of(&me) else {
				return Err(CliError::input(format!(
					"{me} has no row in model {model}'s attribution table ({} rows): only \
					 contributors of the data it was trained on can claim",
					checked.rows.len()
				)));
			};
			let claimable = chain.attribution_claimable(model, &me.to_string(), parts).await?;
			if claimable.claimable == "0" {
				return Err(CliError::input(format!(
					"{me} has nothing to claim on model {model} yet: its row ({}) was paid {} \
					 of the {} owed so far; claim again after the model is paid for",
					percent(parts),
					amount::format_text(&claimable.paid),
					amount::format_text(&claimable.owed)
				)));
			}
			let claimed = chain.claim_attribution(&signer, model, index, parts, proof).await?;
			let json = serde_json::json!({
				"model": model, "contributor": me.to_string(), "parts": parts,
				"amount": claimed.amount.to_string(),
			});
			output.print(&json, || {
				format!(
					"claimed {} on model {model} for {me} (row {index}, {})",
					amount::format(claimed.amount),
					percent(parts)
				)
			});
		},
	}
	Ok(())
}
