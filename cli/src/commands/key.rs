//! `openledger key generate|import|list`.

use crate::{
	context::{prompt_secret, read_secret, Global, PASSWORD_VARIABLE},
	error::{CliError, CliResult, Exit},
	output::table,
};
use clap::Subcommand;
use std::io::{BufRead, IsTerminal};
use zeroize::Zeroizing;

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
	/// Create a new random key (12-word mnemonic) and store it encrypted. The mnemonic is
	/// not shown: back up the key file and its password.
	Generate {
		/// Name to refer to the key by (--key NAME).
		name: String,
	},
	/// Store an existing key, given as a secret URI or mnemonic on a hidden prompt (or on
	/// stdin when it is not a terminal).
	Import {
		/// Name to refer to the key by (--key NAME).
		name: String,
	},
	/// List the stored keys and their addresses (no password needed).
	List,
}

/// A new key's password: OPENLEDGER_PASSWORD, or typed twice.
fn new_password() -> CliResult<Zeroizing<String>> {
	if let Ok(password) = std::env::var(PASSWORD_VARIABLE) {
		return Ok(Zeroizing::new(password));
	}
	let first = prompt_secret(PASSWORD_VARIABLE, "New password: ")?;
	let second = prompt_secret(PASSWORD_VARIABLE, "Repeat the password: ")?;
	if first != second {
		return Err(CliError::new(Exit::Key, "the passwords differ"));
	}
	Ok(first)
}

fn read_suri() -> CliResult<Zeroizing<String>> {
	if std::io::stdin().is_terminal() {
		return read_secret("OPENLEDGER_IMPORT_SURI", "Secret URI or mnemonic: ");
	}
	let mut line = Zeroizing::new(String::new());
	std::io::stdin()
		.lock()
		.read_line(&mut line)
		.map_err(|error| CliError::input(format!("cannot read the secret from stdin: {error}")))?;
	Ok(line)
}

pub fn run(global: &Global, command: KeyCommand) -> CliResult<()> {
	let output = global.output();
	let keystore = global.keystore()?;
	let entry = match command {
		KeyCommand::List => {
			let keys = keystore.list()?;
			output.print(&keys, || {
				if keys.is_empty() {
					return format!("no keys in {}", keystore.dir().display());
				}
				let rows: Vec<Vec<String>> =
					keys.iter().map(|key| vec![key.name.clone(), key.address.clone()]).collect();
				table(&["name", "address"], &rows)
			});
			return Ok(());
		},
		KeyCommand::Generate { name } => keystore.generate(&name, &new_password()?)?,
		KeyCommand::Import { name } => {
			let suri = read_suri()?;
			keystore.import(&name, &suri, &new_password()?)?
		},
	};
	output.print(&entry, || format!("{}  {}", entry.name, entry.address));
	Ok(())
}
