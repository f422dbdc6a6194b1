//! openledger-node: `--dev` runs a single-node chain that seals and finalizes blocks at once;
//! `--chain local` (or a chain-spec file) runs Aura block production with GRANDPA finality.

// The node returns polkadot-sdk's own error types (`sc_cli::Error`, `sc_service::Error`),
// which are large by their design; boxing them here would only add an allocation.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod sealing;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
