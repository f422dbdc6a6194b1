//! AdamW with decoupled ("explicit") weight decay: θ ← θ − lr·(m̂/(√v̂+ε) + λ·θ).

use crate::Result;
use candle_core::{Tensor, Var};
use std::collections::HashMap;

pub struct AdamW {
	params: Vec<(String, Var)>,
	m: Vec<Tensor>,
	v: Vec<Tensor>,
	/// Updates applied so far (bias correction uses it).
	pub steps: usize,
	pub beta1: f64,
	pub beta2: f64,
	pub eps: f64,
	pub weight_decay: f64,
}

impl AdamW {
	pub fn new(params: Vec<(String, Var)>, weight_decay: f64) -> Result<Self> {
		let m =
			params.iter().map(|(_, p)| p.zeros_like()).collect::<candle_core::Result<Vec<_>>>()?;
		let v = m.clone();
		Ok(AdamW { params, m, v, steps: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay })
	}

	pub fn params(&self) -> &[(String, Var)] {
		&self.params
	}

	/// One update with `grads` in the order of `params`.
	pub fn step(&mut self, grads: &[Tensor], lr: f64) -> Result<()> {
		self.steps += 1;
		let correction1 = 1.0 - self.beta1.powi(self.steps as i32);
		let correction2 = 1.0 - self.beta2.powi(self.steps as i32);
		for (i, ((_, param), grad)) in self.params.iter().zip(grads).enumerate() {
			self.m[i] = ((&self.m[i] * self.beta1)? + (grad * (1.0 - self.beta1))?)?;
			self.v[i] = ((&self.v[i] * self.beta2)? + (grad.sqr()? * (1.0 - self.beta2))?)?;
			let m_hat = (&self.m[i] / correction1)?;
			let v_hat = (&self.v[i] / correction2)?;
			let update = (m_hat / (v_hat.sqrt()? + self.eps)?)?;
			let decayed = (param.as_tensor() * (1.0 - lr * self.weight_decay))?;
			param.set(&(decayed - (update * lr)?)?)?;
		}
		Ok(())
	}

	/// Moments keyed `m.<param>` / `v.<param>`, for checkpoints.
	pub fn state(&self) -> HashMap<String, Tensor> {
		let mut state = HashMap::new();
		for (i, (name, _)) in self.params.iter().enumerate() {
			state.insert(format!("m.{name}"), self.m[i].clone());
			state.insert(format!("v.{name}"), self.v[i].clone());
		}
		state
	}

	pub fn load_state(&mut self, mut state: HashMap<String, Tensor>, steps: usize) -> Result<()> {
		for (i, (name, _)) in self.params.iter().enumerate() {
			let missing =
				|| crate::Error::Invalid(format!("checkpoint has no optimizer state for {name}"));
			self.m[i] = state.remove(&format!("m.{name}")).ok_or_else(missing)?;
			self.v[i] = state.remove(&format!("v.{name}")).ok_or_else(missing)?;
		}
		self.steps = steps;
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle_core::Device;

	/// One step by hand: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g², update = g/(|g|+ε) = ±1.
	#[test]
	fn first_step_moves_each_weight_by_lr_plus_decay() -> Result<()> {
		let p = Var::new(&[1.0f32, -2.0], &Device::Cpu)?;
		let mut opt = AdamW::new(vec![("p".into(), p.clone())], 0.1)?;
		opt.step(&[Tensor::new(&[0.5f32, -3.0], &Device::Cpu)?], 0.01)?;
		let got = p.as_tensor().to_vec1::<f32>()?;
		assert!((got[0] - (1.0 * (1.0 - 0.001) - 0.01)).abs() < 1e-6, "{got:?}");
		assert!((got[1] - (-2.0 * (1.0 - 0.001) + 0.01)).abs() < 1e-6, "{got:?}");
		Ok(())
	}

	#[test]
	fn minimises_a_quadratic_and_state_round_trips() -> Result<()> {
		let p = Var::new(&[3.0f32, -4.0], &Device::Cpu)?;
		let mut opt = AdamW::new(vec![("p".into(), p.clone())], 0.0)?;
		for _ in 0..500 {
			let grad = (p.as_tensor() * 2.0)?; // d/dp of p²
			opt.step(&[grad], 0.05)?;
		}
		assert!(p.as_tensor().abs()?.max_all()?.to_scalar::<f32>()? < 0.05);
		let mut other = AdamW::new(vec![("p".into(), p.clone())], 0.0)?;
		other.load_state(opt.state(), opt.steps)?;
		assert_eq!(other.steps, 500);
		let err = other.load_state(HashMap::new(), 1).unwrap_err().to_string();
		assert!(err.contains("no optimizer state for p"), "{err}");
		Ok(())
	}
}
