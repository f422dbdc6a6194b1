//! `openledger.json`, written beside an adapter: the hashes an attestation is made of and the
//! run that produced them.
//!
//! - `model_hash`: canonical hash of the adapter tensors (what trainers attest);
//! - `base_weights_hash`: canonical hash of the base tensors as stored in the file;
//! - `dataset_hash`: SHA-256 over the training files' bytes, in order;
//! - `config_hash`: hash of the canonical JSON of `config` (base config, adapter, method,
//!   training options).

use crate::{hash, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

pub const MANIFEST_FILE: &str = "openledger.json";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
	pub model_hash: String,
	pub base_weights_hash: String,
	pub dataset_hash: String,
	pub config_hash: String,
	pub config: Value,
	pub metrics: Value,
	pub trainer: String,
}

impl Manifest {
	pub fn new(
		model_hash: String,
		base_weights_hash: String,
		dataset_hash: String,
		config: Value,
		metrics: Value,
	) -> Self {
		let config_hash = hash::json_hash(&config);
		Manifest {
			model_hash,
			base_weights_hash,
			dataset_hash,
			config_hash,
			config,
			metrics,
			trainer: concat!("openledger-trainer ", env!("CARGO_PKG_VERSION")).to_string(),
		}
	}

	pub fn save(&self, dir: &Path) -> Result<()> {
		let path = dir.join(MANIFEST_FILE);
		std::fs::write(&path, serde_json::to_string_pretty(self).expect("json"))
			.map_err(|e| Error::io(&path, e))
	}

	pub fn load(dir: &Path) -> Result<Self> {
		let path = dir.join(MANIFEST_FILE);
		let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
		serde_json::from_str(&text).map_err(|e| Error::format(&path, e))
	}
}
