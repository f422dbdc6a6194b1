//! One module per command group.

pub mod base_model;
pub mod board;
pub mod datanet;
pub mod job;
pub mod key;
pub mod model;
pub mod rewards;
pub mod submit;
pub mod trainer;
pub mod validate;
pub mod validator;

use crate::error::CliResult;
use openledger_client::{ChainError, Included};

/// The first event of type `E` among a transaction's events.
pub fn event<E: openledger_client::DecodeAsEvent>(included: &Included) -> CliResult<E> {
	included
		.find_first::<E>()
		.ok_or_else(|| ChainError::Node("the transaction emitted no expected event".into()))?
		.map_err(|error| ChainError::Node(error.to_string()).into())
}
