//! Command-line interface.

use crate::sealing::Sealing;

#[derive(Debug, clap::Parser)]
#[command(
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true,
	after_help = "Examples:\n  openledger-node --dev                    a dev chain on ws://127.0.0.1:9944\n  openledger-node --dev --sealing instant  a block per transaction, none while idle\n  openledger-node --chain local --alice    validator Alice of the 4-validator local testnet"
)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: NodeCmd,
}

#[derive(Debug, clap::Args)]
pub struct NodeCmd {
	#[clap(flatten)]
	pub base: sc_cli::RunCmd,

	/// How the development chain seals blocks: `instant` (a block for each transaction),
	/// `manual` (only on the `engine_createBlock` RPC), or a number of milliseconds (a block
	/// for each transaction and an empty block at that interval). Every sealed block is
	/// final at once. Networks (`--chain local`, spec files) use Aura and GRANDPA instead.
	#[arg(long, default_value = "6000", value_name = "MODE")]
	pub sealing: Sealing,
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert session keys into the keystore.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Write a chain spec (`--chain dev|local|FILE`, `--raw` for the storage form).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::CommandFactory;
	use sc_cli::SubstrateCli;

	#[test]
	fn the_command_line_is_consistent() {
		// `SubstrateCli` adds the version at run time; clap wants one to propagate.
		Cli::command().version("test").debug_assert();
	}

	#[test]
	fn dev_sealing_defaults_to_instant_plus_six_seconds() {
		let cli = Cli::from_iter(["openledger-node", "--dev"]);
		assert_eq!(cli.run.sealing, Sealing::InstantAndEvery(6000));
		let cli = Cli::from_iter(["openledger-node", "--dev", "--sealing", "manual"]);
		assert_eq!(cli.run.sealing, Sealing::Manual);
		assert!(Cli::try_from_iter(["openledger-node", "--sealing", "soon"]).is_err());
	}
}
