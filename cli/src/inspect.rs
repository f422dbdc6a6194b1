//! What a file is, from its bytes (magic numbers) and its name, and how sound it looks:
//! used by `submit` before paying a fee and by `validate` before voting.

use pallet_datanets::FileFormat;

/// The format of `content`, which must agree with the file name's extension when there is
/// one the chain knows.
pub fn detect(content: &[u8], extension: Option<&str>) -> Result<FileFormat, String> {
	let sniffed = sniff(content).ok_or_else(|| {
		"unrecognised content: not a format the chain accepts (md, pdf, docx, txt, png, jpg, \
		 webp, tiff, bmp, wav, mp3, flac)"
			.to_string()
	})?;
	let Some(named) = extension.and_then(format_of_extension) else { return Ok(sniffed) };
	if !compatible(sniffed, named) {
		return Err(format!(
			"the content is {} but the extension says {}",
			sniffed.extension(),
			named.extension()
		));
	}
	Ok(named)
}

/// Whether content sniffed as `sniffed` may be called `claimed`: the same format, or text
/// claimed as Markdown (only the name tells Markdown from plain text).
fn compatible(sniffed: FileFormat, claimed: FileFormat) -> bool {
	sniffed == claimed || (sniffed == FileFormat::Txt && claimed == FileFormat::Md)
}

pub fn format_of_extension(extension: &str) -> Option<FileFormat> {
	let lower = extension.to_ascii_lowercase();
	match lower.as_str() {
		"jpeg" => Some(FileFormat::Jpeg),
		"tif" => Some(FileFormat::Tiff),
		"markdown" => Some(FileFormat::Md),
		_ => FileFormat::ALL.into_iter().find(|format| format.extension() == lower),
	}
}

/// The format the leading bytes announce; text when the whole file is UTF-8 without NULs.
fn sniff(content: &[u8]) -> Option<FileFormat> {
	let riff =
		|kind: &[u8]| content.len() >= 12 && &content[..4] == b"RIFF" && &content[8..12] == kind;
	Some(match content {
		[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => FileFormat::Png,
		[0xff, 0xd8, 0xff, ..] => FileFormat::Jpeg,
		_ if riff(b"WEBP") => FileFormat::Webp,
		_ if riff(b"WAVE") => FileFormat::Wav,
		[b'I', b'I', 0x2a, 0x00, ..] | [b'M', b'M', 0x00, 0x2a, ..] => FileFormat::Tiff,
		[b'B', b'M', ..] if content.len() >= 26 => FileFormat::Bmp,
		[b'f', b'L', b'a', b'C', ..] => FileFormat::Flac,
		[b'I', b'D', b'3', ..] => FileFormat::Mp3,
		[0xff, second, ..] if second & 0xe0 == 0xe0 => FileFormat::Mp3,
		[b'%', b'P', b'D', b'F', b'-', ..] => FileFormat::Pdf,
		[b'P', b'K', 0x03, 0x04, ..] if contains(content, b"word/") => FileFormat::Docx,
		_ if !content.is_empty()
			&& !content.contains(&0)
			&& std::str::from_utf8(content).is_ok() =>
		{
			FileFormat::Txt
		},
		_ => return None,
	})
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
	haystack.windows(needle.len()).any(|window| window == needle)
}

/// A validator's findings on one file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Assessment {
	/// Problems that make the submission wrong: it must be rejected.
	pub mismatches: Vec<String>,
	/// Lesser defects, each lowering the quality.
	pub defects: Vec<String>,
	/// 0 when rejected; otherwise 100 less the defects' penalties (at least 1).
	pub quality: u8,
}

impl Assessment {
	/// A submission that must be rejected for `reason`.
	pub fn mismatch(reason: impl Into<String>) -> Assessment {
		Assessment { mismatches: vec![reason.into()], defects: Vec::new(), quality: 0 }
	}

	pub fn approve(&self) -> bool {
		self.mismatches.is_empty()
	}
}

/// Checks `content` against what the submission declared: its size and its format, then
/// the format's own structure.
pub fn assess(content: &[u8], declared_bytes: u64, declared: FileFormat) -> Assessment {
	let mut mismatches = Vec::new();
	if content.len() as u64 != declared_bytes {
		mismatches
			.push(format!("declared {declared_bytes} bytes, the content has {}", content.len()));
	}
	match sniff(content) {
		Some(found) if compatible(found, declared) => {},
		Some(found) => mismatches.push(format!(
			"declared {}, the content is {}",
			declared.extension(),
			found.extension()
		)),
		None => mismatches.push(format!("declared {}, the content is not", declared.extension())),
	}
	if !mismatches.is_empty() {
		return Assessment { mismatches, defects: Vec::new(), quality: 0 };
	}
	let defects = structure_defects(content, declared);
	let penalty: u32 = defects.iter().map(|(_, penalty)| *penalty).sum();
	Assessment {
		mismatches,
		quality: 100u32.saturating_sub(penalty).max(1) as u8,
		defects: defects.into_iter().map(|(defect, _)| defect).collect(),
	}
}

/// Defects in a file of the right format, with the quality points each costs.
fn structure_defects(content: &[u8], format: FileFormat) -> Vec<(String, u32)> {
	let mut defects = Vec::new();
	match format {
		FileFormat::Png => {
			let ihdr = content.get(12..16) == Some(b"IHDR");
			let width = content.get(16..20).map(|b| u32::from_be_bytes(b.try_into().unwrap()));
			let height = content.get(20..24).map(|b| u32::from_be_bytes(b.try_into().unwrap()));
			if !ihdr || width.unwrap_or(0) == 0 || height.unwrap_or(0) == 0 {
				defects.push(("PNG without a valid IHDR header".into(), 60));
			}
			if !contains(content, b"IEND") {
				defects.push(("PNG without an IEND chunk (truncated?)".into(), 30));
			}
		},
		FileFormat::Wav => {
			let riff_size = content.get(4..8).map(|b| u32::from_le_bytes(b.try_into().unwrap()));
			if riff_size.map(|size| size as usize + 8) != Some(content.len()) {
				defects.push(("WAV whose RIFF size differs from the file".into(), 30));
			}
			if !contains(content, b"fmt ") || !contains(content, b"data") {
				defects.push(("WAV without fmt and data chunks".into(), 60));
			}
		},
		FileFormat::Txt | FileFormat::Md => {
			let text = String::from_utf8_lossy(content);
			let total = text.chars().count().max(1);
			let control =
				text.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')).count();
			if control > 0 {
				defects.push((
					format!("{control} control characters"),
					(50 * control / total).max(5) as u32,
				));
			}
			if text.split_whitespace().count() < 3 {
				defects.push(("fewer than three words".into(), 40));
			}
		},
		_ => {},
	}
	if content.len() < 16 {
		defects.push(("smaller than 16 bytes".into(), 20));
	}
	defects
}

#[cfg(test)]
mod tests {
	use super::*;

	const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\0IEND\xaeB`\x82";

	#[test]
	fn formats_are_known_by_content_and_name() {
		assert_eq!(detect(PNG, Some("png")), Ok(FileFormat::Png));
		assert_eq!(detect(PNG, None), Ok(FileFormat::Png));
		assert_eq!(detect(b"# Title\n", Some("md")), Ok(FileFormat::Md));
		assert_eq!(detect(b"plain words", None), Ok(FileFormat::Txt));
		assert_eq!(detect(b"RIFF\x04\0\0\0WAVE", Some("WAV")), Ok(FileFormat::Wav));
		assert!(detect(b"plain words", Some("png")).unwrap_err().contains("content is txt"));
		assert!(detect(&[0, 1, 2, 3], None).is_err());
	}

	#[test]
	fn assessments_reject_mismatches_and_grade_the_rest() {
		let good = assess(PNG, PNG.len() as u64, FileFormat::Png);
		assert!(good.approve());
		assert_eq!(good.quality, 100);
		let wrong_size = assess(PNG, PNG.len() as u64 + 1, FileFormat::Png);
		assert_eq!((wrong_size.approve(), wrong_size.quality), (false, 0));
		let wrong_format = assess(b"some plain words here", 21, FileFormat::Png);
		assert!(!wrong_format.approve());
		let short_text = assess(b"hi", 2, FileFormat::Txt);
		assert!(short_text.approve() && short_text.quality < 100);
	}
}
