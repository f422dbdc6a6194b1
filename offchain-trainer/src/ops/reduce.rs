//! Sums with a fixed order: each row (or the whole tensor) added up sequentially in index
//! order, rows in parallel. candle's CPU sums pick an 8-accumulator AVX path at run time, whose
//! rounding differs from the scalar one, so results would depend on the CPU; these do not (and
//! not on the thread count). On other devices they are candle's.
//!
//! The functions record a backward pass (the gradient broadcast back), so they also serve
//! composites; the custom ops call them on detached tensors.

use super::attach1;
use candle_core::{CpuStorage, DType, Result, Storage, Tensor, D};
use num_traits::Float;
use rayon::prelude::*;

/// Rows at least this long are summed in parallel (shorter ones are not worth a task).
const PARALLEL_ELEMENTS: usize = 1 << 15;

/// The sequential sum of `values`, from 0 in index order.
#[inline]
pub fn sequential_sum<T: Float>(values: &[T]) -> T {
	values.iter().fold(T::zero(), |acc, &v| acc + v)
}

/// Sequential sums of each `width`-long row of `values`.
pub fn row_sums<T: Float + Send + Sync>(values: &[T], width: usize) -> Vec<T> {
	if width == 0 {
		return Vec::new();
	}
	if values.len() >= PARALLEL_ELEMENTS {
		values.par_chunks(width).map(sequential_sum).collect()
	} else {
		values.chunks(width).map(sequential_sum).collect()
	}
}

fn own_kernel(xs: &Tensor) -> bool {
	xs.device().is_cpu() && matches!(xs.dtype(), DType::F32 | DType::F64)
}

/// Row sums (or, with `mean`, sums divided by the width) of a CPU f32/f64 tensor over its
/// last dimension, keepdim, without a graph.
fn sum_last_value(xs: &Tensor, mean: bool) -> Result<Tensor> {
	let width = xs.dims().last().copied().unwrap_or(1);
	let mut dims = xs.dims().to_vec();
	if let Some(last) = dims.last_mut() {
		*last = 1;
	}
	let xs = xs.detach().contiguous()?;
	let (storage, layout) = xs.storage_and_layout();
	let (start, end) = layout.contiguous_offsets().expect("made contiguous");
	let sums = match &*storage {
		Storage::Cpu(CpuStorage::F32(data)) => {
			let mut sums = row_sums(&data[start..end], width);
			if mean {
				sums.iter_mut().for_each(|s| *s /= width as f32);
			}
			Tensor::from_vec(sums, dims, xs.device())?
		},
		Storage::Cpu(CpuStorage::F64(data)) => {
			let mut sums = row_sums(&data[start..end], width);
			if mean {
				sums.iter_mut().for_each(|s| *s /= width as f64);
			}
			Tensor::from_vec(sums, dims, xs.device())?
		},
		_ => unreachable!("checked by own_kernel"),
	};
	Ok(sums)
}

/// Σ over the last dimension, keepdim.
pub fn sum_keepdim(xs: &Tensor) -> Result<Tensor> {
	if !own_kernel(xs) {
		return xs.sum_keepdim(D::Minus1);
	}
	let value = sum_last_value(xs, false)?;
	attach1("sum-last", value, xs, |x, _, grad| Ok(Some(grad.broadcast_as(x.shape())?)))
}

/// The mean over the last dimension, keepdim: the sequential sum divided by the width.
/// (The gradient, g/width, is broadcast back.)
pub fn mean_keepdim(xs: &Tensor) -> Result<Tensor> {
	if !own_kernel(xs) {
		return xs.mean_keepdim(D::Minus1);
	}
	let width = xs.dims().last().copied().unwrap_or(1) as f64;
	let value = sum_last_value(xs, true)?;
	attach1("mean-last", value, xs, move |x, _, grad| {
		Ok(Some((grad / width)?.broadcast_as(x.shape())?))
	})
}

/// Σ of every element, in index order: a scalar.
pub fn sum_all(xs: &Tensor) -> Result<Tensor> {
	if !own_kernel(xs) {
		return xs.sum_all();
	}
	let value = sum_last_value(&xs.flatten_all()?, false)?.reshape(())?;
	attach1("sum-all", value, xs, |x, _, grad| Ok(Some(grad.broadcast_as(x.shape())?)))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::{check_gradient, random_tensor};
	use crate::rng::Rng;
	use candle_core::Device;

	fn loop_sum(values: &[f32]) -> f32 {
		let mut sum = 0f32;
		for &v in values {
			sum += v;
		}
		sum
	}

	#[test]
	fn sums_are_bit_identical_to_sequential_loops() -> Result<()> {
		// Wide rows (more than candle's 8-lane path and the parallel threshold) of values
		// spanning magnitudes, so a different order would round differently.
		let (rows, width) = (9, 5000);
		let values: Vec<f32> = Rng::new(3)
			.uniform(-1.0, 1.0, rows * width)
			.iter()
			.enumerate()
			.map(|(i, v)| v * (1 + i % 97) as f32 * 1e3f32.powi((i % 5) as i32 - 2))
			.collect();
		let xs = Tensor::from_vec(values.clone(), (rows, width), &Device::Cpu)?;
		let sums = sum_keepdim(&xs)?;
		assert_eq!(sums.dims(), &[rows, 1]);
		let want: Vec<u32> = values.chunks(width).map(|r| loop_sum(r).to_bits()).collect();
		let got: Vec<u32> =
			sums.flatten_all()?.to_vec1::<f32>()?.iter().map(|v| v.to_bits()).collect();
		assert_eq!(got, want);
		let means = mean_keepdim(&xs)?.flatten_all()?.to_vec1::<f32>()?;
		for (mean, row) in means.iter().zip(values.chunks(width)) {
			assert_eq!(mean.to_bits(), (loop_sum(row) / width as f32).to_bits());
		}
		let all = sum_all(&xs.t()?)?.to_scalar::<f32>()?;
		let transposed: Vec<f32> = (0..width)
			.flat_map(|j| (0..rows).map(move |i| (i, j)))
			.map(|(i, j)| values[i * width + j])
			.collect();
		assert_eq!(all.to_bits(), loop_sum(&transposed).to_bits(), "index order of the view");
		Ok(())
	}

	#[test]
	fn gradients_broadcast_back() -> Result<()> {
		let x = random_tensor(&[2, 3, 5], 1)?;
		let r = random_tensor(&[2, 3, 1], 2)?;
		check_gradient(&x, |x| sum_all(&(sum_keepdim(x)? * &r)?), 1e-8)?;
		check_gradient(&x, |x| sum_all(&(mean_keepdim(x)? * &r)?), 1e-8)?;
		check_gradient(&x, |x| sum_all(&x.sqr()?), 1e-8)
	}
}
