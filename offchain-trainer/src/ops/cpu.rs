//! Row-wise kernels shared by the custom ops' CPU forwards. Rows are independent, so the
//! result does not depend on how rayon splits them (deterministic across thread counts).

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

pub fn softmax_rows<T: Float + Send + Sync>(input: &[T], width: usize) -> Vec<T> {
	let mut out = vec![T::zero(); input.len()];
	out.par_chunks_mut(width).zip(input.par_chunks(width)).for_each(|(out, row)| {
		let max = row.iter().copied().fold(T::neg_infinity(), T::max);
		let mut sum = T::zero();
		for (o, &x) in out.iter_mut().zip(row) {
			*o = (x - max).exp();
			sum = sum + *o;
		}
		let inv = T::one() / sum;
		out.iter_mut().for_each(|o| *o = *o * inv);
	});
	out
}

/// log Σ exp(row), stable.
pub fn log_sum_exp<T: Float>(row: &[T]) -> T {
	let max = row.iter().copied().fold(T::neg_infinity(), T::max);
	let sum = row.iter().fold(T::zero(), |acc, &x| acc + (x - max).exp());
	max + sum.ln()
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
