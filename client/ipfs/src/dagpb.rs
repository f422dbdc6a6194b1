//! The protobuf encodings of a UnixFS file node: dag-pb's PBNode/PBLink and UnixFS's Data,
//! in the canonical field order (links before data) so equal nodes give equal bytes.

/// One link of a dag-pb node: the child's CID bytes and the cumulative size under it.
pub struct Link {
	pub hash: Vec<u8>,
	pub tsize: u64,
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
	while value >= 0x80 {
		out.push(value as u8 | 0x80);
		value >>= 7;
	}
	out.push(value as u8);
}

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
