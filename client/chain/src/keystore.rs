//! An encrypted keystore: one JSON file per named key, readable by its owner only.
//!
//! A key file holds the key's secret URI (mnemonic or seed, with any derivation) encrypted
//! with XChaCha20-Poly1305 under a key derived from the password by scrypt (N = 2^15,
//! r = 8, p = 1), plus the public address in clear so `key list` needs no password. A wrong
//! password fails the authentication tag; nothing about the secret is ever printed.

use crate::signer::{address, keypair_from_suri};
use chacha20poly1305::{
	aead::{Aead, KeyInit},
	XChaCha20Poly1305, XNonce,
};
use serde::{Deserialize, Serialize};
use std::{
	fs, io,
	path::{Path, PathBuf},
};
use subxt_signer::sr25519::Keypair;
use zeroize::Zeroizing;

const FORMAT: &str = "openledger-keystore-1";
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

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

/// A key as listed: its name and address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyEntry {
	pub name: String,
	pub address: String,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
	format: String,
	name: String,
	address: String,
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
		Ok(self.dir.join(format!("{name}.json")))
	}

	/// The keys, by name.
	pub fn list(&self) -> Result<Vec<KeyEntry>, KeystoreError> {
		let io = |source| KeystoreError::Io { path: self.dir.clone(), source };
		let mut keys = Vec::new();
		for entry in fs::read_dir(&self.dir).map_err(io)? {
			let path = entry.map_err(io)?.path();
			if path.extension().is_some_and(|extension| extension == "json") {
				let file = Self::read(&path)?;
				keys.push(KeyEntry { name: file.name, address: file.address });
			}
		}
		keys.sort_by(|a, b| a.name.cmp(&b.name));
		Ok(keys)
	}

	/// A new random key (a 12-word mnemonic) stored under `name`.
	pub fn generate(&self, name: &str, password: &str) -> Result<KeyEntry, KeystoreError> {
		let mut entropy = Zeroizing::new([0u8; 16]);
		getrandom::getrandom(entropy.as_mut()).expect("the OS provides randomness");
		let mnemonic = subxt_signer::bip39::Mnemonic::from_entropy(entropy.as_ref())
			.expect("16 bytes is a valid BIP-39 entropy length");
		let phrase = Zeroizing::new(mnemonic.to_string());
		self.import(name, &phrase, password)
	}

	/// Stores the key of `suri` under `name`, encrypted with `password`.
	pub fn import(
		&self,
		name: &str,
		suri: &str,
		password: &str,
	) -> Result<KeyEntry, KeystoreError> {
		let path = self.path(name)?;
		let keypair = keypair_from_suri(suri)?;
		if path.exists() {
			return Err(KeystoreError::NameTaken(name.to_string(), self.dir.clone()));
		}
		let mut salt = [0u8; 32];
		let mut nonce = [0u8; 24];
		getrandom::getrandom(&mut salt).expect("the OS provides randomness");
		getrandom::getrandom(&mut nonce).expect("the OS provides randomness");
		let cipher = cipher(password, &salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
			.expect("the default scrypt parameters are valid");
		let ciphertext = cipher
			.encrypt(&XNonce::from(nonce), suri.trim().as_bytes())
			.expect("encrypting into a Vec cannot fail");
		let entry = KeyEntry { name: name.to_string(), address: address(&keypair) };
		let file = KeyFile {
			format: FORMAT.to_string(),
			name: entry.name.clone(),
			address: entry.address.clone(),
			scrypt_log_n: SCRYPT_LOG_N,
			scrypt_r: SCRYPT_R,
			scrypt_p: SCRYPT_P,
			salt: hex::encode(salt),
			nonce: hex::encode(nonce),
			ciphertext: hex::encode(ciphertext),
		};
		let json = serde_json::to_vec_pretty(&file).expect("a key file serializes");
		write_owner_only(&path, &json).map_err(|source| match source.kind() {
			io::ErrorKind::AlreadyExists => {
				KeystoreError::NameTaken(name.to_string(), self.dir.clone())
			},
			_ => KeystoreError::Io { path: path.clone(), source },
		})?;
		Ok(entry)
	}

	/// The keypair stored under `name`, decrypted with `password`.
	pub fn unlock(&self, name: &str, password: &str) -> Result<Keypair, KeystoreError> {
		let path = self.path(name)?;
		if !path.exists() {
			return Err(KeystoreError::NotFound(name.to_string(), self.dir.clone()));
		}
		let file = Self::read(&path)?;
		let corrupt = || KeystoreError::Corrupt(path.clone());
		let salt = hex::decode(&file.salt).map_err(|_| corrupt())?;
		let nonce = hex::decode(&file.nonce).map_err(|_| corrupt())?;
		let ciphertext = hex::decode(&file.ciphertext).map_err(|_| corrupt())?;
		let nonce: [u8; 24] = nonce.try_into().map_err(|_| corrupt())?;
		let cipher = cipher(password, &salt, file.scrypt_log_n, file.scrypt_r, file.scrypt_p)
			.ok_or_else(corrupt)?;
		let suri = Zeroizing::new(
			cipher
				.decrypt(&XNonce::from(nonce), ciphertext.as_slice())
				.map_err(|_| KeystoreError::WrongPassword(name.to_string()))?,
		);
		let suri = std::str::from_utf8(&suri).map_err(|_| corrupt())?;
		let keypair = keypair_from_suri(suri).map_err(|_| corrupt())?;
		if address(&keypair) != file.address {
			return Err(corrupt());
		}
		Ok(keypair)
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
	let params = scrypt::Params::new(log_n, r, p, 32).ok()?;
	let mut key = Zeroizing::new([0u8; 32]);
	scrypt::scrypt(password.as_bytes(), salt, &params, key.as_mut()).ok()?;
	Some(XChaCha20Poly1305::new(key.as_ref().into()))
}

/// Creates `path` (failing if it exists) with mode 0600 and writes `bytes`.
fn write_owner_only(path: &Path, bytes: &[u8]) -> io::Result<()> {
	use std::io::Write;
	let mut options = fs::OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	{
		use std::os::unix::fs::OpenOptionsExt;
		options.mode(0o600);
	}
	let mut file = options.open(path)?;
	file.write_all(bytes)?;
	file.sync_all()
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

	#[test]
	fn generated_keys_are_listed_and_kept_private() {
		let keys = TempKeystore::new("generate");
		let first = keys.0.generate("one", "pw").unwrap();
		let second = keys.0.generate("two", "pw").unwrap();
		assert_ne!(first.address, second.address);
		assert_eq!(keys.0.list().unwrap(), vec![first.clone(), second]);
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
	}
}
