//! Trainable causal language models: configs, loading, and the decoders themselves.

mod attention;
mod base;
mod builder;
mod config;
mod gguf;
mod gpt2;
pub mod hf;
mod linear;
mod llama;

pub use attention::KvCache;
pub use base::{BaseModel, StoredTensor};
pub use builder::{LoraSetup, Precision};
pub use config::{Gpt2Config, LlamaConfig, ModelConfig};
pub use linear::Linear;

use crate::{lora::LoraConfig, Result};
use candle_core::{Device, Tensor};
use std::collections::HashMap;

#[derive(Clone, Debug)]
enum Decoder {
	Llama(llama::Llama),
	Gpt2(gpt2::Gpt2),
}

/// A base model with its frozen layers in memory and, optionally, an adapter.
#[derive(Clone, Debug)]
pub struct Model {
	pub config: ModelConfig,
	pub lora: Option<LoraConfig>,
	pub precision: Precision,
	decoder: Decoder,
	device: Device,
}

impl Model {
	pub fn build(
		base: &BaseModel,
		device: &Device,
		precision: Precision,
		lora: LoraSetup,
	) -> Result<Self> {
		let mut builder = builder::Builder::new(base, device, precision, lora)?;
		let decoder = match &base.config {
			ModelConfig::Llama(c) => Decoder::Llama(llama::Llama::build(c, &mut builder)?),
			ModelConfig::Gpt2(c) => Decoder::Gpt2(gpt2::Gpt2::build(c, &mut builder)?),
		};
		let lora = builder.lora_config().cloned();
		builder.finish()?;
		Ok(Model { config: base.config.clone(), lora, precision, decoder, device: device.clone() })
	}

	/// This model (built without an adapter) with `adapter` attached. The frozen weights are
	/// shared, not copied: a server keeps one base in memory and many adapted models over it,
	/// each costing only its adapter's tensors.
	pub fn with_adapter(&self, adapter: crate::lora::LoadedAdapter) -> Result<Model> {
		if self.lora.is_some() {
			return Err(crate::Error::Invalid("this model already has an adapter".into()));
		}
		let crate::lora::LoadedAdapter { config, mut layers } = adapter;
		config.validate(self.config.linear_modules())?;
		let mut model = self.clone();
		let device = self.device.clone();
		let linears = match &mut model.decoder {
			Decoder::Llama(m) => m.linears_mut(),
			Decoder::Gpt2(m) => m.linears_mut(),
		};
		for linear in linears.into_iter().filter(|l| config.targets(&l.module)) {
			let (a, b) = layers.remove(&linear.module).ok_or_else(|| {
				crate::Error::Invalid(format!("the adapter has no weights for {}", linear.module))
			})?;
			let dims = linear.weight.dims()?;
			linear.lora =
				Some(builder::loaded_layer(&config, &linear.module, dims, (&a, &b), &device)?);
		}
		builder::no_weights_left(layers)?;
		model.lora = Some(config);
		Ok(model)
	}

	pub fn device(&self) -> &Device {
		&self.device
	}

	/// ids (batch, time) u32 → logits (batch, time, vocab). `cache` for generation;
	/// `dropout_seed` while training (adapter dropout).
	pub fn forward(
		&self,
		ids: &Tensor,
		cache: Option<&mut KvCache>,
		dropout_seed: Option<u64>,
	) -> Result<Tensor> {
		match &self.decoder {
			Decoder::Llama(m) => m.forward(ids, cache, dropout_seed),
			Decoder::Gpt2(m) => m.forward(ids, cache, dropout_seed),
		}
	}

	pub fn new_cache(&self) -> KvCache {
		KvCache::new(match &self.decoder {
			Decoder::Llama(m) => m.layers(),
			Decoder::Gpt2(m) => m.layers(),
		})
	}

	pub fn max_positions(&self) -> usize {
		match &self.decoder {
			Decoder::Llama(m) => m.max_positions(),
			Decoder::Gpt2(m) => m.max_positions(),
		}
	}

	pub fn linears(&self) -> Vec<&Linear> {
		match &self.decoder {
			Decoder::Llama(m) => m.linears(),
			Decoder::Gpt2(m) => m.linears(),
		}
	}

	/// The adapted layers, in model order.
	pub fn lora_layers(&self) -> Vec<(&str, &crate::lora::LoraLayer)> {
		self.linears()
			.into_iter()
			.filter_map(|l| Some((l.module.as_str(), l.lora.as_ref()?)))
			.collect()
	}

	/// The trainable variables by PEFT key.
	pub fn adapter_vars(&self) -> Vec<(String, candle_core::Var)> {
		crate::lora::adapter_vars(self.lora_layers())
	}

	/// Adapter tensors by PEFT key.
	pub fn adapter_tensors(&self) -> HashMap<String, Tensor> {
		crate::lora::adapter_tensors(self.lora_layers())
	}

	/// PEFT's `fan_in_fan_out`: GPT-2's Conv1D stores weights (in, out).
	pub fn fan_in_fan_out(&self) -> bool {
		matches!(self.config, ModelConfig::Gpt2(_))
	}

	pub fn trainable_parameters(&self) -> usize {
		self.lora_layers().iter().map(|(_, l)| l.a.elem_count() + l.b.elem_count()).sum()
	}

	/// Bytes held by the frozen linear weights (the part QLoRA shrinks).
	pub fn frozen_linear_bytes(&self) -> usize {
		self.linears().iter().map(|l| l.weight.size_in_bytes()).sum()
	}
}
