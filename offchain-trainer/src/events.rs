//! Progress for people (a bar on stderr) and for programs (JSON lines, one event per line),
//! so a daemon or web UI can follow a run without parsing text.

use crate::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::{
	fs::File,
	io::{BufWriter, Write},
	path::Path,
};

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
	Start {
		device: String,
		total_steps: usize,
		start_step: usize,
		train_windows: usize,
		eval_windows: usize,
		tokens_per_step: usize,
		trainable_parameters: usize,
		frozen_linear_bytes: usize,
	},
	Step {
		step: usize,
		epoch: usize,
		loss: f64,
		learning_rate: f64,
		grad_norm: f64,
		tokens_per_second: f64,
	},
	Eval {
		step: usize,
		loss: f64,
		perplexity: f64,
	},
	Checkpoint {
		step: usize,
		path: String,
	},
	Done {
		steps: usize,
		model_hash: String,
		out: String,
	},
	/// The attribution (`crate::influence`) begins: `passes` forward and backward passes
	/// over batches in all. Nothing of its result: that would give the table away.
	InfluenceStart {
		checkpoints: usize,
		contributors: usize,
		train_windows: usize,
		eval_windows: usize,
		passes: usize,
		parameters: usize,
	},
	/// The gradients at one of the checkpoints are done.
	InfluenceCheckpoint {
		checkpoint: usize,
		checkpoints: usize,
		step: usize,
		seconds: f64,
	},
	InfluenceDone {
		seconds: f64,
	},
}

/// Who else hears the events (the worker's metrics).
type Observer = Box<dyn FnMut(&Event)>;

pub struct Events {
	sink: Option<Box<dyn Write>>,
	bar: Option<ProgressBar>,
	observer: Option<Observer>,
}

impl Events {
	/// `path` "-" writes JSON lines to stdout; `quiet` hides the progress bar.
	pub fn new(path: Option<&Path>, quiet: bool) -> Result<Self> {
		let sink: Option<Box<dyn Write>> = match path {
			None => None,
			Some(p) if p == Path::new("-") => Some(Box::new(std::io::stdout())),
			Some(p) => {
				Some(Box::new(BufWriter::new(File::create(p).map_err(|e| Error::io(p, e))?)))
			},
		};
		Ok(Events::to_writer(sink, quiet))
	}

	/// JSON lines to `sink` (if any), a progress bar unless `quiet`.
	pub fn to_writer(sink: Option<Box<dyn Write>>, quiet: bool) -> Self {
		let bar = (!quiet).then(ProgressBar::hidden);
		Events { sink, bar, observer: None }
	}

	/// Also hands every event to `observer` (metrics).
	pub fn observe(mut self, observer: impl FnMut(&Event) + 'static) -> Self {
		self.observer = Some(Box::new(observer));
		self
	}

	/// No output at all (tests, library use).
	pub fn silent() -> Self {
		Events { sink: None, bar: None, observer: None }
	}

	pub fn start_progress(&mut self, total: usize, done: usize) {
		self.show_bar(total, done, "{bar:30} {pos}/{len} steps  {msg}  [{elapsed} < {eta}]");
	}

	/// Replaces the bar (when there is one) with a fresh one of `total` units.
	fn show_bar(&mut self, total: usize, done: usize, template: &str) {
		if let Some(bar) = &mut self.bar {
			bar.finish_and_clear();
			let visible = ProgressBar::new(total as u64)
				.with_style(ProgressStyle::with_template(template).expect("valid template"));
			visible.set_position(done as u64);
			*bar = visible;
		}
	}

	/// Moves the bar on by `units` of work too small for an event each (the attribution's
	/// passes).
	pub fn advance(&mut self, units: usize) {
		if let Some(bar) = &self.bar {
			bar.inc(units as u64);
		}
	}

	pub fn emit(&mut self, event: &Event) -> Result<()> {
		if let Some(observer) = &mut self.observer {
			observer(event);
		}
		if let Some(bar) = &self.bar {
			match event {
				Event::Step { step, loss, tokens_per_second, .. } => {
					bar.set_position(*step as u64);
					bar.set_message(format!("loss {loss:.4}  {tokens_per_second:.0} tok/s"));
				},
				Event::Eval { step, loss, perplexity } => bar.println(format!(
					"step {step}: eval loss {loss:.4}, perplexity {perplexity:.2}"
				)),
				Event::Checkpoint { step, path } => {
					bar.println(format!("step {step}: checkpoint {path}"))
				},
				Event::Done { .. } | Event::InfluenceDone { .. } => bar.finish_and_clear(),
				Event::InfluenceCheckpoint { checkpoint, checkpoints, step, seconds } => bar
					.println(format!(
						"attribution: checkpoint {checkpoint}/{checkpoints} (step {step}) in \
						 {seconds:.1} s"
					)),
				Event::Start { .. } | Event::InfluenceStart { .. } => {},
			}
		}
		if let Event::InfluenceStart { passes, .. } = event {
			self.show_bar(
				*passes,
				0,
				"{bar:30} {pos}/{len} attribution passes  [{elapsed} < {eta}]",
			);
		}
		if let Some(sink) = &mut self.sink {
			let line = serde_json::to_string(event).expect("events serialise");
			writeln!(sink, "{line}")
				.and_then(|_| sink.flush())
				.map_err(|e| Error::io("events", e))?;
		}
		Ok(())
	}
}
