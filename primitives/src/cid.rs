//! Parsing of IPFS content identifiers into one canonical binary form.
//!
//! Clients submit the text form they got from IPFS (`Qm…` CIDv0, or CIDv1 in multibase
//! `b`/`B` base32, `z` base58btc, `f`/`F` base16). The chain stores binary CIDv1 so that one
//! piece of content has one key whatever text form was used: a CIDv0 becomes the CIDv1 with
//! the dag-pb codec and the same multihash, which is what `ipfs cid format -v 1` prints.
//!
//! Of the many CIDs one file can have (v0 or v1, raw or dag-pb leaves, chunk sizes, hash
//! functions), `submit` takes one, so that one file is one key: the **canonical form** is
//! what `ipfs add --cid-version=1` gives with Kubo's defaults (sha2-256, 256 KiB chunks,
//! raw leaves) and what `openledger submit` produces: CIDv1 with a sha2-256 multihash, codec
//! `raw` for a file of at most one chunk, `dag-pb` for a larger one. The chain checks what a
//! CID alone shows (`check_canonical`); validators re-import the fetched bytes with those
//! settings and reject a submission whose CID differs.

use alloc::vec::Vec;

/// Multicodec of dag-pb, the codec every CIDv0 implies.
pub const DAG_PB: u64 = 0x70;
/// Multicodec of raw blocks (`ipfs add --cid-version=1` leaves).
pub const RAW: u64 = 0x55;
const SHA2_256: u64 = 0x12;
/// Kubo's default chunk size (`size-262144`): a file up to this size is one raw block.
pub const CANONICAL_CHUNK_BYTES: u64 = 262_144;
const SHA2_512: u64 = 0x13;
const BLAKE3: u64 = 0x1e;
const BLAKE2B_256: u64 = 0xb220;
/// Longest binary CIDv1 the chain stores: version, codec and a 64-byte multihash fit.
pub const MAX_BINARY_CID_LEN: u32 = 80;

/// Why a CID text is not a CID the chain reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CidError {
	/// Not CIDv0 text, nor a multibase prefix we read.
	UnknownEncoding,
	/// A character outside the alphabet of its base.
	BadCharacter,
	/// Decoded bytes are not a CIDv1 with a known multihash of the declared length.
	BadStructure,
}

/// Parses a text CID and returns its canonical binary CIDv1.
pub fn parse(text: &[u8]) -> Result<Vec<u8>, CidError> {
	if text.len() == 46 && text.starts_with(b"Qm") {
		let multihash = base58btc_decode(text)?;
		let rest = read_multihash(&multihash)?;
		if !rest.is_empty() || multihash.len() != 34 || multihash[0] as u64 != SHA2_256 {
			return Err(CidError::BadStructure);
		}
		let mut canonical = Vec::with_capacity(2 + multihash.len());
		write_varint(&mut canonical, 1);
		write_varint(&mut canonical, DAG_PB);
		canonical.extend_from_slice(&multihash);
		return Ok(canonical);
	}
	let (&prefix, body) = text.split_first().ok_or(CidError::UnknownEncoding)?;
	let binary = match prefix {
		b'b' => base32_decode(body, b"abcdefghijklmnopqrstuvwxyz234567")?,
		b'B' => base32_decode(body, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")?,
		b'z' => base58btc_decode(body)?,
		b'f' => base16_decode(body, false)?,
		b'F' => base16_decode(body, true)?,
		_ => return Err(CidError::UnknownEncoding),
	};
	validate_v1(&binary)?;
	Ok(binary)
}

/// Whether a binary CIDv1 (as `parse` returns it) is the canonical form for a file of
/// `bytes` bytes: sha2-256, and the codec the canonical import gives a file of that size.
pub fn check_canonical(binary: &[u8], bytes: u64) -> bool {
	let Ok((1, rest)) = read_varint(binary) else { return false };
	let Ok((codec, multihash)) = read_varint(rest) else { return false };
	let expected_codec = if bytes <= CANONICAL_CHUNK_BYTES { RAW } else { DAG_PB };
	codec == expected_codec && multihash.len() == 34 && multihash[..2] == [SHA2_256 as u8, 32]
}

/// Text form of a canonical binary CID: multibase base32 lower case, as IPFS prints CIDv1.
pub fn to_text(binary: &[u8]) -> Vec<u8> {
	const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
	let mut out = Vec::with_capacity(1 + (binary.len() * 8).div_ceil(5));
	out.push(b'b');
	let (mut buffer, mut bits) = (0u32, 0u32);
	for &byte in binary {
		buffer = (buffer << 8) | byte as u32;
		bits += 8;
		while bits >= 5 {
			bits -= 5;
			out.push(ALPHABET[((buffer >> bits) & 31) as usize]);
		}
	}
	if bits > 0 {
		out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize]);
	}
	out
}

/// Whether `binary` is a binary CIDv1 with a known multihash and nothing after it: what a
/// call that takes a binary CID accepts.
pub fn is_binary_v1(binary: &[u8]) -> bool {
	validate_v1(binary).is_ok()
}

fn validate_v1(binary: &[u8]) -> Result<(), CidError> {
	let (version, rest) = read_varint(binary)?;
	if version != 1 {
		return Err(CidError::BadStructure);
	}
	let (_codec, multihash) = read_varint(rest)?;
	if !read_multihash(multihash)?.is_empty() {
		return Err(CidError::BadStructure);
	}
	Ok(())
}

/// Checks a multihash with a known hash function and returns the bytes after it.
fn read_multihash(bytes: &[u8]) -> Result<&[u8], CidError> {
	let (code, rest) = read_varint(bytes)?;
	let (length, rest) = read_varint(rest)?;
	let expected = match code {
		SHA2_256 | BLAKE3 | BLAKE2B_256 => 32,
		SHA2_512 => 64,
		_ => return Err(CidError::BadStructure),
	};
	if length != expected || rest.len() < expected as usize {
		return Err(CidError::BadStructure);
	}
	Ok(&rest[expected as usize..])
}

/// Unsigned LEB128 as multiformats uses it: at most 9 bytes, minimal encoding only, so that
/// one CID has one binary form.
fn read_varint(bytes: &[u8]) -> Result<(u64, &[u8]), CidError> {
	let mut value = 0u64;
	for (index, &byte) in bytes.iter().enumerate().take(9) {
		value |= ((byte & 0x7f) as u64) << (7 * index);
		if byte & 0x80 == 0 {
			if byte == 0 && index > 0 {
				return Err(CidError::BadStructure);
			}
			return Ok((value, &bytes[index + 1..]));
		}
	}
	Err(CidError::BadStructure)
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
	while value >= 0x80 {
		out.push((value as u8 & 0x7f) | 0x80);
		value >>= 7;
	}
	out.push(value as u8);
}

fn base58btc_decode(text: &[u8]) -> Result<Vec<u8>, CidError> {
	const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	// Little-endian base-256 digits of the number read so far.
	let mut digits: Vec<u8> = Vec::with_capacity(text.len());
	for &character in text {
		let mut carry =
			ALPHABET.iter().position(|&a| a == character).ok_or(CidError::BadCharacter)? as u32;
		for digit in digits.iter_mut() {
			carry += (*digit as u32) * 58;
			*digit = carry as u8;
			carry >>= 8;
		}
		while carry > 0 {
			digits.push(carry as u8);
			carry >>= 8;
		}
	}
	let leading_zeros = text.iter().take_while(|&&c| c == b'1').count();
	let mut bytes = alloc::vec![0u8; leading_zeros];
	bytes.extend(digits.iter().rev());
	Ok(bytes)
}

fn base32_decode(text: &[u8], alphabet: &[u8; 32]) -> Result<Vec<u8>, CidError> {
	let mut out = Vec::with_capacity(text.len() * 5 / 8);
	let (mut buffer, mut bits) = (0u32, 0u32);
	for &character in text {
		let value =
			alphabet.iter().position(|&a| a == character).ok_or(CidError::BadCharacter)? as u32;
		buffer = (buffer << 5) | value;
		bits += 5;
		if bits >= 8 {
			bits -= 8;
			out.push((buffer >> bits) as u8);
		}
	}
	// Leftover bits are padding and must be zero, or two texts would name one CID.
	if bits >= 5 || buffer & ((1 << bits) - 1) != 0 {
		return Err(CidError::BadStructure);
	}
	Ok(out)
}

fn base16_decode(text: &[u8], upper: bool) -> Result<Vec<u8>, CidError> {
	let nibble = |c: u8| match c {
		b'0'..=b'9' => Ok(c - b'0'),
		b'a'..=b'f' if !upper => Ok(c - b'a' + 10),
		b'A'..=b'F' if upper => Ok(c - b'A' + 10),
		_ => Err(CidError::BadCharacter),
	};
	if !text.len().is_multiple_of(2) {
		return Err(CidError::BadStructure);
	}
	text.chunks(2).map(|pair| Ok(nibble(pair[0])? << 4 | nibble(pair[1])?)).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	// `ipfs add` of "hello world\n" with defaults, and the same content as CIDv1 raw.
	const HELLO_V0: &[u8] = b"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
	const HELLO_V0_AS_V1: &[u8] = b"bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby";
	const HELLO_RAW_V1: &[u8] = b"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";

	#[test]
	fn cid_v0_is_stored_as_its_v1_dag_pb_form() {
		let from_v0 = parse(HELLO_V0).unwrap();
		assert_eq!(from_v0, parse(HELLO_V0_AS_V1).unwrap());
		assert_eq!(to_text(&from_v0), HELLO_V0_AS_V1);
		assert_eq!(&from_v0[..2], &[0x01, 0x70]);
	}

	#[test]
	fn cid_v1_round_trips_through_every_multibase() {
		let binary = parse(HELLO_RAW_V1).unwrap();
		assert_eq!(to_text(&binary), HELLO_RAW_V1);
		let upper: Vec<u8> = HELLO_RAW_V1[1..].to_ascii_uppercase();
		assert_eq!(parse(&[b"B".as_slice(), &upper].concat()).unwrap(), binary);
		let hex: Vec<u8> =
			binary.iter().flat_map(|b| alloc::format!("{b:02x}").into_bytes()).collect();
		assert_eq!(parse(&[b"f".as_slice(), &hex].concat()).unwrap(), binary);
		assert_eq!(parse(&[b"F".as_slice(), &hex.to_ascii_uppercase()].concat()).unwrap(), binary);
	}

	#[test]
	fn only_the_kubo_v1_raw_leaves_form_is_canonical() {
		let raw = parse(HELLO_RAW_V1).unwrap();
		assert!(check_canonical(&raw, 12));
		assert!(check_canonical(&raw, CANONICAL_CHUNK_BYTES));
		// A raw CID cannot name a file of more than one chunk.
		assert!(!check_canonical(&raw, CANONICAL_CHUNK_BYTES + 1));
		// The same file imported as CIDv0 (dag-pb leaves) is refused in any text form.
		let v0 = parse(HELLO_V0).unwrap();
		assert!(!check_canonical(&v0, 12));
		assert!(check_canonical(&v0, CANONICAL_CHUNK_BYTES + 1));
		// Another hash function.
		let mut blake = vec![0x01, 0x55, 0xa0, 0xe4, 0x02, 0x20];
		blake.extend_from_slice(&[7; 32]);
		assert!(!check_canonical(&blake, 12));
	}

	#[test]
	fn malformed_cids_are_refused() {
		assert_eq!(parse(b""), Err(CidError::UnknownEncoding));
		assert_eq!(parse(b"hello"), Err(CidError::UnknownEncoding));
		assert_eq!(
			parse(b"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff50"),
			Err(CidError::BadCharacter)
		);
		// A truncated digest.
		assert_eq!(parse(&HELLO_RAW_V1[..HELLO_RAW_V1.len() - 4]), Err(CidError::BadStructure));
		// Version 2 does not exist.
		assert_eq!(parse(b"f0255122000"), Err(CidError::BadStructure));
		// Identity multihash: content inside the CID, not an address of stored content.
		assert_eq!(parse(b"f01550003616263"), Err(CidError::BadStructure));
	}
}
