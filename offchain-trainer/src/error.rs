//! One error type for the library; every message says what went wrong and what to do.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
	#[error(transparent)]
	Candle(#[from] candle_core::Error),
	#[error("{path}: {source}")]
	Io { path: PathBuf, source: std::io::Error },
	#[error("{path}: {message}")]
	Format { path: PathBuf, message: String },
	#[error("unsupported model: {0}")]
	UnsupportedModel(String),
	#[error("missing tensor `{0}` in the base weights (is this the right architecture?)")]
	MissingTensor(String),
	#[error("tokenizer: {0}")]
	Tokenizer(String),
	#[error("chat template: {0}")]
	Template(String),
	#[error("invalid setting: {0}")]
	Invalid(String),
	#[error("dataset: {0}")]
	Data(String),
	#[error("stopped after step {step} (checkpointed; run again to resume)")]
	Interrupted { step: usize },
	#[error("chain: {0}")]
	Chain(String),
	#[error("IPFS: {0}")]
	Ipfs(String),
}

impl Error {
	pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
		Error::Io { path: path.into(), source }
	}

	pub fn format(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
		Error::Format { path: path.into(), message: message.to_string() }
	}
}
