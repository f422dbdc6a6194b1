//! `openledger validator bond|unbond|withdraw|show`.

use crate::{
	commands::event,
	context::Global,
	error::{CliError, CliResult},
};
use clap::Subcommand;
use openledger_client::{amount, json, runtime, runtime::datanets::events};

#[derive(Subcommand, Debug)]
pub enum ValidatorCommand {
	/// Bond OPEN as a validator of a datanet (or add to the bond).
	Bond {
		#[arg(long)]
		datanet: u32,
		/// OPEN to bond (e.g. 1000).
		amount: String,
	},
	/// Start the unbonding delay; the validator stops voting on the datanet.
	Unbond {
		#[arg(long)]
		datanet: u32,
	},
	/// Release the bond once the unbonding delay has passed.
	Withdraw {
		#[arg(long)]
		datanet: u32,
	},
	/// A validator's bond and votes [default: the signer].
	Show {
		#[arg(long)]
		datanet: u32,
		address: Option<String>,
	},
}

fn describe(validator: &json::Validator) -> String {
	let unbonding = validator
		.unlocks_at
		.map(|block| format!(", unbonding until block {block}"))
		.unwrap_or_default();
	format!(
		"{} on datanet {}: bond {} ({} slashed), {} votes not settled, {} agreeing stake \
		 unclaimed{unbonding}",
		validator.validator,
		validator.datanet,
		amount::format_text(&validator.bond),
		amount::format_text(&validator.slashed),
		validator.pending_votes,
		amount::format_text(&validator.unclaimed_agreeing_stake)
	)
}

pub async fn run(global: &Global, command: ValidatorCommand) -> CliResult<()> {
	let output = global.output();
	if let ValidatorCommand::Show { datanet, address } = command {
		let address = global.address_or_signer(address)?;
		let validator = global.chain().await?.validator(datanet, &address).await?;
		output.print(&validator, || describe(&validator));
		return Ok(());
	}
	let signer = global.signer()?;
	let chain = global.chain().await?;
	let datanets = runtime::transactions().datanets();
	let (datanet, message) = match command {
		ValidatorCommand::Bond { datanet, amount: text } => {
			let value = amount::parse(&text).map_err(CliError::input)?;
			let included = chain.submit(&datanets.bond_validator(datanet, value), &signer).await?;
			let bonded: events::ValidatorBonded = event(&included)?;
			(
				datanet,
				format!(
					"bonded {}; total bond {}",
					amount::format(bonded.amount),
					amount::format(bonded.total)
				),
			)
		},
		ValidatorCommand::Unbond { datanet } => {
			let included = chain.submit(&datanets.unbond(datanet), &signer).await?;
			let started: events::UnbondingStarted = event(&included)?;
			(datanet, format!("unbonding; withdraw from block {}", started.unlocks_at))
		},
		ValidatorCommand::Withdraw { datanet } => {
			let included = chain.submit(&datanets.withdraw_unbonded(datanet), &signer).await?;
			let unbonded: events::Unbonded = event(&included)?;
			(datanet, format!("withdrew {}", amount::format(unbonded.amount)))
		},
		ValidatorCommand::Show { .. } => unreachable!("handled above"),
	};
	let report = serde_json::json!({ "datanet": datanet, "result": message });
	output.print(&report, || format!("datanet {datanet}: {message}"));
	Ok(())
}
