//! RMSNorm and LayerNorm, each one recorded op with its backward written out (the weights
//! are frozen). Row means are [`reduce`]'s sequential ones, so the bits do not depend on the
//! CPU's vector width.

use super::{attach1, reduce};
use candle_core::{Result, Tensor};

/// x / √(mean(x²) + ε) · weight; the gradient flows to x only.
pub fn rms_norm(xs: &Tensor, weight: &Tensor, eps: f64) -> Result<Tensor> {
	let x = xs.detach();
	let inverse_rms = (reduce::mean_keepdim(&x.sqr()?)? + eps)?.sqrt()?.recip()?;
	let value = x.broadcast_mul(&inverse_rms)?.broadcast_mul(weight)?;
	let weight = weight.detach();
	attach1("rms-norm", value, xs, move |x, _, grad| {
		// With x̂ = x·r and gw = g·w: dx = r·(gw − x̂·mean(gw·x̂)).
		let x_hat = x.detach().broadcast_mul(&inverse_rms)?;
		let weighted = grad.broadcast_mul(&weight)?;
		let dot = reduce::mean_keepdim(&(&weighted * &x_hat)?)?;
		Ok(Some(inverse_rms.broadcast_mul(&(weighted - x_hat.broadcast_mul(&dot)?)?)?))
	})
}

/// (x − mean) / √(var + ε) · weight + bias; the gradient flows to x only.
pub fn layer_norm(xs: &Tensor, weight: &Tensor, bias: &Tensor, eps: f64) -> Result<Tensor> {
	let x = xs.detach();
	let mean = reduce::mean_keepdim(&x)?;
	let centred = x.broadcast_sub(&mean)?;
	let deviation = (reduce::mean_keepdim(&centred.sqr()?)? + eps)?.sqrt()?;
	let value = centred.broadcast_div(&deviation)?.broadcast_mul(weight)?.broadcast_add(bias)?;
	let weight = weight.detach();
	attach1("layer-norm", value, xs, move |x, _, grad| {
		// With x̂ = (x − μ)/σ and gw = g·w: dx = (gw − mean(gw) − x̂·mean(gw·x̂)) / σ.
		let x_hat = x.detach().broadcast_sub(&mean)?.broadcast_div(&deviation)?;
		let weighted = grad.broadcast_mul(&weight)?;
		let mean_weighted = reduce::mean_keepdim(&weighted)?;
		let dot = reduce::mean_keepdim(&(&weighted * &x_hat)?)?;
		let centred = weighted.broadcast_sub(&mean_weighted)?.sub(&x_hat.broadcast_mul(&dot)?)?;
		Ok(Some(centred.broadcast_div(&deviation)?))
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::{check_gradient, random_tensor};
	use candle_core::D;

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
