//! sr25519 signers from secret URIs: `//Alice`, a BIP-39 mnemonic (optionally with
//! `//derivation` and `///password`), or a `0x` hex seed.

use std::str::FromStr;
pub use subxt_signer::sr25519::Keypair;
use subxt_signer::SecretUri;

/// Why a secret URI gave no key. Never includes the secret.
#[derive(Debug, thiserror::Error)]
#[error("the secret URI is not valid: {0} (expected e.g. //Alice, a 12 or 24 word mnemonic, or a 0x hex seed)")]
pub struct SuriError(String);

pub fn keypair_from_suri(suri: &str) -> Result<Keypair, SuriError> {
	let uri = SecretUri::from_str(suri.trim()).map_err(|error| SuriError(error.to_string()))?;
	Keypair::from_uri(&uri).map_err(|error| SuriError(error.to_string()))
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
	fn bad_uris_are_refused_without_echoing_them() {
		let error = keypair_from_suri("not a mnemonic at all").unwrap_err().to_string();
		assert!(!error.contains("mnemonic at all"), "{error}");
	}
}
