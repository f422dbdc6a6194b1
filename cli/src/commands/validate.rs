//! `openledger validate --datanet ID [--auto]`: fetch each pending submission's content by
//! its CID, check it against the CID, the declared size and format, then vote.

use crate::{
	context::{account_of, Global},
	error::{CliError, CliResult},
	inspect::{self, Assessment},
	output::table,
};
use openledger_client::{json, runtime, ChainError};
use openledger_ipfs::{Cid, IpfsError, KuboError, StoreError};
use serde::Serialize;
use std::io::{BufRead, Write};

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
	/// The datanet whose pending submissions to check.
	#[arg(long)]
	datanet: u32,
	/// Vote without asking: mismatches are rejected with quality 0, sound files approved
	/// with the quality the checks give.
	#[arg(long)]
	auto: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verdict {
	submission: u64,
	cid: String,
	/// approved, rejected, skipped or unavailable.
	action: &'static str,
	quality: Option<u8>,
	findings: Vec<String>,
}

fn declared_format(submission: &json::Submission) -> CliResult<pallet_datanets::FileFormat> {
	inspect::format_of_extension(&submission.format).ok_or_else(|| {
		ChainError::Node(format!("unknown format `{}` from the node", submission.format)).into()
	})
}

/// Asks for a decision on the terminal: the suggested one on Enter.
fn prompt(submission: &json::Submission, assessment: &Assessment) -> CliResult<Option<(bool, u8)>> {
	let suggestion = if assessment.approve() { "a" } else { "r" };
	eprint!(
		"submission {} ({} bytes, {}): [a]pprove / [r]eject / [s]kip [{suggestion}] ",
		submission.id, submission.bytes, submission.format
	);
	std::io::stderr().flush().ok();
	let mut line = String::new();
	std::io::stdin()
		.lock()
		.read_line(&mut line)
		.map_err(|error| CliError::input(format!("cannot read the answer: {error}")))?;
	let answer = line.trim().to_ascii_lowercase();
	Ok(match if answer.is_empty() { suggestion } else { answer.as_str() } {
		"a" | "approve" => Some((true, assessment.quality.max(1))),
		"r" | "reject" => Some((false, 0)),
		_ => None,
	})
}

pub async fn run(global: &Global, args: ValidateArgs) -> CliResult<()> {
	let output = global.output();
	let signer = global.signer()?;
	let me = account_of(&signer).to_string();
	let chain = global.chain().await?;
	let bond = chain.validator(args.datanet, &me).await?;
	if bond.unlocks_at.is_some() {
		return Err(CliError::input(format!(
			"{me} is unbonding from datanet {} and can no longer vote",
			args.datanet
		)));
	}
	let store = global.content_store().await?;
	let pending: Vec<json::Submission> = chain
		.pending(args.datanet)
		.await?
		.into_iter()
		.filter(|s| s.contributor != me && !s.votes.iter().any(|vote| vote.validator == me))
		.collect();
	output.note(format!(
		"{} pending submissions to check on datanet {} (content from the {})",
		pending.len(),
		args.datanet,
		store.location()
	));

	let progress = output.progress(pending.len() as u64, false);
	let mut verdicts = Vec::new();
	for submission in &pending {
		progress.set_message(format!("submission {}", submission.id));
		let cid: Cid = submission.cid.parse().map_err(|error| {
			ChainError::Node(format!(
				"submission {} has CID {}: {error}",
				submission.id, submission.cid
			))
		})?;
		let assessment = match store.cat(&cid).await {
			Ok(content) => {
				inspect::assess(&content, submission.bytes, declared_format(submission)?)
			},
			// Content that cannot be fetched says nothing about the submission: no vote.
			Err(
				unavailable @ (IpfsError::Store(StoreError::NotFound { .. })
				| IpfsError::Kubo(KuboError::Api { .. })),
			) => {
				progress.println(format!(
					"submission {}: content {cid} unavailable ({unavailable}); not voting",
					submission.id
				));
				verdicts.push(Verdict {
					submission: submission.id,
					cid: submission.cid.clone(),
					action: "unavailable",
					quality: None,
					findings: vec![unavailable.to_string()],
				});
				progress.inc(1);
				continue;
			},
			Err(IpfsError::Store(StoreError::Corrupt(why))) => {
				Assessment::mismatch(format!("content does not match its CID: {why}"))
			},
			Err(IpfsError::ContentMismatch(_)) => {
				Assessment::mismatch("content does not hash to its CID")
			},
			Err(other) => return Err(other.into()),
		};
		let decision = if args.auto {
			Some((assessment.approve(), if assessment.approve() { assessment.quality } else { 0 }))
		} else {
			progress.suspend(|| prompt(submission, &assessment))?
		};
		let (action, quality) = match decision {
			Some((approve, quality)) => {
				let call = runtime::transactions().datanets().vote(submission.id, approve, quality);
				chain.submit(&call, &signer).await?;
				(if approve { "approved" } else { "rejected" }, Some(quality))
			},
			None => ("skipped", None),
		};
		let findings: Vec<String> =
			assessment.mismatches.iter().chain(&assessment.defects).cloned().collect();
		progress.println(format!(
			"submission {}: {action}{}{}",
			submission.id,
			quality.map(|q| format!(" (quality {q})")).unwrap_or_default(),
			if findings.is_empty() { String::new() } else { format!(": {}", findings.join("; ")) }
		));
		verdicts.push(Verdict {
			submission: submission.id,
			cid: submission.cid.clone(),
			action,
			quality,
			findings,
		});
		progress.inc(1);
	}
	progress.finish_and_clear();
	output.print(&verdicts, || {
		if verdicts.is_empty() {
			return format!("nothing to validate on datanet {}", args.datanet);
		}
		let rows: Vec<Vec<String>> = verdicts
			.iter()
			.map(|v| {
				vec![
					v.submission.to_string(),
					v.action.to_string(),
					v.quality.map(|q| q.to_string()).unwrap_or("-".into()),
					v.findings.join("; "),
				]
			})
			.collect();
		table(&["submission", "vote", "quality", "findings"], &rows)
	});
	Ok(())
}
