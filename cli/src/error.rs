//! One error type for every command, each with the exit status it ends the program with.

use openledger_client::{keystore::KeystoreError, polkadot_js::PolkadotJsError, ChainError};
use openledger_ipfs::IpfsError;

/// Exit statuses, documented in `openledger --help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
	/// Anything not listed below.
	Failure = 1,
	/// The node cannot be reached, or its runtime changed an item the command uses.
	Node = 3,
	/// The IPFS API or the embedded store failed.
	Ipfs = 4,
	/// A key could not be found or unlocked (wrong password included).
	Key = 5,
	/// The input was refused before anything was sent: a file, cap, format or argument.
	Input = 6,
	/// The chain refused a transaction.
	Refused = 7,
	/// A transaction was (or may have been) sent, but the connection failed before its
	/// outcome was known: retrying blindly could do it twice.
	OutcomeUnknown = 8,
}

#[derive(Debug)]
pub struct CliError {
	pub exit: Exit,
	pub message: String,
	/// What the command had already done (finalized) when it failed, printed before the
	/// error so that no finalized result goes unreported.
	pub done: Option<Done>,
}

/// Results finalized before a failure: under `--json` a field of the error document
/// (`{"<key>": [...], "error": ..., "exit": ...}`), otherwise text on stdout.
#[derive(Debug)]
pub struct Done {
	pub key: &'static str,
	pub json: serde_json::Value,
	pub human: String,
}

impl CliError {
	pub fn new(exit: Exit, message: impl Into<String>) -> CliError {
		CliError { exit, message: message.into(), done: None }
	}

	pub fn input(message: impl Into<String>) -> CliError {
		CliError::new(Exit::Input, message)
	}

	/// This error, its message prefixed with `context` (e.g. the file it is about).
	pub fn with_context(mut self, context: &str) -> CliError {
		self.message = format!("{context}: {}", self.message);
		self
	}

	/// This error, after the results in `done` were finalized.
	pub fn after(mut self, done: Done) -> CliError {
		self.done = Some(done);
		self
	}

	/// Prints the error, and whatever was done before it: one JSON document on stdout
	/// under `--json`, and the one-line message on stderr.
	pub fn report(&self, json: bool) {
		if json {
			let mut report = serde_json::Map::new();
			if let Some(done) = &self.done {
				report.insert(done.key.into(), done.json.clone());
			}
			report.insert("error".into(), self.message.clone().into());
			report.insert("exit".into(), (self.exit as i32).into());
			println!("{}", serde_json::Value::Object(report));
		} else if let Some(done) = &self.done {
			if !done.human.is_empty() {
				println!("{}", done.human.trim_end());
			}
		}
		eprintln!("error: {}", self.message);
	}
}

pub type CliResult<T> = Result<T, CliError>;

impl From<ChainError> for CliError {
	fn from(error: ChainError) -> CliError {
		let exit = match &error {
			ChainError::Unreachable { .. }
			| ChainError::StaleMetadata { .. }
			| ChainError::ChangedEvent { .. } => Exit::Node,
			ChainError::Refused { .. } | ChainError::Transaction(_) => Exit::Refused,
			ChainError::OutcomeUnknown { .. } => Exit::OutcomeUnknown,
			ChainError::Query { .. } => Exit::Input,
			ChainError::Node(_) => Exit::Failure,
		};
		CliError::new(exit, error.to_string())
	}
}

impl From<IpfsError> for CliError {
	fn from(error: IpfsError) -> CliError {
		CliError::new(Exit::Ipfs, error.to_string())
	}
}

impl From<KeystoreError> for CliError {
	fn from(error: KeystoreError) -> CliError {
		CliError::new(Exit::Key, error.to_string())
	}
}

impl From<PolkadotJsError> for CliError {
	fn from(error: PolkadotJsError) -> CliError {
		let exit = match error {
			PolkadotJsError::WrongPassword => Exit::Key,
			_ => Exit::Input,
		};
		CliError::new(exit, error.to_string())
	}
}
