//! Content identifiers: a codec and a sha2-256 multihash, printed as Kubo prints them.

use sha2::{Digest, Sha256};

/// Multicodec of a block's bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Codec {
	/// UnixFS nodes (protobuf), codec 0x70.
	DagPb,
	/// Plain bytes, codec 0x55: leaves with `--raw-leaves`.
	Raw,
}

impl Codec {
	fn code(self) -> u8 {
		match self {
			Codec::DagPb => 0x70,
			Codec::Raw => 0x55,
		}
	}

	fn from_code(code: u8) -> Option<Codec> {
		match code {
			0x70 => Some(Codec::DagPb),
			0x55 => Some(Codec::Raw),
			_ => None,
		}
	}
}

/// Why a CID text was refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CidError {
	/// Neither `Qm…` base58 nor `b…` base32.
	Encoding,
	/// Not a sha2-256 multihash of 32 bytes.
	Hash,
	/// A codec other than dag-pb or raw, or a version other than 0 or 1.
	Unsupported,
}

impl core::fmt::Display for CidError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(match self {
			CidError::Encoding => "not a CIDv0 (Qm…) or base32 CIDv1 (b…)",
			CidError::Hash => "not a sha2-256 CID",
			CidError::Unsupported => "a CID codec other than dag-pb or raw",
		})
	}
}

impl std::error::Error for CidError {}

/// A CIDv0 (always dag-pb, sha2-256) or CIDv1 with a sha2-256 multihash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Cid {
	pub version: u8,
	pub codec: Codec,
	pub sha256: [u8; 32],
}

/// Multihash prefix of sha2-256: function 0x12, length 32.
const SHA2_256: [u8; 2] = [0x12, 0x20];

impl Cid {
	/// The CID of `block` in `version` 0 or 1; version 0 implies dag-pb.
	pub fn of(version: u8, codec: Codec, block: &[u8]) -> Cid {
		debug_assert!(version == 1 || codec == Codec::DagPb, "CIDv0 is dag-pb only");
		Cid { version, codec, sha256: Sha256::digest(block).into() }
	}

	/// The binary form: the bare multihash for v0; version, codec, multihash for v1.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut bytes = Vec::with_capacity(36);
		if self.version == 1 {
			bytes.extend([0x01, self.codec.code()]);
		}
		bytes.extend(SHA2_256);
		bytes.extend(self.sha256);
		bytes
	}

	/// Parses the binary form `to_bytes` writes.
	pub fn from_bytes(bytes: &[u8]) -> Result<Cid, CidError> {
		let (version, codec, multihash) = match bytes {
			[0x12, ..] => (0, Codec::DagPb, bytes),
			[0x01, code, multihash @ ..] => {
				(1, Codec::from_code(*code).ok_or(CidError::Unsupported)?, multihash)
			},
			_ => return Err(CidError::Unsupported),
		};
		let sha256 = multihash
			.strip_prefix(&SHA2_256)
			.and_then(|digest| <[u8; 32]>::try_from(digest).ok())
			.ok_or(CidError::Hash)?;
		Ok(Cid { version, codec, sha256 })
	}

	/// Whether `block` is the block this CID names.
	pub fn matches(&self, block: &[u8]) -> bool {
		<[u8; 32]>::from(Sha256::digest(block)) == self.sha256
	}
}

impl core::str::FromStr for Cid {
	type Err = CidError;

	fn from_str(text: &str) -> Result<Cid, CidError> {
		let bytes = if text.starts_with("Qm") {
			bs58::decode(text).into_vec().map_err(|_| CidError::Encoding)?
		} else if let Some(base32) = text.strip_prefix('b') {
			data_encoding::BASE32_NOPAD
				.decode(base32.to_ascii_uppercase().as_bytes())
				.map_err(|_| CidError::Encoding)?
		} else {
			return Err(CidError::Encoding);
		};
		Cid::from_bytes(&bytes)
	}
}

/// `Qm…` (base58btc) for v0, `b…` (lower-case base32, no padding) for v1, as Kubo prints.
impl core::fmt::Display for Cid {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		if self.version == 0 {
			return f.write_str(&bs58::encode(self.to_bytes()).into_string());
		}
		let base32 = data_encoding::BASE32_NOPAD.encode(&self.to_bytes()).to_ascii_lowercase();
		write!(f, "b{base32}")
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn text_round_trips_in_both_versions() {
		for cid in [Cid::of(0, Codec::DagPb, b"x"), Cid::of(1, Codec::Raw, b"x")] {
			assert_eq!(cid.to_string().parse::<Cid>(), Ok(cid));
		}
	}

	#[test]
	fn foreign_cids_are_refused() {
		assert_eq!("zb2rh".parse::<Cid>(), Err(CidError::Encoding));
		assert_eq!("Qm0OIl".parse::<Cid>(), Err(CidError::Encoding));
		// dag-cbor (0x71) is not a UnixFS file.
		let cbor = Cid { version: 1, codec: Codec::Raw, sha256: [1; 32] }.to_bytes();
		let mut foreign = cbor.clone();
		foreign[1] = 0x71;
		assert_eq!(Cid::from_bytes(&foreign), Err(CidError::Unsupported));
		assert_eq!(Cid::from_bytes(&cbor[..20]), Err(CidError::Hash));
	}
}
