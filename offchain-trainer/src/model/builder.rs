//! Turns a [`BaseModel`]'s stored tensors into layers: applies the precision of the frozen
//! base (dense for LoRA, quantized for QLoRA) and attaches adapters to the target modules.

use super::{BaseModel, Linear, StoredTensor};
use crate::{
	lora::{LoadedAdapter, LoraConfig, LoraLayer},
	ops::FrozenWeight,
	rng::Rng,
	Error, Result,
};
use candle_core::{
	quantized::{GgmlDType, QTensor},
	DType, Device, Tensor,
};
use std::{collections::HashMap, sync::Arc};

/// How the frozen base's linear weights are held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
	/// f32 (LoRA).
	Full,
	/// 4- or 8-bit ggml blocks (QLoRA); backward goes through the dequantized weight.
	Quantized { bits: u8 },
}

impl Precision {
	fn target(self) -> Option<GgmlDType> {
		match self {
			Precision::Full => None,
			Precision::Quantized { bits: 8 } => Some(GgmlDType::Q8_0),
			Precision::Quantized { .. } => Some(GgmlDType::Q4_0),
		}
	}

	/// A stored type already at the requested width is kept as it is.
	fn accepts(self, stored: GgmlDType) -> bool {
		match self {
			Precision::Full => false,
			Precision::Quantized { bits: 8 } => matches!(stored, GgmlDType::Q8_0 | GgmlDType::Q8_1),
			Precision::Quantized { .. } => {
				matches!(stored, GgmlDType::Q4_0 | GgmlDType::Q4_1 | GgmlDType::Q4K)
			},
		}
	}
}

/// Where adapter weights come from.
pub enum LoraSetup {
	None,
	/// Fresh PEFT initialisation from a seed.
	Fresh {
		config: LoraConfig,
		seed: u64,
	},
	/// A saved adapter (PEFT layout).
	Loaded(LoadedAdapter),
}

pub(crate) struct Builder<'a> {
	base: &'a BaseModel,
	device: Device,
	precision: Precision,
	lora: Option<LoraConfig>,
	rng: Rng,
	/// Some(weights by module) when the adapter comes from a file.
	loaded: Option<HashMap<String, (Tensor, Tensor)>>,
	next_index: u64,
}

impl<'a> Builder<'a> {
	pub fn new(
		base: &'a BaseModel,
		device: &Device,
		precision: Precision,
		lora: LoraSetup,
	) -> Result<Self> {
		if let Precision::Quantized { bits } = precision {
			if bits != 4 && bits != 8 {
				return Err(Error::Invalid(format!("--bits {bits}: QLoRA supports 4 or 8")));
			}
		}
		let (lora, seed, loaded) = match lora {
			LoraSetup::None => (None, 0, None),
			LoraSetup::Fresh { config, seed } => (Some(config), seed, None),
			LoraSetup::Loaded(adapter) => (Some(adapter.config), 0, Some(adapter.layers)),
		};
		if let Some(config) = &lora {
			config.validate(base.config.linear_modules())?;
		}
		Ok(Builder {
			base,
			device: device.clone(),
			precision,
			lora,
			rng: Rng::new(seed),
			loaded,
			next_index: 0,
		})
	}

	pub fn lora_config(&self) -> Option<&LoraConfig> {
		self.lora.as_ref()
	}

	/// A dense f32 tensor (embeddings, norms, biases).
	pub fn dense(&self, name: &str) -> Result<Tensor> {
		let tensor = match self.base.get(name)? {
			StoredTensor::Dense(t) => t.clone(),
			StoredTensor::Quantized(q) => q.dequantize(&Device::Cpu)?,
		};
		Ok(tensor.to_dtype(DType::F32)?.to_device(&self.device)?)
	}

	pub fn has(&self, name: &str) -> bool {
		self.base.has(name)
	}

	fn frozen(&self, name: &str) -> Result<FrozenWeight> {
		let stored = self.base.get(name)?;
		let quantize = |dense: &Tensor, dtype: GgmlDType| -> Result<FrozenWeight> {
			let in_features = dense.dims()[1];
			if !in_features.is_multiple_of(dtype.block_size()) {
				return Err(Error::Invalid(format!(
					"{name}: {in_features} input features are not a multiple of {dtype:?}'s block of {}; use --method lora",
					dtype.block_size()
				)));
			}
			Ok(FrozenWeight::Quantized(Arc::new(QTensor::quantize_onto(
				dense,
				dtype,
				&self.device,
			)?)))
		};
		match (stored, self.precision.target()) {
			(StoredTensor::Dense(t), None) => Ok(FrozenWeight::Dense(t.to_device(&self.device)?)),
			(StoredTensor::Dense(t), Some(dtype)) => quantize(t, dtype),
			(StoredTensor::Quantized(q), None) => {
				Ok(FrozenWeight::Dense(q.dequantize(&self.device)?))
			},
			(StoredTensor::Quantized(q), Some(_))
				if self.precision.accepts(q.dtype()) && self.device.is_cpu() =>
			{
				Ok(FrozenWeight::Quantized(q.clone()))
			},
			(StoredTensor::Quantized(q), Some(dtype)) => {
				quantize(&q.dequantize(&Device::Cpu)?, dtype)
			},
		}
	}

	/// The linear layer `module` (HF path without `.weight`).
	pub fn linear(&mut self, module: &str, bias: bool) -> Result<Linear> {
		let weight = self.frozen(&format!("{module}.weight"))?;
		let bias = if bias { Some(self.dense(&format!("{module}.bias"))?) } else { None };
		let lora = match &self.lora {
			Some(config) if config.targets(module) => {
				let (out_features, in_features) = weight.dims()?;
				Some(match self.loaded.as_mut().map(|l| l.remove(module)) {
					Some(Some((a, b))) => loaded_layer(
						config,
						module,
						(out_features, in_features),
						(&a, &b),
						&self.device,
					)?,
					None => LoraLayer::fresh(
						config,
						in_features,
						out_features,
						&mut self.rng,
						&self.device,
					)?,
					Some(None) => {
						return Err(Error::Invalid(format!(
							"the adapter has no weights for {module}"
						)))
					},
				})
			},
			_ => None,
		};
		self.next_index += 1;
		Ok(Linear { module: module.to_string(), weight, bias, lora, index: self.next_index })
	}

	/// Refuses an adapter with weights for modules the model does not have.
	pub fn finish(self) -> Result<()> {
		no_weights_left(self.loaded.unwrap_or_default())
	}
}

/// The adapted pair of `module`, whose frozen weight is (out, in), from a saved adapter's
/// `(a, b)`, refused when their shapes do not fit that weight.
pub(crate) fn loaded_layer(
	config: &LoraConfig,
	module: &str,
	(out_features, in_features): (usize, usize),
	(a, b): (&Tensor, &Tensor),
	device: &Device,
) -> Result<LoraLayer> {
	if a.dims() != [config.rank, in_features] || b.dims() != [out_features, config.rank] {
		return Err(Error::Invalid(format!(
			"adapter for {module} has shapes {:?}/{:?}, the base needs [{}, {in_features}]/[{out_features}, {}]",
			a.dims(),
			b.dims(),
			config.rank,
			config.rank
		)));
	}
	LoraLayer::from_tensors(config, &a.to_device(device)?, &b.to_device(device)?)
}

/// Refuses a saved adapter with weights left over for modules the model does not have.
pub(crate) fn no_weights_left(left: HashMap<String, (Tensor, Tensor)>) -> Result<()> {
	if left.is_empty() {
		return Ok(());
	}
	let mut modules: Vec<_> = left.into_keys().collect();
	modules.sort();
	Err(Error::Invalid(format!(
		"the adapter has weights for modules this base lacks: {} (was it trained on another base?)",
		modules.join(", ")
	)))
}
