//! Folding an adapter into its base: W' = W + scale·B·A, written as a dense (f32) Hugging Face
//! checkpoint that transformers and this trainer both load. Without an adapter it is a plain
//! export (a GGUF base dequantized into safetensors).

use crate::{
	hash,
	kernels::{self, Kernels},
	lora::LoadedAdapter,
	model::{hf::is_gpt2_conv1d, BaseModel, ModelConfig, StoredTensor},
	ops::matmul::product_in,
	Error, Result,
};
use candle_core::{Device, Tensor};
use std::{collections::HashMap, path::Path};

pub const MERGED_WEIGHTS: &str = "model.safetensors";

/// Writes `model.safetensors`, `config.json` and the tokenizer into `out`; returns the
/// canonical hash of the written tensors.
pub fn merge(base: &BaseModel, adapter: Option<&LoadedAdapter>, out: &Path) -> Result<String> {
	let mut tensors: HashMap<String, Tensor> = HashMap::with_capacity(base.tensors.len());
	for (name, stored) in &base.tensors {
		let dense = match stored {
			StoredTensor::Dense(t) => t.clone(),
			StoredTensor::Quantized(q) => q.dequantize(&Device::Cpu)?,
		};
		tensors.insert(name.clone(), dense);
	}
	if let Some(adapter) = adapter {
		let scale = adapter.config.scale();
		for (module, (a, b)) in &adapter.layers {
			let name = format!("{module}.weight");
			let weight = tensors.get_mut(&name).ok_or_else(|| {
				Error::Invalid(format!(
					"the adapter targets {module}, which this base does not have"
				))
			})?;
			let (out_features, in_features) = weight.dims2()?;
			if a.dims2()?.1 != in_features || b.dims2()?.0 != out_features {
				return Err(Error::Invalid(format!(
					"adapter for {module} is {:?}·{:?}, the base weight is [{out_features}, {in_features}]",
					b.dims(),
					a.dims()
				)));
			}
			// B·A with the portable kernel: the merged weights are the same on every CPU.
			let portable = (Kernels::Portable, kernels::detected_level());
			let delta =
				product_in(portable, &b.to_device(&Device::Cpu)?, &a.to_device(&Device::Cpu)?)?;
			*weight = (&*weight + (delta * scale)?)?;
		}
	}
	if let ModelConfig::Gpt2(_) = base.config {
		for (name, tensor) in tensors.iter_mut() {
			if is_gpt2_conv1d(name) {
				*tensor = tensor.t()?.contiguous()?;
			}
		}
	}
	std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
	candle_core::safetensors::save(&tensors, out.join(MERGED_WEIGHTS))?;
	let config_path = out.join("config.json");
	let config = serde_json::to_string_pretty(&base.config.to_hf_json()).expect("json");
	std::fs::write(&config_path, config).map_err(|e| Error::io(&config_path, e))?;
	base.tokenizer.save_to_dir(out)?;
	Ok(hash::tensors_hash(&tensors)?)
}
