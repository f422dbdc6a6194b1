//! Just enough HTTP/1.1 for the tests to talk to `openledger-trainer serve`: one request per
//! connection (`Connection: close`), chunked bodies decoded.

use std::{
	io::{Read, Write},
	net::TcpStream,
};

/// A response: its status code and body.
pub struct Response {
	pub status: u16,
	pub body: String,
}

impl Response {
	pub fn json(&self) -> serde_json::Value {
		serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
	}
}

/// `METHOD path` on 127.0.0.1:`port`, with a JSON `body` if given.
pub fn request(port: u16, method: &str, path: &str, body: Option<&serde_json::Value>) -> Response {
	let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the server listens");
	let payload = body.map(|b| b.to_string()).unwrap_or_default();
	write!(
		stream,
		"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: \
		 application/json\r\nContent-Length: {}\r\n\r\n{payload}",
		payload.len()
	)
	.unwrap();
	let mut raw = Vec::new();
	stream.read_to_end(&mut raw).unwrap();
	let text = String::from_utf8(raw).expect("UTF-8 response");
	let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
	let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status");
	let chunked = head.lines().any(|line| {
		let line = line.to_ascii_lowercase();
		line.starts_with("transfer-encoding:") && line.contains("chunked")
	});
	let body = if chunked { dechunk(body) } else { body.to_string() };
	Response { status, body }
}

fn dechunk(mut body: &str) -> String {
	let mut out = String::new();
	while let Some((size, rest)) = body.split_once("\r\n") {
		let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
		if size == 0 {
			break;
		}
		out.push_str(&rest[..size]);
		body = &rest[size + 2..];
	}
	out
}
