//! CARv1 (https://ipld.io/specs/transport/car/carv1/), the archive a trustless gateway sends
//! for `?format=car`: a dag-cbor header naming the root, then `(length, CID, block)`
//! sections. Writing is split into a header and per-block prefixes so the gateway streams
//! blocks straight from the store without copying them; `read_car` parses one back and
//! checks every block against its CID, for clients and tests.

use crate::{
	cid::Cid,
	varint::{self, put as varint, VarintError},
};

/// A CBOR head: major type and argument, in the shortest form (dag-cbor's rule).
fn cbor_head(out: &mut Vec<u8>, major: u8, value: u64) {
	let major = major << 5;
	match value {
		0..=23 => out.push(major | value as u8),
		24..=0xff => out.extend([major | 24, value as u8]),
		0x100..=0xffff => {
			out.push(major | 25);
			out.extend((value as u16).to_be_bytes());
		},
		0x1_0000..=0xffff_ffff => {
			out.push(major | 26);
			out.extend((value as u32).to_be_bytes());
		},
		_ => {
			out.push(major | 27);
			out.extend(value.to_be_bytes());
		},
	}
}

/// The CAR header: `{"roots": [root], "version": 1}` in dag-cbor (keys in canonical
/// order, the CID as tag 42 over its bytes behind a 0x00 multibase prefix), behind its
/// length. `root` is the CID in binary form.
pub fn header(root: &[u8]) -> Vec<u8> {
	let mut cbor = Vec::with_capacity(root.len() + 24);
	cbor_head(&mut cbor, 5, 2);
	cbor_head(&mut cbor, 3, 5);
	cbor.extend(b"roots");
	cbor_head(&mut cbor, 4, 1);
	cbor.extend([0xd8, 42]);
	cbor_head(&mut cbor, 2, root.len() as u64 + 1);
	cbor.push(0x00);
	cbor.extend(root);
	cbor_head(&mut cbor, 3, 7);
	cbor.extend(b"version");
	cbor_head(&mut cbor, 0, 1);
	let mut out = Vec::with_capacity(cbor.len() + 2);
	varint(&mut out, cbor.len() as u64);
	out.extend(cbor);
	out
}

/// What precedes a block's bytes in its section: the section length and the CID.
pub fn section_prefix(cid: &Cid, block_len: usize) -> Vec<u8> {
	let cid = cid.to_bytes();
	let mut out = Vec::with_capacity(cid.len() + 4);
	varint(&mut out, (cid.len() + block_len) as u64);
	out.extend(cid);
	out
}

/// A parsed CARv1.
#[derive(Debug)]
pub struct Car {
	/// The header's roots, each as CID bytes.
	pub roots: Vec<Vec<u8>>,
	/// The blocks in the order they came, each verified against its CID.
	pub blocks: Vec<(Cid, Vec<u8>)>,
}

/// Why bytes are not a CARv1 of blocks this crate can name.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid CARv1: {0}")]
pub struct CarError(pub String);

fn bad<T>(why: impl Into<String>) -> Result<T, CarError> {
	Err(CarError(why.into()))
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
	fn take(&mut self, len: usize) -> Result<&'a [u8], CarError> {
		if len > self.0.len() {
			return bad("truncated");
		}
		let (head, rest) = self.0.split_at(len);
		self.0 = rest;
		Ok(head)
	}

	fn varint(&mut self) -> Result<u64, CarError> {
		match varint::take(&mut self.0) {
			Ok(value) => Ok(value),
			Err(VarintError::Truncated) => bad("truncated"),
			Err(VarintError::TooLong) => bad("a varint longer than 64 bits"),
		}
	}

	/// A CBOR head: (major type, argument).
	fn cbor_head(&mut self) -> Result<(u8, u64), CarError> {
		let first = self.take(1)?[0];
		let (major, info) = (first >> 5, first & 0x1f);
		let value = match info {
			0..=23 => u64::from(info),
			24 => u64::from(self.take(1)?[0]),
			25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes"))),
			26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes"))),
			27 => u64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes")),
			_ => return bad("indefinite-length CBOR in the header"),
		};
		Ok((major, value))
	}

	fn cbor_text(&mut self) -> Result<&'a [u8], CarError> {
		match self.cbor_head()? {
			(3, len) => self.take(len as usize),
			_ => bad("a header key that is not text"),
		}
	}
}

/// The byte length of the binary CID at the start of `bytes`.
fn cid_len(bytes: &[u8]) -> Result<usize, CarError> {
	if bytes.starts_with(&[0x12, 0x20]) {
		return Ok(34);
	}
	let mut reader = Reader(bytes);
	let _version = reader.varint()?;
	let _codec = reader.varint()?;
	let _hash = reader.varint()?;
	let digest = reader.varint()? as usize;
	reader.take(digest)?;
	Ok(bytes.len() - reader.0.len())
}

/// Parses a CARv1 and checks each block against its CID.
pub fn read_car(bytes: &[u8]) -> Result<Car, CarError> {
	let mut reader = Reader(bytes);
	let header_len = reader.varint()? as usize;
	let mut header = Reader(reader.take(header_len)?);
	let (mut roots, mut version) = (Vec::new(), None);
	let (5, entries) = header.cbor_head()? else { return bad("a header that is not a map") };
	for _ in 0..entries {
		match header.cbor_text()? {
			b"roots" => {
				let (4, count) = header.cbor_head()? else {
					return bad("roots that are not a list");
				};
				for _ in 0..count {
					if header.cbor_head()? != (6, 42) {
						return bad("a root that is not a CID");
					}
					let (2, len) = header.cbor_head()? else {
						return bad("a root CID that is not bytes");
					};
					match header.take(len as usize)? {
						[0x00, cid @ ..] => roots.push(cid.to_vec()),
						_ => return bad("a root CID without its 0x00 prefix"),
					}
				}
			},
			b"version" => match header.cbor_head()? {
				(0, value) => version = Some(value),
				_ => return bad("a version that is not a number"),
			},
			_ => return bad("an unknown header key"),
		}
	}
	if version != Some(1) {
		return bad(format!("version {version:?}, not 1"));
	}
	let mut blocks = Vec::new();
	while !reader.0.is_empty() {
		let section = reader.varint()? as usize;
		let section = reader.take(section)?;
		let split = cid_len(section)?;
		let cid = Cid::from_bytes(&section[..split])
			.map_err(|error| CarError(format!("a block whose CID is {error}")))?;
		let block = &section[split..];
		if !cid.matches(block) {
			return bad(format!("block {cid} does not hash to its CID"));
		}
		blocks.push((cid, block.to_vec()));
	}
	Ok(Car { roots, blocks })
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{add, Layout};

	#[test]
	fn written_cars_read_back() {
		let dag = add(&vec![3u8; 600_000], Layout::KUBO_V1);
		let mut car = header(&dag.root.to_bytes());
		for block in dag.blocks.iter().rev() {
			car.extend(section_prefix(&block.cid, block.bytes.len()));
			car.extend(&block.bytes);
		}
		let parsed = read_car(&car).unwrap();
		assert_eq!(parsed.roots, vec![dag.root.to_bytes()]);
		assert_eq!(parsed.blocks.len(), dag.blocks.len());
		assert_eq!(parsed.blocks[0].0, dag.root);

		let last = car.len() - 1;
		car[last] ^= 1;
		assert!(read_car(&car).unwrap_err().0.contains("does not hash"));
		assert!(read_car(&car[..car.len() - 7]).is_err());
	}

	#[test]
	fn the_header_is_canonical_dag_cbor() {
		// The header for the identity CID bafkqaaa (bytes 01 55 00 00), the gateway probe.
		let expected = [
			0x19, 0xa2, 0x65, b'r', b'o', b'o', b't', b's', 0x81, 0xd8, 0x2a, 0x45, 0x00, 0x01,
			0x55, 0x00, 0x00, 0x67, b'v', b'e', b'r', b's', b'i', b'o', b'n', 0x01,
		];
		assert_eq!(header(&[0x01, 0x55, 0x00, 0x00]), expected);
		let parsed = read_car(&expected).unwrap();
		assert_eq!(parsed.roots, vec![vec![0x01, 0x55, 0x00, 0x00]]);
		assert!(parsed.blocks.is_empty());
	}
}
