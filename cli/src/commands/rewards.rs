//! `openledger rewards [ADDRESS]` and `openledger rewards claim`.

use crate::{
	commands::event,
	context::{account_of, Global},
	error::{CliError, CliResult, Done},
	output::{table, Output},
};
use clap::Subcommand;
use openledger_client::{amount, json, runtime, runtime::datanets::events, signer::Keypair, Chain};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RewardsArgs {
	#[command(subcommand)]
	action: Option<RewardsAction>,
	/// Whose rewards to list [default: the signer's].
	address: Option<String>,
}

#[derive(Subcommand, Debug)]
enum RewardsAction {
	/// Claim every ended epoch's rewards of the signer (optionally of one datanet).
	Claim {
		#[arg(long)]
		datanet: Option<u32>,
	},
}

pub async fn run(global: &Global, args: RewardsArgs) -> CliResult<()> {
	let output = global.output();
	match args.action {
		None => {
			let address = global.address_or_signer(args.address)?;
			let chain = global.chain().await?;
			let rewards = chain.rewards(&address).await?;
			output.print(&rewards, || {
				if rewards.is_empty() {
					return format!("{address} has no unclaimed rewards");
				}
				let rows: Vec<Vec<String>> = rewards
					.iter()
					.map(|reward| {
						vec![
							reward.datanet.to_string(),
							reward.epoch.to_string(),
							reward.score.to_string(),
							amount::format_text(&reward.agreeing_stake),
							reward
								.claimable
								.as_deref()
								.map(amount::format_text)
								.unwrap_or("epoch running".into()),
						]
					})
					.collect();
				table(&["datanet", "epoch", "score", "agreeing stake", "claimable"], &rows)
			});
		},
		Some(RewardsAction::Claim { datanet }) => {
			let signer = global.signer()?;
			let chain = global.chain().await?;
			let address = account_of(&signer).to_string();
			let claimable: Vec<_> = chain
				.rewards(&address)
				.await?
				.into_iter()
				.filter(|reward| reward.claimable.is_some())
				.filter(|reward| datanet.is_none_or(|id| id == reward.datanet))
				.collect();
			if claimable.is_empty() {
				return Err(CliError::input(format!(
					"{address} has nothing to claim yet (rewards become claimable once their epoch ends)"
				)));
			}
			let mut claimed = Vec::new();
			if let Err(error) = claim(&chain, &signer, claimable, &output, &mut claimed).await {
				// Claims finalized before the failure are reported with it.
				let done = Done { key: "claimed", json: claimed.into(), human: String::new() };
				return Err(error.after(done));
			}
			output.print(&claimed, String::new);
		},
	}
	Ok(())
}

/// Claims each reward in turn, pushing each finalized claim to `claimed`.
async fn claim(
	chain: &Chain,
	signer: &Keypair,
	rewards: Vec<json::Reward>,
	output: &Output,
	claimed: &mut Vec<serde_json::Value>,
) -> CliResult<()> {
	for reward in rewards {
		let call = runtime::transactions().datanets().claim_rewards(reward.datanet, reward.epoch);
		let included = chain.submit(&call, signer).await?;
		let paid: events::RewardsClaimed = event(&included)?;
		claimed.push(serde_json::json!({
			"datanet": paid.datanet, "epoch": paid.epoch, "amount": paid.amount.to_string(),
		}));
		output.note(format!(
			"claimed {} from datanet {} epoch {}",
			amount::format(paid.amount),
			paid.datanet,
			paid.epoch
		));
	}
	Ok(())
}
