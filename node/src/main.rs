//! openledger-node: `--dev` runs a single-node chain that seals and finalizes blocks at once;
//! `--chain local` (or a chain-spec file) runs Aura block production with GRANDPA finality.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod sealing;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
