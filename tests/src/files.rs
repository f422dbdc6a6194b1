//! Real files of the formats the e2e tests submit, built byte by byte: a PNG (zlib
//! "stored" blocks, CRC-32 and Adler-32 computed here) and a PCM WAV.

fn crc32(bytes: &[u8]) -> u32 {
	let mut crc = !0u32;
	for &byte in bytes {
		crc ^= u32::from(byte);
		for _ in 0..8 {
			crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
		}
	}
	!crc
}

fn adler32(bytes: &[u8]) -> u32 {
	let (mut a, mut b) = (1u32, 0u32);
	for &byte in bytes {
		a = (a + u32::from(byte)) % 65_521;
		b = (b + a) % 65_521;
	}
	b << 16 | a
}

/// `data` as a zlib stream of uncompressed ("stored") deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
	let mut out = vec![0x78, 0x01];
	let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
	for (i, block) in blocks.iter().enumerate() {
		out.push(u8::from(i + 1 == blocks.len()));
		let len = block.len() as u16;
		out.extend(len.to_le_bytes());
		out.extend((!len).to_le_bytes());
		out.extend_from_slice(block);
	}
	out.extend(adler32(data).to_be_bytes());
	out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
	out.extend((data.len() as u32).to_be_bytes());
	let mut typed = kind.to_vec();
	typed.extend_from_slice(data);
	out.extend_from_slice(&typed);
	out.extend(crc32(&typed).to_be_bytes());
}

/// A `width` × `height` RGB gradient as a valid PNG.
pub fn png(width: u32, height: u32) -> Vec<u8> {
	let mut raw = Vec::new();
	for y in 0..height {
		raw.push(0); // filter: none
		for x in 0..width {
			raw.extend([(x * 255 / width) as u8, (y * 255 / height) as u8, 128]);
		}
	}
	let mut header = Vec::new();
	header.extend(width.to_be_bytes());
	header.extend(height.to_be_bytes());
	header.extend([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
	let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
	chunk(&mut out, b"IHDR", &header);
	chunk(&mut out, b"IDAT", &zlib_stored(&raw));
	chunk(&mut out, b"IEND", &[]);
	out
}

/// `seconds` of a 440 Hz tone as 16-bit mono PCM at 8 kHz.
pub fn wav(seconds: u32) -> Vec<u8> {
	const RATE: u32 = 8_000;
	let samples: Vec<u8> = (0..RATE * seconds)
		.flat_map(|i| {
			let phase = i as f64 * 440.0 * std::f64::consts::TAU / f64::from(RATE);
			((phase.sin() * 8_000.0) as i16).to_le_bytes()
		})
		.collect();
	let mut out = b"RIFF".to_vec();
	out.extend((36 + samples.len() as u32).to_le_bytes());
	out.extend_from_slice(b"WAVEfmt ");
	out.extend(16u32.to_le_bytes());
	out.extend(1u16.to_le_bytes()); // PCM
	out.extend(1u16.to_le_bytes()); // mono
	out.extend(RATE.to_le_bytes());
	out.extend((RATE * 2).to_le_bytes());
	out.extend(2u16.to_le_bytes());
	out.extend(16u16.to_le_bytes());
	out.extend_from_slice(b"data");
	out.extend((samples.len() as u32).to_le_bytes());
	out.extend(samples);
	out
}

#[cfg(test)]
mod tests {
	#[test]
	fn checksums_match_their_references() {
		assert_eq!(super::crc32(b"123456789"), 0xcbf4_3926);
		assert_eq!(super::adler32(b"Wikipedia"), 0x11e6_0398);
	}
}
