//! Red-team tests of the wallets: key names that try to leave the keystore, overwrites,
//! file permissions, and scrypt parameters an attacker chooses in a key file. Each asserts
//! the SAFE behaviour; one whose attack works is `#[ignore = "BUG: …"]`.

use crate::{
	keystore::{Keystore, KeystoreError},
	polkadot_js::{self, PolkadotJsError},
	signer::keypair_from_suri,
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use std::{fs, path::PathBuf, time::Instant};

struct TempDir(PathBuf);

impl TempDir {
	fn new(name: &str) -> TempDir {
		let dir = std::env::temp_dir().join(format!("ol-red-keys-{name}-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		fs::create_dir_all(&dir).unwrap();
		TempDir(dir)
	}
}

impl Drop for TempDir {
	fn drop(&mut self) {
		let _ = fs::remove_dir_all(&self.0);
	}
}

#[test]
fn key_names_cannot_leave_the_keystore() {
	let dir = TempDir::new("names");
	let keys = Keystore::open(dir.0.join("keys")).unwrap();
	for name in [
		"../escape",
		"..",
		".",
		"a/b",
		"a\\b",
		"/etc/passwd",
		"",
		"x.json",
		".hidden",
		"a\0b",
		"ключ",
		"con:",
		&"a".repeat(65),
	] {
		let error = keys.import(name, "//Alice", "pw").unwrap_err();
		assert!(matches!(error, KeystoreError::InvalidName(_)), "{name:?}: {error}");
		assert!(matches!(keys.unlock(name, "pw"), Err(KeystoreError::InvalidName(_))));
	}
	let outside: Vec<_> = fs::read_dir(&dir.0).unwrap().map(|e| e.unwrap().file_name()).collect();
	assert_eq!(outside, vec![std::ffi::OsString::from("keys")]);
}

#[test]
fn existing_keys_and_symlinks_are_never_overwritten() {
	let dir = TempDir::new("overwrite");
	let keys = Keystore::open(dir.0.join("keys")).unwrap();
	keys.import("main", "//Alice", "pw").unwrap();
	let before = fs::read(dir.0.join("keys/main.json")).unwrap();
	assert!(matches!(keys.import("main", "//Bob", "pw"), Err(KeystoreError::NameTaken(..))));
	assert_eq!(fs::read(dir.0.join("keys/main.json")).unwrap(), before);
	#[cfg(unix)]
	{
		// A (dangling) symlink planted under a key's name: nothing is written through it.
		let target = dir.0.join("target.json");
		std::os::unix::fs::symlink(&target, dir.0.join("keys/planted.json")).unwrap();
		assert!(keys.import("planted", "//Bob", "pw").is_err());
		assert!(!target.exists(), "the key was written through the symlink");
	}
}

#[cfg(unix)]
#[test]
fn key_files_and_the_keystore_are_private() {
	use std::os::unix::fs::PermissionsExt;
	let dir = TempDir::new("modes");
	let keys = Keystore::open(dir.0.join("keys")).unwrap();
	keys.import("main", "//Alice", "pw").unwrap();
	let mode = |path: PathBuf| fs::metadata(path).unwrap().permissions().mode() & 0o777;
	assert_eq!(mode(dir.0.join("keys")), 0o700);
	assert_eq!(mode(dir.0.join("keys/main.json")), 0o600);
}

/// A keystore file whose scrypt parameters were edited (by whoever could write the file,
/// or a file copied from elsewhere): its key.
fn edited_key_file(dir: &TempDir, log_n: u64, r: u64, p: u64) -> Keystore {
	let keys = Keystore::open(dir.0.join("keys")).unwrap();
	keys.import("main", "//Alice", "pw").unwrap();
	let path = dir.0.join("keys/main.json");
	let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
	json["scrypt_log_n"] = log_n.into();
	json["scrypt_r"] = r.into();
	json["scrypt_p"] = p.into();
	fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
	keys
}

/// Parameters far past what the keystore writes (N = 2^15, r = 8, p = 1) are refused before
/// scrypt runs: a planted or downloaded key file must not make `unlock` allocate terabytes
/// (an abort) or spin for hours.
#[test]
fn absurd_scrypt_parameters_in_a_key_file_are_refused_quickly() {
	for (log_n, r, p) in [(40, 8, 1), (15, 8, 100_000)] {
		let dir = TempDir::new(&format!("absurd-{log_n}-{p}"));
		let keys = edited_key_file(&dir, log_n, r, p);
		let began = Instant::now();
		let result = keys.unlock("main", "pw");
		assert!(began.elapsed().as_secs() < 5, "({log_n}, {r}, {p}): {:?}", began.elapsed());
		assert!(matches!(result, Err(KeystoreError::Corrupt(_))), "({log_n}, {r}, {p})");
	}
}

/// Parameters far below what the keystore writes are refused too, so a file re-encrypted
/// weakly (to be brute-forced once copied) is noticed rather than used silently.
#[test]
fn weak_scrypt_parameters_in_a_key_file_are_refused() {
	let dir = TempDir::new("weak");
	let keys = edited_key_file(&dir, 1, 1, 1);
	// (The ciphertext no longer matches, so only a refusal *before* decrypting is "safe".)
	assert!(matches!(keys.unlock("main", "pw"), Err(KeystoreError::Corrupt(_))));
}

/// A Polkadot{.js} JSON with the scrypt parameters of the attacker's choice (weak, huge,
/// zero, non-powers of two): refused as unsupported before any scrypt work.
#[test]
fn polkadot_js_files_with_chosen_scrypt_parameters_are_refused() {
	let key = keypair_from_suri("//RedTeam").unwrap();
	let json = polkadot_js::encode(&key, "pw", "x");
	let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
	let encoded = BASE64.decode(value["encoded"].as_str().unwrap()).unwrap();
	for (n, p, r) in [
		(1u32 << 14, 1u32, 8u32),
		(2, 1, 1),
		(0, 0, 0),
		(1 << 31, 1, 8),
		(1 << 20, 1, 8),
		(1 << 15, 1 << 20, 8),
		(1 << 15, 1, 1 << 20),
		(3 << 14, 1, 8),
	] {
		let mut edited = encoded.clone();
		edited[32..36].copy_from_slice(&n.to_le_bytes());
		edited[36..40].copy_from_slice(&p.to_le_bytes());
		edited[40..44].copy_from_slice(&r.to_le_bytes());
		value["encoded"] = BASE64.encode(&edited).into();
		let began = Instant::now();
		let result = polkadot_js::decode(&value.to_string(), "pw");
		assert!(
			matches!(result, Err(PolkadotJsError::Unsupported(_))),
			"N={n} p={p} r={r}: {:?}",
			result.err()
		);
		assert!(began.elapsed().as_millis() < 50, "N={n} p={p} r={r}: scrypt ran");
	}
	// Truncated, or a key file claiming another address: refused, never a key.
	value["encoded"] = BASE64.encode(&encoded[..50]).into();
	assert!(polkadot_js::decode(&value.to_string(), "pw").is_err());
	let mut other = serde_json::from_str::<serde_json::Value>(&json).unwrap();
	other["address"] = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into();
	assert!(matches!(
		polkadot_js::decode(&other.to_string(), "pw"),
		Err(PolkadotJsError::Damaged(_))
	));
}
