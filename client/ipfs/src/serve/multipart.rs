//! `multipart/form-data` bodies as Kubo's `add` takes them: one part per file, named by the
//! `filename` parameter (URL-escaped by Kubo's CLI, absent from ipfs-api-backend-hyper's),
//! directories announced as parts of type `application/x-directory`. The body is already in
//! memory (bounded by the server's upload limit); parts borrow from it.

use super::http::percent_decode;

/// One part of the form.
pub(crate) struct Part<'a> {
	pub filename: Option<String>,
	pub content_type: Option<String>,
	pub data: &'a [u8],
}

/// The boundary of a `multipart/form-data` (or `multipart/mixed`) content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
	let mut fields = content_type.split(';');
	let mime = fields.next()?.trim().to_ascii_lowercase();
	if mime != "multipart/form-data" && mime != "multipart/mixed" {
		return None;
	}
	fields.find_map(|field| {
		let (key, value) = field.split_once('=')?;
		(key.trim().eq_ignore_ascii_case("boundary"))
			.then(|| value.trim().trim_matches('"').to_string())
			.filter(|boundary| !boundary.is_empty())
	})
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
	haystack.windows(needle.len()).position(|window| window == needle)
}

/// A header parameter (`name="value"`) of a `Content-Disposition` value.
fn parameter(value: &str, name: &str) -> Option<String> {
	value.split(';').skip(1).find_map(|field| {
		let (key, value) = field.split_once('=')?;
		key.trim().eq_ignore_ascii_case(name).then(|| value.trim().trim_matches('"').to_string())
	})
}

/// The parts of `body`, or why it is not a well-formed form.
pub(crate) fn parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, &'static str> {
	let delimiter = format!("--{boundary}");
	let next_delimiter = format!("\r\n--{boundary}");
	let start = if body.starts_with(delimiter.as_bytes()) {
		0
	} else {
		find(body, next_delimiter.as_bytes()).ok_or("no multipart boundary in the body")? + 2
	};
	let mut rest = &body[start + delimiter.len()..];
	let mut parts = Vec::new();
	loop {
		if rest.starts_with(b"--") {
			return Ok(parts);
		}
		rest = rest.strip_prefix(b"\r\n").ok_or("a malformed multipart boundary line")?;
		let head_end = find(rest, b"\r\n\r\n");
		let (head, data_start) = match head_end {
			Some(end) => (&rest[..end], end + 4),
			// A part without headers: its data starts right after the boundary line.
			None if rest.starts_with(b"\r\n") => (&rest[..0], 2),
			None => return Err("a multipart part without the blank line after its headers"),
		};
		let head = std::str::from_utf8(head).map_err(|_| "multipart headers that are not text")?;
		let (mut filename, mut content_type) = (None, None);
		for line in head.split("\r\n") {
			let Some((name, value)) = line.split_once(':') else { continue };
			if name.trim().eq_ignore_ascii_case("content-disposition") {
				filename = parameter(value, "filename").map(|name| percent_decode(&name));
			} else if name.trim().eq_ignore_ascii_case("content-type") {
				content_type = Some(value.trim().to_ascii_lowercase());
			}
		}
		rest = &rest[data_start..];
		let end =
			find(rest, next_delimiter.as_bytes()).ok_or("a multipart part that never ends")?;
		parts.push(Part { filename, content_type, data: &rest[..end] });
		rest = &rest[end + next_delimiter.len()..];
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn forms_split_into_parts() {
		let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; \
			filename=\"a%20b.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nfirst\r\n\
			line\r\n--XyZ\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n\r\n--XyZ--\r\n";
		let boundary = boundary("multipart/form-data; boundary=\"XyZ\"").unwrap();
		let parts = parts(body, &boundary).unwrap();
		assert_eq!(parts.len(), 2);
		assert_eq!(parts[0].filename.as_deref(), Some("a b.txt"));
		assert_eq!(parts[0].content_type.as_deref(), Some("application/octet-stream"));
		assert_eq!(parts[0].data, b"first\r\nline");
		assert_eq!((parts[1].filename.as_deref(), parts[1].data), (None, &b""[..]));
	}

	#[test]
	fn broken_forms_are_refused() {
		assert_eq!(boundary("application/json"), None);
		assert_eq!(boundary("multipart/form-data"), None);
		assert!(parts(b"no boundary here", "b").is_err());
		assert!(parts(b"--b\r\nContent-Type: x\r\n\r\nnever ends", "b").is_err());
	}
}
