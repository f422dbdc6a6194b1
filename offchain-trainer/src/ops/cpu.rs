//! Row-wise kernels shared by the custom ops' CPU forwards. Rows are independent, so the
//! result does not depend on how rayon splits them (deterministic across thread counts).

use super::portable_math;
use candle_core::{backend::BackendStorage, bail, CpuStorage, Layout, Result};
use num_traits::Float;
use rayon::prelude::*;

/// The storage's elements for a contiguous layout.
pub fn contiguous<'a, T>(data: &'a [T], layout: &Layout, op: &str) -> Result<&'a [T]> {
	match layout.contiguous_offsets() {
		Some((start, end)) => Ok(&data[start..end]),
		None => bail!("{op}: needs a contiguous input"),
	}
}

/// Element types of the row kernels: f32 (training) takes a vectorisable exp, f64 (the
/// finite-difference tests) the exact one.
pub trait Real: Float + Send + Sync {
	/// values[i] ← exp(values[i] − shift)
	fn exp_shifted(values: &mut [Self], shift: Self);
	/// ln in plain arithmetic (libm's may differ between CPUs).
	fn portable_ln(self) -> Self;
}

impl Real for f64 {
	fn exp_shifted(values: &mut [f64], shift: f64) {
		values.iter_mut().for_each(|v| *v = (*v - shift).exp());
	}

	fn portable_ln(self) -> f64 {
		portable_math::ln(self)
	}
}

impl Real for f32 {
	fn exp_shifted(values: &mut [f32], shift: f32) {
		values.iter_mut().for_each(|v| *v = fast_exp(*v - shift));
	}

	fn portable_ln(self) -> f32 {
		portable_math::ln_f32(self)
	}
}

/// exp for f32 without branches or calls, so loops over it vectorise (the softmax and
/// cross-entropy spend most of their time here): x = n·ln 2 + r with ln 2 split in two
/// (Cody–Waite, so n·ln2_hi is exact), e^r by a degree-7 Taylor polynomial on |r| ≤ ½ln 2,
/// times 2ⁿ built in the exponent bits. Relative error below 3·10⁻⁷; 0 below −87.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
	const LN2_HI: f32 = 0.693_359_4; // 355/512, exact with 9 significant bits
	const LN2_LO: f32 = -2.121_944_4e-4;
	let underflows = x < -87.0; // also −∞ (masked attention scores): exactly 0
	let x = x.clamp(-87.0, 88.0);
	// Round to nearest by the 1.5·2²³ trick: `f32::round` is a libm call on baseline x86-64.
	const ROUND: f32 = 12_582_912.0;
	let n = (x * std::f32::consts::LOG2_E + ROUND) - ROUND;
	let r = (x - n * LN2_HI) - n * LN2_LO;
	let p = 1.0
		+ r * (1.0
			+ r * (0.5
				+ r * (1.0 / 6.0
					+ r * (1.0 / 24.0
						+ r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
	let value = f32::from_bits(((n as i32 + 127) as u32) << 23) * p;
	if underflows {
		0.0
	} else {
		value
	}
}

pub fn softmax_rows<T: Real>(input: &[T], width: usize) -> Vec<T> {
	let mut out = input.to_vec();
	out.par_chunks_mut(width).for_each(|row| {
		let max = row.iter().copied().fold(T::neg_infinity(), T::max);
		T::exp_shifted(row, max);
		let inv = T::one() / row.iter().fold(T::zero(), |acc, &v| acc + v);
		row.iter_mut().for_each(|o| *o = *o * inv);
	});
	out
}

/// log Σ exp(row), stable.
pub fn log_sum_exp<T: Real>(row: &[T]) -> T {
	let max = row.iter().copied().fold(T::neg_infinity(), T::max);
	let mut sum = T::zero();
	let mut scratch = [T::zero(); 1024];
	for chunk in row.chunks(scratch.len()) {
		let part = &mut scratch[..chunk.len()];
		part.copy_from_slice(chunk);
		T::exp_shifted(part, max);
		sum = sum + part.iter().fold(T::zero(), |acc, &v| acc + v);
	}
	max + sum.portable_ln()
}

pub fn f32_or_f64<F32, F64>(
	storage: &CpuStorage,
	op: &str,
	f32: F32,
	f64: F64,
) -> Result<CpuStorage>
where
	F32: FnOnce(&[f32]) -> Result<Vec<f32>>,
	F64: FnOnce(&[f64]) -> Result<Vec<f64>>,
{
	Ok(match storage {
		CpuStorage::F32(data) => CpuStorage::F32(f32(data)?),
		CpuStorage::F64(data) => CpuStorage::F64(f64(data)?),
		other => bail!("{op}: expects f32 or f64, got {:?}", other.dtype()),
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn fast_exp_is_within_three_parts_in_ten_million() {
		let mut worst = 0f64;
		for i in -87_000..88_000 {
			let x = i as f32 / 1000.0;
			let exact = (x as f64).exp();
			worst = worst.max(((fast_exp(x) as f64) - exact).abs() / exact);
		}
		assert!(worst < 3e-7, "worst relative error {worst}");
		assert_eq!(fast_exp(f32::NEG_INFINITY), 0.0);
		assert_eq!(fast_exp(-87.5), 0.0);
	}
}
