//! sr25519 signers from secret URIs (`//Alice`, a BIP-39 mnemonic optionally with
//! `//derivation` and `///password`, or a `0x` hex seed) or from an expanded secret key
//! (what a Polkadot{.js} JSON backup holds).
//!
//! `subxt_signer::sr25519::Keypair` keeps its secret to itself, so a key could neither be
//! exported to Polkadot{.js} nor rebuilt from one of its backups (which hold the 64-byte
//! expanded secret, not the seed). `Keypair` here is the same schnorrkel key, derived the
//! same way (tests check it against subxt-signer, which is checked against sp-core), with
//! its secret available to the keystore and the Polkadot{.js} codec.

use hmac::Hmac;
use schnorrkel::{
	derive::{ChainCode, Derivation},
	ExpansionMode, MiniSecretKey, SecretKey,
};
use sha2::Sha512;
use std::str::FromStr;
use subxt::{
	utils::{AccountId32, MultiSignature},
	PolkadotConfig,
};
pub use subxt_signer::sr25519::{PublicKey, Signature};
use subxt_signer::{DeriveJunction, ExposeSecret, SecretUri};
use zeroize::Zeroizing;

/// The signing context of Substrate's sr25519 signatures.
const SIGNING_CONTEXT: &[u8] = b"substrate";

/// Length of an expanded sr25519 secret key (key and nonce), as Polkadot{.js} stores it.
pub const SECRET_LENGTH: usize = 64;

/// Why a secret URI gave no key. Never includes the secret.
#[derive(Debug, thiserror::Error)]
#[error("the secret URI is not valid: {0} (expected e.g. //Alice, a 12 or 24 word mnemonic, or a 0x hex seed)")]
pub struct SuriError(String);

/// An sr25519 key pair that signs OpenLedger transactions.
#[derive(Clone)]
pub struct Keypair(schnorrkel::Keypair);

impl std::fmt::Debug for Keypair {
	/// The address only: a key's secret is never formatted.
	fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(formatter, "Keypair({})", address(self))
	}
}

impl Keypair {
	/// The key of a secret URI, derived as Substrate derives it (`sp_core::sr25519::Pair::
	/// from_string`).
	pub fn from_suri(suri: &str) -> Result<Keypair, SuriError> {
		let uri = SecretUri::from_str(suri.trim()).map_err(|error| SuriError(error.to_string()))?;
		let phrase = uri.phrase.expose_secret();
		let mini = match phrase.strip_prefix("0x") {
			Some(hex_seed) => {
				let seed = Zeroizing::new(
					hex::decode(hex_seed).map_err(|_| SuriError("the seed is not hex".into()))?,
				);
				MiniSecretKey::from_bytes(&seed)
					.map_err(|_| SuriError("a hex seed has 32 bytes".into()))?
			},
			None => {
				let mnemonic = subxt_signer::bip39::Mnemonic::from_str(phrase)
					.map_err(|error| SuriError(error.to_string()))?;
				let password = uri.password.as_ref().map(|p| p.expose_secret()).unwrap_or("");
				let (entropy, length) = mnemonic.to_entropy_array();
				let seed = Zeroizing::new(seed_from_entropy(&entropy[..length], password)?);
				MiniSecretKey::from_bytes(&seed[..32]).expect("32 bytes make a mini secret key")
			},
		};
		let root = mini.expand(ExpansionMode::Ed25519);
		let secret = uri.junctions.iter().fold(root, |key, junction| match junction {
			DeriveJunction::Soft(code) => key.derived_key_simple(ChainCode(*code), []).0,
			DeriveJunction::Hard(code) => key
				.hard_derive_mini_secret_key(Some(ChainCode(*code)), b"")
				.0
				.expand(ExpansionMode::Ed25519),
		});
		Ok(Keypair(secret.into()))
	}

	/// The key of an expanded secret in the "ed25519" byte form that Polkadot{.js} and
	/// `schnorrkel::SecretKey::to_ed25519_bytes` use.
	pub fn from_secret(secret: &[u8; SECRET_LENGTH]) -> Result<Keypair, SuriError> {
		let secret = SecretKey::from_ed25519_bytes(secret)
			.map_err(|_| SuriError("not an sr25519 secret key".into()))?;
		Ok(Keypair(secret.into()))
	}

	/// The expanded secret key, in the form `from_secret` takes.
	pub fn secret(&self) -> Zeroizing<[u8; SECRET_LENGTH]> {
		Zeroizing::new(self.0.secret.to_ed25519_bytes())
	}

	pub fn public_key(&self) -> PublicKey {
		PublicKey(self.0.public.to_bytes())
	}

	pub fn sign(&self, message: &[u8]) -> Signature {
		let context = schnorrkel::signing_context(SIGNING_CONTEXT);
		Signature(self.0.sign(context.bytes(message)).to_bytes())
	}
}

impl subxt::transactions::Signer<PolkadotConfig> for Keypair {
	fn account_id(&self) -> AccountId32 {
		AccountId32(self.public_key().0)
	}

	fn sign(&self, payload: &[u8]) -> MultiSignature {
		MultiSignature::Sr25519(Keypair::sign(self, payload).0)
	}
}

/// The seed of a mnemonic's entropy, as `substrate-bip39` computes it (PBKDF2-HMAC-SHA512,
/// 2048 rounds, salt "mnemonic" + password).
fn seed_from_entropy(entropy: &[u8], password: &str) -> Result<[u8; 64], SuriError> {
	let salt = Zeroizing::new(format!("mnemonic{password}"));
	let mut seed = [0u8; 64];
	pbkdf2::pbkdf2::<Hmac<Sha512>>(entropy, salt.as_bytes(), 2048, &mut seed)
		.map_err(|_| SuriError("invalid mnemonic entropy".into()))?;
	Ok(seed)
}

pub fn keypair_from_suri(suri: &str) -> Result<Keypair, SuriError> {
	Keypair::from_suri(suri)
}

/// A fresh random 12-word BIP-39 mnemonic.
pub fn new_mnemonic() -> Zeroizing<String> {
	let mut entropy = Zeroizing::new([0u8; 16]);
	getrandom::getrandom(entropy.as_mut()).expect("the OS provides randomness");
	let mnemonic = subxt_signer::bip39::Mnemonic::from_entropy(entropy.as_ref())
		.expect("16 bytes is a valid BIP-39 entropy length");
	Zeroizing::new(mnemonic.to_string())
}

/// The SS58 address (prefix 42) of a keypair.
pub fn address(keypair: &Keypair) -> String {
	crate::AccountId::from(keypair.public_key().0).to_string()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dev_uris_give_the_well_known_accounts() {
		let alice = keypair_from_suri("//Alice").unwrap();
		assert_eq!(address(&alice), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk//Alice";
		assert_eq!(address(&keypair_from_suri(phrase).unwrap()), address(&alice));
	}

	#[test]
	fn keys_are_derived_as_subxt_signer_derives_them() {
		let mnemonic = new_mnemonic();
		let suris = [
			"//Alice".to_string(),
			"//Alice/stash".to_string(),
			"//foo//bar/wibble".to_string(),
			"//1/0001".to_string(),
			mnemonic.to_string(),
			format!("{}//hard/soft", *mnemonic),
			format!("{}///password", *mnemonic),
			format!("{}//x///password", *mnemonic),
			"0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_string(),
			"0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef//a/b".to_string(),
		];
		for suri in &suris {
			let ours = keypair_from_suri(suri).unwrap();
			let uri = SecretUri::from_str(suri).unwrap();
			let theirs = subxt_signer::sr25519::Keypair::from_uri(&uri).unwrap();
			assert_eq!(ours.public_key().0, theirs.public_key().0, "{suri}");
			// Signatures verify against the public key (sr25519 signs with randomness, so
			// they are compared by verification, not by value).
			let signature = ours.sign(b"payload");
			assert!(subxt_signer::sr25519::verify(&signature, b"payload", &theirs.public_key()));
		}
	}

	#[test]
	fn the_expanded_secret_round_trips() {
		let alice = keypair_from_suri("//Alice").unwrap();
		let again = Keypair::from_secret(&alice.secret()).unwrap();
		assert_eq!(again.public_key().0, alice.public_key().0);
		assert!(!format!("{alice:?}").contains(&hex::encode(&alice.secret()[..8])));
	}

	#[test]
	fn bad_uris_are_refused_without_echoing_them() {
		let error = keypair_from_suri("not a mnemonic at all").unwrap_err().to_string();
		assert!(!error.contains("mnemonic at all"), "{error}");
	}
}
