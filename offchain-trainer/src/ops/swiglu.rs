//! SwiGLU, silu(gate)·up, as one recorded op (LLaMA-family MLPs), with the sigmoid taken
//! through the vectorised exp on the CPU.

use super::{attach2, cpu::fast_exp};
use candle_core::{DType, Result, Tensor};

fn sigmoid(values: &[f32]) -> Vec<f32> {
	values.iter().map(|&g| 1.0 / (1.0 + fast_exp(-g))).collect()
}

fn values(t: &Tensor) -> Result<Vec<f32>> {
	t.detach().flatten_all()?.to_vec1::<f32>()
}

/// silu(gate)·up; gradients to both.
pub fn swiglu(gate: &Tensor, up: &Tensor) -> Result<Tensor> {
	if !gate.device().is_cpu() || gate.dtype() != DType::F32 || gate.shape() != up.shape() {
		return gate.silu()? * up;
	}
	let (g, u) = (values(gate)?, values(up)?);
	let s = sigmoid(&g);
	let out: Vec<f32> = g.iter().zip(&u).zip(&s).map(|((g, u), s)| g * s * u).collect();
	let value = Tensor::from_vec(out, gate.shape(), gate.device())?;
	attach2("swiglu", value, [gate, up], |[gate, up], grad| {
		let (g, u, go) = (values(gate)?, values(up)?, values(grad)?);
		let s = sigmoid(&g);
		// d up = go·g·σ(g); d gate = go·up·σ(g)·(1 + g·(1 − σ(g))).
		let d_up: Vec<f32> = go.iter().zip(&g).zip(&s).map(|((go, g), s)| go * g * s).collect();
		let d_gate: Vec<f32> = go
			.iter()
			.zip(&u)
			.zip(g.iter().zip(&s))
			.map(|((go, u), (g, s))| go * u * s * (1.0 + g * (1.0 - s)))
			.collect();
		Ok([
			Some(Tensor::from_vec(d_gate, gate.shape(), gate.device())?),
			Some(Tensor::from_vec(d_up, up.shape(), up.device())?),
		])
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::random_tensor;
	use candle_core::Var;

	#[test]
	fn value_and_gradients_equal_the_composites() -> Result<()> {
		let gate = Var::from_tensor(&(random_tensor(&[3, 8], 1)? * 4.0)?.to_dtype(DType::F32)?)?;
		let up = Var::from_tensor(&random_tensor(&[3, 8], 2)?.to_dtype(DType::F32)?)?;
		let r = random_tensor(&[3, 8], 3)?.to_dtype(DType::F32)?;
		let fused = swiglu(gate.as_tensor(), up.as_tensor())?;
		let composite = (gate.as_tensor().silu()? * up.as_tensor())?;
		let max = |t: Tensor| t.abs()?.max_all()?.to_scalar::<f32>();
		assert!(max((&fused - &composite)?)? < 1e-6);
		let (a, b) =
			((fused * &r)?.sum_all()?.backward()?, (composite * &r)?.sum_all()?.backward()?);
		for t in [gate.as_tensor(), up.as_tensor()] {
			assert!(max((a.get(t).unwrap() - b.get(t).unwrap())?)? < 1e-5);
		}
		Ok(())
	}
}
