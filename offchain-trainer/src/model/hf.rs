//! Hugging Face checkpoints: `config.json`, one or more `*.safetensors`, `tokenizer.json`.

use super::{base::file_name, BaseModel, ModelConfig, StoredTensor};
use crate::{hash::tensors_hash, tokenizer::TextTokenizer, Error, Result};
use candle_core::{DType, Device, Tensor};
use std::{collections::HashMap, path::Path};

/// GPT-2 stores these as Conv1D, (in, out); everything else here is (out, in).
const GPT2_CONV1D: &[&str] =
	&["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];

pub fn load(dir: &Path) -> Result<BaseModel> {
	let config_path = dir.join("config.json");
	let text = std::fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
	let json = serde_json::from_str(&text).map_err(|e| Error::format(&config_path, e))?;
	let config = ModelConfig::from_hf_json(&json)?;

	let mut files: Vec<_> = std::fs::read_dir(dir)
		.map_err(|e| Error::io(dir, e))?
		.filter_map(|entry| entry.ok().map(|e| e.path()))
		.filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
		.collect();
	files.sort();
	if files.is_empty() {
		return Err(Error::format(dir, "no *.safetensors weights in this directory"));
	}
	let mut stored = HashMap::new();
	for file in &files {
		stored.extend(candle_core::safetensors::load(file, &Device::Cpu)?);
	}
	let weights_hash = tensors_hash(&stored)?;
	let tensors = normalise(&config, stored)?;
	let tokenizer = TextTokenizer::from_dir(dir)?;
	Ok(BaseModel { config, tensors, tokenizer, weights_hash, name: file_name(dir) })
}

/// f32, HF LM-head naming (`transformer.` for GPT-2), (out, in) linears.
fn normalise(
	config: &ModelConfig,
	stored: HashMap<String, Tensor>,
) -> Result<HashMap<String, StoredTensor>> {
	let mut tensors = HashMap::new();
	for (name, tensor) in stored {
		let mut tensor = tensor.to_dtype(DType::F32)?;
		let name = match config {
			ModelConfig::Gpt2(_) => {
				if name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias") {
					continue; // causal-mask buffers, not weights
				}
				if is_gpt2_conv1d(&name) {
					tensor = tensor.t()?.contiguous()?;
				}
				if name.starts_with("transformer.") || name == "lm_head.weight" {
					name
				} else {
					format!("transformer.{name}")
				}
			},
			ModelConfig::Llama(_) => name,
		};
		tensors.insert(name, StoredTensor::Dense(tensor));
	}
	Ok(tensors)
}

/// The transpose back to GPT-2's Conv1D layout, for writing a merged checkpoint.
pub fn is_gpt2_conv1d(name: &str) -> bool {
	GPT2_CONV1D.iter().any(|suffix| name.ends_with(suffix))
}
