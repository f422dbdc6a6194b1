//! Block sealing of the development chain.
//!
//! The runtime runs Aura, whose slot must grow from block to block, so a sealed block's
//! timestamp is the wall clock or one slot after its parent, whichever is later. Blocks
//! sealed in a burst run slightly ahead of the clock; idle time brings them back.

use futures::{stream, Stream, StreamExt};
use openledger_runtime::opaque::Block;
use sc_client_api::StorageProvider;
use sc_consensus_manual_seal::EngineCommand;
use sp_core::{storage::StorageKey, H256};
use sp_io::hashing::twox_128;
use std::{str::FromStr, sync::Arc, time::Duration};

/// When the development chain seals a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
	/// On each transaction, at once.
	Instant,
	/// Only on an `engine_createBlock` RPC call.
	Manual,
	/// On each transaction, and an empty block every so many milliseconds.
	InstantAndEvery(u64),
}

impl FromStr for Sealing {
	type Err = String;

	fn from_str(text: &str) -> Result<Self, Self::Err> {
		match text {
			"instant" => Ok(Self::Instant),
			"manual" => Ok(Self::Manual),
			millis => match millis.parse::<u64>() {
				Ok(0) | Err(_) => Err(format!(
					"`{text}` is not a sealing mode: use `instant`, `manual`, or a block interval \
					 in milliseconds such as 6000"
				)),
				Ok(millis) => Ok(Self::InstantAndEvery(millis)),
			},
		}
	}
}

type Command = EngineCommand<H256>;

fn seal(create_empty: bool) -> Command {
	EngineCommand::SealNewBlock { create_empty, finalize: true, parent_hash: None, sender: None }
}

/// The seal commands for `mode`: transaction imports, a timer and RPC calls, merged.
pub fn commands(
	mode: Sealing,
	transactions: impl Stream<Item = H256> + Send + 'static,
	rpc: impl Stream<Item = Command> + Send + 'static,
) -> std::pin::Pin<Box<dyn Stream<Item = Command> + Send>> {
	let on_transactions = transactions.map(|_| seal(false)).boxed();
	let ticks = |millis: u64| {
		stream::unfold((), move |()| async move {
			tokio::time::sleep(Duration::from_millis(millis)).await;
			Some((seal(true), ()))
		})
		.boxed()
	};
	match mode {
		Sealing::Manual => rpc.boxed(),
		Sealing::Instant => stream::select(on_transactions, rpc).boxed(),
		Sealing::InstantAndEvery(millis) => {
			stream::select(stream::select(on_transactions, rpc), ticks(millis)).boxed()
		},
	}
}

/// The timestamp for a block on `parent`: now, or one slot after the parent's timestamp.
pub fn next_timestamp<C: StorageProvider<Block, B>, B: sc_client_api::Backend<Block>>(
	client: &Arc<C>,
	parent: H256,
	slot_duration_ms: u64,
) -> sp_timestamp::Timestamp {
	let key = StorageKey([twox_128(b"Timestamp"), twox_128(b"Now")].concat());
	let parent_ms = client
		.storage(parent, &key)
		.ok()
		.flatten()
		.and_then(|data| <u64 as codec::Decode>::decode(&mut &data.0[..]).ok())
		.unwrap_or_default();
	let now = sp_timestamp::Timestamp::current();
	if parent_ms == 0 {
		now
	} else {
		now.max((parent_ms + slot_duration_ms).into())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sealing_modes_parse_with_clear_errors() {
		assert_eq!("instant".parse(), Ok(Sealing::Instant));
		assert_eq!("manual".parse(), Ok(Sealing::Manual));
		assert_eq!("6000".parse(), Ok(Sealing::InstantAndEvery(6000)));
		let error = "0".parse::<Sealing>().unwrap_err();
		assert!(error.contains("`instant`, `manual`"), "{error}");
		assert!("fast".parse::<Sealing>().is_err());
	}
}
