//! What the OpenLedger chain and its clients must compute alike, in one `no_std` crate:
//! the runtime's pallets and the off-chain clients (CLI, trainer worker) depend on it, so a
//! commitment or a snapshot head is computed by one piece of code everywhere.
//!
//! - [`attribution`] (feature `attribution`): tables splitting a model's credit between
//!   contributors, and their Merkle root.
//! - [`cid`]: the one binary form of an IPFS CID the chain stores, parsed from any text form.
//! - [`dev`]: facts about the real files the development chain registers.
//! - [`fuzz`] (std): the random number generator of the pallets' call-sequence drivers.
//! - [`query`]: the page every paged read returns.
//! - [`seal`]: commit–reveal commitments, used by validators' votes (pallet-datanets) and
//!   trainers' attestations (pallet-models).
//! - [`dataset`]: the running head of a datanet's accepted log, which names a dataset
//!   snapshot that anyone can recompute.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(feature = "attribution")]
pub mod attribution;
pub mod cid;
pub mod dataset;
pub mod dev;
#[cfg(feature = "std")]
pub mod fuzz;
pub mod query;
pub mod seal;

/// A 32-byte blake2-256 digest.
pub type Hash32 = [u8; 32];
