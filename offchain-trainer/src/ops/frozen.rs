//! The frozen base weight of a linear layer: dense, or kept quantized (QLoRA).
//!
//! A plain `x.matmul(w)` would also compute `w`'s gradient in backward, a full extra matmul per
//! layer that training throws away. Here the product is computed without a graph and recorded
//! as one op whose backward returns `g·W` for the input only; for a quantized weight, `g`
//! times the dequantized weight.

use super::{
	attach::attach1,
	matmul::{self, Mode},
};
use crate::kernels::{self, Kernels};
use candle_core::{quantized::QTensor, Result, Tensor};
use std::sync::Arc;

/// Below this many rows (generation) a quantized weight multiplies in its block format; from
/// here on (training batches) dequantizing it for one f32 GEMM is several times faster, and
/// the dequantized copy lives only for the duration of the product.
const QUANTIZED_KERNEL_MAX_ROWS: usize = 16;

#[derive(Clone, Debug)]
pub enum FrozenWeight {
	/// (out, in), f32 (or f64 in tests).
	Dense(Tensor),
	/// (out, in) in a ggml block format; stays quantized in memory.
	Quantized(Arc<QTensor>),
}

impl FrozenWeight {
	/// (out, in)
	pub fn dims(&self) -> Result<(usize, usize)> {
		match self {
			FrozenWeight::Dense(w) => w.dims2(),
			FrozenWeight::Quantized(q) => q.shape().dims2(),
		}
	}

	pub fn dense(&self) -> Result<Tensor> {
		match self {
			FrozenWeight::Dense(w) => Ok(w.clone()),
			FrozenWeight::Quantized(q) => q.dequantize(&q.device()),
		}
	}

	/// Bytes held in memory.
	pub fn size_in_bytes(&self) -> usize {
		match self {
			FrozenWeight::Dense(w) => w.elem_count() * w.dtype().size_in_bytes(),
			FrozenWeight::Quantized(q) => q.storage_size_in_bytes(),
		}
	}

	/// x (rows, in) → x·Wᵀ, no graph, in this thread's kernels.
	pub fn product(&self, rows: &Tensor) -> Result<Tensor> {
		self.product_in(kernels::current(), rows)
	}

	/// x (rows, in) → x·Wᵀ, no graph. The quantized weight's own kernel (which also quantizes
	/// the activations) serves short inputs with `Fast` kernels only; otherwise the weight is
	/// dequantized for one dense product.
	pub fn product_in(&self, mode: Mode, rows: &Tensor) -> Result<Tensor> {
		let rows = rows.detach();
		match self {
			FrozenWeight::Dense(w) => matmul::product_in(mode, &rows, &w.t()?),
			FrozenWeight::Quantized(q)
				if mode.0 == Kernels::Fast && rows.dims()[0] <= QUANTIZED_KERNEL_MAX_ROWS =>
			{
				rows.contiguous()?.apply_op1_no_bwd(q.as_ref())
			},
			FrozenWeight::Quantized(q) => {
				matmul::product_in(mode, &rows, &q.dequantize(&q.device())?.t()?)
			},
		}
	}

	/// g (rows, out) → g·W, the input's gradient, in this thread's kernels.
	pub fn input_gradient(&self, grad: &Tensor) -> Result<Tensor> {
		self.input_gradient_in(kernels::current(), grad)
	}

	/// g (rows, out) → g·W, the input's gradient.
	pub fn input_gradient_in(&self, mode: Mode, grad: &Tensor) -> Result<Tensor> {
		let weight = self.dense()?;
		matmul::product_in(mode, grad, &weight.to_dtype(grad.dtype())?)
	}

	/// x (…, in) → x·Wᵀ (…, out); the gradient flows to `x` only.
	pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
		let (out_features, in_features) = self.dims()?;
		let mut dims = xs.dims().to_vec();
		let flat = xs.reshape((xs.elem_count() / in_features, in_features))?;
		let weight = self.clone();
		let mode = kernels::current();
		let ys =
			attach1("frozen-linear", self.product_in(mode, &flat)?, &flat, move |_, _, grad| {
				Ok(Some(weight.input_gradient_in(mode, grad)?))
			})?;
		*dims.last_mut().expect("a linear input has at least one dimension") = out_features;
		ys.reshape(dims)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::{check_gradient, random_tensor};
	use crate::rng::Rng;
	use candle_core::{quantized::GgmlDType, Device, Var};

	#[test]
	fn dense_forward_is_a_matmul_and_gradient_matches_finite_differences() -> Result<()> {
		let w = random_tensor(&[3, 4], 1)?;
		let x = random_tensor(&[2, 5, 4], 2)?;
		let frozen = FrozenWeight::Dense(w.clone());
		let want = x.broadcast_matmul(&w.t()?)?;
		let got = frozen.forward(&x)?;
		assert_eq!(got.dims(), &[2, 5, 3]);
		let diff = (got - want)?.abs()?.max_all()?.to_scalar::<f64>()?;
		assert!(diff < 1e-12);
		let r = random_tensor(&[2, 5, 3], 3)?;
		check_gradient(&x, |x| (frozen.forward(x)? * &r)?.sum_all(), 1e-7)
	}

	#[test]
	fn the_frozen_weight_gets_no_gradient() -> Result<()> {
		let w = Var::from_tensor(&random_tensor(&[3, 4], 1)?)?;
		let x = Var::from_tensor(&random_tensor(&[2, 4], 2)?)?;
		let grads = FrozenWeight::Dense(w.as_tensor().clone())
			.forward(x.as_tensor())?
			.sum_all()?
			.backward()?;
		assert!(grads.get(x.as_tensor()).is_some());
		assert!(grads.get(w.as_tensor()).is_none());
		Ok(())
	}

	/// With few rows the quantized kernel also quantizes the activations (Q8), so the check is a
	/// directional derivative against the backward through the dequantized weight, with a wide
	/// step: the product is linear in x, and a wide step keeps the rounding noise small.
	fn check_quantized(dtype: GgmlDType, tolerance: f32) -> Result<()> {
		let device = Device::Cpu;
		let mut rng = Rng::new(4);
		let w = Tensor::from_vec(rng.uniform(-1., 1., 8 * 64), (8, 64), &device)?;
		let frozen = FrozenWeight::Quantized(Arc::new(QTensor::quantize(&w, dtype)?));
		let x = Tensor::from_vec(rng.uniform(-1., 1., 3 * 64), (3, 64), &device)?;
		let r = Tensor::from_vec(rng.uniform(-1., 1., 3 * 8), (3, 8), &device)?;
		let direction = Tensor::from_vec(rng.uniform(-1., 1., 3 * 64), (3, 64), &device)?;
		let f = |x: &Tensor| -> Result<f32> {
			(frozen.forward(x)? * &r)?.sum_all()?.to_scalar::<f32>()
		};
		let var = Var::from_tensor(&x)?;
		let grads = (frozen.forward(var.as_tensor())? * &r)?.sum_all()?.backward()?;
		let analytic =
			(grads.get(var.as_tensor()).unwrap() * &direction)?.sum_all()?.to_scalar::<f32>()?;
		let step = 1.0;
		let numeric = (f(&(&x + (&direction * step)?)?)? - f(&(&x - (&direction * step)?)?)?)
			/ (2. * step as f32);
		let relative = (numeric - analytic).abs() / analytic.abs().max(1e-3);
		assert!(
			relative < tolerance,
			"{dtype:?}: backward {analytic}, finite differences {numeric}"
		);
		Ok(())
	}

	#[test]
	fn quantized_gradient_matches_finite_differences() -> Result<()> {
		check_quantized(GgmlDType::Q4_0, 0.02)?;
		check_quantized(GgmlDType::Q4_1, 0.02)?;
		check_quantized(GgmlDType::Q8_0, 0.02)
	}
}
