//! Prometheus metrics (`--metrics-port`): counters the worker bumps and a gauge of the last
//! step's speed, served as the text exposition format on `GET /metrics`.
//!
//! The port listens on every interface, so each connection gets its own thread (at most
//! [`MAX_CONNECTIONS`] at once), [`TIMEOUT`] to send its request and at most
//! [`REQUEST_LIMIT`] bytes of it: an idle client cannot block the others, nor an endless
//! request line grow the worker's memory.

use std::{
	io::{BufRead, BufReader, Read, Write},
	net::{SocketAddr, TcpListener, TcpStream},
	sync::atomic::{AtomicU64, AtomicUsize, Ordering},
	sync::Arc,
	time::Duration,
};

/// Connections served at once; more are closed unanswered.
pub const MAX_CONNECTIONS: usize = 16;
/// How long a client has to send its request (and to read the answer).
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes of a request read (its line and headers).
pub const REQUEST_LIMIT: u64 = 8 << 10;

/// The worker's counters.
#[derive(Default)]
pub struct Metrics {
	pub jobs_taken: AtomicU64,
	pub jobs_done: AtomicU64,
	pub steps: AtomicU64,
	/// f64 bits of the last step's training tokens per second.
	pub tokens_per_second: AtomicU64,
	pub commits: AtomicU64,
	pub reveals: AtomicU64,
	pub failures: AtomicU64,
}

impl Metrics {
	pub fn bump(counter: &AtomicU64) {
		counter.fetch_add(1, Ordering::Relaxed);
	}

	pub fn set_tokens_per_second(&self, value: f64) {
		self.tokens_per_second.store(value.to_bits(), Ordering::Relaxed);
	}

	/// The exposition text.
	pub fn render(&self) -> String {
		let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
		let mut out = String::new();
		let mut metric = |name: &str, kind: &str, help: &str, value: String| {
			out.push_str(&format!(
				"# HELP openledger_worker_{name} {help}\n# TYPE openledger_worker_{name} {kind}\nopenledger_worker_{name} {value}\n"
			));
		};
		metric(
			"jobs_taken_total",
			"counter",
			"Jobs this worker started.",
			get(&self.jobs_taken).to_string(),
		);
		metric(
			"jobs_done_total",
			"counter",
			"Jobs this worker revealed.",
			get(&self.jobs_done).to_string(),
		);
		metric("steps_total", "counter", "Optimizer steps trained.", get(&self.steps).to_string());
		metric(
			"tokens_per_second",
			"gauge",
			"Training tokens per second of the last step.",
			f64::from_bits(get(&self.tokens_per_second)).to_string(),
		);
		metric(
			"commits_total",
			"counter",
			"Sealed results committed.",
			get(&self.commits).to_string(),
		);
		metric("reveals_total", "counter", "Results revealed.", get(&self.reveals).to_string());
		metric(
			"failures_total",
			"counter",
			"Jobs abandoned or failed.",
			get(&self.failures).to_string(),
		);
		out
	}

	/// Serves `/metrics` on `addr` from background threads; returns the bound address.
	pub fn serve(self: &Arc<Self>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
		let listener = TcpListener::bind(addr)?;
		let bound = listener.local_addr()?;
		let metrics = self.clone();
		let open = Arc::new(AtomicUsize::new(0));
		std::thread::spawn(move || {
			for stream in listener.incoming().flatten() {
				if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
					open.fetch_sub(1, Ordering::SeqCst);
					continue;
				}
				let (metrics, done) = (metrics.clone(), open.clone());
				let spawned = std::thread::Builder::new().spawn(move || {
					let _ = answer(&metrics, stream);
					done.fetch_sub(1, Ordering::SeqCst);
				});
				if spawned.is_err() {
					open.fetch_sub(1, Ordering::SeqCst);
				}
			}
		});
		Ok(bound)
	}
}

/// Reads one request (within the time and size limits) and answers it.
fn answer(metrics: &Metrics, stream: TcpStream) -> std::io::Result<()> {
	stream.set_read_timeout(Some(TIMEOUT))?;
	stream.set_write_timeout(Some(TIMEOUT))?;
	let mut reader = BufReader::new((&stream).take(REQUEST_LIMIT));
	let mut request_line = String::new();
	reader.read_line(&mut request_line)?;
	// Drain the headers (a limit or a timeout ends it too).
	let mut line = String::new();
	while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
		line.clear();
	}
	let (status, body) = if request_line.starts_with("GET /metrics") {
		("200 OK", metrics.render())
	} else {
		("404 Not Found", "see /metrics\n".to_string())
	};
	write!(
		&stream,
		"HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::io::Read;

	#[test]
	fn metrics_are_served_in_the_text_format() {
		let metrics = Arc::new(Metrics::default());
		Metrics::bump(&metrics.commits);
		metrics.set_tokens_per_second(12.5);
		let addr = metrics.serve("127.0.0.1:0".parse().unwrap()).unwrap();
		let mut stream = std::net::TcpStream::connect(addr).unwrap();
		stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
		let mut answer = String::new();
		stream.read_to_string(&mut answer).unwrap();
		assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
		assert!(answer.contains("openledger_worker_commits_total 1\n"), "{answer}");
		assert!(answer.contains("openledger_worker_tokens_per_second 12.5\n"), "{answer}");
	}
}
