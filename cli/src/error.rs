//! One error type for every command, each with the exit status it ends the program with.

use openledger_client::{keystore::KeystoreError, ChainError};
use openledger_ipfs::IpfsError;

/// Exit statuses, documented in `openledger --help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
	/// Anything not listed below.
	Failure = 1,
	/// The node cannot be reached or runs a runtime this build does not know.
	Node = 3,
	/// The IPFS API or the embedded store failed.
	Ipfs = 4,
	/// A key could not be found or unlocked (wrong password included).
	Key = 5,
	/// The input was refused before anything was sent: a file, cap, format or argument.
	Input = 6,
	/// The chain refused a transaction.
	Refused = 7,
}

#[derive(Debug)]
pub struct CliError {
	pub exit: Exit,
	pub message: String,
}

impl CliError {
	pub fn new(exit: Exit, message: impl Into<String>) -> CliError {
		CliError { exit, message: message.into() }
	}

	pub fn input(message: impl Into<String>) -> CliError {
		CliError::new(Exit::Input, message)
	}
}

pub type CliResult<T> = Result<T, CliError>;

impl From<ChainError> for CliError {
	fn from(error: ChainError) -> CliError {
		let exit = match &error {
			ChainError::Unreachable { .. } | ChainError::StaleMetadata { .. } => Exit::Node,
			ChainError::Refused { .. } | ChainError::Transaction(_) => Exit::Refused,
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
