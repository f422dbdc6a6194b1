//! `openledger datanet list|show|create|fund|withdraw-pool`.

use crate::{
	commands::event,
	context::Global,
	error::{CliError, CliResult},
	output::{fields, table},
};
use clap::{Subcommand, ValueEnum};
use openledger_client::{
	amount, json,
	runtime::{self, datanets::events},
	CapOverrides,
};

#[derive(Subcommand, Debug)]
pub enum DatanetCommand {
	/// Every datanet, by id.
	List,
	/// One datanet's rules, caps, pool and counts.
	Show {
		/// Datanet id.
		id: u32,
	},
	/// Open a datanet owned by the signer (holds the chain's datanet deposit).
	Create(CreateArgs),
	/// Move OPEN from the owner into a datanet's reward pool.
	Fund {
		/// Datanet id.
		id: u32,
		/// OPEN to add to the pool (e.g. 100 or 0.5).
		amount: String,
		/// Also set the most the pool releases per epoch, in OPEN (from the next epoch on:
		/// an epoch's release is fixed by the rate in force while it ran).
		#[arg(long)]
		reward_per_epoch: Option<String>,
	},
	/// Take back what no epoch released from a closed datanet's pool (owner only).
	WithdrawPool {
		/// Datanet id.
		id: u32,
	},
	/// Publish the IPFS gateways where validators and trainers on other machines fetch the
	/// datanet's files (owner only; replaces the list; none given clears it).
	Gateways {
		/// Datanet id.
		id: u32,
		/// Gateway base URLs (e.g. https://gw.example.org, served by `openledger ipfs serve`),
		/// in the order to try them.
		urls: Vec<String>,
	},
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModalityArg {
	Text,
	Image,
	Audio,
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
	/// Display name.
	#[arg(long)]
	name: String,
	/// What the datanet collects; fixed for its lifetime.
	#[arg(long, value_enum)]
	modality: ModalityArg,
	#[arg(long, default_value = "")]
	description: String,
	/// Bytes one account may submit per UTC day [default: the chain's maximum].
	#[arg(long)]
	daily_bytes: Option<u64>,
	/// Largest file accepted [default: the chain's maximum].
	#[arg(long)]
	max_file_bytes: Option<u64>,
	/// Percent of the revealed stake that must approve.
	#[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100))]
	approval_percent: u32,
	/// Percent of the stake bonded at submission that must reveal for any decision
	/// (below it the submission expires and its deposit is returned).
	#[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100))]
	participation_percent: u32,
	/// Blocks after a submission in which validators commit sealed votes (600 = 1 hour).
	#[arg(long, default_value_t = 600)]
	commit_period: u32,
	/// Blocks after the commit period in which they reveal them.
	#[arg(long, default_value_t = 600)]
	reveal_period: u32,
	/// Most OPEN the reward pool releases per epoch.
	#[arg(long, default_value = "0")]
	reward_per_epoch: String,
}

fn parse_amount(text: &str) -> CliResult<u128> {
	amount::parse(text).map_err(CliError::input)
}

pub fn describe(datanet: &json::Datanet) -> String {
	let rows = [
		("id", datanet.id.to_string()),
		("name", datanet.name.clone()),
		("description", datanet.description.clone()),
		("owner", datanet.owner.clone()),
		("status", datanet.status.clone()),
		("modality", format!("{} ({})", datanet.modality, datanet.formats.join(", "))),
		("daily bytes per account", datanet.daily_bytes_per_account.to_string()),
		("max file bytes", datanet.max_file_bytes.to_string()),
		(
			"voting",
			format!(
				"sealed: commit {} blocks, reveal {} blocks; {}% of the bonded stake reveals, \
				 {}% of it approves",
				datanet.commit_period,
				datanet.reveal_period,
				datanet.min_participation_percent,
				datanet.approval_threshold_percent
			),
		),
		(
			"validators",
			format!(
				"{} bonded, {} active stake",
				datanet.validators,
				amount::format_text(&datanet.active_stake)
			),
		),
		("reward pool", amount::format_text(&datanet.reward_pool)),
		(
			"reward per epoch",
			match &datanet.next_reward_per_epoch {
				Some((epoch, rate)) => format!(
					"{} (then {} from epoch {epoch})",
					amount::format_text(&datanet.reward_per_epoch),
					amount::format_text(rate)
				),
				None => amount::format_text(&datanet.reward_per_epoch),
			},
		),
		(
			"submissions",
			format!(
				"{} accepted, {} pending, {} contributors",
				datanet.accepted, datanet.pending, datanet.contributors
			),
		),
		(
			"gateways",
			if datanet.gateways.is_empty() {
				"none published".to_string()
			} else {
				datanet.gateways.join(", ")
			},
		),
	];
	fields(&rows)
}

pub async fn run(global: &Global, command: DatanetCommand) -> CliResult<()> {
	let output = global.output();
	match command {
		DatanetCommand::List => {
			let chain = global.chain().await?;
			let datanets = chain.datanets().await?;
			output.print(&datanets, || {
				let rows: Vec<Vec<String>> = datanets
					.iter()
					.map(|d| {
						vec![
							d.id.to_string(),
							d.name.clone(),
							d.modality.clone(),
							d.status.clone(),
							d.accepted.to_string(),
							d.pending.to_string(),
							amount::format_text(&d.reward_pool),
						]
					})
					.collect();
				table(&["id", "name", "modality", "status", "accepted", "pending", "pool"], &rows)
			});
		},
		DatanetCommand::Show { id } => {
			let datanet = global.chain().await?.datanet(id).await?;
			output.print(&datanet, || describe(&datanet));
		},
		DatanetCommand::Create(args) => {
			let reward_per_epoch = parse_amount(&args.reward_per_epoch)?;
			let signer = global.signer()?;
			let chain = global.chain().await?;
			let modality = match args.modality {
				ModalityArg::Text => pallet_datanets::Modality::Text,
				ModalityArg::Image => pallet_datanets::Modality::Image,
				ModalityArg::Audio => pallet_datanets::Modality::Audio,
			};
			use runtime::runtime_types::sp_arithmetic::per_things::Perbill;
			let voting = runtime::runtime_types::pallet_datanets::types::VotingRules {
				approval_threshold: Perbill(args.approval_percent * 10_000_000),
				min_participation: Perbill(args.participation_percent * 10_000_000),
				commit_period: args.commit_period,
				reveal_period: args.reveal_period,
			};
			let caps = CapOverrides {
				daily_bytes_per_account: args.daily_bytes,
				max_file_bytes: args.max_file_bytes,
			};
			let call = runtime::transactions().datanets().create_datanet(
				args.name.into_bytes(),
				args.description.into_bytes(),
				openledger_client::modality(modality),
				caps,
				voting,
				reward_per_epoch,
			);
			let included = chain.submit(&call, &signer).await?;
			let created: events::DatanetCreated = event(&included)?;
			let datanet = chain.datanet(created.datanet).await?;
			output.print(&datanet, || {
				format!("created datanet {}\n{}", datanet.id, describe(&datanet))
			});
		},
		DatanetCommand::Fund { id, amount: text, reward_per_epoch } => {
			let amount = parse_amount(&text)?;
			let rate = reward_per_epoch.as_deref().map(parse_amount).transpose()?;
			let signer = global.signer()?;
			let chain = global.chain().await?;
			let call = runtime::transactions().datanets().fund_rewards(id, amount, rate);
			let included = chain.submit(&call, &signer).await?;
			let funded: events::RewardsFunded = event(&included)?;
			let next_rate = funded.next_reward_per_epoch;
			let report = serde_json::json!({
				"datanet": funded.datanet,
				"amount": funded.amount.to_string(),
				"pool": funded.pool.to_string(),
				"nextRewardPerEpoch": next_rate.map(|(epoch, rate)| (epoch, rate.to_string())),
			});
			output.print(&report, || {
				let rate = next_rate
					.map(|(epoch, rate)| {
						format!("; {} per epoch from epoch {epoch}", amount::format(rate))
					})
					.unwrap_or_default();
				format!(
					"datanet {}: pool now {}{rate}",
					funded.datanet,
					amount::format(funded.pool)
				)
			});
		},
		DatanetCommand::WithdrawPool { id } => {
			let signer = global.signer()?;
			let chain = global.chain().await?;
			let call = runtime::transactions().datanets().withdraw_pool(id);
			let included = chain.submit(&call, &signer).await?;
			let withdrawn: events::PoolWithdrawn = event(&included)?;
			let report = serde_json::json!({
				"datanet": withdrawn.datanet,
				"amount": withdrawn.amount.to_string(),
			});
			output.print(&report, || {
				format!(
					"datanet {}: withdrew {} from the pool",
					withdrawn.datanet,
					amount::format(withdrawn.amount)
				)
			});
		},
		DatanetCommand::Gateways { id, urls } => {
			let signer = global.signer()?;
			let chain = global.chain().await?;
			let bytes = urls.iter().map(|url| url.as_bytes().to_vec()).collect();
			let call = runtime::transactions().datanets().set_gateways(id, bytes);
			let set: events::GatewaysSet = event(&chain.submit(&call, &signer).await?)?;
			let report = serde_json::json!({ "datanet": set.datanet, "gateways": urls });
			output.print(&report, || match set.count {
				0 => format!("datanet {id}: no gateways published"),
				n => format!("datanet {id}: {n} gateways published"),
			});
		},
	}
	Ok(())
}
