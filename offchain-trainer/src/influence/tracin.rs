//! TracIn-CP (Pruthi et al., 2020) over the adapter's parameters, one score per group of
//! sources (a contributor's files):
//!
//! score_c = Σ_i η_i · ⟨g_c(θ_i), g_eval(θ_i)⟩
//!
//! - θ_i: the adapter kept after checkpoint i's step, η_i its rate ([`super::snapshots`]);
//! - g_eval: the gradient of the mean loss over the eval split's target tokens;
//! - g_c: the gradient of Σ over the train windows of Σ over the target tokens whose source
//!   is one of c's files of (the file's weight × the token's loss).
//!
//! A training window's TracIn is the sum of its tokens' (the loss of a window is their sum),
//! so g_c with the weight applied per token is Σ over c's files of weight × the gradient of
//! the file's tokens: one backward pass per batch of c's windows gives
//! Σ_files weight × TracIn(file) at once, however many files c has. A window that holds
//! tokens of two contributors is passed once for each, its other tokens weighing 0.
//!
//! Determinism: the gradients come from the same kernels as training (bit-identical under
//! `Kernels::Portable`); they are summed over batches and multiplied in f64, element by
//! element in the variables' order, sequentially, so the scores' bits depend on neither the
//! CPU nor the thread count. Memory: one eval gradient, one contributor gradient and the
//! running scores (f64, 8 bytes per adapter parameter each), beside one batch's graph.

use super::snapshots::{self, Checkpoint};
use crate::{
	data::{self, token_sources, Span},
	events::{Event, Events},
	model::Model,
	ops::cross_entropy::weighted_cross_entropy_sum,
	Error, Result,
};
use candle_core::{backprop::GradStore, Tensor, Var};
use serde::{Deserialize, Serialize};
use std::{
	path::{Path, PathBuf},
	sync::atomic::{AtomicBool, Ordering},
	time::Instant,
};

/// Who is credited for which tokens.
#[derive(Clone, Debug)]
pub struct Groups {
	/// Per source (file): its group and the weight of its tokens; None: credited to no one.
	pub of_source: Vec<Option<(usize, f32)>>,
	/// Groups are 0..count.
	pub count: usize,
}

impl Groups {
	/// The weight of `source`'s tokens in `group`'s gradient (0: another group's).
	pub fn weight_of(&self, source: u32, group: usize) -> f32 {
		match self.of_source.get(source as usize).copied().flatten() {
			Some((g, weight)) if g == group => weight,
			_ => 0.0,
		}
	}

	/// Per group, the windows (indices, ascending) holding at least one of its tokens of
	/// non-zero weight.
	fn windows(&self, sources: &[Vec<Span>]) -> Vec<Vec<usize>> {
		let mut members = vec![Vec::new(); self.count];
		for (window, spans) in sources.iter().enumerate() {
			for span in spans {
				if let Some((group, weight)) =
					self.of_source.get(span.source as usize).copied().flatten()
				{
					let list: &mut Vec<usize> = &mut members[group];
					if weight != 0.0 && list.last() != Some(&window) {
						list.push(window);
					}
				}
			}
		}
		members
	}
}

/// The scores and what they were computed from.
#[derive(Clone, Debug, Serialize)]
pub struct Influence {
	/// Per group, Σ_i η_i ⟨g_c, g_eval⟩ (not clipped; 0 for a group with no train tokens).
	pub scores: Vec<f64>,
	pub checkpoints: Vec<Checkpoint>,
	/// Windows of the target (the eval split).
	pub eval_windows: usize,
	/// Adapter parameters: the length of each gradient.
	pub parameters: usize,
	/// How long this run of it took (not part of the result).
	#[serde(skip)]
	pub seconds: f64,
}

/// One attribution run over a trained model's kept checkpoints.
pub struct Tracin<'a> {
	/// The model the run trained (its adapter is overwritten with each checkpoint's).
	pub model: &'a Model,
	pub dataset: &'a data::Dataset,
	pub groups: &'a Groups,
	pub checkpoints: &'a [Checkpoint],
	/// Where the checkpoints' adapters are ([`snapshots::save`]); each checkpoint's inner
	/// products are kept there too, so an interrupted attribution resumes where it stopped.
	pub dir: &'a Path,
	pub batch_size: usize,
	/// Checked after every pass: set, the run stops with `Error::Interrupted`.
	pub stop: Option<&'a AtomicBool>,
}

/// A checkpoint's inner products, kept beside its adapter.
#[derive(Serialize, Deserialize)]
struct Kept {
	groups: usize,
	eval_windows: usize,
	/// Per group, ⟨g_c, g_eval⟩ as f64 bits (exact through JSON).
	dots: Vec<u64>,
}

fn kept_path(dir: &Path, step: usize) -> PathBuf {
	dir.join(format!("step-{step}.influence.json"))
}

/// The sequential f64 inner product, in index order.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
	a.iter().zip(b).fold(0.0, |sum, (x, y)| sum + x * y)
}

impl Tracin<'_> {
	/// The scores, checkpoint by checkpoint; progress as `Influence*` events and a bar.
	pub fn run(&self, events: &mut Events) -> Result<Influence> {
		let started = Instant::now();
		let vars = self.vars();
		let parameters = vars.iter().map(|v| v.elem_count()).sum();
		let dataset = self.dataset;
		let members = self.groups.windows(&dataset.train_sources);
		let eval: Vec<usize> = (0..dataset.eval.len()).collect();
		let batches = |windows: usize| windows.div_ceil(self.batch_size.max(1));
		// Without an eval split there is nothing to measure on (the table falls back).
		let per_checkpoint = if eval.is_empty() {
			0
		} else {
			batches(eval.len()) + members.iter().map(|m| batches(m.len())).sum::<usize>()
		};
		events.emit(&Event::InfluenceStart {
			checkpoints: self.checkpoints.len(),
			contributors: self.groups.count,
			train_windows: dataset.train.len(),
			eval_windows: eval.len(),
			passes: per_checkpoint * self.checkpoints.len(),
			parameters,
		})?;
		let mut scores = vec![0.0; self.groups.count];
		for (i, checkpoint) in self.checkpoints.iter().enumerate() {
			let clock = Instant::now();
			let dots = match self.kept(checkpoint.step) {
				Some(dots) => {
					events.advance(per_checkpoint);
					dots
				},
				None => self.checkpoint_dots(checkpoint.step, &vars, &members, &eval, events)?,
			};
			for (score, d) in scores.iter_mut().zip(&dots) {
				*score += checkpoint.rate * d;
			}
			events.emit(&Event::InfluenceCheckpoint {
				checkpoint: i + 1,
				checkpoints: self.checkpoints.len(),
				step: checkpoint.step,
				seconds: clock.elapsed().as_secs_f64(),
			})?;
		}
		let seconds = started.elapsed().as_secs_f64();
		events.emit(&Event::InfluenceDone { seconds })?;
		Ok(Influence {
			scores,
			checkpoints: self.checkpoints.to_vec(),
			eval_windows: eval.len(),
			parameters,
			seconds,
		})
	}

	/// The adapter's variables, in the order every flattened gradient follows.
	fn vars(&self) -> Vec<Var> {
		self.model.adapter_vars().into_iter().map(|(_, var)| var).collect()
	}

	/// Per group, ⟨g_c, g_eval⟩ at the adapter kept after `step`; kept in the directory.
	fn checkpoint_dots(
		&self,
		step: usize,
		vars: &[Var],
		members: &[Vec<usize>],
		eval: &[usize],
		events: &mut Events,
	) -> Result<Vec<f64>> {
		self.load(step)?;
		let dataset = self.dataset;
		let mut dots = vec![0.0; self.groups.count];
		if !eval.is_empty() {
			let tokens = (eval.len() * (dataset.eval[0].len() - 1)) as f64;
			let mut target =
				self.gradient(&dataset.eval, &dataset.eval_sources, eval, vars, events, |_| 1.0)?;
			target.iter_mut().for_each(|g| *g /= tokens);
			for (group, windows) in members.iter().enumerate() {
				if windows.is_empty() {
					continue;
				}
				let g = self.gradient(
					&dataset.train,
					&dataset.train_sources,
					windows,
					vars,
					events,
					|source| self.groups.weight_of(source, group),
				)?;
				dots[group] = dot(&g, &target);
			}
		}
		let kept = Kept {
			groups: self.groups.count,
			eval_windows: eval.len(),
			dots: dots.iter().map(|d| d.to_bits()).collect(),
		};
		let path = kept_path(self.dir, step);
		let partial = path.with_extension("partial");
		std::fs::write(&partial, serde_json::to_vec(&kept).expect("plain struct"))
			.map_err(|e| Error::io(&partial, e))?;
		std::fs::rename(&partial, &path).map_err(|e| Error::io(&path, e))?;
		Ok(dots)
	}

	/// The inner products an interrupted attribution kept for `step`, if they are this
	/// run's (same groups and eval split); an unreadable file is computed again.
	fn kept(&self, step: usize) -> Option<Vec<f64>> {
		let text = std::fs::read(kept_path(self.dir, step)).ok()?;
		let kept = serde_json::from_slice::<Kept>(&text).ok()?;
		let matches = kept.groups == self.groups.count
			&& kept.eval_windows == self.dataset.eval.len()
			&& kept.dots.len() == self.groups.count;
		matches.then(|| kept.dots.into_iter().map(f64::from_bits).collect())
	}

	/// Sets the model's adapter to the one kept after `step`.
	pub fn load(&self, step: usize) -> Result<()> {
		let tensors = snapshots::load(self.dir, step, self.model.device())?;
		for (name, var) in self.model.adapter_vars() {
			let saved = tensors.get(&name).ok_or_else(|| {
				Error::format(snapshots::path(self.dir, step), format!("no {name}"))
			})?;
			var.set(saved)?;
		}
		Ok(())
	}

	/// ∇ of Σ over `chosen` windows (indices into `windows`, whose target tokens' sources
	/// are `sources`) of Σ over their target tokens of weight(source) × the token's loss, in
	/// f64, in the order of `vars` and their elements. One pass per batch of `batch_size`.
	pub fn gradient(
		&self,
		windows: &[Vec<u32>],
		sources: &[Vec<Span>],
		chosen: &[usize],
		vars: &[Var],
		events: &mut Events,
		weight: impl Fn(u32) -> f32,
	) -> Result<Vec<f64>> {
		let mut sum = vec![0.0; vars.iter().map(|v| v.elem_count()).sum()];
		let device = self.model.device();
		for chunk in chosen.chunks(self.batch_size.max(1)) {
			if self.stop.is_some_and(|flag| flag.load(Ordering::SeqCst)) {
				let steps = self.checkpoints.last().map_or(0, |c| c.step);
				return Err(Error::Interrupted { step: steps });
			}
			let rows: Vec<&Vec<u32>> = chunk.iter().map(|&i| &windows[i]).collect();
			let batch = data::batch(&rows, device)?;
			let weights: Vec<f32> =
				chunk.iter().flat_map(|&i| token_sources(&sources[i]).map(&weight)).collect();
			let weights = Tensor::from_vec(weights, batch.targets.dims(), device)?;
			let logits = self.model.forward(&batch.inputs, None, None)?;
			let loss = weighted_cross_entropy_sum(&logits, &batch.targets, &weights)?;
			add(&loss.backward()?, vars, &mut sum)?;
			events.advance(1);
		}
		Ok(sum)
	}
}

/// `sum += ∇` for each variable's gradient in `grads` (none: zero), flattened in order.
fn add(grads: &GradStore, vars: &[Var], sum: &mut [f64]) -> Result<()> {
	let mut offset = 0;
	for var in vars {
		let count = var.elem_count();
		if let Some(grad) = grads.get(var.as_tensor()) {
			let values = grad.flatten_all()?.to_vec1::<f32>()?;
			for (total, g) in sum[offset..offset + count].iter_mut().zip(values) {
				*total += f64::from(g);
			}
		}
		offset += count;
	}
	Ok(())
}
