//! TracIn's checkpoints: after which optimizer steps a run keeps a copy of its adapter, the
//! learning-rate weight each copy carries, and the copies themselves.
//!
//! The copies are written while training runs (`train::Trainer::keep_snapshots`), each one
//! whole under its final name or not at all, so a run resumed from a checkpoint ends with the
//! same files as one that never stopped: the copies up to the checkpoint's step were written
//! before it, and the later ones are written again with the same bits.

use crate::{schedule::Schedule, Error, Result};
use candle_core::{Device, Tensor};
use serde::Serialize;
use std::{
	collections::HashMap,
	path::{Path, PathBuf},
};

/// One kept adapter and its weight in TracIn's sum.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Checkpoint {
	/// Optimizer steps done when it was kept.
	pub step: usize,
	/// η_i: the sum of the learning rates of the steps since the previous checkpoint.
	pub rate: f64,
}

/// The steps after which a run of `total` steps keeps its adapter: `count` of them, evenly
/// spaced, the last one the final step: ⌈k·total/count⌉ for k = 1..=count. A run of fewer
/// than `count` steps keeps every step; a run of none keeps nothing.
pub fn checkpoint_steps(total: usize, count: usize) -> Vec<usize> {
	let count = count.min(total);
	(1..=count).map(|k| (k * total).div_ceil(count)).collect()
}

/// The checkpoints at `steps` with their rates. TracIn's ideal sums η_t·⟨∇ℓ(z), ∇ℓ(z')⟩ over
/// every step t; TracIn-CP evaluates the gradients at a few checkpoints only, so checkpoint
/// i stands for the steps since checkpoint i − 1 and carries the sum of their rates. The rate
/// at the checkpoint's own step alone would give the final checkpoint next to nothing under
/// a linear or cosine decay, which ends at zero.
pub fn checkpoints(steps: &[usize], schedule: &Schedule) -> Vec<Checkpoint> {
	let mut previous = 0;
	steps
		.iter()
		.map(|&step| {
			let rate = (previous..step).fold(0.0, |sum, s| sum + schedule.at(s));
			previous = step;
			Checkpoint { step, rate }
		})
		.collect()
}

/// The file of the adapter kept after `step`.
pub fn path(dir: &Path, step: usize) -> PathBuf {
	dir.join(format!("step-{step}.safetensors"))
}

/// Keeps `tensors` (the adapter by PEFT key) as the copy after `step`: written beside its
/// final name and renamed, so no crash leaves half of one.
pub fn save(dir: &Path, step: usize, tensors: &HashMap<String, Tensor>) -> Result<()> {
	std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
	let path = path(dir, step);
	let partial = path.with_extension("partial");
	candle_core::safetensors::save(tensors, &partial)?;
	std::fs::rename(&partial, &path).map_err(|e| Error::io(&path, e))
}

/// The copy after `step`.
pub fn load(dir: &Path, step: usize, device: &Device) -> Result<HashMap<String, Tensor>> {
	let path = path(dir, step);
	if !path.exists() {
		return Err(Error::Invalid(format!(
			"{} is missing: the run kept no adapter after step {step} for the attribution; \
			 train it again in a new directory",
			path.display()
		)));
	}
	Ok(candle_core::safetensors::load(&path, device)?)
}

/// Whether every copy up to `step` is in `dir` (a checkpoint at `step` may be resumed).
pub fn complete_up_to(dir: &Path, steps: &[usize], step: usize) -> bool {
	steps.iter().filter(|&&s| s <= step).all(|&s| path(dir, s).exists())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::schedule::Decay;

	#[test]
	fn checkpoints_are_evenly_spaced_and_the_last_is_the_final_step() {
		assert_eq!(checkpoint_steps(100, 4), vec![25, 50, 75, 100]);
		assert_eq!(checkpoint_steps(10, 4), vec![3, 5, 8, 10]);
		assert_eq!(checkpoint_steps(5, 4), vec![2, 3, 4, 5]);
		assert_eq!(checkpoint_steps(3, 4), vec![1, 2, 3]);
		assert_eq!(checkpoint_steps(1, 4), vec![1]);
		assert!(checkpoint_steps(0, 4).is_empty());
		for total in 1..200 {
			let steps = checkpoint_steps(total, 4);
			assert_eq!(steps.last(), Some(&total));
			assert!(steps.windows(2).all(|pair| pair[0] < pair[1]), "{total}: {steps:?}");
		}
	}

	#[test]
	fn each_checkpoint_carries_the_rates_of_the_steps_since_the_previous_one() {
		let schedule =
			Schedule { peak: 1.0, warmup_steps: 0, total_steps: 8, decay: Decay::Linear };
		// Rates 1, 7/8, …, 1/8 for steps 0..8.
		let kept = checkpoints(&checkpoint_steps(8, 4), &schedule);
		let rates: Vec<f64> = kept.iter().map(|c| c.rate).collect();
		assert_eq!(kept.iter().map(|c| c.step).collect::<Vec<_>>(), vec![2, 4, 6, 8]);
		assert_eq!(rates, vec![15.0 / 8.0, 11.0 / 8.0, 7.0 / 8.0, 3.0 / 8.0]);
		assert_eq!(rates.iter().sum::<f64>(), 36.0 / 8.0, "every step counted once");
	}

	#[test]
	fn a_copy_is_whole_or_absent() {
		let dir = tempfile::tempdir().unwrap();
		let tensors =
			HashMap::from([("a".to_string(), Tensor::new(&[1f32, 2.], &Device::Cpu).unwrap())]);
		assert!(complete_up_to(dir.path(), &[2, 4], 1));
		assert!(!complete_up_to(dir.path(), &[2, 4], 2));
		save(dir.path(), 2, &tensors).unwrap();
		assert!(complete_up_to(dir.path(), &[2, 4], 3));
		let back = load(dir.path(), 2, &Device::Cpu).unwrap();
		assert_eq!(back["a"].to_vec1::<f32>().unwrap(), vec![1., 2.]);
		let names: Vec<_> =
			std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
		assert_eq!(names, vec![std::ffi::OsString::from("step-2.safetensors")]);
		let err = load(dir.path(), 4, &Device::Cpu).unwrap_err().to_string();
		assert!(err.contains("step-4.safetensors") && err.contains("after step 4"), "{err}");
	}
}
