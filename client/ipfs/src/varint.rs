//! Unsigned LEB128 varints, as protobuf (dag-pb), multiformats and CAR files write them.

/// Appends `value`.
pub(crate) fn put(out: &mut Vec<u8>, mut value: u64) {
	while value >= 0x80 {
		out.push(value as u8 | 0x80);
		value >>= 7;
	}
	out.push(value as u8);
}

/// Why a varint could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VarintError {
	/// The bytes end inside it.
	Truncated,
	/// It runs past 64 bits.
	TooLong,
}

/// Reads one varint from the front of `bytes` and advances past it.
pub(crate) fn take(bytes: &mut &[u8]) -> Result<u64, VarintError> {
	let mut value = 0u64;
	for shift in (0..64).step_by(7) {
		let (&byte, rest) = bytes.split_first().ok_or(VarintError::Truncated)?;
		*bytes = rest;
		value |= u64::from(byte & 0x7f) << shift;
		if byte < 0x80 {
			return Ok(value);
		}
	}
	Err(VarintError::TooLong)
}
