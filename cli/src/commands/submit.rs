//! `openledger submit FILE... --datanet ID`: every check the chain would make, done before
//! any fee is paid; then add to IPFS, reserve the CIDs (one transaction whose hashes show
//! nothing of them, so no one watching the pool can take a file first), and submit each
//! in a later block, waiting for each to be finalized.
//!
//! Submissions finalized before a later one fails are reported with the error (under
//! `--json`: `{"submitted": [...], "error": ..., "exit": ...}`): they paid deposits and are
//! being validated, and submitting their files again would be refused as duplicates.

use crate::{
	commands::event,
	context::{account_of, Global},
	error::{CliError, CliResult, Done},
	inspect,
	output::table,
};
use openledger_client::{amount, json, runtime, runtime::datanets::events, signer::Keypair, Chain};
use openledger_ipfs::{Dag, Layout};
use pallet_datanets::FileFormat;
use serde::Serialize;
use std::{collections::HashMap, path::PathBuf};

#[derive(clap::Args, Debug)]
pub struct SubmitArgs {
	/// Files to submit, each as one submission.
	#[arg(required = true)]
	files: Vec<PathBuf>,
	/// The datanet to submit to.
	#[arg(long)]
	datanet: u32,
}

/// A file that passed every check.
struct Checked {
	path: PathBuf,
	content: Vec<u8>,
	format: FileFormat,
	/// Built once: its root is checked on chain before upload, its blocks are what the
	/// embedded store writes.
	dag: Dag,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Submitted {
	file: String,
	submission: u64,
	cid: String,
	bytes: u64,
	format: &'static str,
	deposit: String,
	commit_ends: u32,
	reveal_ends: u32,
}

fn check_file(path: &PathBuf, datanet: &json::Datanet, layout: Layout) -> CliResult<Checked> {
	let shown = path.display();
	let content = std::fs::read(path)
		.map_err(|error| CliError::input(format!("cannot read {shown}: {error}")))?;
	if content.is_empty() {
		return Err(CliError::input(format!("{shown} is empty")));
	}
	let extension = path.extension().and_then(|extension| extension.to_str());
	let format = inspect::detect(&content, extension)
		.map_err(|why| CliError::input(format!("{shown}: {why}")))?;
	if format.modality().name() != datanet.modality {
		return Err(CliError::input(format!(
			"{shown} is {} ({}), but datanet {} takes {} files: {}",
			format.extension(),
			format.modality().name(),
			datanet.id,
			datanet.modality,
			datanet.formats.join(", ")
		)));
	}
	if content.len() as u64 > datanet.max_file_bytes {
		return Err(CliError::input(format!(
			"{shown} has {} bytes; datanet {} takes files of at most {} bytes",
			content.len(),
			datanet.id,
			datanet.max_file_bytes
		)));
	}
	let dag = openledger_ipfs::add(&content, layout);
	if !pallet_datanets::cid::check_canonical(&dag.root.to_bytes(), content.len() as u64) {
		return Err(CliError::input(format!(
			"{shown}: {} is not the chain's canonical CID form (CIDv1, raw leaves, sha2-256)",
			dag.root
		)));
	}
	Ok(Checked { path: path.clone(), content, format, dag })
}

pub async fn run(global: &Global, args: SubmitArgs) -> CliResult<()> {
	let output = global.output();
	// The one form the chain takes: `ipfs add --cid-version=1` (see pallet_datanets::cid).
	let layout = Layout::KUBO_V1;
	let signer = global.signer()?;
	let account = account_of(&signer);
	let chain = global.chain().await?;
	let datanet = chain.datanet(args.datanet).await?;
	if datanet.status != "open" {
		return Err(CliError::input(format!("datanet {} is closed to submissions", datanet.id)));
	}

	let checked: Vec<Checked> = args
		.files
		.iter()
		.map(|path| check_file(path, &datanet, layout))
		.collect::<Result<_, _>>()?;
	let mut seen = HashMap::new();
	for file in &checked {
		if let Some(first) = seen.insert(file.dag.root, &file.path) {
			return Err(CliError::input(format!(
				"{} and {} have the same content ({})",
				first.display(),
				file.path.display(),
				file.dag.root
			)));
		}
		if let Some(id) = chain.submission_of_cid(datanet.id, &file.dag.root.to_string()).await? {
			return Err(CliError::input(format!(
				"{} was already submitted to datanet {} as submission {id} (CID {}): duplicate CID",
				file.path.display(),
				datanet.id,
				file.dag.root
			)));
		}
	}
	let allowance = chain.allowance(datanet.id, &account).await?;
	let bytes: u64 = checked.iter().map(|file| file.content.len() as u64).sum();
	let bytes_left = allowance.account_bytes.min(allowance.datanet_bytes);
	if checked.len() as u64 > u64::from(allowance.account_files) || bytes > bytes_left {
		return Err(CliError::input(format!(
			"daily cap exceeded: these {} files have {bytes} bytes, but {account} may still \
			 submit {} files and {bytes_left} bytes to datanet {} today (UTC)",
			checked.len(),
			allowance.account_files,
			datanet.id
		)));
	}

	let store = global.content_store().await?;
	output.note(format!("adding {} files to the {}", checked.len(), store.location()));
	let total = checked.len();
	let mut submitted = Vec::new();
	let sent = send(&chain, &signer, datanet.id, &store, checked, &output, &mut submitted);
	if let Err(error) = sent.await {
		let done = Done {
			key: "submitted",
			json: serde_json::to_value(&submitted).expect("submissions serialize"),
			human: if submitted.is_empty() { String::new() } else { table_of(&submitted) },
		};
		let context = format!("{} of {total} files submitted, then", submitted.len());
		return Err(error.with_context(&context).after(done));
	}
	output.print(&submitted, || table_of(&submitted));
	Ok(())
}

/// Reserves the files' CIDs, adds each file to the store and submits it, pushing each
/// finalized submission to `submitted` as it lands.
async fn send(
	chain: &Chain,
	signer: &Keypair,
	datanet: u32,
	store: &openledger_ipfs::ContentStore,
	checked: Vec<Checked>,
	output: &crate::output::Output,
	submitted: &mut Vec<Submitted>,
) -> CliResult<()> {
	reserve(chain, signer, datanet, &checked).await?;
	let bytes = checked.iter().map(|file| file.content.len() as u64).sum();
	let progress = output.progress(bytes, true);
	for file in checked {
		let name = file.path.display().to_string();
		progress.set_message(name.clone());
		let bytes = file.content.len() as u64;
		let cid = store.put(file.content, &file.dag).await?;
		if cid != file.dag.root {
			return Err(CliError::new(
				crate::error::Exit::Ipfs,
				format!("the IPFS store gave {name} the CID {cid}, expected {}", file.dag.root),
			));
		}
		let call = runtime::transactions().datanets().submit(
			datanet,
			cid.to_string().into_bytes(),
			bytes,
			openledger_client::file_format(file.format),
		);
		let included = chain.submit(&call, signer).await?;
		let event: events::Submitted = event(&included)?;
		progress.inc(bytes);
		progress.println(format!("{name}: submission {}", event.submission));
		submitted.push(Submitted {
			file: name,
			submission: event.submission,
			cid: cid.to_string(),
			bytes,
			format: file.format.extension(),
			deposit: amount::format(event.deposit),
			commit_ends: event.commit_ends,
			reveal_ends: event.reveal_ends,
		});
	}
	progress.finish_and_clear();
	Ok(())
}

fn table_of(submitted: &[Submitted]) -> String {
	let rows: Vec<Vec<String>> = submitted
		.iter()
		.map(|s| {
			vec![
				s.submission.to_string(),
				s.file.clone(),
				s.format.to_string(),
				s.bytes.to_string(),
				s.cid.clone(),
				s.deposit.clone(),
				s.reveal_ends.to_string(),
			]
		})
		.collect();
	table(&["submission", "file", "format", "bytes", "cid", "deposit", "decided by"], &rows)
}

/// Reserves every file's CID for the signer in one transaction (in chunks of the chain's
/// maximum), waiting for finality so that the submissions land in later blocks.
async fn reserve(
	chain: &Chain,
	signer: &Keypair,
	datanet: u32,
	files: &[Checked],
) -> CliResult<()> {
	let contributor = account_of(signer);
	let reservations: Vec<[u8; 32]> = files
		.iter()
		.map(|file| {
			pallet_datanets::reservation(datanet, &file.dag.root.to_bytes(), &contributor.0)
		})
		.collect();
	for chunk in reservations.chunks(MAX_RESERVATIONS) {
		let call = runtime::transactions().datanets().reserve(chunk.to_vec());
		chain.submit(&call, signer).await?;
	}
	Ok(())
}

/// The runtime's `MaxReservations`.
const MAX_RESERVATIONS: usize = 20;
