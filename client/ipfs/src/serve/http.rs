//! HTTP plumbing both servers share: one response body type that is either a buffer or a
//! stream fed from a blocking thread (the store is plain files, read with blocking I/O, and
//! a DAG walk must not hold an async worker), and query-string parsing.

use crate::StoreError;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Body as HttpBody, Bytes, Frame};
use std::{
	io,
	pin::Pin,
	task::{Context, Poll},
};
use tokio::sync::mpsc;

/// Every response body: a buffer or a stream whose error aborts the connection (so a
/// client sees a truncated response, never a short one that looks complete).
pub(crate) type Body = BoxBody<Bytes, io::Error>;

pub(crate) type Response = hyper::Response<Body>;

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
	Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

pub(crate) fn empty() -> Body {
	full(Bytes::new())
}

/// Blocks of a streamed body in flight at once: bounds memory per response to a few blocks
/// (256 KiB each) however large the file, and makes a slow client slow the walk down.
const STREAM_DEPTH: usize = 8;

/// Where a blocking producer writes a streamed body.
pub(crate) struct Sink(mpsc::Sender<io::Result<Bytes>>);

/// The client went away; the producer should stop.
#[derive(Debug)]
pub(crate) struct Hangup;

impl core::fmt::Display for Hangup {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("the client closed the connection")
	}
}

impl Sink {
	pub fn send(&self, bytes: impl Into<Bytes>) -> Result<(), Hangup> {
		self.0.blocking_send(Ok(bytes.into())).map_err(|_| Hangup)
	}

	/// Ends the body with an error: the connection is cut instead of finishing the body.
	pub fn fail(&self, message: String) {
		let _ = self.0.blocking_send(Err(io::Error::other(message)));
	}
}

struct ChannelBody(mpsc::Receiver<io::Result<Bytes>>);

impl HttpBody for ChannelBody {
	type Data = Bytes;
	type Error = io::Error;

	fn poll_frame(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
	) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
		self.0.poll_recv(cx).map(|next| next.map(|chunk| chunk.map(Frame::data)))
	}
}

/// A body produced by `produce` on a blocking thread.
pub(crate) fn streamed(produce: impl FnOnce(Sink) + Send + 'static) -> Body {
	let (sender, receiver) = mpsc::channel(STREAM_DEPTH);
	tokio::task::spawn_blocking(move || produce(Sink(sender)));
	BodyExt::boxed(ChannelBody(receiver))
}

/// Runs a store operation on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
	work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
	tokio::task::spawn_blocking(work).await.unwrap_or_else(|error| {
		Err(StoreError::Io { path: Default::default(), source: io::Error::other(error) })
	})
}

/// The `key=value` pairs of a query string, percent-decoded, in order (keys may repeat:
/// Kubo takes several `arg`s).
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
	query
		.unwrap_or("")
		.split('&')
		.filter(|pair| !pair.is_empty())
		.map(|pair| {
			let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
			(percent_decode(key), percent_decode(value))
		})
		.collect()
}

/// The last value of `key` (options are given once; `arg` is read with `query_all`).
pub(crate) fn query_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
	pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Every value of `key`, in order.
pub(crate) fn query_all<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
	pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// `application/x-www-form-urlencoded` decoding: `%XX` escapes and `+` for space.
pub(crate) fn percent_decode(text: &str) -> String {
	let bytes = text.as_bytes();
	let mut out = Vec::with_capacity(bytes.len());
	let mut i = 0;
	while i < bytes.len() {
		match bytes[i] {
			b'%' if i + 3 <= bytes.len() => {
				match std::str::from_utf8(&bytes[i + 1..i + 3])
					.ok()
					.and_then(|hex| u8::from_str_radix(hex, 16).ok())
				{
					Some(byte) => {
						out.push(byte);
						i += 3;
						continue;
					},
					None => out.push(b'%'),
				}
			},
			b'+' => out.push(b' '),
			byte => out.push(byte),
		}
		i += 1;
	}
	String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn queries_decode() {
		let pairs = query_pairs(Some("arg=%2Fipfs%2FQm&arg=b&x=a+b&flag&bad=%zz&end=%4"));
		assert_eq!(
			pairs,
			[
				("arg", "/ipfs/Qm"),
				("arg", "b"),
				("x", "a b"),
				("flag", ""),
				("bad", "%zz"),
				("end", "%4")
			]
			.map(|(k, v)| (k.to_string(), v.to_string()))
		);
		assert_eq!(query_get(&pairs, "x"), Some("a b"));
		assert_eq!(query_get(&pairs, "nope"), None);
	}
}
