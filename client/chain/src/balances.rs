//! An account's OPEN as pallet-balances keeps it: free, reserved (holds included), frozen,
//! and what of it can move.

use crate::{compat, runtime, AccountId, Chain, ChainError};
use serde::Serialize;

/// An account's balances, in plancks (JSON: decimal strings, as the node's RPC writes
/// balances).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
	pub address: String,
	#[serde(with = "plancks")]
	pub free: u128,
	/// Reserved and held (deposits, bonds, escrows): the account's, but not spendable.
	#[serde(with = "plancks")]
	pub reserved: u128,
	/// What locks and freezes keep from leaving the account (they overlap `reserved`).
	#[serde(with = "plancks")]
	pub frozen: u128,
	/// What a transfer may move: `free` less what frozen funds need beyond `reserved`.
	/// `transfer` (keep-alive) also leaves the existential deposit.
	#[serde(with = "plancks")]
	pub transferable: u128,
	/// Below this an account is removed (its dust lost).
	#[serde(with = "plancks")]
	pub existential_deposit: u128,
}

mod plancks {
	pub fn serialize<S: serde::Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&value.to_string())
	}
}

impl Chain {
	/// `account`'s balances at the last finalized block (zeros for an unknown account).
	pub async fn balance(&self, account: &AccountId) -> Result<Balance, ChainError> {
		let at = self.at().await?;
		let address = runtime::storage().system().account();
		compat::storage(at.metadata_ref(), &address).map_err(|item| self.stale(item))?;
		let deposit = runtime::constants().balances().existential_deposit();
		compat::constant(at.metadata_ref(), &deposit).map_err(|item| self.stale(item))?;
		let existential_deposit = at.constants().entry(deposit).map_err(ChainError::node)?;
		let info = at
			.storage()
			.try_fetch(address, (*account,))
			.await
			.map_err(|error| ChainError::Node(error.to_string()))?
			.map(|value| value.decode())
			.transpose()
			.map_err(|error| ChainError::Node(error.to_string()))?;
		let (free, reserved, frozen) = info
			.map(|info| (info.data.free, info.data.reserved, info.data.frozen))
			.unwrap_or_default();
		Ok(Balance {
			address: account.to_string(),
			free,
			reserved,
			frozen,
			transferable: free.saturating_sub(frozen.saturating_sub(reserved)),
			existential_deposit,
		})
	}
}
