//! One module per command group.

pub mod account;
pub mod attribution;
pub mod base_model;
pub mod board;
pub mod datanet;
pub mod ipfs;
pub mod job;
pub mod key;
pub mod model;
pub mod rewards;
pub mod submit;
pub mod trainer;
pub mod validate;
pub mod validator;

use crate::error::CliResult;
use openledger_client::Included;

/// The first event of type `E` among a transaction's events.
pub fn event<E: openledger_client::DecodeAsEvent>(included: &Included) -> CliResult<E> {
	Ok(openledger_client::find_event(included)?)
}
