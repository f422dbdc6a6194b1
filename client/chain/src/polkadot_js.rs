//! Polkadot{.js} JSON key backups: what the Polkadot{.js} extension, polkadot.js/apps and
//! `@polkadot/keyring`'s `pair.toJson(password)` write, and `keyring.addFromJson` reads.
//!
//! The format (generation 3, `encoding.version` "3"): `encoded` is base64 of
//! `salt (32) | N | p | r (u32 little-endian each) | nonce (24) | secretbox`, where the
//! NaCl secretbox (XSalsa20-Poly1305) is keyed by the first 32 bytes of
//! scrypt(password, salt, N, r, p) and seals a PKCS8-like body:
//! `header (16) | expanded sr25519 secret (64) | divider (5) | public key (32)`.
//!
//! Written with the scrypt parameters `@polkadot/util-crypto` 14 writes (N = 2^17, r = 8,
//! p = 1); read with the parameters it accepts (its allowed presets within its safe
//! limits), so a crafted file cannot make the reader spend unbounded time or memory.
//! Only sr25519 keys with a password are handled: ed25519, ecdsa and ethereum keys,
//! unencrypted files and the generation 1-2 formats are refused with a message.

use crate::signer::{address, Keypair, SECRET_LENGTH};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use crypto_secretbox::{
	aead::{Aead, KeyInit},
	Nonce, XSalsa20Poly1305,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const HEADER: [u8; 16] = [48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32];
const DIVIDER: [u8; 5] = [161, 35, 3, 33, 0];
const BODY_LENGTH: usize = HEADER.len() + SECRET_LENGTH + DIVIDER.len() + 32;
const SALT_LENGTH: usize = 32;
const PARAMS_LENGTH: usize = SALT_LENGTH + 12;
const NONCE_LENGTH: usize = 24;

/// The scrypt parameters written: `@polkadot/util-crypto`'s `DEFAULT_PARAMS`.
const WRITE_LOG_N: u8 = 17;
const WRITE_R: u32 = 8;
const WRITE_P: u32 = 1;

/// The (N, p, r) `@polkadot/util-crypto` reads: its `ALLOWED_PARAMS` within its safe
/// limits (N ≤ 2^20, p ≤ 4, r ≤ 16).
const READ_PARAMS: [(u32, u32, u32); 4] =
	[(1 << 15, 3, 8), (1 << 15, 1, 8), (1 << 16, 2, 8), (1 << 17, 1, 8)];

#[derive(Debug, thiserror::Error)]
pub enum PolkadotJsError {
	#[error("not a Polkadot{{.js}} key file: {0}")]
	NotAKeyFile(String),
	#[error("this Polkadot{{.js}} key file is not supported: {0}")]
	Unsupported(String),
	#[error("wrong password for this Polkadot{{.js}} key file")]
	WrongPassword,
	#[error("the Polkadot{{.js}} key file is damaged: {0}")]
	Damaged(&'static str),
}

/// The JSON document, as `@polkadot/keyring` writes it.
#[derive(Serialize, Deserialize)]
struct KeyJson {
	encoded: String,
	encoding: Encoding,
	address: String,
	#[serde(default)]
	meta: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct Encoding {
	content: Vec<String>,
	#[serde(rename = "type")]
	kind: EncodingType,
	version: serde_json::Value,
}

/// `type` is an array since generation 3, a single string before.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum EncodingType {
	List(Vec<String>),
	One(String),
}

/// A key read from a Polkadot{.js} file.
pub struct Decoded {
	pub keypair: Keypair,
	/// `meta.name`, the account's name in the wallet, if any.
	pub name: Option<String>,
}

/// The Polkadot{.js} JSON backup of `keypair`, encrypted with `password`, named `name`.
pub fn encode(keypair: &Keypair, password: &str, name: &str) -> String {
	let secret = keypair.secret();
	let mut body = Zeroizing::new(Vec::with_capacity(BODY_LENGTH));
	body.extend_from_slice(&HEADER);
	body.extend_from_slice(secret.as_ref());
	body.extend_from_slice(&DIVIDER);
	body.extend_from_slice(&keypair.public_key().0);

	let mut salt = [0u8; SALT_LENGTH];
	let mut nonce = [0u8; NONCE_LENGTH];
	getrandom::getrandom(&mut salt).expect("the OS provides randomness");
	getrandom::getrandom(&mut nonce).expect("the OS provides randomness");
	let cipher = cipher(password, &salt, WRITE_LOG_N, WRITE_R, WRITE_P);
	let sealed = cipher
		.encrypt(&Nonce::from(nonce), body.as_slice())
		.expect("sealing into a Vec cannot fail");

	let mut encoded = Vec::with_capacity(PARAMS_LENGTH + NONCE_LENGTH + sealed.len());
	encoded.extend_from_slice(&salt);
	encoded.extend_from_slice(&(1u32 << WRITE_LOG_N).to_le_bytes());
	encoded.extend_from_slice(&WRITE_P.to_le_bytes());
	encoded.extend_from_slice(&WRITE_R.to_le_bytes());
	encoded.extend_from_slice(&nonce);
	encoded.extend_from_slice(&sealed);

	let mut meta = serde_json::Map::new();
	meta.insert("name".into(), name.into());
	let now = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|since| since.as_millis() as u64)
		.unwrap_or(0);
	meta.insert("whenCreated".into(), now.into());
	let json = KeyJson {
		encoded: BASE64.encode(encoded),
		encoding: Encoding {
			content: vec!["pkcs8".into(), "sr25519".into()],
			kind: EncodingType::List(vec!["scrypt".into(), "xsalsa20-poly1305".into()]),
			version: "3".into(),
		},
		address: address(keypair),
		meta,
	};
	serde_json::to_string_pretty(&json).expect("a key file serializes")
}

/// The key in a Polkadot{.js} JSON backup, decrypted with `password`.
pub fn decode(json: &str, password: &str) -> Result<Decoded, PolkadotJsError> {
	let file: KeyJson = serde_json::from_str(json)
		.map_err(|error| PolkadotJsError::NotAKeyFile(error.to_string()))?;
	let unsupported = |why: &str| Err(PolkadotJsError::Unsupported(why.to_string()));
	let types = match &file.encoding.kind {
		EncodingType::List(types) => types.clone(),
		EncodingType::One(kind) => vec![kind.clone()],
	};
	if file.encoding.version.as_str() != Some("3") {
		return unsupported(
			"it uses an old format (before version 3): open it in a current Polkadot{.js} and \
			 export it again",
		);
	}
	if types.iter().any(|kind| kind == "none") {
		return unsupported(
			"it is not encrypted: export it again from Polkadot{.js} with a password",
		);
	}
	if !types.iter().any(|kind| kind == "scrypt")
		|| !types.iter().any(|kind| kind == "xsalsa20-poly1305")
	{
		return unsupported(&format!("unknown encryption {types:?}"));
	}
	if file.encoding.content.first().map(String::as_str) != Some("pkcs8") {
		return unsupported(&format!("unknown content {:?}", file.encoding.content));
	}
	match file.encoding.content.get(1).map(String::as_str) {
		Some("sr25519") => {},
		Some(other) => {
			return unsupported(&format!(
				"it holds an {other} key; OpenLedger accounts are sr25519 keys"
			))
		},
		None => return unsupported("it does not say which kind of key it holds"),
	}

	let encoded = BASE64
		.decode(file.encoded.trim())
		.map_err(|_| PolkadotJsError::Damaged("`encoded` is not base64"))?;
	if encoded.len() < PARAMS_LENGTH + NONCE_LENGTH {
		return Err(PolkadotJsError::Damaged("`encoded` is too short"));
	}
	let word = |at: usize| u32::from_le_bytes(encoded[at..at + 4].try_into().expect("4 bytes"));
	let (n, p, r) = (word(32), word(36), word(40));
	if !READ_PARAMS.contains(&(n, p, r)) {
		return unsupported(&format!("unsafe or unknown scrypt parameters N={n} p={p} r={r}"));
	}
	let salt = &encoded[..SALT_LENGTH];
	let nonce: [u8; NONCE_LENGTH] =
		encoded[PARAMS_LENGTH..PARAMS_LENGTH + NONCE_LENGTH].try_into().expect("24 bytes");
	let cipher = cipher(password, salt, n.trailing_zeros() as u8, r, p);
	let body = Zeroizing::new(
		cipher
			.decrypt(&Nonce::from(nonce), &encoded[PARAMS_LENGTH + NONCE_LENGTH..])
			.map_err(|_| PolkadotJsError::WrongPassword)?,
	);
	if body.len() != BODY_LENGTH
		|| body[..HEADER.len()] != HEADER
		|| body[HEADER.len() + SECRET_LENGTH..][..DIVIDER.len()] != DIVIDER
	{
		return Err(PolkadotJsError::Damaged("its key is not in the PKCS8 layout expected"));
	}
	let secret: Zeroizing<[u8; SECRET_LENGTH]> = Zeroizing::new(
		body[HEADER.len()..HEADER.len() + SECRET_LENGTH].try_into().expect("64 bytes"),
	);
	let keypair = Keypair::from_secret(&secret)
		.map_err(|_| PolkadotJsError::Damaged("its secret is not an sr25519 key"))?;
	if body[BODY_LENGTH - 32..] != keypair.public_key().0 {
		return Err(PolkadotJsError::Damaged("its public key does not match its secret"));
	}
	// The address may use any SS58 prefix (Polkadot, Kusama, generic): compare the keys.
	let stated: crate::AccountId = file
		.address
		.parse()
		.map_err(|_| PolkadotJsError::Damaged("its address is not an SS58 address"))?;
	if stated.0 != keypair.public_key().0 {
		return Err(PolkadotJsError::Damaged("its address does not match its key"));
	}
	let name = file.meta.get("name").and_then(|name| name.as_str()).map(str::to_string);
	Ok(Decoded { keypair, name })
}

/// The secretbox keyed by the first 32 bytes of scrypt(password, salt).
fn cipher(password: &str, salt: &[u8], log_n: u8, r: u32, p: u32) -> XSalsa20Poly1305 {
	let params = scrypt::Params::new(log_n, r, p, 32).expect("only known scrypt parameters");
	let mut key = Zeroizing::new([0u8; 32]);
	scrypt::scrypt(password.as_bytes(), salt, &params, key.as_mut())
		.expect("32 bytes is a valid scrypt output length");
	XSalsa20Poly1305::new(key.as_ref().into())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::signer::keypair_from_suri;

	/// A file written by @polkadot/keyring (from subxt-signer's tests: Alice, "whoisalice",
	/// N = 2^15, p = 1, r = 8).
	const ALICE: &str = r#"{
		"encoded": "DumgApKCTqoCty1OZW/8WS+sgo6RdpHhCwAkA2IoDBMAgAAAAQAAAAgAAAB6IG/q24EeVf0JqWqcBd5m2tKq5BlyY84IQ8oamLn9DZe9Ouhgunr7i36J1XxUnTI801axqL/ym1gil0U8440Qvj0lFVKwGuxq38zuifgoj0B3Yru0CI6QKEvQPU5xxj4MpyxdSxP+2PnTzYao0HDH0fulaGvlAYXfqtU89xrx2/z9z7IjSwS3oDFPXRQ9kAdDebtyCVreZ9Otw9v3",
		"encoding": {"content": ["pkcs8", "sr25519"], "type": ["scrypt", "xsalsa20-poly1305"], "version": "3"},
		"address": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"meta": {"genesisHash": "", "name": "Alice", "whenCreated": 1718265838755}
	}"#;

	/// Written by @polkadot/keyring 14.0.3 (`tests/js/keyring.mjs create`, N = 2^17): the
	/// dev mnemonic, password "pw".
	const KEYRING_14: &str = r#"{"encoded": "lS5lGqweRpzZdjoGM0VXT7GLN35aMQncPibp8xUL7xsAAAIAAQAAAAgAAABlGdQ22c/UBL9rEV1OSx9UbiHCSOYjR7xOBTN7N0DtsGmGiesmfQXbcM4dnI9SwnBX1HKR147FLJN+v6lANyWS2butgOV677TETHRZkYm+7xoajsFSJNS2T3SsyMOBinR2x/PO4aQsb+aNIBBvYt6yckQ5xRx6o6pxBFbjVvwkvKnIFeKJbjEyiiXRxoYqjVlrrFfOd6hObxbl732w", "encoding": {"content": ["pkcs8", "sr25519"], "type": ["scrypt", "xsalsa20-poly1305"], "version": "3"}, "address": "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV", "meta": {"name": "made by @polkadot/keyring"}}"#;

	#[test]
	fn a_keyring_file_decodes() {
		let decoded = decode(ALICE, "whoisalice").unwrap();
		assert_eq!(address(&decoded.keypair), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		assert_eq!(decoded.name.as_deref(), Some("Alice"));
		let decoded = decode(KEYRING_14, "pw").unwrap();
		let dev = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
		assert_eq!(decoded.keypair.public_key().0, keypair_from_suri(dev).unwrap().public_key().0);
	}

	#[test]
	fn encoded_keys_round_trip_and_want_their_password() {
		let key = keypair_from_suri("//Polkadot-js").unwrap();
		let json = encode(&key, "s3cret", "backup");
		let value: serde_json::Value = serde_json::from_str(&json).unwrap();
		assert_eq!(value["encoding"]["content"], serde_json::json!(["pkcs8", "sr25519"]));
		assert_eq!(value["encoding"]["type"], serde_json::json!(["scrypt", "xsalsa20-poly1305"]));
		assert_eq!(value["encoding"]["version"], "3");
		assert_eq!(value["address"], address(&key));
		assert_eq!(value["meta"]["name"], "backup");
		let raw = BASE64.decode(value["encoded"].as_str().unwrap()).unwrap();
		assert_eq!(&raw[32..44], &[0, 0, 2, 0, 1, 0, 0, 0, 8, 0, 0, 0], "N = 2^17, p = 1, r = 8");
		assert!(!json.contains(&hex::encode(&key.secret()[..16])));

		let decoded = decode(&json, "s3cret").unwrap();
		assert_eq!(decoded.keypair.public_key().0, key.public_key().0);
		assert_eq!(*decoded.keypair.secret(), *key.secret());
		assert!(matches!(decode(&json, "wrong"), Err(PolkadotJsError::WrongPassword)));
		assert!(matches!(decode(ALICE, ""), Err(PolkadotJsError::WrongPassword)));
	}

	#[test]
	fn other_files_are_refused_with_a_reason() {
		let edit = |from: &str, to: &str| ALICE.replace(from, to);
		let refused = |json: String| decode(&json, "whoisalice").err().unwrap().to_string();
		assert!(refused(edit("\"sr25519\"]", "\"ed25519\"]")).contains("ed25519 key"));
		assert!(refused(edit("\"version\": \"3\"", "\"version\": \"2\"")).contains("old format"));
		assert!(refused(edit("[\"scrypt\", \"xsalsa20-poly1305\"]", "[\"none\"]"))
			.contains("not encrypted"));
		assert!(refused("{}".into()).contains("not a Polkadot{.js} key file"));
		// Bob's address on Alice's key.
		let error = refused(edit(
			"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
			"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
		));
		assert!(error.contains("address does not match"), "{error}");
		// N = 2^20 (a file crafted to make the reader spend a gigabyte).
		let mut raw =
			BASE64.decode(serde_json::from_str::<KeyJson>(ALICE).unwrap().encoded).unwrap();
		raw[32..36].copy_from_slice(&(1u32 << 20).to_le_bytes());
		let crafted = serde_json::from_str::<serde_json::Value>(ALICE).unwrap();
		let mut crafted = crafted.as_object().unwrap().clone();
		crafted.insert("encoded".into(), BASE64.encode(raw).into());
		let error = refused(serde_json::to_string(&crafted).unwrap());
		assert!(error.contains("scrypt parameters"), "{error}");
	}
}
