//! A job's dataset, from the chain and IPFS only: each snapshot's files are listed with
//! `datanets_accepted`, the log head is recomputed from the entries and must equal the
//! snapshot's, and each file is fetched by CID with every block verified. Anything missing or
//! different stops the job: a worker never trains on a guessed dataset.
//!
//! Text extraction: a file declared `txt` or `md` must be UTF-8 and is one document,
//! verbatim (Markdown markup included). Files of other formats (a text datanet's pdf and
//! docx) are listed but neither fetched nor trained on. Files come in job order (the job's
//! datanets in the order it lists them), each datanet's in acceptance order.

use super::ipfs::Sources;
use crate::{data::Document, hash::hex_digest, Error, Result};
use openledger_client::{json, AccountId, Chain};
use openledger_ipfs::{Cid, FetchOutcome};
use openledger_primitives::dataset::{next_head, EMPTY_HEAD};
use sha2::{Digest, Sha256};

/// One accepted file of the dataset.
#[derive(Clone, Debug)]
pub struct SourceFile {
	pub datanet: u32,
	/// Position in the datanet's accepted log.
	pub index: u32,
	pub submission: u64,
	pub cid: String,
	pub contributor: AccountId,
	/// Acceptance weight (the validators' quality score).
	pub weight: u8,
	/// The declared format (its extension: `txt`, `md`, `pdf`, …).
	pub format: String,
	pub bytes: usize,
}

impl SourceFile {
	/// Whether the worker trains on it (see the module docs).
	pub fn is_text(&self) -> bool {
		TEXT_FORMATS.contains(&self.format.as_str())
	}
}

/// The formats the worker extracts text from. The other formats of text datanets (pdf,
/// docx) are left out by every worker alike, with no tokens and so no credit, until their
/// extraction is specified: one such file must not make a whole datanet untrainable.
pub const TEXT_FORMATS: [&str; 2] = ["txt", "md"];

/// The fetched, checked dataset: its documents (source = index into `files`).
pub struct JobData {
	pub files: Vec<SourceFile>,
	pub documents: Vec<Document>,
	/// SHA-256 over the files in order (`u64 length ‖ bytes` each), as `data::load` hashes.
	pub hash: String,
}

/// A snapshot as a job lists it.
#[derive(Clone, Copy, Debug)]
pub struct SnapshotRef {
	pub datanet: u32,
	pub count: u32,
	pub head: [u8; 32],
}

/// Listing only: the files of `snapshots` (their logs checked against the heads), with each
/// file's size limit ([`file_limit`]).
pub async fn list(chain: &Chain, snapshots: &[SnapshotRef]) -> Result<(Vec<SourceFile>, Vec<u64>)> {
	let mut files = Vec::new();
	let mut max_bytes = Vec::new();
	for snapshot in snapshots {
		let datanet = chain
			.datanet(snapshot.datanet)
			.await
			.map_err(|e| Error::Chain(format!("datanet {}: {e}", snapshot.datanet)))?;
		let entries = chain
			.accepted(snapshot.datanet, snapshot.count)
			.await
			.map_err(|e| Error::Chain(format!("datanet {} accepted log: {e}", snapshot.datanet)))?;
		let mut listed = check_snapshot(snapshot, &entries)?;
		let mut formats = Vec::with_capacity(listed.len());
		for file in &listed {
			let submission = chain.submission(file.submission).await.map_err(|e| {
				Error::Chain(format!(
					"datanet {} submission {}: {e}",
					file.datanet, file.submission
				))
			})?;
			max_bytes.push(file_limit(submission.bytes, datanet.max_file_bytes));
			formats.push(submission.format);
		}
		for (file, submission) in listed.iter_mut().zip(formats) {
			file.format = submission;
		}
		files.extend(listed);
	}
	Ok((files, max_bytes))
}

/// The most bytes a file is fetched up to: the size its submission declared (at most the
/// datanet's cap when it was accepted; validators check the content has that size) or the
/// datanet's cap now, whichever is larger. The cap alone would not do: the owner may lower
/// it after a snapshot, and every file accepted under the old cap would be too large for
/// every worker.
pub fn file_limit(declared: u64, cap_now: u64) -> u64 {
	declared.max(cap_now)
}

/// Lists, checks and fetches every file of `snapshots`; `progress` hears each file.
pub async fn fetch(
	chain: &Chain,
	sources: &Sources,
	snapshots: &[SnapshotRef],
	mut progress: impl FnMut(usize, usize, &SourceFile),
) -> Result<JobData> {
	let (mut files, max_bytes) = list(chain, snapshots).await?;
	let total = files.len();
	let mut contents = Vec::with_capacity(total);
	for (position, (file, limit)) in files.iter_mut().zip(max_bytes).enumerate() {
		if !file.is_text() {
			progress(position + 1, total, file);
			contents.push(Vec::new());
			continue;
		}
		let cid: Cid = file.cid.parse().map_err(|e| {
			Error::Data(format!(
				"datanet {} file {}: bad CID {} ({e})",
				file.datanet, file.index, file.cid
			))
		})?;
		let bytes = match sources.fetch(&cid, limit).await {
			FetchOutcome::Ok(bytes) => bytes,
			FetchOutcome::Unavailable(why) => {
				return Err(Error::Ipfs(format!(
					"datanet {} file {} ({}) is unavailable: {why}. Pass --gateway URL or \
					 --ipfs-api URL of a node that has it",
					file.datanet, file.index, file.cid
				)))
			},
			other => {
				return Err(Error::Ipfs(format!(
					"datanet {} file {} ({}): {other:?}",
					file.datanet, file.index, file.cid
				)))
			},
		};
		file.bytes = bytes.len();
		progress(position + 1, total, file);
		contents.push(bytes);
	}
	assemble(files, contents)
}

/// The dataset from its files' contents (same order; a file of another format than text may
/// have empty contents): documents by the module's text extraction, and the hash over the
/// text files' bytes.
pub fn assemble(mut files: Vec<SourceFile>, contents: Vec<Vec<u8>>) -> Result<JobData> {
	let mut hasher = Sha256::new();
	let mut documents = Vec::with_capacity(files.len());
	for (source, (file, bytes)) in files.iter_mut().zip(contents).enumerate() {
		if !file.is_text() {
			continue;
		}
		file.bytes = bytes.len();
		hasher.update((bytes.len() as u64).to_le_bytes());
		hasher.update(&bytes);
		let text = String::from_utf8(bytes).map_err(|_| {
			Error::Data(format!(
				"datanet {} file {} ({}) is not UTF-8 text: the worker trains on the text \
				 formats (txt, md)",
				file.datanet, file.index, file.cid
			))
		})?;
		documents.push(Document { source, text });
	}
	Ok(JobData { files, documents, hash: hex_digest(hasher) })
}

/// The snapshot's files from its log entries, after recomputing the head they chain to.
pub fn check_snapshot(
	snapshot: &SnapshotRef,
	entries: &[json::Accepted],
) -> Result<Vec<SourceFile>> {
	if entries.len() != snapshot.count as usize {
		return Err(Error::Chain(format!(
			"datanet {} lists {} accepted files, the snapshot names {}",
			snapshot.datanet,
			entries.len(),
			snapshot.count
		)));
	}
	let mut head = EMPTY_HEAD;
	let mut files = Vec::with_capacity(entries.len());
	for (position, entry) in entries.iter().enumerate() {
		let bad = |what: &str| {
			Error::Chain(format!("datanet {} entry {position}: {what}", snapshot.datanet))
		};
		if entry.index as usize != position {
			return Err(bad("out of order"));
		}
		let binary = openledger_primitives::cid::parse(entry.cid.as_bytes())
			.map_err(|_| bad("unparsable CID"))?;
		let contributor: AccountId =
			entry.contributor.parse().map_err(|_| bad("unparsable contributor"))?;
		head =
			next_head(&head, entry.index, entry.submission, &binary, &contributor.0, entry.weight);
		files.push(SourceFile {
			datanet: snapshot.datanet,
			index: entry.index,
			submission: entry.submission,
			cid: entry.cid.clone(),
			contributor,
			weight: entry.weight,
			format: String::new(),
			bytes: 0,
		});
	}
	if head != snapshot.head {
		return Err(Error::Chain(format!(
			"datanet {}: the accepted log's first {} entries chain to 0x{}, the job's snapshot \
			 names 0x{}; the node serves another history",
			snapshot.datanet,
			snapshot.count,
			hex::encode(head),
			hex::encode(snapshot.head)
		)));
	}
	Ok(files)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn entry(index: u32, fill: u8, weight: u8) -> json::Accepted {
		let mut cid = vec![0x01, 0x55, 0x12, 0x20];
		cid.extend_from_slice(&[fill; 32]);
		let text = String::from_utf8(openledger_primitives::cid::to_text(&cid)).unwrap();
		json::Accepted {
			index,
			submission: 10 + u64::from(index),
			cid: text,
			contributor: AccountId([fill; 32]).to_string(),
			weight,
			head: Default::default(),
		}
	}

	fn head_of(entries: &[json::Accepted]) -> [u8; 32] {
		entries.iter().fold(EMPTY_HEAD, |head, e| {
			let cid = openledger_primitives::cid::parse(e.cid.as_bytes()).unwrap();
			let who: AccountId = e.contributor.parse().unwrap();
			next_head(&head, e.index, e.submission, &cid, &who.0, e.weight)
		})
	}

	#[test]
	fn a_log_that_chains_to_the_snapshot_is_taken_and_any_change_is_refused() {
		let entries = vec![entry(0, 1, 80), entry(1, 2, 60)];
		let snapshot = SnapshotRef { datanet: 3, count: 2, head: head_of(&entries) };
		let files = check_snapshot(&snapshot, &entries).unwrap();
		assert_eq!(files.len(), 2);
		assert_eq!((files[1].weight, files[1].submission), (60, 11));

		let mut reweighted = entries.clone();
		reweighted[0].weight = 81;
		let err = check_snapshot(&snapshot, &reweighted).unwrap_err().to_string();
		assert!(err.contains("chain to"), "{err}");
		let err = check_snapshot(&snapshot, &entries[..1]).unwrap_err().to_string();
		assert!(err.contains("lists 1 accepted files"), "{err}");
		let swapped = vec![entries[1].clone(), entries[0].clone()];
		assert!(check_snapshot(&snapshot, &swapped).is_err());
	}
}
