//! GELU with the tanh approximation (GPT-2's MLP) as one recorded op. candle's `gelu` takes
//! libm's tanhf, which glibc may run as an FMA variant; here tanh comes from the crate's
//! branch-free exp, so the value is the same on every CPU (and vectorises).

use super::{attach1, cpu::fast_exp};
use candle_core::{DType, Result, Tensor};

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const CUBIC: f32 = 0.044_715;

/// tanh u = 1 − 2/(e^{2u} + 1) (e^{2u} saturates to 0 or ~e⁸⁸ at the ends: exactly ±1).
#[inline(always)]
fn tanh(u: f32) -> f32 {
	1.0 - 2.0 / (fast_exp(2.0 * u) + 1.0)
}

fn values(t: &Tensor) -> Result<Vec<f32>> {
	t.detach().flatten_all()?.to_vec1::<f32>()
}

/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); the gradient flows to x.
pub fn gelu(xs: &Tensor) -> Result<Tensor> {
	if !xs.device().is_cpu() || xs.dtype() != DType::F32 {
		return xs.gelu();
	}
	let x = values(xs)?;
	let out: Vec<f32> = x
		.iter()
		.map(|&x| 0.5 * x * (1.0 + tanh(SQRT_2_OVER_PI * x * (1.0 + CUBIC * x * x))))
		.collect();
	let value = Tensor::from_vec(out, xs.shape(), xs.device())?;
	attach1("gelu", value, xs, |xs, _, grad| {
		let (x, g) = (values(xs)?, values(grad)?);
		// d/dx = ½(1 + t) + ½x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
		let dx: Vec<f32> = x
			.iter()
			.zip(&g)
			.map(|(&x, &g)| {
				let t = tanh(SQRT_2_OVER_PI * x * (1.0 + CUBIC * x * x));
				let slope = 0.5 * (1.0 + t)
					+ 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * x * x);
				g * slope
			})
			.collect();
		Ok(Some(Tensor::from_vec(dx, xs.shape(), xs.device())?))
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::random_tensor;
	use candle_core::Var;

	#[test]
	fn value_and_gradient_equal_candles_gelu() -> Result<()> {
		let x = Var::from_tensor(&(random_tensor(&[4, 64], 1)? * 6.0)?.to_dtype(DType::F32)?)?;
		let r = random_tensor(&[4, 64], 2)?.to_dtype(DType::F32)?;
		let ours = gelu(x.as_tensor())?;
		let candle = x.as_tensor().gelu()?;
		let max = |t: Tensor| t.abs()?.max_all()?.to_scalar::<f32>();
		assert!(max((&ours - &candle)?)? < 2e-6);
		let (a, b) = ((ours * &r)?.sum_all()?.backward()?, (candle * &r)?.sum_all()?.backward()?);
		assert!(max((a.get(x.as_tensor()).unwrap() - b.get(x.as_tensor()).unwrap())?)? < 2e-5);
		assert_eq!(tanh(100.0), 1.0);
		assert_eq!(tanh(-100.0), -1.0);
		Ok(())
	}
}
