//! The training loop: shuffled windows, gradient accumulation, clipping, AdamW on the adapter,
//! warmup + decay, periodic evaluation and checkpoints that a later run resumes from.
//!
//! Everything random comes from the run's seed (epoch order, adapter dropout), so a resumed or
//! repeated run on the CPU reproduces the same adapter bit for bit.

use crate::{
	data::{self, Dataset},
	events::{Event, Events},
	influence, lora,
	model::Model,
	ops::masked_cross_entropy,
	optim::AdamW,
	rng::Rng,
	schedule::{Decay, Schedule},
	Error, Result,
};
use candle_core::Tensor;
use serde::{Deserialize, Serialize};
use std::{
	path::{Path, PathBuf},
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::Instant,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
	pub seq_len: usize,
	pub batch_size: usize,
	pub grad_accum: usize,
	pub epochs: usize,
	/// Stop after this many optimizer steps even if epochs remain.
	pub max_steps: Option<usize>,
	pub learning_rate: f64,
	pub weight_decay: f64,
	pub warmup_steps: usize,
	pub decay: Decay,
	pub max_grad_norm: f64,
	/// Evaluate every this many steps (0: only before and after).
	pub eval_every: usize,
	/// Checkpoint every this many steps (0: never).
	pub checkpoint_every: usize,
	pub seed: u64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct EvalResult {
	pub loss: f64,
	pub perplexity: f64,
	pub tokens: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
	pub steps: usize,
	pub eval_before: Option<EvalResult>,
	pub eval_after: Option<EvalResult>,
	pub last_train_loss: Option<f64>,
	/// Training tokens per second of training time (evaluation excluded).
	pub tokens_per_second: f64,
}

impl RunIdentity {
	/// Whether a checkpoint of `self` continues into `other`: everything that decides the
	/// adapter must match; how often the run checkpoints or evaluates on the way need not
	/// (a restarted worker may checkpoint at another interval).
	pub fn same_run(&self, other: &RunIdentity) -> bool {
		let cadence = |identity: &RunIdentity| {
			let mut options = identity.options.clone();
			options.checkpoint_every = 0;
			options.eval_every = 0;
			RunIdentity { options, ..identity.clone() }
		};
		cadence(self) == cadence(other)
	}
}

/// What a checkpoint must agree with to be resumed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunIdentity {
	pub base_weights_hash: String,
	pub dataset_hash: String,
	pub options: TrainOptions,
	pub lora: lora::LoraConfig,
	/// The determinism class: a portable checkpoint must not be continued with fast kernels.
	#[serde(default = "fast_kernels")]
	pub kernels: crate::kernels::Kernels,
}

/// Checkpoints written before the identity named the kernels were made with these.
fn fast_kernels() -> crate::kernels::Kernels {
	crate::kernels::Kernels::Fast
}

#[derive(Serialize, Deserialize)]
struct CheckpointState {
	step: usize,
	identity: RunIdentity,
	/// The eval before training, so a resumed run reports the same one.
	#[serde(default)]
	eval_before: Option<EvalResult>,
}

const STATE_FILE: &str = "state.json";

/// Whether `dir` holds a checkpoint a run could resume.
pub fn has_checkpoint(dir: &Path) -> bool {
	dir.join(STATE_FILE).exists()
}
const OPTIMIZER_FILE: &str = "optimizer.safetensors";

/// Mean loss over `windows`, no dropout.
pub fn evaluate(
	model: &Model,
	windows: &[Vec<u32>],
	batch_size: usize,
) -> Result<Option<EvalResult>> {
	if windows.is_empty() {
		return Ok(None);
	}
	let (mut loss_sum, mut tokens) = (0.0, 0);
	for chunk in windows.chunks(batch_size.max(1)) {
		let batch = data::batch(&chunk.iter().collect::<Vec<_>>(), model.device())?;
		let logits = model.forward(&batch.inputs, None, None)?;
		let loss = masked_cross_entropy(&logits.detach(), &batch.targets, &batch.mask)?;
		loss_sum += loss.to_scalar::<f32>()? as f64 * batch.tokens as f64;
		tokens += batch.tokens;
	}
	let loss = loss_sum / tokens as f64;
	Ok(Some(EvalResult { loss, perplexity: crate::ops::portable_math::exp(loss), tokens }))
}

fn dropout_seed(seed: u64, step: usize, micro: usize) -> u64 {
	let mut rng = Rng::new(seed ^ ((step as u64) << 20) ^ micro as u64);
	rng.next_u64()
}

fn epoch_order(seed: u64, epoch: usize, windows: usize) -> Vec<usize> {
	let mut order: Vec<usize> = (0..windows).collect();
	Rng::new(seed.wrapping_add(0x5EED_0000_0000 + epoch as u64)).shuffle(&mut order);
	order
}

pub fn validate(options: &TrainOptions) -> Result<()> {
	let positive = [
		("--batch-size", options.batch_size),
		("--grad-accum", options.grad_accum),
		("--epochs", options.epochs),
	];
	if let Some((flag, _)) = positive.iter().find(|(_, v)| *v == 0) {
		return Err(Error::Invalid(format!("{flag} must be at least 1")));
	}
	if !(options.learning_rate > 0.0 && options.learning_rate.is_finite()) {
		return Err(Error::Invalid("--lr must be a positive number".into()));
	}
	if options.max_grad_norm < 0.0 || options.weight_decay < 0.0 {
		return Err(Error::Invalid(
			"--max-grad-norm and --weight-decay must not be negative".into(),
		));
	}
	Ok(())
}

pub struct Trainer<'a> {
	model: &'a Model,
	dataset: &'a Dataset,
	identity: RunIdentity,
	optimizer: AdamW,
	schedule: Schedule,
	steps_per_epoch: usize,
	start_step: usize,
	stop_after: Option<usize>,
	interrupt: Option<Arc<AtomicBool>>,
	eval_before: Option<EvalResult>,
	/// Where to keep the adapter after which steps (TracIn's checkpoints).
	snapshots: Option<(PathBuf, Vec<usize>)>,
}

impl<'a> Trainer<'a> {
	pub fn new(
		model: &'a Model,
		dataset: &'a Dataset,
		base_weights_hash: &str,
		options: TrainOptions,
	) -> Result<Self> {
		validate(&options)?;
		let lora = model
			.lora
			.clone()
			.ok_or_else(|| Error::Invalid("the model has no adapter to train".into()))?;
		let max = model.max_positions();
		if options.seq_len > max {
			return Err(Error::Invalid(format!(
				"--seq-len {} exceeds the model's {max} positions",
				options.seq_len
			)));
		}
		let per_step = options.batch_size * options.grad_accum;
		let steps_per_epoch = dataset.train.len().div_ceil(per_step);
		let mut total_steps = steps_per_epoch * options.epochs;
		if let Some(max_steps) = options.max_steps {
			total_steps = total_steps.min(max_steps);
		}
		let schedule = Schedule {
			peak: options.learning_rate,
			warmup_steps: options.warmup_steps,
			total_steps,
			decay: options.decay,
		};
		let optimizer = AdamW::new(model.adapter_vars(), options.weight_decay)?;
		let identity = RunIdentity {
			base_weights_hash: base_weights_hash.to_string(),
			dataset_hash: dataset.hash.clone(),
			options,
			lora,
			kernels: crate::kernels::current().0,
		};
		Ok(Trainer {
			model,
			dataset,
			identity,
			optimizer,
			schedule,
			steps_per_epoch,
			start_step: 0,
			stop_after: None,
			interrupt: None,
			eval_before: None,
			snapshots: None,
		})
	}

	pub fn total_steps(&self) -> usize {
		self.schedule.total_steps
	}

	/// The learning rate of every step.
	pub fn schedule(&self) -> &Schedule {
		&self.schedule
	}

	/// Keeps a copy of the adapter in `dir` after each of `steps`
	/// (`influence::snapshots`), before that step's checkpoint, so a run resumed from a
	/// checkpoint ends with the copies an uninterrupted one keeps. Set it before
	/// [`Self::resume_from`], which then refuses a checkpoint whose earlier copies are gone.
	pub fn keep_snapshots(&mut self, dir: &Path, steps: Vec<usize>) {
		self.snapshots = Some((dir.to_path_buf(), steps));
	}

	/// Target tokens of the first `steps` steps (an epoch's last step may be short): the
	/// same number for every run of these settings, however often it was resumed.
	pub fn tokens_trained(&self, steps: usize) -> u64 {
		let options = &self.identity.options;
		let per_step = options.batch_size * options.grad_accum;
		let windows = self.dataset.train.len();
		(0..steps)
			.map(|step| {
				let first = (step % self.steps_per_epoch) * per_step;
				(per_step.min(windows - first) * options.seq_len) as u64
			})
			.sum()
	}

	/// Pause after `step`, with a checkpoint, as an interrupted run would (a later run resumes
	/// it); the outcome then reports the steps done.
	pub fn stop_after(&mut self, step: usize) {
		self.stop_after = Some(step);
	}

	/// Stop at the first step boundary after `flag` is set (Ctrl-C), with a checkpoint when
	/// the run keeps them; `run` then returns `Error::Interrupted`.
	pub fn interrupt_on(&mut self, flag: Arc<AtomicBool>) {
		self.interrupt = Some(flag);
	}

	pub fn identity(&self) -> &RunIdentity {
		&self.identity
	}

	/// Loads `dir`'s checkpoint if there is one; returns the step it resumes from.
	pub fn resume_from(&mut self, dir: &Path) -> Result<usize> {
		let state_path = dir.join(STATE_FILE);
		let Ok(text) = std::fs::read_to_string(&state_path) else { return Ok(0) };
		let state: CheckpointState =
			serde_json::from_str(&text).map_err(|e| Error::format(&state_path, e))?;
		if !state.identity.same_run(&self.identity) {
			return Err(Error::Invalid(format!(
				"the checkpoint in {} was made with another base, dataset or settings; \
				 rerun with the same ones, or give a new --out",
				dir.display()
			)));
		}
		if let Some((snapshots, steps)) = &self.snapshots {
			if !influence::snapshots::complete_up_to(snapshots, steps, state.step) {
				return Err(Error::Invalid(format!(
					"the checkpoint in {} is at step {}, but {} lacks the adapter copies the \
					 attribution needs from before it; train again in a new directory",
					dir.display(),
					state.step,
					snapshots.display()
				)));
			}
		}
		let adapter =
			candle_core::safetensors::load(dir.join(lora::ADAPTER_WEIGHTS), self.model.device())?;
		for (name, var) in self.optimizer.params() {
			let saved = adapter
				.get(name)
				.ok_or_else(|| Error::format(dir, format!("checkpoint adapter has no {name}")))?;
			var.set(saved)?;
		}
		let moments =
			candle_core::safetensors::load(dir.join(OPTIMIZER_FILE), self.model.device())?;
		self.optimizer.load_state(moments, state.step)?;
		self.start_step = state.step;
		self.eval_before = state.eval_before;
		Ok(state.step)
	}

	fn save_checkpoint(&self, dir: &Path, step: usize) -> Result<()> {
		// Written beside the live checkpoint, then swapped in: a crash never leaves half of one.
		let staging = dir.with_extension("partial");
		let _ = std::fs::remove_dir_all(&staging);
		lora::save_adapter(
			&staging,
			&self.identity.lora,
			&self.model.adapter_tensors(),
			"checkpoint",
			self.model.fan_in_fan_out(),
		)?;
		candle_core::safetensors::save(&self.optimizer.state(), staging.join(OPTIMIZER_FILE))?;
		let state = CheckpointState {
			step,
			identity: self.identity.clone(),
			eval_before: self.eval_before,
		};
		let path = staging.join(STATE_FILE);
		std::fs::write(&path, serde_json::to_string_pretty(&state).expect("json"))
			.map_err(|e| Error::io(&path, e))?;
		let _ = std::fs::remove_dir_all(dir);
		std::fs::rename(&staging, dir).map_err(|e| Error::io(dir, e))
	}

	/// Trains to the end, evaluating before (fresh runs) and after.
	pub fn run(&mut self, checkpoint_dir: Option<&Path>, events: &mut Events) -> Result<Outcome> {
		let options = self.identity.options.clone();
		let total = self.total_steps();
		let end = self.stop_after.map_or(total, |s| s.min(total));
		let per_step = options.batch_size * options.grad_accum;
		events.emit(&Event::Start {
			device: crate::device::describe(self.model.device()),
			total_steps: total,
			start_step: self.start_step,
			train_windows: self.dataset.train.len(),
			eval_windows: self.dataset.eval.len(),
			tokens_per_step: per_step * options.seq_len,
			trainable_parameters: self.model.trainable_parameters(),
			frozen_linear_bytes: self.model.frozen_linear_bytes(),
		})?;
		if self.start_step == 0 {
			self.eval_before = self.evaluate_and_report(0, events)?;
		}
		let eval_before = self.eval_before;
		events.start_progress(total, self.start_step);
		let (mut train_seconds, mut train_tokens, mut last_loss) = (0.0, 0usize, None);
		let mut order = (usize::MAX, Vec::new());
		for step in self.start_step..end {
			let started = Instant::now();
			let epoch = step / self.steps_per_epoch;
			if order.0 != epoch {
				order = (epoch, epoch_order(options.seed, epoch, self.dataset.train.len()));
			}
			let first = (step % self.steps_per_epoch) * per_step;
			let chosen = &order.1[first..(first + per_step).min(order.1.len())];
			let (loss, grad_norm, tokens) = self.step(step, chosen)?;
			let seconds = started.elapsed().as_secs_f64();
			train_seconds += seconds;
			train_tokens += tokens;
			last_loss = Some(loss);
			events.emit(&Event::Step {
				step: step + 1,
				epoch,
				loss,
				learning_rate: self.schedule.at(step),
				grad_norm,
				tokens_per_second: tokens as f64 / seconds,
			})?;
			let done = step + 1;
			if let Some((dir, steps)) = &self.snapshots {
				if steps.contains(&done) {
					influence::snapshots::save(dir, done, &self.model.adapter_tensors())?;
				}
			}
			if options.eval_every > 0 && done % options.eval_every == 0 && done < total {
				self.evaluate_and_report(done, events)?;
			}
			if let Some(dir) = checkpoint_dir {
				if options.checkpoint_every > 0
					&& (done % options.checkpoint_every == 0 || done == end)
				{
					self.save_checkpoint(dir, done)?;
					events
						.emit(&Event::Checkpoint { step: done, path: dir.display().to_string() })?;
				}
			}
			if done < end && self.interrupt.as_ref().is_some_and(|flag| flag.load(Ordering::SeqCst))
			{
				if let Some(dir) = checkpoint_dir {
					self.save_checkpoint(dir, done)?;
				}
				return Err(Error::Interrupted { step: done });
			}
		}
		let eval_after = self.evaluate_and_report(end, events)?;
		Ok(Outcome {
			steps: end,
			eval_before,
			eval_after,
			last_train_loss: last_loss,
			tokens_per_second: if train_seconds > 0.0 {
				train_tokens as f64 / train_seconds
			} else {
				0.0
			},
		})
	}

	fn evaluate_and_report(&self, step: usize, events: &mut Events) -> Result<Option<EvalResult>> {
		let result = evaluate(self.model, &self.dataset.eval, self.identity.options.batch_size)?;
		if let Some(r) = result {
			events.emit(&Event::Eval { step, loss: r.loss, perplexity: r.perplexity })?;
		}
		Ok(result)
	}

	/// One optimizer step over `windows` (indices into the train split); returns the mean
	/// loss, the gradient norm before clipping and the tokens seen.
	fn step(&mut self, step: usize, windows: &[usize]) -> Result<(f64, f64, usize)> {
		let options = &self.identity.options;
		let step_tokens = windows.len() * options.seq_len;
		let mut sums: Option<Vec<Tensor>> = None;
		let mut loss_sum = 0.0;
		for (micro, chunk) in windows.chunks(options.batch_size).enumerate() {
			let rows: Vec<&Vec<u32>> = chunk.iter().map(|&i| &self.dataset.train[i]).collect();
			let batch = data::batch(&rows, self.model.device())?;
			let logits = self.model.forward(
				&batch.inputs,
				None,
				Some(dropout_seed(options.seed, step, micro)),
			)?;
			let loss = masked_cross_entropy(&logits, &batch.targets, &batch.mask)?;
			let share = batch.tokens as f64 / step_tokens as f64;
			loss_sum += loss.to_scalar::<f32>()? as f64 * share;
			let grads = (loss * share)?.backward()?;
			let mut fresh = Vec::with_capacity(self.optimizer.params().len());
			for (_, var) in self.optimizer.params() {
				fresh.push(match grads.get(var.as_tensor()) {
					Some(g) => g.clone(),
					None => var.zeros_like()?,
				});
			}
			sums = Some(match sums {
				None => fresh,
				Some(acc) => acc
					.iter()
					.zip(&fresh)
					.map(|(a, b)| a + b)
					.collect::<candle_core::Result<_>>()?,
			});
		}
		let mut grads = sums.expect("a step has at least one micro-batch");
		let mut norm_sq = 0.0;
		for g in &grads {
			norm_sq += crate::ops::reduce::sum_all(&g.sqr()?)?.to_scalar::<f32>()? as f64;
		}
		let norm = norm_sq.sqrt();
		if options.max_grad_norm > 0.0 && norm > options.max_grad_norm {
			let factor = options.max_grad_norm / (norm + 1e-6);
			grads = grads.iter().map(|g| g * factor).collect::<candle_core::Result<_>>()?;
		}
		self.optimizer.step(&grads, self.schedule.at(step))?;
		Ok((loss_sum, norm, step_tokens))
	}
}
