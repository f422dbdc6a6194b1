//! A base model as loaded from disk: config, tensors in Hugging Face naming and orientation
//! ((out, in) for every linear), tokenizer, and the hash of the weights as stored.

use super::{gguf, hf, ModelConfig};
use crate::{tokenizer::TextTokenizer, Error, Result};
use candle_core::{quantized::QTensor, Tensor};
use std::{collections::HashMap, path::Path, sync::Arc};

#[derive(Clone, Debug)]
pub enum StoredTensor {
	/// f32 on the CPU.
	Dense(Tensor),
	/// As stored in a GGUF file.
	Quantized(Arc<QTensor>),
}

pub struct BaseModel {
	pub config: ModelConfig,
	pub tensors: HashMap<String, StoredTensor>,
	pub tokenizer: TextTokenizer,
	/// Canonical hash of the tensors exactly as the file stores them.
	pub weights_hash: String,
	/// The file or directory name, for `base_model_name_or_path`.
	pub name: String,
}

impl BaseModel {
	/// `lora` with "all-linear" (no target modules) resolved to this base's linear layers.
	pub fn adapter_for(&self, lora: &crate::lora::LoraConfig) -> crate::lora::LoraConfig {
		self.config.adapter_for(lora)
	}

	/// A Hugging Face directory (`config.json`, `*.safetensors`, `tokenizer.json`) or a
	/// `.gguf` file.
	pub fn load(path: &Path) -> Result<Self> {
		if !path.exists() {
			Err(Error::format(path, "no such file or directory"))
		} else if path.is_dir() {
			hf::load(path)
		} else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gguf")) {
			gguf::load(path)
		} else {
			Err(Error::format(
				path,
				"expected a .gguf file or a directory with config.json and *.safetensors",
			))
		}
	}

	pub fn get(&self, name: &str) -> Result<&StoredTensor> {
		self.tensors.get(name).ok_or_else(|| Error::MissingTensor(name.to_string()))
	}

	pub fn has(&self, name: &str) -> bool {
		self.tensors.contains_key(name)
	}

	/// Parameters in the base.
	pub fn parameter_count(&self) -> usize {
		self.tensors
			.values()
			.map(|t| match t {
				StoredTensor::Dense(t) => t.elem_count(),
				StoredTensor::Quantized(q) => q.shape().elem_count(),
			})
			.sum()
	}
}

pub(crate) fn file_name(path: &Path) -> String {
	path.file_name()
		.map(|n| n.to_string_lossy().into_owned())
		.unwrap_or_else(|| path.display().to_string())
}
