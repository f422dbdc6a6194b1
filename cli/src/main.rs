//! `openledger`: contributors and validators of OpenLedger datanets, model builders and
//! trainers of its ModelFactory, from the terminal.

mod commands;
mod context;
mod error;
mod inspect;
mod output;

use clap::{Parser, Subcommand};
use commands::{
	base_model, board, datanet, job, key, model, rewards, submit, trainer, validate, validator,
};
use context::Global;

const EXIT_STATUSES: &str = "\
Exit status:
  0  success
  1  any other failure
  2  bad command line
  3  the node is unreachable, or its runtime changed something the command uses
  4  the IPFS API or the embedded store failed
  5  a key could not be found or unlocked (wrong password)
  6  input refused before anything was sent (file, format, cap, duplicate, unknown id)
  7  the chain refused a transaction
  8  outcome unknown: a transaction was sent (or may have been), but the connection failed
     before its outcome was known; check the chain before sending it again";

/// Contribute files to OpenLedger datanets, validate them, follow ranks and rewards, and ask
/// trainers for fine-tuned models.
#[derive(Parser, Debug)]
#[command(name = "openledger", version, after_help = EXIT_STATUSES)]
struct Cli {
	#[command(flatten)]
	global: Global,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
	/// Manage the encrypted keystore.
	#[command(subcommand)]
	Key(key::KeyCommand),
	/// An account's OPEN: free, reserved, frozen and transferable.
	Balance(commands::account::BalanceArgs),
	/// Send OPEN to another account.
	Transfer(commands::account::TransferArgs),
	/// List, show, create and fund datanets.
	#[command(subcommand)]
	Datanet(datanet::DatanetCommand),
	/// Add files to IPFS and submit them to a datanet, after checking format and caps.
	Submit(submit::SubmitArgs),
	/// Check a datanet's pending submissions against their content and vote on them.
	Validate(validate::ValidateArgs),
	/// A datanet's leaderboard, or the global one.
	Leaderboard(board::LeaderboardArgs),
	/// One contributor's stats and rank.
	Contributor(board::ContributorArgs),
	/// Unclaimed rewards; `rewards claim` collects them.
	Rewards(rewards::RewardsArgs),
	/// Bond, unbond and withdraw as a datanet validator.
	#[command(subcommand)]
	Validator(validator::ValidatorCommand),
	/// Base models that jobs fine-tune.
	#[command(subcommand)]
	BaseModel(base_model::BaseModelCommand),
	/// Fine-tuning jobs: create, list, show, cancel.
	#[command(subcommand)]
	Job(job::JobCommand),
	/// Verified models and their lineage; pay for a model's use.
	#[command(subcommand)]
	Model(model::ModelCommand),
	/// Proof of Attribution: a model's attribution table, and contributors' claims on it.
	#[command(subcommand)]
	Attribution(commands::attribution::AttributionCommand),
	/// Register, show, unbond and withdraw as a trainer.
	#[command(subcommand)]
	Trainer(trainer::TrainerCommand),
	/// The embedded IPFS store: add, cat, get, pin, gc, and serve it to other machines.
	#[command(subcommand)]
	Ipfs(commands::ipfs::IpfsCommand),
}

async fn run(cli: Cli) -> error::CliResult<()> {
	let global = &cli.global;
	match cli.command {
		Command::Key(command) => key::run(global, command),
		Command::Balance(args) => commands::account::balance(global, args).await,
		Command::Transfer(args) => commands::account::transfer(global, args).await,
		Command::Datanet(command) => datanet::run(global, command).await,
		Command::Submit(args) => submit::run(global, args).await,
		Command::Validate(args) => validate::run(global, args).await,
		Command::Leaderboard(args) => board::leaderboard(global, args).await,
		Command::Contributor(args) => board::contributor(global, args).await,
		Command::Rewards(args) => rewards::run(global, args).await,
		Command::Validator(command) => validator::run(global, command).await,
		Command::BaseModel(command) => base_model::run(global, command).await,
		Command::Job(command) => job::run(global, command).await,
		Command::Model(command) => model::run(global, command).await,
		Command::Attribution(command) => commands::attribution::run(global, command).await,
		Command::Trainer(command) => trainer::run(global, command).await,
		Command::Ipfs(command) => commands::ipfs::run(global, command).await,
	}
}

#[tokio::main]
async fn main() {
	let cli = Cli::parse();
	let json = cli.global.json;
	if let Err(error) = run(cli).await {
		error.report(json);
		std::process::exit(error.exit as i32);
	}
}
