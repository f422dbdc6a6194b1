//! `openledger trainer register|show|unbond|withdraw`.

use crate::{
	commands::event,
	context::Global,
	error::{CliError, CliResult},
};
use clap::{Subcommand, ValueEnum};
use openledger_client::{
	amount, models_json as json,
	runtime::{
		self,
		models::events,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			pallet_models::types::{Capabilities, DeterminismClass, Device, ModelFamily},
		},
	},
};

#[derive(Subcommand, Debug)]
pub enum TrainerCommand {
	/// Register the signer as a trainer, holding a bond; jobs outside the capabilities are
	/// refused.
	Register(RegisterArgs),
	/// A trainer's bond, capabilities and open commitments [default: the signer].
	Show { address: Option<String> },
	/// Start the unbonding delay (refused while the trainer has unsettled commitments).
	Unbond,
	/// Release the bond once the unbonding delay has passed.
	Withdraw,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FamilyArg {
	Llama,
	Mistral,
	Qwen2,
	Deepseek,
	Smollm2,
	Gpt2,
	Bloom,
	Chatglm,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DeviceArg {
	Cpu,
	Cuda,
	Metal,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DeterminismArg {
	/// Bit-identical on every CPU.
	Portable,
	/// Fastest kernels; identical only on identical hardware.
	Fast,
}

impl DeterminismArg {
	pub fn to_chain(self) -> DeterminismClass {
		match self {
			DeterminismArg::Portable => DeterminismClass::Portable,
			DeterminismArg::Fast => DeterminismClass::Fast,
		}
	}
}

#[derive(clap::Args, Debug)]
pub struct RegisterArgs {
	/// OPEN to bond (at least the chain's minimum trainer bond).
	#[arg(long)]
	bond: String,
	/// Model families the trainer can fine-tune.
	#[arg(long, value_enum, value_delimiter = ',', default_value = "smollm2,llama,gpt2")]
	families: Vec<FamilyArg>,
	/// Largest base model it can train, in parameters.
	#[arg(long, default_value_t = 1_000_000_000)]
	max_parameters: u64,
	#[arg(long, value_enum, value_delimiter = ',', default_value = "cpu")]
	devices: Vec<DeviceArg>,
	/// Determinism classes it can run.
	#[arg(long, value_enum, value_delimiter = ',', default_value = "portable")]
	determinism: Vec<DeterminismArg>,
}

fn family(family: FamilyArg) -> ModelFamily {
	match family {
		FamilyArg::Llama => ModelFamily::Llama,
		FamilyArg::Mistral => ModelFamily::Mistral,
		FamilyArg::Qwen2 => ModelFamily::Qwen2,
		FamilyArg::Deepseek => ModelFamily::Deepseek,
		FamilyArg::Smollm2 => ModelFamily::Smollm2,
		FamilyArg::Gpt2 => ModelFamily::Gpt2,
		FamilyArg::Bloom => ModelFamily::Bloom,
		FamilyArg::Chatglm => ModelFamily::Chatglm,
	}
}

fn device(device: DeviceArg) -> Device {
	match device {
		DeviceArg::Cpu => Device::Cpu,
		DeviceArg::Cuda => Device::Cuda,
		DeviceArg::Metal => Device::Metal,
	}
}

fn describe(trainer: &json::Trainer) -> String {
	let unbonding = trainer
		.unbonding_until
		.map(|block| format!(", unbonding until block {block}"))
		.unwrap_or_default();
	format!(
		"trainer {}: bond {}, {} open commitments{unbonding}\n  families: {}\n  max parameters: \
		 {}\n  devices: {}\n  determinism: {}",
		trainer.account,
		amount::format_text(&trainer.bond),
		trainer.open_commitments,
		trainer.families.join(", "),
		trainer.max_parameters,
		trainer.devices.join(", "),
		trainer.determinism.join(", "),
	)
}

pub async fn run(global: &Global, command: TrainerCommand) -> CliResult<()> {
	let output = global.output();
	if let TrainerCommand::Show { address } = command {
		let address = global.address_or_signer(address)?;
		let trainer = global.chain().await?.trainer(&address).await?;
		output.print(&trainer, || describe(&trainer));
		return Ok(());
	}
	let signer = global.signer()?;
	let chain = global.chain().await?;
	let models = runtime::transactions().models();
	let message = match command {
		TrainerCommand::Register(args) => {
			let bond = amount::parse(&args.bond).map_err(CliError::input)?;
			let capabilities = Capabilities {
				families: BoundedVec(args.families.into_iter().map(family).collect()),
				max_parameters: args.max_parameters,
				devices: BoundedVec(args.devices.into_iter().map(device).collect()),
				determinism: BoundedVec(
					args.determinism.into_iter().map(DeterminismArg::to_chain).collect(),
				),
			};
			let included =
				chain.submit(&models.register_trainer(bond, capabilities), &signer).await?;
			let registered: events::TrainerRegistered = event(&included)?;
			format!("registered as a trainer with bond {}", amount::format(registered.bond))
		},
		TrainerCommand::Unbond => {
			let included = chain.submit(&models.unbond_trainer(), &signer).await?;
			let started: events::TrainerUnbonding = event(&included)?;
			format!("unbonding; withdraw from block {}", started.until)
		},
		TrainerCommand::Withdraw => {
			let included = chain.submit(&models.withdraw_trainer(), &signer).await?;
			let withdrawn: events::TrainerWithdrawn = event(&included)?;
			format!("withdrew {}", amount::format(withdrawn.amount))
		},
		TrainerCommand::Show { .. } => unreachable!("handled above"),
	};
	let report = serde_json::json!({ "result": message });
	output.print(&report, || message.clone());
	Ok(())
}
