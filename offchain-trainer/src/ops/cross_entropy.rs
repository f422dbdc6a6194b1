//! Token-level cross-entropy, fused: with a 49k-token vocabulary the logits are the largest
//! activation of a step, and a composite log-softmax would sweep them many times.

use super::{cpu, reduce};
use candle_core::{
	backend::BackendStorage, bail, CpuStorage, CustomOp2, CustomOp3, DType, Layout, Result, Shape,
	Tensor, D,
};
use rayon::prelude::*;

/// (logits (N, V), targets (N,) u32) → per-row negative log-likelihood (N,).
struct CrossEntropy;

/// (logits, targets, upstream gradient (N,)) → gradient of the logits: (softmax − onehot)·g.
struct CrossEntropyGrad;

fn targets_of<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [u32]> {
	match storage {
		CpuStorage::U32(data) => cpu::contiguous(data, layout, op),
		other => bail!("{op}: targets must be u32, got {:?}", other.dtype()),
	}
}

fn check_targets(targets: &[u32], vocab: usize) -> Result<()> {
	if let Some(bad) = targets.iter().find(|&&t| t as usize >= vocab) {
		bail!("cross-entropy: target token {bad} is outside the vocabulary of {vocab}");
	}
	Ok(())
}

fn nll_rows<T: cpu::Real>(logits: &[T], targets: &[u32], vocab: usize) -> Vec<T> {
	logits
		.par_chunks(vocab)
		.zip(targets.par_iter())
		.map(|(row, &target)| cpu::log_sum_exp(row) - row[target as usize])
		.collect()
}

fn nll_grad_rows<T: cpu::Real>(
	logits: &[T],
	targets: &[u32],
	upstream: &[T],
	vocab: usize,
) -> Vec<T> {
	let mut out = cpu::softmax_rows(logits, vocab);
	out.par_chunks_mut(vocab).zip(targets.par_iter().zip(upstream.par_iter())).for_each(
		|(row, (&target, &g))| {
			row[target as usize] = row[target as usize] - T::one();
			row.iter_mut().for_each(|v| *v = *v * g);
		},
	);
	out
}

impl CustomOp2 for CrossEntropy {
	fn name(&self) -> &'static str {
		"cross-entropy"
	}

	fn cpu_fwd(
		&self,
		logits: &CpuStorage,
		logits_layout: &Layout,
		targets: &CpuStorage,
		targets_layout: &Layout,
	) -> Result<(CpuStorage, Shape)> {
		let (rows, vocab) = logits_layout.shape().dims2()?;
		let targets = targets_of(targets, targets_layout, self.name())?;
		if targets.len() != rows {
			bail!("cross-entropy: {rows} rows of logits but {} targets", targets.len());
		}
		check_targets(targets, vocab)?;
		let out = cpu::f32_or_f64(
			logits,
			self.name(),
			|data| {
				Ok(nll_rows(cpu::contiguous(data, logits_layout, "cross-entropy")?, targets, vocab))
			},
			|data| {
				Ok(nll_rows(cpu::contiguous(data, logits_layout, "cross-entropy")?, targets, vocab))
			},
		)?;
		Ok((out, Shape::from(rows)))
	}

	fn bwd(
		&self,
		logits: &Tensor,
		targets: &Tensor,
		_res: &Tensor,
		grad: &Tensor,
	) -> Result<(Option<Tensor>, Option<Tensor>)> {
		let grad = grad.contiguous()?;
		Ok((Some(logits.apply_op3_no_bwd(targets, &grad, &CrossEntropyGrad)?), None))
	}
}

impl CustomOp3 for CrossEntropyGrad {
	fn name(&self) -> &'static str {
		"cross-entropy-grad"
	}

	fn cpu_fwd(
		&self,
		logits: &CpuStorage,
		logits_layout: &Layout,
		targets: &CpuStorage,
		targets_layout: &Layout,
		upstream: &CpuStorage,
		upstream_layout: &Layout,
	) -> Result<(CpuStorage, Shape)> {
		let (_, vocab) = logits_layout.shape().dims2()?;
		let targets = targets_of(targets, targets_layout, self.name())?;
		let out = match (logits, upstream) {
			(CpuStorage::F32(l), CpuStorage::F32(g)) => CpuStorage::F32(nll_grad_rows(
				cpu::contiguous(l, logits_layout, self.name())?,
				targets,
				cpu::contiguous(g, upstream_layout, self.name())?,
				vocab,
			)),
			(CpuStorage::F64(l), CpuStorage::F64(g)) => CpuStorage::F64(nll_grad_rows(
				cpu::contiguous(l, logits_layout, self.name())?,
				targets,
				cpu::contiguous(g, upstream_layout, self.name())?,
				vocab,
			)),
			_ => bail!("cross-entropy-grad: logits and gradient must both be f32 or f64"),
		};
		Ok((out, logits_layout.shape().clone()))
	}
}

/// Per-row NLL of `targets` under `logits` (N, V).
pub fn cross_entropy_rows(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
	if logits.device().is_cpu() {
		logits.contiguous()?.apply_op2(&targets.contiguous()?, CrossEntropy)
	} else {
		let max = logits.max_keepdim(D::Minus1)?.detach();
		let shifted = logits.broadcast_sub(&max)?;
		let log_sum = shifted.exp()?.sum_keepdim(D::Minus1)?.log()?;
		let picked = shifted.gather(&targets.unsqueeze(1)?, 1)?;
		(log_sum - picked)?.squeeze(1)
	}
}

/// Mean NLL over the positions where `mask` is 1: logits (B, T, V), targets and mask (B, T).
pub fn masked_cross_entropy(logits: &Tensor, targets: &Tensor, mask: &Tensor) -> Result<Tensor> {
	let mask = mask.flatten_all()?.to_dtype(logits.dtype())?;
	let count = reduce::sum_all(&mask)?.to_dtype(DType::F64)?.to_scalar::<f64>()?.max(1.0);
	weighted_cross_entropy_sum(logits, targets, &mask)? / count
}

/// Σ over positions of weight × NLL: logits (B, T, V), targets and weights (B, T) (or
/// flattened). The influence attribution weighs each token by its file's acceptance weight,
/// and 0 for other contributors' tokens.
pub fn weighted_cross_entropy_sum(
	logits: &Tensor,
	targets: &Tensor,
	weights: &Tensor,
) -> Result<Tensor> {
	let (batch, time, vocab) = logits.dims3()?;
	let per_token =
		cross_entropy_rows(&logits.reshape((batch * time, vocab))?, &targets.flatten_all()?)?;
	let weights = weights.flatten_all()?.to_dtype(per_token.dtype())?;
	reduce::sum_all(&(per_token * weights)?)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::{check_gradient, random_tensor};
	use candle_core::Device;

	#[test]
	fn matches_log_softmax_definition() -> Result<()> {
		let logits = Tensor::new(&[[0f64, 1., 2.], [3., -1., 0.5]], &Device::Cpu)?;
		let targets = Tensor::new(&[2u32, 0], &Device::Cpu)?;
		let nll = cross_entropy_rows(&logits, &targets)?.to_vec1::<f64>()?;
		let lse0 = (0f64.exp() + 1f64.exp() + 2f64.exp()).ln();
		let lse1 = (3f64.exp() + (-1f64).exp() + 0.5f64.exp()).ln();
		assert!((nll[0] - (lse0 - 2.)).abs() < 1e-12);
		assert!((nll[1] - (lse1 - 3.)).abs() < 1e-12);
		Ok(())
	}

	#[test]
	fn gradient_matches_finite_differences() -> Result<()> {
		let logits = random_tensor(&[2, 3, 7], 5)?;
		let targets = Tensor::new(&[[1u32, 6, 0], [3, 3, 2]], &Device::Cpu)?;
		let mask = Tensor::new(&[[1f64, 1., 0.], [1., 0., 1.]], &Device::Cpu)?;
		check_gradient(&logits, |l| masked_cross_entropy(l, &targets, &mask), 1e-7)
	}

	#[test]
	fn weighted_gradient_matches_finite_differences() -> Result<()> {
		let logits = random_tensor(&[2, 3, 7], 6)?;
		let targets = Tensor::new(&[[1u32, 6, 0], [3, 3, 2]], &Device::Cpu)?;
		let weights = Tensor::new(&[[80f64, 0., 80.], [0., 100., 100.]], &Device::Cpu)?;
		check_gradient(&logits, |l| weighted_cross_entropy_sum(l, &targets, &weights), 1e-6)
	}

	#[test]
	fn masked_positions_do_not_count() -> Result<()> {
		let logits = random_tensor(&[1, 2, 4], 9)?;
		let targets = Tensor::new(&[[1u32, 2]], &Device::Cpu)?;
		let only_first = Tensor::new(&[[1f64, 0.]], &Device::Cpu)?;
		let loss = masked_cross_entropy(&logits, &targets, &only_first)?.to_scalar::<f64>()?;
		let first =
			cross_entropy_rows(&logits.squeeze(0)?, &targets.squeeze(0)?)?.to_vec1::<f64>()?[0];
		assert!((loss - first).abs() < 1e-12);
		Ok(())
	}

	#[test]
	fn out_of_vocabulary_target_is_an_error() {
		let logits = Tensor::zeros((1, 4), DType::F32, &Device::Cpu).unwrap();
		let targets = Tensor::new(&[4u32], &Device::Cpu).unwrap();
		let err = cross_entropy_rows(&logits, &targets).unwrap_err().to_string();
		assert!(err.contains("outside the vocabulary"), "{err}");
	}
}
