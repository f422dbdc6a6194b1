//! Content identifiers: a codec and a sha2-256 multihash, printed as Kubo prints them.

use sha2::{Digest, Sha256};

/// Multicodec of a block's bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
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
}

/// A CIDv0 (always dag-pb, sha2-256) or CIDv1 with a sha2-256 multihash.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
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
