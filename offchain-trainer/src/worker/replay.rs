//! `openledger-trainer replay JOB`: a job's run from files on this machine, without
//! attesting. It lists the job's snapshots from the chain as `work` does, then reads each
//! file from `DIR/<CID>` instead of fetching it, trains with the job's settings and prints the
//! result `work` would attest: an auditor recomputes a verified model, or sees what a
//! different dataset gives. A file whose bytes do not match its CID is used anyway, with a
//! warning, since that is what a what-if run is for; such a result is not the job's.

use super::{
	dataset::{self, JobData, SnapshotRef},
	pipeline::{self, Inputs, Produced, Settings},
	Log,
};
use crate::{Error, Result};
use openledger_client::Chain;
use openledger_ipfs::{content_matches, Cid};
use std::{
	path::{Path, PathBuf},
	sync::{atomic::AtomicBool, Arc},
};

/// What `replay` is told.
pub struct ReplayOptions {
	pub node: String,
	pub job: u64,
	/// The base model's file (its hashes are checked against the chain's).
	pub base: PathBuf,
	/// A directory with each of the job's files under its CID text.
	pub files: PathBuf,
	/// Where to train (checkpoints, the adapter, the manifest).
	pub out: PathBuf,
	pub settings: Settings,
}

/// Trains the job on local files; the result and manifest (CIDs computed, nothing
/// published).
pub async fn replay(options: ReplayOptions, log: &Log) -> Result<Produced> {
	let chain = Chain::connect(&options.node).await.map_err(|e| Error::Chain(e.to_string()))?;
	let job = chain.job(options.job).await.map_err(|e| Error::Chain(e.to_string()))?;
	let base = chain.base_model(job.base).await.map_err(|e| Error::Chain(e.to_string()))?;
	let data = local(&chain, &pipeline::snapshots(&job), &options.files, job.id, log).await?;
	let eval = match pipeline::eval_snapshot(&job) {
		Some(held_out) => Some(local(&chain, &[held_out], &options.files, job.id, log).await?),
		None => None,
	};
	let inputs = Inputs { base, base_path: options.base.clone(), base_cached: false, data, eval };
	pipeline::produce(
		&job,
		inputs,
		&options.settings,
		&options.out,
		log,
		None,
		Arc::new(AtomicBool::new(false)),
		None,
	)
	.await
}

/// The files of `snapshots`, listed from the chain and read from `dir/<CID>`.
async fn local(
	chain: &Chain,
	snapshots: &[SnapshotRef],
	dir: &Path,
	job: u64,
	log: &Log,
) -> Result<JobData> {
	let (files, _) = dataset::list(chain, snapshots).await?;
	let mut contents = Vec::with_capacity(files.len());
	for file in &files {
		let path = dir.join(&file.cid);
		let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
		let cid: Cid = file.cid.parse().map_err(|e| Error::Data(format!("{}: {e}", file.cid)))?;
		if !content_matches(&cid, &bytes) {
			log.event(
				job,
				"mismatch",
				format!(
					"warning: {} does not match its CID; the result will not be the job's",
					path.display()
				),
				serde_json::json!({ "cid": file.cid }),
			);
		}
		contents.push(bytes);
	}
	dataset::assemble(files, contents)
}
