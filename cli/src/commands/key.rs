//! `openledger key generate|import|export|list`.
//!
//! Secrets are printed only where the user asks for them: the mnemonic of a new key (once,
//! at `generate`), and `export`, after the key's password.

use crate::{
	context::{prompt_secret, read_secret, Global, PASSWORD_VARIABLE},
	error::{CliError, CliResult, Exit},
	output::table,
};
use clap::Subcommand;
use openledger_client::{
	keystore::{Keystore, KeystoreError},
	polkadot_js, private_file,
	signer::{address, keypair_from_suri, new_mnemonic},
};
use std::{
	io::{BufRead, IsTerminal, Write},
	path::{Path, PathBuf},
};
use zeroize::Zeroizing;

/// Where the password of a Polkadot{.js} file being imported comes from when no one is at a
/// terminal.
const IMPORT_PASSWORD_VARIABLE: &str = "OPENLEDGER_IMPORT_PASSWORD";

/// The word of a new mnemonic typed back to confirm it was written down (1-based).
const CONFIRM_WORD: usize = 3;
const CONFIRM_TRIES: usize = 3;

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
	/// Create a new random key (12-word mnemonic) and store it encrypted. The mnemonic is
	/// shown once: write it down, then type its 3rd word to confirm (or pass --yes).
	#[command(after_help = "\
The mnemonic restores the account anywhere (`openledger key import`, Polkadot{.js}, any \
Substrate wallet); the key file alone needs its password. With --json the mnemonic is \
returned once in the JSON ({name, address, mnemonic}) and nothing is asked but the password \
(OPENLEDGER_PASSWORD or a prompt).")]
	Generate {
		/// Name to refer to the key by (--key NAME).
		name: String,
		/// Do not ask for a word of the mnemonic back (scripts). It is still shown once.
		#[arg(long)]
		yes: bool,
	},
	/// Store an existing key: a secret URI or mnemonic on a hidden prompt (or on stdin when
	/// it is not a terminal), or a Polkadot{.js} JSON backup with --polkadot-js FILE.
	#[command(after_help = "\
Examples:
  openledger key import alice                          # then type the mnemonic
  openledger key import alice --polkadot-js alice.json # a backup from Polkadot{.js}

A Polkadot{.js} file's password comes from OPENLEDGER_IMPORT_PASSWORD or a prompt; the key \
is then stored under a new keystore password (OPENLEDGER_PASSWORD or a prompt). Only sr25519 \
accounts exported with a password (format version 3) can be imported.")]
	Import {
		/// Name to refer to the key by (--key NAME).
		name: String,
		/// A Polkadot{.js} JSON backup (account export of the extension, polkadot.js/apps
		/// or @polkadot/keyring) to import.
		#[arg(long, value_name = "FILE")]
		polkadot_js: Option<PathBuf>,
	},
	/// Show a key's mnemonic or seed after its password, or write it as a Polkadot{.js}
	/// JSON backup (--polkadot-js).
	#[command(after_help = "\
Examples:
  openledger key export alice                             # prints the mnemonic
  openledger key export alice --polkadot-js -o alice.json # for Polkadot{.js}: \"Restore \
from JSON\"

The Polkadot{.js} file is encrypted with the key's password (scrypt and xsalsa20-poly1305, as \
Polkadot{.js} writes it); Polkadot{.js} asks for that password when restoring it.")]
	Export {
		/// The key to export.
		name: String,
		/// Write a Polkadot{.js} JSON backup (to stdout, or to --output) instead of
		/// printing the secret.
		#[arg(long)]
		polkadot_js: bool,
		/// Write the backup to FILE (created with mode 0600; an existing file is never
		/// overwritten).
		#[arg(short, long, value_name = "FILE", requires = "polkadot_js")]
		output: Option<PathBuf>,
	},
	/// List the stored keys and their addresses (no password needed); files in the keystore
	/// that are not usable keys are listed as unreadable.
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
	let keystore = global.keystore()?;
	match command {
		KeyCommand::List => list(global, &keystore),
		KeyCommand::Generate { name, yes } => generate(global, &keystore, &name, yes),
		KeyCommand::Import { name, polkadot_js: None } => {
			keystore.check_new(&name)?;
			let suri = read_suri()?;
			let entry = keystore.import(&name, &suri, &new_password()?)?;
			global.output().print(&entry, || format!("{}  {}", entry.name, entry.address));
			Ok(())
		},
		KeyCommand::Import { name, polkadot_js: Some(file) } => {
			import_polkadot_js(global, &keystore, &name, &file)
		},
		KeyCommand::Export { name, polkadot_js: false, .. } => export(global, &keystore, &name),
		KeyCommand::Export { name, polkadot_js: true, output } => {
			export_polkadot_js(global, &keystore, &name, output.as_deref())
		},
	}
}

fn list(global: &Global, keystore: &Keystore) -> CliResult<()> {
	let keys = keystore.list()?;
	global.output().print(&keys, || {
		if keys.is_empty() {
			return format!("no keys in {}", keystore.dir().display());
		}
		let rows: Vec<Vec<String>> = keys
			.iter()
			.map(|key| {
				let address = match (&key.address, &key.unreadable) {
					(Some(address), _) => address.clone(),
					(None, why) => format!("(unreadable: {})", why.as_deref().unwrap_or("?")),
				};
				vec![key.name.clone(), address]
			})
			.collect();
		table(&["name", "address"], &rows)
	});
	Ok(())
}

fn generate(global: &Global, keystore: &Keystore, name: &str, yes: bool) -> CliResult<()> {
	let output = global.output();
	keystore.check_new(name)?;
	let password = new_password()?;
	let mnemonic = new_mnemonic();
	let account = address(&keypair_from_suri(&mnemonic).expect("a new mnemonic is valid"));
	if output.json {
		let entry = keystore.import(name, &mnemonic, &password)?;
		let report = serde_json::json!({
			"name": entry.name, "address": entry.address, "mnemonic": mnemonic.as_str(),
		});
		output.print(&report, String::new);
		return Ok(());
	}
	println!(
		"The mnemonic of key `{name}` ({account}).\nWrite it down and keep it offline: it is \
		 shown only now, anyone who has it controls\nthe account, and it restores the account \
		 anywhere.\n\n    {}\n",
		mnemonic.as_str()
	);
	if !yes {
		confirm(&mnemonic)?;
	}
	let entry = keystore.import(name, &mnemonic, &password)?;
	println!("stored key {}  {}", entry.name, entry.address);
	Ok(())
}

/// Asks for word `CONFIRM_WORD` of `mnemonic` back, on stdin.
fn confirm(mnemonic: &str) -> CliResult<()> {
	let expected = mnemonic.split_whitespace().nth(CONFIRM_WORD - 1).expect("12 words");
	let stdin = std::io::stdin();
	for _ in 0..CONFIRM_TRIES {
		eprint!("Type word {CONFIRM_WORD} of the mnemonic to confirm you wrote it down: ");
		let _ = std::io::stderr().flush();
		let mut line = Zeroizing::new(String::new());
		let read = stdin
			.lock()
			.read_line(&mut line)
			.map_err(|error| CliError::input(format!("cannot read the confirmation: {error}")))?;
		if read == 0 {
			eprintln!();
			break;
		}
		if line.trim().eq_ignore_ascii_case(expected) {
			return Ok(());
		}
		eprintln!("That is not word {CONFIRM_WORD}.");
	}
	Err(CliError::input(format!(
		"the mnemonic was not confirmed, so the key was not stored: run `openledger key \
		 generate` again and type word {CONFIRM_WORD} (or pass --yes to skip the check)"
	)))
}

fn import_polkadot_js(
	global: &Global,
	keystore: &Keystore,
	name: &str,
	file: &Path,
) -> CliResult<()> {
	keystore.check_new(name)?;
	let json = std::fs::read_to_string(file)
		.map_err(|error| CliError::input(format!("cannot read {}: {error}", file.display())))?;
	let password = read_secret(
		IMPORT_PASSWORD_VARIABLE,
		&format!("Password of the Polkadot{{.js}} file {}: ", file.display()),
	)?;
	let decoded = polkadot_js::decode(&json, &password)
		.map_err(|error| CliError::from(error).with_context(&file.display().to_string()))?;
	let entry = keystore.import_keypair(name, &decoded.keypair, &new_password()?)?;
	let output = global.output();
	if let Some(wallet_name) = &decoded.name {
		output.note(format!("imported Polkadot{{.js}} account \"{wallet_name}\""));
	}
	output.print(&entry, || format!("{}  {}", entry.name, entry.address));
	Ok(())
}

fn unlock_password(name: &str) -> CliResult<Zeroizing<String>> {
	read_secret(PASSWORD_VARIABLE, &format!("Password for key `{name}`: "))
}

fn export(global: &Global, keystore: &Keystore, name: &str) -> CliResult<()> {
	let password = unlock_password(name)?;
	let Some(secret) = keystore.secret_uri(name, &password)? else {
		return Err(CliError::input(format!(
			"key `{name}` came from a Polkadot{{.js}} backup and has no mnemonic or seed: \
			 export it with `openledger key export {name} --polkadot-js`"
		)));
	};
	let account = address(&keypair_from_suri(&secret).map_err(KeystoreError::from)?);
	let output = global.output();
	output.note(format!(
		"The secret of key `{name}` ({account}): anyone who sees it controls the account."
	));
	let report = serde_json::json!({ "name": name, "address": account, "secret": secret.as_str() });
	output.print(&report, || secret.to_string());
	Ok(())
}

fn export_polkadot_js(
	global: &Global,
	keystore: &Keystore,
	name: &str,
	file: Option<&Path>,
) -> CliResult<()> {
	let password = unlock_password(name)?;
	let keypair = keystore.unlock(name, &password)?;
	let json = polkadot_js::encode(&keypair, &password, name);
	let Some(file) = file else {
		println!("{json}");
		return Ok(());
	};
	private_file::create(file, json.as_bytes()).map_err(|error| {
		let shown = file.display();
		match error.kind() {
			std::io::ErrorKind::AlreadyExists => CliError::input(format!(
				"{shown} exists: choose another file (a backup is never overwritten)"
			)),
			_ => CliError::new(Exit::Failure, format!("cannot write {shown}: {error}")),
		}
	})?;
	let report = serde_json::json!({
		"name": name, "address": address(&keypair), "file": file.display().to_string(),
	});
	global.output().print(&report, || {
		format!(
			"wrote {} (Polkadot{{.js}}: \"Restore from JSON\", with the password of key `{name}`)",
			file.display()
		)
	});
	Ok(())
}
