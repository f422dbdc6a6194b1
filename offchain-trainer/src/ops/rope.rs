//! Rotary position embeddings in the Hugging Face "rotate half" layout. GGUF files store
//! LLaMA's q/k rows interleaved for llama.cpp's RoPE; the loader undoes that permutation so
//! one layout serves both formats (and adapters come out in the PEFT/transformers basis).

use super::{
	attach1,
	portable_math::{powf, sin_cos},
};
use candle_core::{DType, Device, Result, Tensor, D};

#[derive(Clone, Debug)]
pub struct Rope {
	/// (positions, head_dim): cos/sin of each position's angles, each half repeated.
	cos: Tensor,
	sin: Tensor,
}

impl Rope {
	pub fn new(
		head_dim: usize,
		positions: usize,
		theta: f64,
		dtype: DType,
		device: &Device,
	) -> Result<Self> {
		// Angles, cos and sin in plain arithmetic (libm's pow/cos/sin differ between CPUs).
		let half = head_dim / 2;
		let frequencies: Vec<f64> =
			(0..half).map(|i| powf(theta, 2.0 * i as f64 / head_dim as f64)).collect();
		let mut cos = Vec::with_capacity(positions * head_dim);
		let mut sin = Vec::with_capacity(positions * head_dim);
		for position in 0..positions {
			let row: Vec<(f64, f64)> =
				frequencies.iter().map(|f| sin_cos(position as f64 / f)).collect();
			for _ in 0..2 {
				cos.extend(row.iter().map(|&(_, c)| c));
				sin.extend(row.iter().map(|&(s, _)| s));
			}
		}
		let make =
			|v: Vec<f64>| Tensor::from_vec(v, (positions, head_dim), device)?.to_dtype(dtype);
		Ok(Rope { cos: make(cos)?, sin: make(sin)? })
	}

	pub fn max_positions(&self) -> usize {
		self.cos.dims()[0]
	}

	/// xs (batch, heads, time, head_dim) at positions offset..offset+time.
	pub fn apply(&self, xs: &Tensor, offset: usize) -> Result<Tensor> {
		let (_, _, time, head_dim) = xs.dims4()?;
		let cos = self.cos.narrow(0, offset, time)?;
		let sin = self.sin.narrow(0, offset, time)?;
		let value = rotate(&xs.detach(), &cos, &sin, head_dim)?;
		// The rotation is orthogonal and sin repeats across the halves: its transpose is the
		// rotation by the opposite angles.
		let back_sin = sin.neg()?;
		attach1("rope", value, xs, move |_, _, grad| {
			Ok(Some(rotate(grad, &cos, &back_sin, head_dim)?))
		})
	}
}

/// x·cos + rotate_half(x)·sin, with rotate_half(x) = (−x₂, x₁).
fn rotate(xs: &Tensor, cos: &Tensor, sin: &Tensor, head_dim: usize) -> Result<Tensor> {
	let half = head_dim / 2;
	let rotated = Tensor::cat(
		&[&xs.narrow(D::Minus1, half, half)?.neg()?, &xs.narrow(D::Minus1, 0, half)?],
		D::Minus1,
	)?;
	xs.broadcast_mul(cos)? + rotated.broadcast_mul(sin)?
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::{check_gradient, random_tensor};

	#[test]
	fn rotation_keeps_norms_and_position_zero_is_identity() -> Result<()> {
		let rope = Rope::new(8, 16, 10_000., DType::F64, &Device::Cpu)?;
		let x = random_tensor(&[1, 2, 4, 8], 1)?;
		let y = rope.apply(&x, 3)?;
		let norms = |t: &Tensor| t.sqr()?.sum(D::Minus1)?.flatten_all()?.to_vec1::<f64>();
		for (a, b) in norms(&x)?.iter().zip(norms(&y)?) {
			assert!((a - b).abs() < 1e-12);
		}
		let at_zero = rope.apply(&x.narrow(2, 0, 1)?, 0)?;
		assert!((at_zero - x.narrow(2, 0, 1)?)?.abs()?.max_all()?.to_scalar::<f64>()? < 1e-15);
		Ok(())
	}

	#[test]
	fn gradient_matches_finite_differences() -> Result<()> {
		let rope = Rope::new(4, 8, 10_000., DType::F64, &Device::Cpu)?;
		let x = random_tensor(&[1, 2, 3, 4], 2)?;
		let r = random_tensor(&[1, 2, 3, 4], 3)?;
		check_gradient(&x, |x| (rope.apply(x, 2)? * &r)?.sum_all(), 1e-7)
	}
}
