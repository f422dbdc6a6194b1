//! `openledger validate --datanet ID [--auto] [--watch]`: fetch each pending submission's
//! content by its CID, check it against the CID, the declared size and format, and commit a
//! sealed vote; reveal kept ballots once their reveal period opens.
//!
//! Votes are sealed: a commitment now, the ballot and its salt after the commit period.
//! The ballots wait in a book on disk (`--ballots`, see `openledger_client::ballots`), so a
//! later run, or `--watch` after a restart, reveals them; a ballot is dropped once the chain
//! has settled the submission's votes. An unrevealed commitment is slashed: keep `--watch`
//! running, or run `validate` again before each reveal period ends.

use crate::{
	context::{account_of, Global},
	error::{CliError, CliResult},
	inspect::{self, Assessment},
	output::{table, Output},
};
use openledger_client::{
	ballots::{Ballot, BallotBook},
	json, runtime,
	signer::Keypair,
	Chain, ChainError,
};
use openledger_ipfs::{Cid, FetchOutcome, Fetcher};
use serde::Serialize;
use std::{
	io::{BufRead, Write},
	path::PathBuf,
	time::Duration,
};

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
	/// The datanet whose pending submissions to check.
	#[arg(long)]
	datanet: u32,
	/// Vote without asking: mismatches are rejected with quality 0, sound files approved
	/// with the quality the checks give.
	#[arg(long)]
	auto: bool,
	/// Keep running: follow new blocks, commit on new submissions and reveal when due;
	/// reconnects when the node goes away. Stop with Ctrl-C.
	#[arg(long, requires = "auto")]
	watch: bool,
	/// Directory of the ballot books [default: <data dir>/openledger/ballots].
	#[arg(long, env = "OPENLEDGER_BALLOTS")]
	ballots: Option<PathBuf>,
	/// IPFS gateways to fetch from after the embedded store and the datanet's published
	/// gateways (repeatable; e.g. http://203.0.113.7:8080). A gateway that serves bytes
	/// which do not hash to their CID is skipped and reported.
	#[arg(long = "gateway", value_name = "URL")]
	gateways: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verdict {
	submission: u64,
	cid: String,
	/// approved or rejected (committed, sealed), revealed, missed (a reveal the chain
	/// refused), skipped or unavailable.
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
	let read = std::io::stdin()
		.lock()
		.read_line(&mut line)
		.map_err(|error| CliError::input(format!("cannot read the answer: {error}")))?;
	if read == 0 {
		// End of input is not an answer: skip, never vote.
		eprintln!("(end of input: skipped)");
		return Ok(None);
	}
	let answer = line.trim().to_ascii_lowercase();
	Ok(match if answer.is_empty() { suggestion } else { answer.as_str() } {
		"a" | "approve" => Some((true, assessment.quality.max(1))),
		"r" | "reject" => Some((false, 0)),
		_ => None,
	})
}

/// The sources `validate` fetches from, in order: the embedded store (where fetched blocks
/// are kept), the datanet's published gateways, `--gateway` URLs, then `--ipfs-api`.
async fn fetcher(global: &Global, args: &ValidateArgs) -> CliResult<(Fetcher, String)> {
	let chain = global.chain().await?;
	let published = chain.datanet(args.datanet).await?.gateways;
	global.fetcher(published.iter().chain(&args.gateways)).await
}

/// One validator on one datanet.
struct Validator<'a> {
	args: &'a ValidateArgs,
	signer: Keypair,
	me: String,
	book: BallotBook,
	/// Own store, then the datanet's gateways, then `--gateway`s, then `--ipfs-api`.
	fetcher: Fetcher,
	/// Those sources, for people.
	sources: String,
}

pub async fn run(global: &Global, args: ValidateArgs) -> CliResult<()> {
	use std::io::IsTerminal;
	if !args.auto && !std::io::stdin().is_terminal() {
		return Err(CliError::input(
			"validate asks for each decision on a terminal, and standard input is not one: run \
			 it in a terminal, or pass --auto to vote as the checks suggest",
		));
	}
	let output = global.output();
	let signer = global.signer()?;
	let me = account_of(&signer).to_string();
	let dir = args.ballots.clone().unwrap_or_else(BallotBook::default_dir);
	let book =
		BallotBook::open(&dir, &me, args.datanet).map_err(|e| CliError::input(e.to_string()))?;
	let (fetcher, sources) = fetcher(global, &args).await?;
	let mut validator = Validator { args: &args, signer, me, book, fetcher, sources };
	if !args.watch {
		let chain = global.chain().await?;
		let verdicts = validator.pass(&chain, &output).await?;
		print_verdicts(&output, args.datanet, &verdicts);
		return Ok(());
	}
	// Unattended: one pass per new block; a lost node is waited for, not fatal.
	let mut last_block = None;
	loop {
		let chain = match global.chain().await {
			Ok(chain) => chain,
			Err(error) => {
				eprintln!("validate: {}; retrying in 5 s", error.message);
				tokio::time::sleep(Duration::from_secs(5)).await;
				continue;
			},
		};
		loop {
			let block = match chain.block_number().await {
				Ok(block) => block,
				Err(error) => {
					eprintln!("validate: lost the node ({error}); reconnecting");
					break;
				},
			};
			if last_block != Some(block) {
				match validator.pass(&chain, &output).await {
					Ok(verdicts) => {
						for verdict in &verdicts {
							eprintln!("block {block}: {}", line_of(verdict));
						}
						last_block = Some(block);
					},
					Err(error) => {
						eprintln!("validate: block {block}: {}; reconnecting", error.message);
						break;
					},
				}
			}
			tokio::time::sleep(Duration::from_secs(2)).await;
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}

impl Validator<'_> {
	/// Reveals what is due, then commits on what is new. A transaction sent in block `b`
	/// lands in `b + 1` or later, so a window is used only while it has a block to spare.
	async fn pass(&mut self, chain: &Chain, output: &Output) -> CliResult<Vec<Verdict>> {
		let datanet = self.args.datanet;
		let bond = chain.validator(datanet, &self.me).await?;
		let mut verdicts = self.reveal_due(chain).await?;
		if bond.unlocks_at.is_some() {
			if !self.args.watch {
				output
					.note(format!("{} is unbonding from datanet {datanet}: no new votes", self.me));
			}
			return Ok(verdicts);
		}
		let block = chain.block_number().await?;
		let pending: Vec<json::Submission> = chain
			.pending(datanet)
			.await?
			.into_iter()
			.filter(|s| s.contributor != self.me && s.commit_ends > block)
			.filter(|s| !s.votes.iter().any(|vote| vote.validator == self.me))
			.filter(|s| self.book.get(s.id).is_none())
			.collect();
		if !self.args.watch {
			output.note(format!(
				"{} pending submissions to check on datanet {datanet} (content from the {})",
				pending.len(),
				self.sources
			));
		}
		let progress = output.progress(pending.len() as u64, false);
		for submission in &pending {
			progress.set_message(format!("submission {}", submission.id));
			let verdict = self.commit_on(chain, submission, &progress).await?;
			if !self.args.watch {
				progress.println(line_of(&verdict));
			}
			verdicts.push(verdict);
			progress.inc(1);
		}
		progress.finish_and_clear();
		Ok(verdicts)
	}

	async fn commit_on(
		&mut self,
		chain: &Chain,
		submission: &json::Submission,
		progress: &indicatif::ProgressBar,
	) -> CliResult<Verdict> {
		let verdict = |action, quality, findings| Verdict {
			submission: submission.id,
			cid: submission.cid.clone(),
			action,
			quality,
			findings,
		};
		let cid: Cid = submission.cid.parse().map_err(|error| {
			ChainError::Node(format!(
				"submission {} has CID {}: {error}",
				submission.id, submission.cid
			))
		})?;
		// One byte past the declared size is enough to know the file is larger.
		let fetched = self.fetcher.fetch(&cid, submission.bytes.saturating_add(1)).await;
		let mut findings_of_sources: Vec<String> = fetched
			.lied
			.iter()
			.map(|gateway| format!("gateway {gateway} served bytes that do not hash to their CID"))
			.collect();
		let assessment = match fetched.outcome {
			FetchOutcome::Ok(content) => {
				let mut assessment =
					inspect::assess(&content, submission.bytes, declared_format(submission)?);
				// One file, one key: the CID must be the canonical import of these bytes.
				let canonical =
					openledger_ipfs::add(&content, openledger_ipfs::Layout::KUBO_V1).root;
				if canonical != cid {
					assessment = Assessment::mismatch(format!(
						"{cid} is not the canonical CID of this content ({canonical})"
					));
				}
				assessment
			},
			FetchOutcome::TooLarge => Assessment::mismatch(format!(
				"the file is larger than the declared {} bytes",
				submission.bytes
			)),
			FetchOutcome::Invalid(why) => {
				Assessment::mismatch(format!("{cid} does not name a UnixFS file: {why}"))
			},
			// Content that cannot be fetched says nothing about the submission: no vote. Bytes
			// that do not hash to their CID are the fault of whoever served them (a damaged
			// local block, a lying gateway), never of the contributor: no vote either.
			FetchOutcome::Unavailable(why) | FetchOutcome::Lied { gateway: why } => {
				findings_of_sources.push(why);
				return Ok(verdict("unavailable", None, findings_of_sources));
			},
		};
		let decision = if self.args.auto {
			Some((assessment.approve(), if assessment.approve() { assessment.quality } else { 0 }))
		} else {
			progress.suspend(|| prompt(submission, &assessment))?
		};
		let findings: Vec<String> = assessment
			.mismatches
			.iter()
			.chain(&assessment.defects)
			.cloned()
			.chain(findings_of_sources)
			.collect();
		let Some((approve, quality)) = decision else {
			return Ok(verdict("skipped", None, findings));
		};
		let ballot = Ballot::new(approve, quality);
		// Kept before it is sent: a crash after sending must not lose the salt.
		self.book.keep(submission.id, ballot).map_err(|e| CliError::input(e.to_string()))?;
		let commitment = ballot.commitment(submission.id, &account_of(&self.signer).0);
		let call = runtime::transactions().datanets().commit_vote(submission.id, commitment);
		match chain.submit(&call, &self.signer).await {
			Ok(_) => {
				let action = if approve { "approved" } else { "rejected" };
				Ok(verdict(action, Some(quality), findings))
			},
			// This submission is not ours to vote on (bonded after it, or too late): say so
			// and go on with the others.
			Err(ChainError::Refused { error, docs }) => {
				self.forget(submission.id)?;
				Ok(verdict(
					"skipped",
					None,
					vec![format!("the chain refused the vote: {error} ({docs})")],
				))
			},
			Err(other) => Err(other.into()),
		}
	}

	/// Reveals every kept ballot whose reveal period is open; forgets the settled ones.
	async fn reveal_due(&mut self, chain: &Chain) -> CliResult<Vec<Verdict>> {
		let block = chain.block_number().await?;
		let mut verdicts = Vec::new();
		for id in self.book.submissions() {
			let submission = match chain.submission(id).await {
				Ok(submission) => submission,
				// Pruned: long settled.
				Err(ChainError::Query { .. }) => {
					self.forget(id)?;
					continue;
				},
				Err(other) => return Err(other.into()),
			};
			let mine = submission.votes.iter().find(|vote| vote.validator == self.me);
			let revealed = mine.is_some_and(|vote| vote.approve.is_some());
			if submission.settled || (mine.is_none() && block > submission.commit_ends) {
				// Settled, or a commitment that never made it on chain.
				self.forget(id)?;
				continue;
			}
			if revealed || block < submission.commit_ends || block >= submission.reveal_ends {
				continue;
			}
			let Some(ballot) = self.book.get(id) else { continue };
			let call = runtime::transactions().datanets().reveal_vote(
				id,
				ballot.approve,
				ballot.quality,
				ballot.salt,
			);
			let sent = chain.submit(&call, &self.signer).await;
			if let Err(refused @ ChainError::Refused { .. }) = sent {
				self.forget(id)?;
				verdicts.push(Verdict {
					submission: id,
					cid: submission.cid.clone(),
					action: "missed",
					quality: None,
					findings: vec![refused.to_string()],
				});
				continue;
			}
			sent?;
			verdicts.push(Verdict {
				submission: id,
				cid: submission.cid.clone(),
				action: "revealed",
				quality: Some(ballot.quality),
				findings: vec![if ballot.approve { "approve".into() } else { "reject".into() }],
			});
		}
		Ok(verdicts)
	}

	fn forget(&mut self, id: u64) -> CliResult<()> {
		self.book.forget(id).map_err(|e| CliError::input(e.to_string()))
	}
}

fn line_of(verdict: &Verdict) -> String {
	format!(
		"submission {}: {}{}{}",
		verdict.submission,
		verdict.action,
		verdict.quality.map(|q| format!(" (quality {q})")).unwrap_or_default(),
		if verdict.findings.is_empty() {
			String::new()
		} else {
			format!(": {}", verdict.findings.join("; "))
		}
	)
}

fn print_verdicts(output: &Output, datanet: u32, verdicts: &[Verdict]) {
	output.print(&verdicts, || {
		if verdicts.is_empty() {
			return format!("nothing to validate or reveal on datanet {datanet}");
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
}
