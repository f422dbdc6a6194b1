//! `openledger balance [ADDRESS]` and `openledger transfer TO AMOUNT`: an account's OPEN,
//! and sending it.

use crate::{
	commands::event,
	context::{account_of, parse_account, Global},
	error::{CliError, CliResult},
	output::fields,
};
use openledger_client::{amount, runtime, runtime::balances::events};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Amounts are in OPEN (18 decimals). `reserved` counts holds (datanet deposits, validator and \
trainer bonds, job escrows); `frozen` funds cannot leave the account but may overlap \
`reserved`; `transferable` is what `openledger transfer --allow-death` could send (less fees); \
a plain `transfer` also leaves the existential deposit. With --json, amounts are plancks as \
decimal strings.")]
pub struct BalanceArgs {
	/// Whose balance [default: the signer's, from --key or --suri].
	address: Option<String>,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  openledger --key alice transfer 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty 12.5
  openledger --key alice transfer 5FHne… 0.5 --allow-death   # may empty and remove alice's account

The transfer is final once printed. Exit status 8 means the connection failed after it was sent: \
check `openledger balance` before sending it again.")]
pub struct TransferArgs {
	/// The recipient's SS58 address.
	to: String,
	/// OPEN to send, e.g. 12.5 (up to 18 decimals).
	amount: String,
	/// Allow the transfer to leave the sender below the existential deposit, which removes
	/// the sender's account and burns what is left (`transfer_allow_death`). Without it the
	/// chain refuses such a transfer (`transfer_keep_alive`).
	#[arg(long)]
	allow_death: bool,
}

pub async fn balance(global: &Global, args: BalanceArgs) -> CliResult<()> {
	let address = global.address_or_signer(args.address)?;
	let account = parse_account(&address)?;
	let balance = global.chain().await?.balance(&account).await?;
	global.output().print(&balance, || {
		fields(&[
			("account", balance.address.clone()),
			("free", amount::format(balance.free)),
			("reserved (held)", amount::format(balance.reserved)),
			("frozen", amount::format(balance.frozen)),
			("transferable", amount::format(balance.transferable)),
			("existential deposit", amount::format(balance.existential_deposit)),
		])
	});
	Ok(())
}

pub async fn transfer(global: &Global, args: TransferArgs) -> CliResult<()> {
	let output = global.output();
	let to = parse_account(&args.to)?;
	let value = amount::parse(&args.amount).map_err(CliError::input)?;
	if value == 0 {
		return Err(CliError::input("the amount must be more than 0 OPEN"));
	}
	let signer = global.signer()?;
	let from = account_of(&signer);
	let chain = global.chain().await?;

	// What the chain would refuse, refused before any fee is paid.
	let sender = chain.balance(&from).await?;
	if value > sender.transferable {
		return Err(CliError::input(format!(
			"{from} can transfer at most {} (free {}, of which {} is frozen beyond what is \
			 reserved)",
			amount::format(sender.transferable),
			amount::format(sender.free),
			amount::format(sender.frozen.saturating_sub(sender.reserved)),
		)));
	}
	let recipient = chain.balance(&to).await?;
	if recipient.free.saturating_add(value) < recipient.existential_deposit {
		return Err(CliError::input(format!(
			"{to} has no account yet, and an account needs at least the existential deposit \
			 ({}): send at least that much",
			amount::format(recipient.existential_deposit)
		)));
	}

	let transfers = runtime::transactions().balances();
	let included = if args.allow_death {
		chain.submit(&transfers.transfer_allow_death(to.into(), value), &signer).await?
	} else {
		chain.submit(&transfers.transfer_keep_alive(to.into(), value), &signer).await?
	};
	let sent: events::Transfer = event(&included)?;
	let report = serde_json::json!({
		"from": sent.from.to_string(),
		"to": sent.to.to_string(),
		"amount": sent.amount.to_string(),
	});
	output.print(&report, || {
		format!("sent {} from {} to {}", amount::format(sent.amount), sent.from, sent.to)
	});
	Ok(())
}
