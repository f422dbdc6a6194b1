//! The worker's memory across crashes: one file per job under `--state DIR/jobs/`, replaced
//! whole (temporary file, rename, directory sync) at every phase change, with the salt of the
//! sealed attestation in it (mode 0600). Training checkpoints live beside it. The chain is the
//! other half: before each commit or reveal the worker asks the chain whether it already went
//! through, so a `kill -9` between sending and recording never sends twice.
//!
//! One worker per directory: `open` takes an exclusive lock on `DIR/lock` for as long as the
//! `StateDir` lives (two workers on one directory would both send a job's commit, and the one
//! refused would record the job abandoned and never reveal it). `jobs/` and `runs/` are
//! private (mode 0700): the salts, and the results waiting for the reveal, are secrets.

use crate::{Error, Result};
use openledger_client::private_file;
use pallet_models::AttestedResult;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where a job is, for this worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
	/// Fetching and training (checkpoints in the job's `run/` directory).
	Training,
	/// Trained and published; the result and salt are here, the commit may not be sent yet.
	Trained,
	/// The chain has the commitment.
	Committed,
	/// The chain has the reveal; the adapter is published once the job is verified with
	/// this result (`published`).
	Revealed,
	/// Given up (the reason is in `note`): the commit or reveal window passed, or the job's
	/// data or base could not be had.
	Abandoned,
}

/// One job's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobState {
	pub job: u64,
	pub phase: Phase,
	/// Chosen when the job is taken, before anything is sent.
	#[serde(with = "hex_salt")]
	pub salt: [u8; 32],
	pub result: Option<AttestedResult>,
	/// Why the job was abandoned, or the last error.
	pub note: Option<String>,
	/// Training attempts that failed with an error worth retrying (content unavailable, the
	/// node unreachable); the job is abandoned after `MAX_TRAINING_ATTEMPTS`.
	#[serde(default)]
	pub attempts: u32,
	/// Whether the run's adapter, config, table and manifest were published (after
	/// verification), or need not be (the job failed, or verified another result).
	#[serde(default)]
	pub published: bool,
}

/// Failed training attempts (one per block at most) before a job is given up: a source
/// that stays away must not hold the worker's only training slot for the whole commit window.
pub const MAX_TRAINING_ATTEMPTS: u32 = 5;

mod hex_salt {
	use serde::{Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(salt: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&hex::encode(salt))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
		let text = String::deserialize(deserializer)?;
		let bytes = hex::decode(text).map_err(serde::de::Error::custom)?;
		bytes.try_into().map_err(|_| serde::de::Error::custom("a salt is 32 bytes"))
	}
}

impl JobState {
	/// A job just taken, with a fresh random salt.
	pub fn taken(job: u64) -> Result<JobState> {
		let mut salt = [0u8; 32];
		getrandom::getrandom(&mut salt)
			.map_err(|e| Error::Invalid(format!("no randomness for the salt: {e}")))?;
		Ok(JobState {
			job,
			phase: Phase::Training,
			salt,
			result: None,
			note: None,
			attempts: 0,
			published: false,
		})
	}

	/// Whether the worker still has something to do for it.
	pub fn is_open(&self) -> bool {
		match self.phase {
			Phase::Revealed => !self.published,
			Phase::Abandoned => false,
			_ => true,
		}
	}
}

/// The `--state` directory.
pub struct StateDir {
	root: PathBuf,
	/// Holds the directory's lock until dropped.
	_lock: std::fs::File,
}

/// Creates `dir` (and its parents) and makes it private to its owner.
fn private_dir(dir: &Path) -> Result<()> {
	std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
			.map_err(|e| Error::io(dir, e))?;
	}
	Ok(())
}

impl StateDir {
	/// Opens (creating) `root` and locks it for this process; refused while another worker
	/// holds it.
	pub fn open(root: &Path) -> Result<StateDir> {
		private_dir(&root.join("jobs"))?;
		private_dir(&root.join("runs"))?;
		let path = root.join("lock");
		let lock = std::fs::OpenOptions::new()
			.create(true)
			.truncate(false)
			.write(true)
			.open(&path)
			.map_err(|e| Error::io(&path, e))?;
		match lock.try_lock() {
			Ok(()) => {},
			Err(std::fs::TryLockError::WouldBlock) => {
				return Err(Error::Invalid(format!(
					"another worker uses the state directory {} (it holds {}): run one worker \
					 per --state",
					root.display(),
					path.display()
				)))
			},
			Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
		}
		Ok(StateDir { root: root.to_path_buf(), _lock: lock })
	}

	pub fn root(&self) -> &Path {
		&self.root
	}

	fn file(&self, job: u64) -> PathBuf {
		self.root.join("jobs").join(format!("{job}.json"))
	}

	/// The job's working directory (its fetched files, training checkpoints and outputs).
	pub fn run_dir(&self, job: u64) -> PathBuf {
		self.root.join("runs").join(job.to_string())
	}

	pub fn save(&self, state: &JobState) -> Result<()> {
		let path = self.file(state.job);
		let text = serde_json::to_vec_pretty(state).expect("state serialises");
		private_file::replace(&path, &text).map_err(|e| Error::io(&path, e))
	}

	pub fn load(&self, job: u64) -> Result<Option<JobState>> {
		let path = self.file(job);
		match std::fs::read(&path) {
			Ok(bytes) => {
				let state: JobState = serde_json::from_slice(&bytes).map_err(|e| {
					Error::format(&path, format!("{e}; move the file away to forget the job"))
				})?;
				if state.job != job {
					return Err(Error::format(
						&path,
						format!("it records job {}, not job {job}; move the file away", state.job),
					));
				}
				Ok(Some(state))
			},
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(Error::io(&path, e)),
		}
	}

	/// Every recorded job, by id.
	pub fn all(&self) -> Result<Vec<JobState>> {
		let dir = self.root.join("jobs");
		let mut ids: Vec<u64> = std::fs::read_dir(&dir)
			.map_err(|e| Error::io(&dir, e))?
			.filter_map(|entry| {
				let name = entry.ok()?.file_name().into_string().ok()?;
				name.strip_suffix(".json")?.parse().ok()
			})
			.collect();
		ids.sort_unstable();
		let mut all = Vec::with_capacity(ids.len());
		for id in ids {
			// One unreadable file (a disk error, a half-finished manual edit) must not stop
			// the worker's other jobs; it is reported, and the job counts as recorded.
			match self.load(id) {
				Ok(state) => all.extend(state),
				Err(error) => eprintln!("openledger-trainer: job {id} skipped: {error}"),
			}
		}
		Ok(all)
	}

	/// Whether the worker has a file for `job`, readable or not (it is not taken again).
	pub fn is_recorded(&self, job: u64) -> bool {
		self.file(job).exists()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_saved_job_reads_back_with_its_salt_and_lists_in_order() {
		let dir = tempfile::tempdir().unwrap();
		let states = StateDir::open(dir.path()).unwrap();
		let mut second = JobState::taken(12).unwrap();
		second.phase = Phase::Committed;
		states.save(&second).unwrap();
		let first = JobState::taken(3).unwrap();
		states.save(&first).unwrap();
		let all = states.all().unwrap();
		assert_eq!(all.iter().map(|s| s.job).collect::<Vec<_>>(), vec![3, 12]);
		assert_eq!(all[1].salt, second.salt);
		assert_eq!(all[1].phase, Phase::Committed);
		assert_ne!(first.salt, second.salt);
		assert!(states.load(99).unwrap().is_none());
		std::fs::write(dir.path().join("jobs/5.json"), "{").unwrap();
		let err = states.load(5).unwrap_err().to_string();
		assert!(err.contains("move the file away"), "{err}");
	}
}
