//! A validator's sealed ballots, kept on disk between commit and reveal.
//!
//! A commitment can only be revealed with its ballot and salt, and an unrevealed commitment
//! is slashed, so the salt must outlive the process that committed: a crash, a restart or
//! a reboot between commit and reveal must not lose it. Each ballot is written (temporary
//! file, `sync_all`, rename, directory sync) *before* its commitment is sent, and dropped
//! once the chain has settled the submission's votes. One file per validator and datanet,
//! mode 0600: the salts are secrets until revealed.

use serde::{Deserialize, Serialize};
use std::{
	collections::BTreeMap,
	fs,
	path::{Path, PathBuf},
};

/// A ballot to commit and later reveal.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Ballot {
	pub approve: bool,
	pub quality: u8,
	#[serde(with = "hex_salt")]
	pub salt: [u8; 32],
}

impl Ballot {
	/// A ballot with a fresh random salt.
	pub fn new(approve: bool, quality: u8) -> Ballot {
		let mut salt = [0u8; 32];
		getrandom::getrandom(&mut salt).expect("the OS provides randomness");
		Ballot { approve, quality, salt }
	}

	/// The commitment the chain checks the reveal against.
	pub fn commitment(&self, submission: u64, validator: &[u8; 32]) -> [u8; 32] {
		pallet_datanets::commitment(submission, self.approve, self.quality, &self.salt, validator)
	}
}

mod hex_salt {
	use serde::{Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(salt: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&hex::encode(salt))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
		let text = String::deserialize(deserializer)?;
		let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
		bytes.try_into().map_err(|_| serde::de::Error::custom("a salt is 32 bytes"))
	}
}

#[derive(Debug, thiserror::Error)]
pub enum BallotError {
	#[error("cannot use the ballot file {path}: {source}")]
	Io { path: PathBuf, source: std::io::Error },
	#[error("the ballot file {path} is damaged ({source}); it holds the salts of unrevealed votes: repair or move it aside")]
	Damaged { path: PathBuf, source: serde_json::Error },
}

/// The ballots of one validator on one datanet, by submission id.
pub struct BallotBook {
	path: PathBuf,
	ballots: BTreeMap<u64, Ballot>,
}

impl BallotBook {
	/// `<data dir>/openledger/ballots` (`~/.local/share/openledger/ballots` on Linux).
	pub fn default_dir() -> PathBuf {
		dirs::data_dir()
			.unwrap_or_else(|| std::env::temp_dir().join("openledger-data"))
			.join("openledger")
			.join("ballots")
	}

	/// Opens (or starts) the book of `validator` (SS58) on `datanet` in `dir`.
	pub fn open(dir: &Path, validator: &str, datanet: u32) -> Result<BallotBook, BallotError> {
		let io = |source| BallotError::Io { path: dir.to_path_buf(), source };
		fs::create_dir_all(dir).map_err(io)?;
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
		}
		let path = dir.join(format!("{validator}-datanet-{datanet}.json"));
		let ballots = match fs::read(&path) {
			Ok(bytes) => serde_json::from_slice(&bytes)
				.map_err(|source| BallotError::Damaged { path: path.clone(), source })?,
			Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
			Err(source) => return Err(BallotError::Io { path, source }),
		};
		Ok(BallotBook { path, ballots })
	}

	pub fn get(&self, submission: u64) -> Option<Ballot> {
		self.ballots.get(&submission).copied()
	}

	/// Submissions with a kept ballot, oldest first.
	pub fn submissions(&self) -> Vec<u64> {
		self.ballots.keys().copied().collect()
	}

	/// Records a ballot durably; call before sending its commitment.
	pub fn keep(&mut self, submission: u64, ballot: Ballot) -> Result<(), BallotError> {
		self.ballots.insert(submission, ballot);
		self.save()
	}

	/// Forgets a ballot whose votes the chain has settled.
	pub fn forget(&mut self, submission: u64) -> Result<(), BallotError> {
		if self.ballots.remove(&submission).is_some() {
			self.save()?;
		}
		Ok(())
	}

	fn save(&self) -> Result<(), BallotError> {
		let bytes = serde_json::to_vec_pretty(&self.ballots).expect("ballots serialise");
		crate::private_file::replace(&self.path, &bytes)
			.map_err(|source| BallotError::Io { path: self.path.clone(), source })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ballots_survive_reopening_and_are_forgotten_once_settled() {
		let dir = std::env::temp_dir().join(format!("openledger-ballots-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		let validator = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
		let ballot = Ballot::new(true, 80);
		{
			let mut book = BallotBook::open(&dir, validator, 0).unwrap();
			book.keep(7, ballot).unwrap();
			book.keep(9, Ballot::new(false, 0)).unwrap();
		}
		let mut book = BallotBook::open(&dir, validator, 0).unwrap();
		assert_eq!(book.get(7), Some(ballot));
		assert_eq!(book.submissions(), vec![7, 9]);
		book.forget(7).unwrap();
		assert_eq!(BallotBook::open(&dir, validator, 0).unwrap().submissions(), vec![9]);
		// Another datanet has its own book.
		assert!(BallotBook::open(&dir, validator, 1).unwrap().submissions().is_empty());
		// A damaged book is reported, never silently replaced.
		fs::write(dir.join(format!("{validator}-datanet-2.json")), b"{not json").unwrap();
		let error = BallotBook::open(&dir, validator, 2).err().unwrap().to_string();
		assert!(error.contains("damaged"), "{error}");
		fs::remove_dir_all(&dir).unwrap();
	}

	#[test]
	fn the_commitment_is_the_pallets() {
		let ballot = Ballot { approve: true, quality: 55, salt: [3; 32] };
		let validator = [8u8; 32];
		assert_eq!(
			ballot.commitment(4, &validator),
			pallet_datanets::commitment(4, true, 55, &[3; 32], &validator)
		);
	}
}
