//! `openledger leaderboard` and `openledger contributor`.

use crate::{context::Global, error::CliResult, output::table};
use openledger_client::json;

#[derive(clap::Args, Debug)]
pub struct LeaderboardArgs {
	/// The datanet's board; the global board when left out.
	#[arg(long)]
	datanet: Option<u32>,
	/// Entries to skip (rank offset + 1 is the first shown).
	#[arg(long, default_value_t = 0)]
	offset: u32,
	/// Entries to show (at most 1000).
	#[arg(long, default_value_t = 20)]
	limit: u32,
}

#[derive(clap::Args, Debug)]
pub struct ContributorArgs {
	/// SS58 address.
	address: String,
	/// Stats and rank on this datanet; global when left out.
	#[arg(long)]
	datanet: Option<u32>,
}

fn rate(stats: &json::Stats) -> String {
	stats.acceptance_rate.map(|rate| format!("{:.0}%", rate * 100.0)).unwrap_or_else(|| "-".into())
}

pub async fn leaderboard(global: &Global, args: LeaderboardArgs) -> CliResult<()> {
	let chain = global.chain().await?;
	let page = chain.leaderboard(args.datanet, args.offset, args.limit).await?;
	global.output().print(&page, || {
		let board = args.datanet.map(|id| format!("datanet {id}")).unwrap_or("global".into());
		if page.items.is_empty() {
			return format!(
				"{board} leaderboard: no ranked contributors at offset {}",
				page.offset
			);
		}
		let rows: Vec<Vec<String>> = page
			.items
			.iter()
			.map(|entry| {
				vec![
					entry.rank.to_string(),
					entry.account.clone(),
					entry.stats.score.to_string(),
					entry.stats.accepted.to_string(),
					entry.stats.rejected.to_string(),
					entry.stats.accepted_bytes.to_string(),
					rate(&entry.stats),
				]
			})
			.collect();
		let header = ["rank", "account", "score", "accepted", "rejected", "bytes", "rate"];
		format!("{board} leaderboard ({} ranked)\n{}", page.total, table(&header, &rows))
	});
	Ok(())
}

pub async fn contributor(global: &Global, args: ContributorArgs) -> CliResult<()> {
	crate::context::parse_account(&args.address)?;
	let chain = global.chain().await?;
	let info = chain.contributor(&args.address, args.datanet).await?;
	global.output().print(&info, || {
		let board = info.datanet.map(|id| format!("datanet {id}")).unwrap_or("global".into());
		let rank = info.rank.map(|rank| format!("#{rank} of {}", info.ranked)).unwrap_or("unranked".into());
		format!(
			"{}\n  {board}: {rank}\n  score {}, {} accepted ({} bytes), {} rejected, {} expired, {} submitted, acceptance {}",
			info.account,
			info.stats.score,
			info.stats.accepted,
			info.stats.accepted_bytes,
			info.stats.rejected,
			info.stats.expired,
			info.stats.submitted,
			rate(&info.stats)
		)
	});
	Ok(())
}
