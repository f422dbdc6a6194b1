//! Softmax over the last dimension with a backward pass.

use super::{cpu, reduce};
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor, D};

struct Softmax;

impl CustomOp1 for Softmax {
	fn name(&self) -> &'static str {
		"softmax-last-dim"
	}

	fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
		let width = layout.dims().last().copied().unwrap_or(1);
		let out = cpu::f32_or_f64(
			storage,
			self.name(),
			|data| Ok(cpu::softmax_rows(cpu::contiguous(data, layout, self.name())?, width)),
			|data| Ok(cpu::softmax_rows(cpu::contiguous(data, layout, self.name())?, width)),
		)?;
		Ok((out, layout.shape().clone()))
	}

	/// dx = p ⊙ (g − Σ g⊙p)
	fn bwd(&self, _arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
		let dot = reduce::sum_keepdim(&(grad * res)?)?;
		Ok(Some(res.mul(&grad.broadcast_sub(&dot)?)?))
	}
}

/// softmax(scale·x + mask) over the last dimension as one recorded op (attention scores:
/// `mask` is 0 or −∞, broadcast over the leading dimensions).
pub fn scaled_masked_softmax(xs: &Tensor, scale: f64, mask: &Tensor) -> Result<Tensor> {
	let value = softmax_last_dim(&(xs.detach() * scale)?.broadcast_add(mask)?)?;
	super::attach1("scaled-masked-softmax", value, xs, move |_, probs, grad| {
		let dot = reduce::sum_keepdim(&(grad * probs)?)?;
		Ok(Some((probs.mul(&grad.broadcast_sub(&dot)?)? * scale)?))
	})
}

pub fn softmax_last_dim(xs: &Tensor) -> Result<Tensor> {
	if xs.device().is_cpu() {
		xs.contiguous()?.apply_op1(Softmax)
	} else {
		// Shifting by a constant leaves softmax unchanged, so the max needs no gradient.
		let max = xs.max_keepdim(D::Minus1)?.detach();
		let exp = xs.broadcast_sub(&max)?.exp()?;
		exp.broadcast_div(&exp.sum_keepdim(D::Minus1)?)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::{check_gradient, random_tensor};
	use candle_core::Device;

	#[test]
	fn rows_sum_to_one_and_match_the_definition() -> Result<()> {
		let x = Tensor::new(&[[1f32, 2., 3.], [-1e4, 0., 1e4]], &Device::Cpu)?;
		let p = softmax_last_dim(&x)?.to_vec2::<f32>()?;
		let e = [1f32.exp(), 2f32.exp(), 3f32.exp()];
		let s: f32 = e.iter().sum();
		for (got, want) in p[0].iter().zip(e.iter().map(|v| v / s)) {
			assert!((got - want).abs() < 1e-6);
		}
		assert_eq!(p[1], vec![0., 0., 1.]);
		Ok(())
	}

	#[test]
	fn gradient_matches_finite_differences() -> Result<()> {
		let x = random_tensor(&[2, 3, 5], 11)?;
		let weights = random_tensor(&[2, 3, 5], 12)?;
		check_gradient(&x, |x| (softmax_last_dim(x)? * &weights)?.sum_all(), 1e-7)
	}

	#[test]
	fn scaled_masked_softmax_matches_the_composite_and_finite_differences() -> Result<()> {
		let x = random_tensor(&[2, 3, 4], 13)?;
		let mask =
			Tensor::new(&[[0f64, 0., f64::NEG_INFINITY, f64::NEG_INFINITY]; 3], &Device::Cpu)?;
		let fused = scaled_masked_softmax(&x, 0.5, &mask)?;
		let composite = softmax_last_dim(&(&x * 0.5)?.broadcast_add(&mask)?)?;
		assert!((fused - composite)?.abs()?.max_all()?.to_scalar::<f64>()? < 1e-15);
		let weights = random_tensor(&[2, 3, 4], 14)?;
		check_gradient(&x, |x| (scaled_masked_softmax(x, 0.5, &mask)? * &weights)?.sum_all(), 1e-7)
	}
}
