//! Block sealing of the development chain.
//!
//! The runtime runs Aura, whose slot must grow from block to block, so a sealed block's
//! timestamp is the wall clock or one slot after its parent, whichever is later. Blocks
//! sealed in a burst run ahead of the clock; the timer then skips its empty blocks until
//! the clock has caught up, so the chain's time never stays ahead of real time.

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

/// The seal commands for `mode`: transaction imports, a timer and RPC calls, merged. A
/// timer tick seals nothing while `ahead()` (the best block is stamped at or after now).
pub fn commands(
	mode: Sealing,
	transactions: impl Stream<Item = H256> + Send + 'static,
	rpc: impl Stream<Item = Command> + Send + 'static,
	ahead: impl Fn() -> bool + Send + Sync + 'static,
) -> std::pin::Pin<Box<dyn Stream<Item = Command> + Send>> {
	let on_transactions = transactions.map(|_| seal(false)).boxed();
	let ahead = Arc::new(ahead);
	let ticks = move |millis: u64| {
		stream::unfold((), move |()| async move {
			tokio::time::sleep(Duration::from_millis(millis)).await;
			Some(((), ()))
		})
		.filter_map(move |()| {
			let ahead = ahead.clone();
			async move { (!ahead()).then(|| seal(true)) }
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

/// The timestamp stored in block `at` (0 at genesis).
fn stamped<C: StorageProvider<Block, B>, B: sc_client_api::Backend<Block>>(
	client: &Arc<C>,
	at: H256,
) -> u64 {
	let key = StorageKey([twox_128(b"Timestamp"), twox_128(b"Now")].concat());
	client
		.storage(at, &key)
		.ok()
		.flatten()
		.and_then(|data| <u64 as codec::Decode>::decode(&mut &data.0[..]).ok())
		.unwrap_or_default()
}

/// Whether a block on `parent` would have to be stamped after now: the parent is less than
/// a slot behind the clock.
pub fn ahead_of_clock<C: StorageProvider<Block, B>, B: sc_client_api::Backend<Block>>(
	client: &Arc<C>,
	parent: H256,
	slot_duration_ms: u64,
) -> bool {
	let parent_ms = stamped(client, parent);
	parent_ms != 0 && parent_ms + slot_duration_ms > *sp_timestamp::Timestamp::current()
}

/// The timestamp for a block on `parent`: now, or one slot after the parent's timestamp.
pub fn next_timestamp<C: StorageProvider<Block, B>, B: sc_client_api::Backend<Block>>(
	client: &Arc<C>,
	parent: H256,
	slot_duration_ms: u64,
) -> sp_timestamp::Timestamp {
	let parent_ms = stamped(client, parent);
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

	/// The timer seals an empty block only while the chain's clock is not ahead.
	#[test]
	fn timer_blocks_wait_for_the_clock_to_catch_up() {
		let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
		let first = |ahead: bool| {
			let mut commands = commands(
				Sealing::InstantAndEvery(5),
				stream::pending(),
				stream::pending(),
				move || ahead,
			);
			runtime.block_on(async {
				tokio::time::timeout(Duration::from_millis(100), commands.next()).await.ok()
			})
		};
		assert!(matches!(first(false), Some(Some(EngineCommand::SealNewBlock { .. }))));
		assert!(first(true).is_none(), "no empty block while ahead of the clock");
	}
}
