//! The protobuf encodings of a UnixFS file node: dag-pb's PBNode/PBLink and UnixFS's Data,
//! in the canonical field order (links before data) so equal nodes give equal bytes.

/// One link of a dag-pb node: the child's CID bytes and the cumulative size under it.
pub struct Link {
	pub hash: Vec<u8>,
	pub tsize: u64,
}

use crate::varint::{self, put as varint, VarintError};

fn key(out: &mut Vec<u8>, field: u64, wire_type: u64) {
	varint(out, field << 3 | wire_type);
}

fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
	key(out, field, 2);
	varint(out, bytes.len() as u64);
	out.extend_from_slice(bytes);
}

fn varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
	key(out, field, 0);
	varint(out, value);
}

/// UnixFS `Data` of a file node: type File, the bytes it holds itself (leaves), the file
/// size under it and, for inner nodes, each child's file size.
pub fn unixfs_file(data: &[u8], filesize: u64, blocksizes: &[u64]) -> Vec<u8> {
	const FILE: u64 = 2;
	let mut out = Vec::with_capacity(data.len() + 16 + blocksizes.len() * 5);
	varint_field(&mut out, 1, FILE);
	if !data.is_empty() {
		bytes_field(&mut out, 2, data);
	}
	varint_field(&mut out, 3, filesize);
	for &size in blocksizes {
		varint_field(&mut out, 4, size);
	}
	out
}

/// A dag-pb node: links (field 2) first, each with an empty name as Kubo writes them, then
/// the UnixFS data (field 1).
pub fn node(links: &[Link], data: &[u8]) -> Vec<u8> {
	let mut out = Vec::with_capacity(data.len() + links.len() * 48 + 8);
	for link in links {
		let mut encoded = Vec::with_capacity(48);
		bytes_field(&mut encoded, 1, &link.hash);
		bytes_field(&mut encoded, 2, b"");
		varint_field(&mut encoded, 3, link.tsize);
		bytes_field(&mut out, 2, &encoded);
	}
	bytes_field(&mut out, 1, data);
	out
}

/// Why stored bytes are not a UnixFS file node.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DecodeError(pub &'static str);

/// A decoded dag-pb node: its links in order and its (UnixFS) data.
pub struct DecodedNode {
	pub links: Vec<Link>,
	pub data: Vec<u8>,
}

/// The UnixFS data of a file node.
pub struct FileData {
	pub data: Vec<u8>,
	pub filesize: u64,
	pub blocksizes: Vec<u64>,
}

/// A protobuf reader over the two wire types dag-pb and UnixFS use.
struct Reader<'a>(&'a [u8]);

enum Field<'a> {
	Varint(u64),
	Bytes(&'a [u8]),
}

impl<'a> Reader<'a> {
	fn varint(&mut self) -> Result<u64, DecodeError> {
		varint::take(&mut self.0).map_err(|error| match error {
			VarintError::Truncated => DecodeError("truncated varint"),
			VarintError::TooLong => DecodeError("varint longer than 64 bits"),
		})
	}

	fn next(&mut self) -> Result<Option<(u64, Field<'a>)>, DecodeError> {
		if self.0.is_empty() {
			return Ok(None);
		}
		let key = self.varint()?;
		let field = match key & 7 {
			0 => Field::Varint(self.varint()?),
			2 => {
				let len = self.varint()? as usize;
				if len > self.0.len() {
					return Err(DecodeError("field longer than the block"));
				}
				let (bytes, rest) = self.0.split_at(len);
				self.0 = rest;
				Field::Bytes(bytes)
			},
			_ => return Err(DecodeError("unsupported protobuf wire type")),
		};
		Ok(Some((key >> 3, field)))
	}
}

/// Decodes a dag-pb block.
pub fn decode_node(block: &[u8]) -> Result<DecodedNode, DecodeError> {
	let mut reader = Reader(block);
	let (mut links, mut data) = (Vec::new(), Vec::new());
	while let Some((number, field)) = reader.next()? {
		match (number, field) {
			(1, Field::Bytes(bytes)) => data = bytes.to_vec(),
			(2, Field::Bytes(encoded)) => {
				let mut link = Link { hash: Vec::new(), tsize: 0 };
				let mut fields = Reader(encoded);
				while let Some((number, field)) = fields.next()? {
					match (number, field) {
						(1, Field::Bytes(hash)) => link.hash = hash.to_vec(),
						(3, Field::Varint(tsize)) => link.tsize = tsize,
						_ => {},
					}
				}
				links.push(link);
			},
			_ => return Err(DecodeError("unknown dag-pb field")),
		}
	}
	Ok(DecodedNode { links, data })
}

/// Decodes the UnixFS data of a node, which must be a file (or raw) node.
pub fn decode_file(data: &[u8]) -> Result<FileData, DecodeError> {
	const RAW: u64 = 0;
	const FILE: u64 = 2;
	let mut reader = Reader(data);
	let mut file = FileData { data: Vec::new(), filesize: 0, blocksizes: Vec::new() };
	let mut kind = None;
	while let Some((number, field)) = reader.next()? {
		match (number, field) {
			(1, Field::Varint(value)) => kind = Some(value),
			(2, Field::Bytes(bytes)) => file.data = bytes.to_vec(),
			(3, Field::Varint(size)) => file.filesize = size,
			(4, Field::Varint(size)) => file.blocksizes.push(size),
			_ => {},
		}
	}
	match kind {
		Some(FILE | RAW) => Ok(file),
		Some(_) => Err(DecodeError("a UnixFS node that is not a file")),
		None => Err(DecodeError("UnixFS data without a type")),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn nodes_decode_to_what_was_encoded() {
		let links = [Link { hash: vec![0x12, 0x20, 9], tsize: 300 }];
		let data = unixfs_file(b"abc", 3, &[1, 2]);
		let decoded = decode_node(&node(&links, &data)).unwrap();
		assert_eq!(decoded.links.len(), 1);
		assert_eq!(
			(decoded.links[0].hash.as_slice(), decoded.links[0].tsize),
			(&[0x12, 0x20, 9][..], 300)
		);
		let file = decode_file(&decoded.data).unwrap();
		assert_eq!(
			(file.data.as_slice(), file.filesize, file.blocksizes),
			(&b"abc"[..], 3, vec![1, 2])
		);
	}

	#[test]
	fn garbage_is_refused() {
		assert!(decode_node(&[0x0a, 0x05, 1]).is_err());
		assert!(decode_file(&[0x08, 0x01]).is_err(), "a directory is not a file");
		assert!(decode_node(&[0xff; 11]).is_err());
	}
}
