//! RMSNorm (one recorded op with its backward written out; the weight is frozen) and
//! LayerNorm (a composite of differentiable ops; only GPT-2 uses it).

use super::attach1;
use candle_core::{Result, Tensor, D};

/// x / √(mean(x²) + ε) · weight; the gradient flows to x only.
pub fn rms_norm(xs: &Tensor, weight: &Tensor, eps: f64) -> Result<Tensor> {
	let x = xs.detach();
	let inverse_rms = (x.sqr()?.mean_keepdim(D::Minus1)? + eps)?.sqrt()?.recip()?;
	let value = x.broadcast_mul(&inverse_rms)?.broadcast_mul(weight)?;
	let weight = weight.detach();
	attach1("rms-norm", value, xs, move |x, _, grad| {
		// With x̂ = x·r and gw = g·w: dx = r·(gw − x̂·mean(gw·x̂)).
		let x_hat = x.detach().broadcast_mul(&inverse_rms)?;
		let weighted = grad.broadcast_mul(&weight)?;
		let dot = (&weighted * &x_hat)?.mean_keepdim(D::Minus1)?;
		Ok(Some(inverse_rms.broadcast_mul(&(weighted - x_hat.broadcast_mul(&dot)?)?)?))
	})
}

/// (x − mean) / √(var + ε) · weight + bias
pub fn layer_norm(xs: &Tensor, weight: &Tensor, bias: &Tensor, eps: f64) -> Result<Tensor> {
	let centred = xs.broadcast_sub(&xs.mean_keepdim(D::Minus1)?)?;
	let variance = centred.sqr()?.mean_keepdim(D::Minus1)?;
	centred.broadcast_div(&(variance + eps)?.sqrt()?)?.broadcast_mul(weight)?.broadcast_add(bias)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::{check_gradient, random_tensor};

	#[test]
	fn rms_norm_normalises_and_differentiates() -> Result<()> {
		let x = random_tensor(&[2, 3, 8], 1)?;
		let w = (random_tensor(&[8], 2)? + 1.5)?;
		let ones = w.ones_like()?;
		let rms = rms_norm(&x, &ones, 0.)?.sqr()?.mean_keepdim(D::Minus1)?;
		let off = (rms - 1.)?.abs()?.max_all()?.to_scalar::<f64>()?;
		assert!(off < 1e-12);
		let r = random_tensor(&[2, 3, 8], 3)?;
		check_gradient(&x, |x| (rms_norm(x, &w, 1e-5)? * &r)?.sum_all(), 1e-6)
	}

	#[test]
	fn layer_norm_normalises_and_differentiates() -> Result<()> {
		let x = random_tensor(&[3, 8], 4)?;
		let (w, b) = (random_tensor(&[8], 5)?, random_tensor(&[8], 6)?);
		let plain = layer_norm(&x, &w.ones_like()?, &b.zeros_like()?, 0.)?;
		let mean = plain.mean_keepdim(D::Minus1)?.abs()?.max_all()?.to_scalar::<f64>()?;
		assert!(mean < 1e-12);
		let r = random_tensor(&[3, 8], 7)?;
		check_gradient(&x, |x| (layer_norm(x, &w, &b, 1e-5)? * &r)?.sum_all(), 1e-6)
	}
}
