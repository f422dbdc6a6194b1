//! A linear layer: frozen base weight, optional frozen bias, optional trainable LoRA pair.
//!
//! With an adapter, y = x·Wᵀ + s·(d(x)·Aᵀ)·Bᵀ (d: dropout while training) is computed without
//! a graph and recorded as one op with gradients for x, A and B written out:
//! dB = s·gᵀ·(d(x)·Aᵀ), dA = s·(g·B)ᵀ·d(x), dx = g·W + d'(s·(g·B)·A).

use crate::{
	kernels,
	lora::LoraLayer,
	ops::{attach3, matmul::product_in, FrozenWeight},
};
use candle_core::{Result, Tensor};

#[derive(Clone, Debug)]
pub struct Linear {
	/// The module path in Hugging Face naming (`model.layers.0.self_attn.q_proj`).
	pub module: String,
	pub weight: FrozenWeight,
	pub bias: Option<Tensor>,
	pub lora: Option<LoraLayer>,
	/// Distinguishes this layer's dropout stream from the others'.
	pub index: u64,
}

impl Linear {
	/// A frozen layer without bias or adapter (the output head).
	pub fn frozen(module: &str, weight: Tensor) -> Self {
		Linear {
			module: module.into(),
			weight: FrozenWeight::Dense(weight),
			bias: None,
			lora: None,
			index: 0,
		}
	}

	pub fn forward(&self, xs: &Tensor, dropout_seed: Option<u64>) -> Result<Tensor> {
		let mut ys = match &self.lora {
			None => self.weight.forward(xs)?,
			Some(lora) => {
				let seed = dropout_seed.map(|s| s ^ self.index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
				self.adapted(xs, lora, seed)?
			},
		};
		if let Some(bias) = &self.bias {
			ys = ys.broadcast_add(bias)?;
		}
		Ok(ys)
	}

	fn adapted(&self, xs: &Tensor, lora: &LoraLayer, dropout_seed: Option<u64>) -> Result<Tensor> {
		let (out_features, in_features) = self.weight.dims()?;
		let mut dims = xs.dims().to_vec();
		let flat = xs.reshape((xs.elem_count() / in_features, in_features))?;
		let mask = lora.dropout_mask(flat.shape(), dropout_seed, flat.device())?;
		let (a, b, scale) =
			(lora.a.as_tensor().detach(), lora.b.as_tensor().detach(), lora.scale());
		let x = flat.detach();
		// The kernels of this thread, kept for the backward pass.
		let mode = kernels::current();
		let down = (product_in(mode, &dropped(&x, &mask)?, &a.t()?)? * scale)?;
		let value = (self.weight.product_in(mode, &x)? + product_in(mode, &down, &b.t()?)?)?;
		let weight = self.weight.clone();
		// `down` (rows × r) is kept for dB rather than recomputed.
		let ys = attach3(
			"lora-linear",
			value,
			[&flat, lora.a.as_tensor(), lora.b.as_tensor()],
			move |[x, _, _], grad| {
				let x = dropped(&x.detach(), &mask)?;
				let grad_b = product_in(mode, grad, &b)?; // (rows, r)
				let d_a = (product_in(mode, &grad_b.t()?, &x)? * scale)?;
				let d_b = product_in(mode, &grad.t()?, &down)?;
				let d_x = dropped(&(product_in(mode, &grad_b, &a)? * scale)?, &mask)?;
				Ok([Some((weight.input_gradient_in(mode, grad)? + d_x)?), Some(d_a), Some(d_b)])
			},
		)?;
		*dims.last_mut().expect("a linear input has at least one dimension") = out_features;
		ys.reshape(dims)
	}
}

fn dropped(xs: &Tensor, mask: &Option<Tensor>) -> Result<Tensor> {
	match mask {
		Some(mask) => xs * mask,
		None => Ok(xs.clone()),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{kernels::Kernels, lora::LoraConfig, ops::gradcheck::random_tensor, rng::Rng};
	use candle_core::{DType, Device, Var};

	fn layer(dropout: f64) -> Linear {
		let config = LoraConfig {
			rank: 3,
			alpha: 6.0,
			dropout,
			use_rslora: false,
			target_modules: vec!["q".into()],
		};
		let lora = LoraLayer::fresh(&config, 6, 5, &mut Rng::new(1), &Device::Cpu).unwrap();
		lora.b.set(&random_tensor(&[5, 3], 2).unwrap().to_dtype(DType::F32).unwrap()).unwrap();
		let weight =
			FrozenWeight::Dense(random_tensor(&[5, 6], 3).unwrap().to_dtype(DType::F32).unwrap());
		Linear { module: "q".into(), weight, bias: None, lora: Some(lora), index: 1 }
	}

	#[test]
	fn fused_forward_equals_base_plus_delta() -> Result<()> {
		let linear = layer(0.0);
		let x = random_tensor(&[2, 4, 6], 4)?.to_dtype(DType::F32)?;
		let fused = linear.forward(&x, None)?;
		let lora = linear.lora.as_ref().unwrap();
		let flat = x.reshape((8, 6))?;
		let reference = (linear.weight.forward(&flat)? + lora.delta(&flat)?)?.reshape((2, 4, 5))?;
		assert!((fused - reference)?.abs()?.max_all()?.to_scalar::<f32>()? < 1e-5);
		Ok(())
	}

	/// Gradients for x, A and B against the graph of the unfused composite (with dropout), with
	/// either class of kernels.
	#[test]
	fn fused_gradients_equal_the_composites() -> Result<()> {
		fused_gradients_equal_the_composites_with(Kernels::Fast)?;
		fused_gradients_equal_the_composites_with(Kernels::Portable)
	}

	fn fused_gradients_equal_the_composites_with(kernels: Kernels) -> Result<()> {
		let _kernels = crate::kernels::scope(kernels, None);
		let linear = layer(0.3);
		let lora = linear.lora.clone().unwrap();
		let x = Var::from_tensor(&random_tensor(&[7, 6], 5)?.to_dtype(DType::F32)?)?;
		let r = random_tensor(&[7, 5], 6)?.to_dtype(DType::F32)?;
		let fused = (linear.forward(x.as_tensor(), Some(9))? * &r)?.sum_all()?.backward()?;
		let mask =
			lora.dropout_mask(x.shape(), Some(9 ^ 0x9E37_79B9_7F4A_7C15), &Device::Cpu)?.unwrap();
		let composite = x.as_tensor().matmul(&linear.weight.dense()?.t()?)?
			+ lora.delta(&(x.as_tensor() * &mask)?)?;
		let composite = (composite? * &r)?.sum_all()?.backward()?;
		for t in [x.as_tensor(), lora.a.as_tensor(), lora.b.as_tensor()] {
			let diff = (fused.get(t).unwrap() - composite.get(t).unwrap())?
				.abs()?
				.max_all()?
				.to_scalar::<f32>()?;
			assert!(diff < 1e-5, "{kernels:?}: {diff}");
		}
		Ok(())
	}
}
