//! Learning-rate schedules: linear warmup, then cosine, linear or no decay (as transformers'
//! `get_*_schedule_with_warmup`).

use crate::ops::portable_math;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Decay {
	Cosine,
	Linear,
	Constant,
}

#[derive(Clone, Debug)]
pub struct Schedule {
	pub peak: f64,
	pub warmup_steps: usize,
	pub total_steps: usize,
	pub decay: Decay,
}

impl Schedule {
	/// The rate for optimizer step `step` (0-based).
	pub fn at(&self, step: usize) -> f64 {
		if step < self.warmup_steps {
			return self.peak * (step + 1) as f64 / (self.warmup_steps + 1) as f64;
		}
		let span = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
		let progress = ((step - self.warmup_steps) as f64 / span).min(1.0);
		match self.decay {
			Decay::Constant => self.peak,
			Decay::Linear => self.peak * (1.0 - progress),
			Decay::Cosine => {
				self.peak * 0.5 * (1.0 + portable_math::cos(std::f64::consts::PI * progress))
			},
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn warms_up_then_decays() {
		let s = |decay| Schedule { peak: 1.0, warmup_steps: 3, total_steps: 13, decay };
		let cosine = s(Decay::Cosine);
		assert_eq!((cosine.at(0), cosine.at(2)), (0.25, 0.75));
		assert_eq!(cosine.at(3), 1.0);
		assert!((cosine.at(8) - 0.5).abs() < 1e-12);
		assert!(cosine.at(12) < 0.03 && cosine.at(12) > 0.0);
		let linear = s(Decay::Linear);
		assert!((linear.at(8) - 0.5).abs() < 1e-12);
		assert_eq!(s(Decay::Constant).at(12), 1.0);
		let windows: Vec<f64> = (3..13).map(|i| cosine.at(i)).collect();
		assert!(windows.windows(2).all(|w| w[1] < w[0]), "decays monotonically");
	}
}
