//! Answers, one at a time: a request waits its turn in a first-come first-served queue, then
//! generates on a blocking thread, handing its text out piece by piece.
//!
//! One generation at a time because a generation already uses every core (the matmuls run
//! on rayon's pool): two at once would each take twice as long and finish no sooner. The
//! queue is bounded, so an overloaded server answers 503 at once instead of piling up
//! requests that time out anyway.

use super::api::{ApiError, FinishReason};
use crate::{
	generate::{generate_until, Sampling},
	model::Model,
	tokenizer::TextTokenizer,
};
use std::{
	ops::ControlFlow,
	sync::{
		atomic::{AtomicUsize, Ordering},
		Arc,
	},
	time::Instant,
};

/// The queue in front of the model.
pub struct Generator {
	tokenizer: Arc<TextTokenizer>,
	turn: tokio::sync::Mutex<()>,
	waiting: Arc<AtomicUsize>,
	max_waiting: usize,
}

/// A place in the queue, taken before a request is answered (so a full queue is refused
/// before a stream starts); given back when dropped.
pub struct Ticket(Arc<AtomicUsize>);

impl Drop for Ticket {
	fn drop(&mut self) {
		self.0.fetch_sub(1, Ordering::SeqCst);
	}
}

/// One answer to generate.
pub struct Job {
	pub model: Arc<Model>,
	pub prompt: Vec<u32>,
	pub sampling: Sampling,
	pub stop: Vec<String>,
}

/// What a generation produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
	/// Every token generated, those of a stop sequence and those after a client left
	/// included: all of them were computed, so all are metered.
	pub completion_tokens: usize,
	pub finish: FinishReason,
	/// The answer as sent (up to a stop sequence, which is left out).
	pub text: String,
	/// When the first piece of text was handed out.
	pub first_text: Option<Instant>,
}

impl Generator {
	/// `max_waiting`: requests allowed to wait (or run) at once; more get 503.
	pub fn new(tokenizer: Arc<TextTokenizer>, max_waiting: usize) -> Generator {
		Generator {
			tokenizer,
			turn: tokio::sync::Mutex::new(()),
			waiting: Arc::new(AtomicUsize::new(0)),
			max_waiting,
		}
	}

	pub fn tokenizer(&self) -> &Arc<TextTokenizer> {
		&self.tokenizer
	}

	/// A place in the queue, or 503 when it is full.
	pub fn ticket(&self) -> Result<Ticket, ApiError> {
		let before = self.waiting.fetch_add(1, Ordering::SeqCst);
		let ticket = Ticket(self.waiting.clone());
		if before >= self.max_waiting {
			return Err(ApiError::overloaded(before));
		}
		Ok(ticket)
	}

	/// Waits for the model (tokio's mutex serves waiters in order), then generates `job`,
	/// handing each piece of the answer to `on_text`; generation stops early when it breaks
	/// (the client left). A request whose client left while it waited (`wanted` false at
	/// its turn) is not generated at all, so the operator pays for nothing no one receives.
	pub async fn run(
		&self,
		ticket: Ticket,
		job: Job,
		wanted: impl Fn() -> bool,
		mut on_text: impl FnMut(&str) -> ControlFlow<()> + Send + 'static,
	) -> Result<Outcome, ApiError> {
		let _turn = self.turn.lock().await;
		if !wanted() {
			return Err(ApiError::client_gone());
		}
		let tokenizer = self.tokenizer.clone();
		let work = move || {
			let _ticket = ticket;
			let Job { model, prompt, sampling, stop } = job;
			let mut filter = StopFilter::new(stop);
			let mut first_text = None;
			let mut send = |text: String| {
				if text.is_empty() {
					return ControlFlow::Continue(());
				}
				first_text.get_or_insert_with(Instant::now);
				on_text(&text)
			};
			let mut gone = false;
			let tokens = generate_until(&model, &tokenizer, &prompt, &sampling, |piece| {
				let (text, stopped) = filter.push(piece);
				gone = send(text).is_break();
				if stopped || gone {
					ControlFlow::Break(())
				} else {
					ControlFlow::Continue(())
				}
			})
			.map_err(|e| ApiError::internal(format!("generation failed: {e}")))?;
			// `generate` holds back a piece that does not decode cleanly yet; the whole
			// answer decoded once gives the rest.
			if !filter.stopped && !gone {
				let whole = tokenizer
					.decode(&tokens)
					.map_err(|e| ApiError::internal(format!("decoding failed: {e}")))?;
				if let Some(rest) = whole.strip_prefix(filter.seen()) {
					let (text, _) = filter.push(rest);
					gone = send(text).is_break();
				}
				if !gone {
					let _ = send(filter.finish());
				}
			}
			let finish = if filter.stopped || tokens.len() < sampling.max_new_tokens {
				FinishReason::Stop
			} else {
				FinishReason::Length
			};
			Ok(Outcome { completion_tokens: tokens.len(), finish, text: filter.sent, first_text })
		};
		tokio::task::spawn_blocking(work)
			.await
			.map_err(|e| ApiError::internal(format!("the generation thread failed: {e}")))?
	}
}

/// Cuts an answer at the first of its stop sequences, which OpenAI leaves out of the answer.
/// Text that might be the start of a stop sequence is held back until the next piece shows
/// whether it is, so a streamed answer never shows part of one.
pub struct StopFilter {
	stops: Vec<String>,
	/// Everything generated so far.
	seen: String,
	/// What was passed on: a prefix of `seen`.
	sent: String,
	stopped: bool,
}

impl StopFilter {
	pub fn new(stops: Vec<String>) -> StopFilter {
		StopFilter { stops, seen: String::new(), sent: String::new(), stopped: false }
	}

	pub fn seen(&self) -> &str {
		&self.seen
	}

	/// Takes the next piece; returns the text now safe to pass on and whether a stop
	/// sequence ended the answer.
	pub fn push(&mut self, piece: &str) -> (String, bool) {
		if self.stopped {
			return (String::new(), true);
		}
		self.seen.push_str(piece);
		let end = match self.stops.iter().filter_map(|stop| self.seen.find(stop.as_str())).min() {
			Some(at) => {
				self.stopped = true;
				at
			},
			None => self.seen.len() - self.held_back(),
		};
		let end = end.max(self.sent.len());
		let text = self.seen[self.sent.len()..end].to_string();
		self.sent.push_str(&text);
		(text, self.stopped)
	}

	/// At the end of the answer: what was held back.
	pub fn finish(&mut self) -> String {
		if self.stopped {
			return String::new();
		}
		let text = self.seen[self.sent.len()..].to_string();
		self.sent.push_str(&text);
		text
	}

	/// Bytes at the end of `seen` that begin some stop sequence.
	fn held_back(&self) -> usize {
		self.stops
			.iter()
			.flat_map(|stop| {
				stop.char_indices()
					.skip(1)
					.map(|(at, _)| &stop[..at])
					.filter(|prefix| self.seen.ends_with(prefix))
					.map(str::len)
			})
			.max()
			.unwrap_or(0)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn run(stops: &[&str], pieces: &[&str]) -> (Vec<String>, String, bool) {
		let mut filter = StopFilter::new(stops.iter().map(|s| s.to_string()).collect());
		let mut out = Vec::new();
		for piece in pieces {
			let (text, stopped) = filter.push(piece);
			out.push(text);
			if stopped {
				return (out, filter.sent, true);
			}
		}
		out.push(filter.finish());
		(out, filter.sent, false)
	}

	#[test]
	fn without_stop_sequences_text_passes_at_once() {
		let (out, sent, stopped) = run(&[], &["Hel", "lo", " world"]);
		assert_eq!(out, ["Hel", "lo", " world", ""]);
		assert_eq!((sent.as_str(), stopped), ("Hello world", false));
	}

	#[test]
	fn a_stop_sequence_split_over_pieces_is_held_back_and_cut() {
		let (out, sent, stopped) = run(&["\nUser:"], &["Yes.", "\nUs", "er:", " more"]);
		assert_eq!(out, ["Yes.", "", ""]);
		assert_eq!((sent.as_str(), stopped), ("Yes.", true));
	}

	#[test]
	fn a_false_start_is_released_once_it_is_not_a_stop() {
		let (out, sent, stopped) = run(&["END"], &["The E", "ND", "X"]);
		assert_eq!(out, ["The ", ""]);
		assert!(stopped && sent == "The ");
		let (out, sent, stopped) = run(&["END"], &["The E", "nd", "."]);
		assert_eq!(out, ["The ", "End", ".", ""]);
		assert_eq!((sent.as_str(), stopped), ("The End.", false));
		let (out, _, stopped) = run(&["END"], &["The EN"]);
		assert_eq!(out, ["The ", "EN"], "the held-back tail comes out at the end");
		assert!(!stopped);
	}

	#[test]
	fn the_earliest_of_several_stops_wins_and_multibyte_prefixes_are_whole() {
		let (_, sent, stopped) = run(&["b", "ab"], &["xxab"]);
		assert_eq!((sent.as_str(), stopped), ("xx", true));
		let (out, sent, stopped) = run(&["é!"], &["café", "?"]);
		assert_eq!(out, ["caf", "é?", ""]);
		assert_eq!((sent.as_str(), stopped), ("café?", false));
	}
}
