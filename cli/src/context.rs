//! The options every command shares, and the connections and signer they lead to.

use crate::{
	error::{CliError, CliResult, Exit},
	output::Output,
};
use clap::Args;
use openledger_client::signer::Keypair;
use openledger_client::{keystore::Keystore, signer, AccountId, Chain};
use openledger_ipfs::{BlockStore, ContentStore, Fetcher, Gateway, Kubo};
use std::path::PathBuf;
use zeroize::Zeroizing;

#[derive(Args, Debug)]
pub struct Global {
	/// The node's WebSocket RPC endpoint.
	#[arg(long, global = true, env = "OPENLEDGER_URL", default_value = "ws://127.0.0.1:9944")]
	pub url: String,

	/// Print results as JSON (for programs) instead of tables.
	#[arg(long, global = true)]
	pub json: bool,

	/// A Kubo RPC API to add and fetch content through (e.g. http://127.0.0.1:5001); without
	/// it, the embedded store (--store) is used.
	#[arg(long, global = true, env = "OPENLEDGER_IPFS_API")]
	pub ipfs_api: Option<String>,

	/// Directory of the embedded content store [default: <data dir>/openledger/ipfs].
	#[arg(long, global = true, env = "OPENLEDGER_STORE")]
	pub store: Option<PathBuf>,

	/// Directory of the keystore [default: <data dir>/openledger/keys].
	#[arg(long, global = true, env = "OPENLEDGER_KEYSTORE")]
	pub keystore: Option<PathBuf>,

	/// Sign with this secret URI (//Alice, a mnemonic, a 0x seed). Prefer --key: a SURI on
	/// the command line lands in your shell history.
	#[arg(
		long,
		global = true,
		env = "OPENLEDGER_SURI",
		hide_env_values = true,
		conflicts_with = "key"
	)]
	pub suri: Option<String>,

	/// Sign with this keystore key; its password comes from OPENLEDGER_PASSWORD or a prompt.
	#[arg(long, global = true, env = "OPENLEDGER_KEY")]
	pub key: Option<String>,
}

/// Where keystore passwords come from when no one is at a terminal.
pub const PASSWORD_VARIABLE: &str = "OPENLEDGER_PASSWORD";

/// Reads a secret: from `variable` when set, else from a hidden prompt on the terminal.
pub fn read_secret(variable: &str, prompt: &str) -> CliResult<Zeroizing<String>> {
	match std::env::var(variable) {
		Ok(value) => Ok(Zeroizing::new(value)),
		Err(_) => prompt_secret(variable, prompt),
	}
}

/// Reads a secret from a hidden prompt; the error names `variable` as the alternative.
pub fn prompt_secret(variable: &str, prompt: &str) -> CliResult<Zeroizing<String>> {
	rpassword::prompt_password(prompt).map(Zeroizing::new).map_err(|error| {
		CliError::new(Exit::Key, format!("cannot read {prompt} ({error}); set {variable} instead"))
	})
}

impl Global {
	pub fn output(&self) -> Output {
		Output { json: self.json }
	}

	pub async fn chain(&self) -> CliResult<Chain> {
		Ok(Chain::connect(&self.url).await?)
	}

	pub fn keystore(&self) -> CliResult<Keystore> {
		Ok(Keystore::open(self.keystore.clone().unwrap_or_else(Keystore::default_dir))?)
	}

	/// The embedded store in `--store` (created if needed).
	pub fn block_store(&self) -> CliResult<BlockStore> {
		let dir = self.store.clone().unwrap_or_else(BlockStore::default_dir);
		Ok(BlockStore::open(dir).map_err(openledger_ipfs::IpfsError::from)?)
	}

	/// The Kubo API of `--ipfs-api`, if given.
	pub async fn kubo(&self) -> CliResult<Option<Kubo>> {
		match &self.ipfs_api {
			Some(url) => {
				Ok(Some(Kubo::connect(url).await.map_err(openledger_ipfs::IpfsError::from)?))
			},
			None => Ok(None),
		}
	}

	/// The content store: the Kubo API when one was named, else the embedded store.
	pub async fn content_store(&self) -> CliResult<ContentStore> {
		Ok(match self.kubo().await? {
			Some(kubo) => ContentStore::Kubo(Box::new(kubo)),
			None => ContentStore::Embedded(self.block_store()?),
		})
	}

	/// A fetcher over the embedded store (where fetched blocks are kept), then `gateways`
	/// (e.g. datanets' published ones and `--gateway` URLs), then `--ipfs-api`; and those
	/// sources in words, for errors.
	pub async fn fetcher<'a>(
		&self,
		gateways: impl IntoIterator<Item = &'a String>,
	) -> CliResult<(Fetcher, String)> {
		let store = self.block_store()?;
		let mut sources = vec![format!("embedded store {}", store.path().display())];
		let mut fetcher = Fetcher::new(Some(store));
		for url in gateways {
			let gateway = Gateway::new(url).map_err(|error| CliError::input(error.to_string()))?;
			sources.push(format!("gateway {url}"));
			fetcher = fetcher.with_gateway(gateway);
		}
		if let Some(kubo) = self.kubo().await? {
			sources.push(format!("Kubo API {}", kubo.url()));
			fetcher = fetcher.with_kubo(kubo);
		}
		Ok((fetcher, sources.join(", then ")))
	}

	/// `address` when given (checked to be SS58), else the signer's address (a keystore
	/// key's without its password: the address is stored in clear).
	pub fn address_or_signer(&self, address: Option<String>) -> CliResult<String> {
		match (address, &self.suri, &self.key) {
			(Some(address), _, _) => parse_account(&address).map(|_| address),
			(None, None, Some(name)) => Ok(self.keystore()?.address(name)?),
			(None, Some(_), _) => Ok(account_of(&self.signer()?).to_string()),
			(None, None, None) => Err(CliError::input(
				"whose? give an ADDRESS, or --key NAME (see `openledger key list`) or --suri \
				 for the signer's",
			)),
		}
	}

	/// The signing key: --suri, or --key unlocked with its password.
	pub fn signer(&self) -> CliResult<Keypair> {
		if let Some(suri) = &self.suri {
			return signer::keypair_from_suri(suri)
				.map_err(|error| CliError::new(Exit::Key, error.to_string()));
		}
		let Some(name) = &self.key else {
			return Err(CliError::new(
				Exit::Key,
				"this command signs: pass --key NAME (see `openledger key list`) or --suri",
			));
		};
		let keystore = self.keystore()?;
		let password = read_secret(PASSWORD_VARIABLE, &format!("Password for key `{name}`: "))?;
		Ok(keystore.unlock(name, &password)?)
	}
}

/// The account of a keypair.
pub fn account_of(keypair: &Keypair) -> AccountId {
	AccountId::from(keypair.public_key().0)
}

/// An SS58 address given on the command line.
pub fn parse_account(text: &str) -> CliResult<AccountId> {
	text.parse().map_err(|_| CliError::input(format!("`{text}` is not an SS58 address")))
}
