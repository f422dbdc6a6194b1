//! An encrypted keystore: one JSON file per named key, readable by its owner only.
//!
//! A key file holds the key's secret encrypted with XChaCha20-Poly1305 under a key derived
//! from the password by scrypt (N = 2^15, r = 8, p = 1), plus the public address in clear
//! so `key list` needs no password. The secret is the key's secret URI (mnemonic or seed,
//! with any derivation), or, for a key imported from a Polkadot{.js} backup (which has no
//! mnemonic), its 64-byte expanded sr25519 secret. A wrong password fails the
//! authentication tag; nothing about the secret is printed unless the owner exports it.
//!
//! Files are created atomically (see `private_file`) and never replaced; a file in the
//! directory that is not a key file is listed as unreadable, never a reason to fail.

use crate::{
	private_file,
	signer::{address, keypair_from_suri, Keypair, SECRET_LENGTH},
};
use chacha20poly1305::{
	aead::{Aead, KeyInit},
	XChaCha20Poly1305, XNonce,
};
use serde::{Deserialize, Serialize};
use std::{
	fs, io,
	path::{Path, PathBuf},
};
use zeroize::Zeroizing;

const FORMAT: &str = "openledger-keystore-1";
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
const EXTENSION: &str = "json";

#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
	#[error("keystore {path}: {source}")]
	Io { path: PathBuf, source: io::Error },
	#[error("`{0}` is not a key name: use 1 to 64 letters, digits, `-` or `_`")]
	InvalidName(String),
	#[error("a key named `{0}` already exists in {1}")]
	NameTaken(String, PathBuf),
	#[error("no key named `{0}` in {1} (see `openledger key list`)")]
	NotFound(String, PathBuf),
	#[error("wrong password for key `{0}`")]
	WrongPassword(String),
	#[error("key file {0} is damaged or not an openledger key file")]
	Corrupt(PathBuf),
	#[error(transparent)]
	Suri(#[from] crate::signer::SuriError),
}

/// A key as stored: its name and address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyEntry {
	pub name: String,
	pub address: String,
}

/// A file of the keystore directory as `key list` shows it: a key, or a file that is not
/// one (with why), so that a stray file neither hides the keys nor goes unnoticed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listed {
	/// The key's name, or the file's name for an unreadable file.
	pub name: String,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub address: Option<String>,
	/// Why the file is not a usable key.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub unreadable: Option<String>,
}

/// What a key file's ciphertext holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Content {
	/// A secret URI (files written before this field existed hold one).
	#[default]
	Suri,
	/// A 64-byte expanded sr25519 secret (ed25519 byte form), from a Polkadot{.js} backup.
	Sr25519Secret,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
	format: String,
	name: String,
	address: String,
	#[serde(default)]
	content: Content,
	scrypt_log_n: u8,
	scrypt_r: u32,
	scrypt_p: u32,
	salt: String,
	nonce: String,
	ciphertext: String,
}

pub struct Keystore {
	dir: PathBuf,
}

/// A decrypted key file.
struct Opened {
	plaintext: Zeroizing<Vec<u8>>,
	keypair: Keypair,
	content: Content,
	path: PathBuf,
}

impl Keystore {
	/// `<data dir>/openledger/keys` (`~/.local/share/openledger/keys` on Linux).
	pub fn default_dir() -> PathBuf {
		dirs::data_dir()
			.unwrap_or_else(|| std::env::temp_dir().join("openledger-data"))
			.join("openledger")
			.join("keys")
	}

	/// Opens the keystore in `dir`, creating it (mode 0700) if needed.
	pub fn open(dir: impl Into<PathBuf>) -> Result<Keystore, KeystoreError> {
		let dir = dir.into();
		let io = |source| KeystoreError::Io { path: dir.clone(), source };
		fs::create_dir_all(&dir).map_err(io)?;
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
		}
		Ok(Keystore { dir })
	}

	pub fn dir(&self) -> &Path {
		&self.dir
	}

	fn path(&self, name: &str) -> Result<PathBuf, KeystoreError> {
		let valid = !name.is_empty()
			&& name.len() <= 64
			&& name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
		if !valid {
			return Err(KeystoreError::InvalidName(name.to_string()));
		}
		Ok(self.dir.join(format!("{name}.{EXTENSION}")))
	}

	/// Fails unless a new key could be stored under `name`: checked before asking for
	/// passwords or showing a mnemonic, so that no one writes down a key never stored.
	pub fn check_new(&self, name: &str) -> Result<(), KeystoreError> {
		if self.path(name)?.exists() {
			return Err(KeystoreError::NameTaken(name.to_string(), self.dir.clone()));
		}
		Ok(())
	}

	/// Every file of the keystore, keys and unreadable files alike, by name. Fails only
	/// when the directory itself cannot be read.
	pub fn list(&self) -> Result<Vec<Listed>, KeystoreError> {
		let io = |source| KeystoreError::Io { path: self.dir.clone(), source };
		let mut listed = Vec::new();
		for entry in fs::read_dir(&self.dir).map_err(io)? {
			let entry = entry.map_err(io)?;
			let file_name = entry.file_name().to_string_lossy().into_owned();
			// Hidden files include the temporary files of an interrupted write.
			if file_name.starts_with('.') {
				continue;
			}
			listed.push(Self::listing(&entry.path(), file_name));
		}
		listed.sort_by(|a, b| a.name.cmp(&b.name));
		Ok(listed)
	}

	fn listing(path: &Path, file_name: String) -> Listed {
		let unreadable = |why: &str| Listed {
			name: file_name.clone(),
			address: None,
			unreadable: Some(why.to_string()),
		};
		if path.is_dir() {
			return unreadable("a directory, not a key file");
		}
		let Some(stem) = file_name.strip_suffix(&format!(".{EXTENSION}")) else {
			return unreadable("not a key file (key files end in .json)");
		};
		match Self::read(path) {
			Ok(file) if file.name == stem => {
				Listed { name: file.name, address: Some(file.address), unreadable: None }
			},
			Ok(file) => unreadable(&format!(
				"holds key `{}`, but key files must be named after their key ({}.json)",
				file.name, file.name
			)),
			Err(KeystoreError::Io { source, .. }) => unreadable(&source.to_string()),
			Err(_) => unreadable("not an openledger key file (damaged, or another program's)"),
		}
	}

	/// The address of key `name`, which is stored in clear: no password needed.
	pub fn address(&self, name: &str) -> Result<String, KeystoreError> {
		let path = self.path(name)?;
		if !path.exists() {
			return Err(KeystoreError::NotFound(name.to_string(), self.dir.clone()));
		}
		let file = Self::read(&path)?;
		if file.name != name {
			return Err(KeystoreError::Corrupt(path));
		}
		Ok(file.address)
	}

	/// Stores the key of `suri` under `name`, encrypted with `password`.
	pub fn import(
		&self,
		name: &str,
		suri: &str,
		password: &str,
	) -> Result<KeyEntry, KeystoreError> {
		let keypair = keypair_from_suri(suri)?;
		self.store(name, &keypair, Content::Suri, suri.trim().as_bytes(), password)
	}

	/// Stores `keypair` (which has no secret URI, e.g. from a Polkadot{.js} backup) under
	/// `name`, encrypted with `password`.
	pub fn import_keypair(
		&self,
		name: &str,
		keypair: &Keypair,
		password: &str,
	) -> Result<KeyEntry, KeystoreError> {
		let secret = keypair.secret();
		self.store(name, keypair, Content::Sr25519Secret, secret.as_ref(), password)
	}

	fn store(
		&self,
		name: &str,
		keypair: &Keypair,
		content: Content,
		plaintext: &[u8],
		password: &str,
	) -> Result<KeyEntry, KeystoreError> {
		let path = self.path(name)?;
		self.check_new(name)?;
		let mut salt = [0u8; 32];
		let mut nonce = [0u8; 24];
		getrandom::getrandom(&mut salt).expect("the OS provides randomness");
		getrandom::getrandom(&mut nonce).expect("the OS provides randomness");
		let cipher = cipher(password, &salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
			.expect("the default scrypt parameters are valid");
		let ciphertext = cipher
			.encrypt(&XNonce::from(nonce), plaintext)
			.expect("encrypting into a Vec cannot fail");
		let entry = KeyEntry { name: name.to_string(), address: address(keypair) };
		let file = KeyFile {
			format: FORMAT.to_string(),
			name: entry.name.clone(),
			address: entry.address.clone(),
			content,
			scrypt_log_n: SCRYPT_LOG_N,
			scrypt_r: SCRYPT_R,
			scrypt_p: SCRYPT_P,
			salt: hex::encode(salt),
			nonce: hex::encode(nonce),
			ciphertext: hex::encode(ciphertext),
		};
		let json = serde_json::to_vec_pretty(&file).expect("a key file serializes");
		private_file::create(&path, &json).map_err(|source| match source.kind() {
			io::ErrorKind::AlreadyExists => {
				KeystoreError::NameTaken(name.to_string(), self.dir.clone())
			},
			_ => KeystoreError::Io { path: path.clone(), source },
		})?;
		Ok(entry)
	}

	/// The keypair stored under `name`, decrypted with `password`.
	pub fn unlock(&self, name: &str, password: &str) -> Result<Keypair, KeystoreError> {
		Ok(self.decrypt(name, password)?.keypair)
	}

	/// The secret URI (mnemonic or seed) stored under `name`, decrypted with `password`;
	/// `None` for a key that has none (imported from a Polkadot{.js} backup).
	pub fn secret_uri(
		&self,
		name: &str,
		password: &str,
	) -> Result<Option<Zeroizing<String>>, KeystoreError> {
		let opened = self.decrypt(name, password)?;
		match opened.content {
			Content::Suri => {
				let suri = String::from_utf8(opened.plaintext.to_vec())
					.map_err(|_| KeystoreError::Corrupt(opened.path))?;
				Ok(Some(Zeroizing::new(suri)))
			},
			Content::Sr25519Secret => Ok(None),
		}
	}

	/// Key `name` decrypted, its keypair checked against the address in clear.
	fn decrypt(&self, name: &str, password: &str) -> Result<Opened, KeystoreError> {
		let path = self.path(name)?;
		if !path.exists() {
			return Err(KeystoreError::NotFound(name.to_string(), self.dir.clone()));
		}
		let file = Self::read(&path)?;
		let corrupt = || KeystoreError::Corrupt(path.clone());
		if file.name != name {
			return Err(corrupt());
		}
		let salt = hex::decode(&file.salt).map_err(|_| corrupt())?;
		let nonce = hex::decode(&file.nonce).map_err(|_| corrupt())?;
		let ciphertext = hex::decode(&file.ciphertext).map_err(|_| corrupt())?;
		let nonce: [u8; 24] = nonce.try_into().map_err(|_| corrupt())?;
		let cipher = cipher(password, &salt, file.scrypt_log_n, file.scrypt_r, file.scrypt_p)
			.ok_or_else(corrupt)?;
		let plaintext = Zeroizing::new(
			cipher
				.decrypt(&XNonce::from(nonce), ciphertext.as_slice())
				.map_err(|_| KeystoreError::WrongPassword(name.to_string()))?,
		);
		let keypair = match file.content {
			Content::Suri => {
				let suri = std::str::from_utf8(&plaintext).map_err(|_| corrupt())?;
				keypair_from_suri(suri).map_err(|_| corrupt())?
			},
			Content::Sr25519Secret => {
				let secret: &[u8; SECRET_LENGTH] =
					plaintext.as_slice().try_into().map_err(|_| corrupt())?;
				Keypair::from_secret(secret).map_err(|_| corrupt())?
			},
		};
		if address(&keypair) != file.address {
			return Err(corrupt());
		}
		Ok(Opened { plaintext, keypair, content: file.content, path })
	}

	fn read(path: &Path) -> Result<KeyFile, KeystoreError> {
		let bytes =
			fs::read(path).map_err(|source| KeystoreError::Io { path: path.into(), source })?;
		let file: KeyFile =
			serde_json::from_slice(&bytes).map_err(|_| KeystoreError::Corrupt(path.into()))?;
		if file.format != FORMAT {
			return Err(KeystoreError::Corrupt(path.into()));
		}
		Ok(file)
	}
}

/// The AEAD keyed by scrypt(password, salt); `None` for invalid scrypt parameters.
fn cipher(password: &str, salt: &[u8], log_n: u8, r: u32, p: u32) -> Option<XChaCha20Poly1305> {
	// Only what this keystore writes (or a stronger N up to 2^20, 1 GiB): a planted key file
	// must not make unlocking allocate terabytes or spin for hours, nor pass off weak
	// parameters that make a copied file cheap to brute-force.
	if !(SCRYPT_LOG_N..=20).contains(&log_n) || r != SCRYPT_R || p != SCRYPT_P {
		return None;
	}
	let params = scrypt::Params::new(log_n, r, p, 32).ok()?;
	let mut key = Zeroizing::new([0u8; 32]);
	scrypt::scrypt(password.as_bytes(), salt, &params, key.as_mut()).ok()?;
	Some(XChaCha20Poly1305::new(key.as_ref().into()))
}

#[cfg(test)]
mod tests {
	use super::*;

	struct TempKeystore(Keystore);

	impl TempKeystore {
		fn new(name: &str) -> TempKeystore {
			let dir = std::env::temp_dir().join(format!("ol-keys-{name}-{}", std::process::id()));
			let _ = fs::remove_dir_all(&dir);
			TempKeystore(Keystore::open(dir).unwrap())
		}
	}

	impl Drop for TempKeystore {
		fn drop(&mut self) {
			let _ = fs::remove_dir_all(self.0.dir());
		}
	}

	#[test]
	fn imported_keys_unlock_with_their_password_only() {
		let keys = TempKeystore::new("import");
		let entry = keys.0.import("alice", "//Alice", "correct horse").unwrap();
		assert_eq!(entry.address, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		let keypair = keys.0.unlock("alice", "correct horse").unwrap();
		assert_eq!(address(&keypair), entry.address);
		assert!(matches!(keys.0.unlock("alice", "wrong"), Err(KeystoreError::WrongPassword(_))));
		assert!(matches!(keys.0.unlock("bob", "x"), Err(KeystoreError::NotFound(..))));
		assert!(matches!(keys.0.import("alice", "//Bob", "x"), Err(KeystoreError::NameTaken(..))));
		assert!(matches!(
			keys.0.import("../evil", "//Bob", "x"),
			Err(KeystoreError::InvalidName(_))
		));
	}

	fn listed(entry: &KeyEntry) -> Listed {
		Listed { name: entry.name.clone(), address: Some(entry.address.clone()), unreadable: None }
	}

	#[test]
	fn keys_are_listed_and_kept_private() {
		let keys = TempKeystore::new("generate");
		let first = keys.0.import("one", &crate::signer::new_mnemonic(), "pw").unwrap();
		let second = keys.0.import("two", &crate::signer::new_mnemonic(), "pw").unwrap();
		assert_ne!(first.address, second.address);
		assert_eq!(keys.0.list().unwrap(), vec![listed(&first), listed(&second)]);
		let file = fs::read_to_string(keys.0.dir().join("one.json")).unwrap();
		assert!(file.contains(&first.address) && !file.contains("//"));
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			let mode = fs::metadata(keys.0.dir().join("one.json")).unwrap().permissions().mode();
			assert_eq!(mode & 0o777, 0o600);
			let mode = fs::metadata(keys.0.dir()).unwrap().permissions().mode();
			assert_eq!(mode & 0o777, 0o700);
		}
		assert_eq!(address(&keys.0.unlock("one", "pw").unwrap()), first.address);
		assert_eq!(keys.0.address("one").unwrap(), first.address);
		assert!(matches!(keys.0.check_new("one"), Err(KeystoreError::NameTaken(..))));
		keys.0.check_new("three").unwrap();
	}

	#[test]
	fn secret_uris_come_back_with_the_password_only() {
		let keys = TempKeystore::new("secret-uri");
		keys.0.import("dev", " //Alice//stash ", "pw").unwrap();
		assert_eq!(keys.0.secret_uri("dev", "pw").unwrap().unwrap().as_str(), "//Alice//stash");
		assert!(matches!(keys.0.secret_uri("dev", "nope"), Err(KeystoreError::WrongPassword(_))));
	}

	#[test]
	fn keypairs_without_a_secret_uri_are_stored_by_their_secret() {
		let keys = TempKeystore::new("keypair");
		let key = keypair_from_suri("//Polkadot-js").unwrap();
		let entry = keys.0.import_keypair("pjs", &key, "pw").unwrap();
		assert_eq!(entry.address, address(&key));
		let unlocked = keys.0.unlock("pjs", "pw").unwrap();
		assert_eq!(*unlocked.secret(), *key.secret());
		assert!(keys.0.secret_uri("pjs", "pw").unwrap().is_none());
		let file = fs::read_to_string(keys.0.dir().join("pjs.json")).unwrap();
		assert!(file.contains("\"content\": \"sr25519-secret\""), "{file}");
		assert!(!file.contains(&hex::encode(&key.secret()[..16])));
	}

	#[test]
	fn key_files_without_a_content_field_hold_a_secret_uri() {
		let keys = TempKeystore::new("old-format");
		keys.0.import("old", "//Bob", "pw").unwrap();
		let path = keys.0.dir().join("old.json");
		let mut file: serde_json::Value =
			serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
		file.as_object_mut().unwrap().remove("content");
		fs::remove_file(&path).unwrap();
		fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
		let bob = keys.0.unlock("old", "pw").unwrap();
		assert_eq!(address(&bob), "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty");
	}

	#[test]
	fn foreign_files_are_listed_as_unreadable() {
		let keys = TempKeystore::new("foreign");
		let alice = keys.0.import("alice", "//Alice", "pw").unwrap();
		let dir = keys.0.dir();
		fs::write(dir.join("notes.txt"), "my keys").unwrap();
		fs::write(dir.join("wallet.json"), r#"{"encoded": "…", "address": "5Grw"}"#).unwrap();
		fs::write(dir.join("broken.json"), "{not json").unwrap();
		fs::copy(dir.join("alice.json"), dir.join("copy.json")).unwrap();
		fs::create_dir(dir.join("backup")).unwrap();
		fs::write(dir.join(format!("{}0123", private_file::TEMPORARY_PREFIX)), "half").unwrap();
		let all = keys.0.list().unwrap();
		let names: Vec<&str> = all.iter().map(|entry| entry.name.as_str()).collect();
		assert_eq!(
			names,
			["alice", "backup", "broken.json", "copy.json", "notes.txt", "wallet.json"]
		);
		assert_eq!(all[0], listed(&alice));
		for entry in &all[1..] {
			assert!(entry.address.is_none() && entry.unreadable.is_some(), "{entry:?}");
		}
		assert!(all[3].unreadable.as_ref().unwrap().contains("holds key `alice`"));
		assert!(matches!(keys.0.unlock("copy", "pw"), Err(KeystoreError::Corrupt(_))));
	}
}
