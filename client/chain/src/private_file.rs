//! Writing a secret-bearing file (a key, a ballot book with its salts) so that it is
//! either absent or whole and readable by its owner only; a key is also never written over.
//!
//! The content goes to a randomly named temporary file in the same directory (created
//! with `create_new` and mode 0600, written, `sync_all`), which is then hard-linked to its
//! name (failing if the name exists, so an existing key is never replaced, even by a
//! concurrent writer) and removed; the directory is synced so the new name survives a
//! crash. A reader therefore never sees a half-written key file. Where the file system has
//! no hard links, a rename after an existence check replaces the link step.

use std::{
	fs::{self, File, OpenOptions},
	io::{self, Write},
	path::{Path, PathBuf},
};

/// Prefix of the temporary files, which listings skip (a crash may leave one behind).
pub const TEMPORARY_PREFIX: &str = ".tmp-";

/// Creates `path` with `bytes`, mode 0600; `AlreadyExists` if it exists.
pub fn create(path: &Path, bytes: &[u8]) -> io::Result<()> {
	let dir = match path.parent() {
		Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
		_ => PathBuf::from("."),
	};
	if path.exists() {
		return Err(io::Error::new(io::ErrorKind::AlreadyExists, "the file exists"));
	}
	let temporary = write_temporary(&dir, bytes)?;
	let linked = match fs::hard_link(&temporary, path) {
		Ok(()) => fs::remove_file(&temporary),
		Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Err(error),
		// No hard links here (some network or FAT file systems): rename instead.
		Err(_) if !path.exists() => fs::rename(&temporary, path),
		Err(_) => Err(io::Error::new(io::ErrorKind::AlreadyExists, "the file exists")),
	};
	if let Err(error) = linked {
		let _ = fs::remove_file(&temporary);
		return Err(error);
	}
	sync_dir(&dir)
}

/// Replaces `path` (or creates it) with `bytes`, mode 0600, whole or not at all: the
/// temporary file is renamed over it and the directory synced.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
	let dir = match path.parent() {
		Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
		_ => PathBuf::from("."),
	};
	let temporary = write_temporary(&dir, bytes)?;
	if let Err(error) = fs::rename(&temporary, path) {
		let _ = fs::remove_file(&temporary);
		return Err(error);
	}
	sync_dir(&dir)
}

fn write_temporary(dir: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
	let mut options = OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	{
		use std::os::unix::fs::OpenOptionsExt;
		options.mode(0o600);
	}
	let mut tag = [0u8; 8];
	getrandom::getrandom(&mut tag).expect("the OS provides randomness");
	let temporary = dir.join(format!("{TEMPORARY_PREFIX}{}", hex::encode(tag)));
	let mut file = options.open(&temporary)?;
	let written = file.write_all(bytes).and_then(|()| file.sync_all());
	if let Err(error) = written {
		let _ = fs::remove_file(&temporary);
		return Err(error);
	}
	Ok(temporary)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
	#[cfg(unix)]
	File::open(dir)?.sync_all()?;
	#[cfg(not(unix))]
	let _ = dir;
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn files_are_created_once_whole_and_private() {
		let dir = std::env::temp_dir().join(format!("ol-private-file-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		fs::create_dir_all(&dir).unwrap();
		let path = dir.join("key.json");
		create(&path, b"first").unwrap();
		let error = create(&path, b"second").unwrap_err();
		assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
		assert_eq!(fs::read(&path).unwrap(), b"first");
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
		}
		let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
		assert_eq!(names, vec![std::ffi::OsString::from("key.json")], "no temporary left");
		fs::remove_dir_all(&dir).unwrap();
	}
}
