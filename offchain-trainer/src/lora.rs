//! LoRA adapters with PEFT semantics: y = W·x + (α/r)·B·A·x (or α/√r with rsLoRA), A
//! kaiming-uniform, B zero, so a fresh adapter leaves the base model unchanged. Saved and
//! loaded in PEFT's layout (`adapter_model.safetensors` + `adapter_config.json`).

use crate::{rng::Rng, Error, Result};
use candle_core::{DType, Device, Tensor, Var};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::{collections::HashMap, path::Path};

pub const ADAPTER_WEIGHTS: &str = "adapter_model.safetensors";
pub const ADAPTER_CONFIG: &str = "adapter_config.json";
/// PEFT prefixes every key with the wrapper's path to the base model.
const PEFT_PREFIX: &str = "base_model.model.";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoraConfig {
	pub rank: usize,
	pub alpha: f64,
	pub dropout: f64,
	/// Scale by α/√r instead of α/r (rank-stabilised LoRA).
	pub use_rslora: bool,
	/// Short module names (`q_proj`, `c_attn`, …) that get an adapter.
	pub target_modules: Vec<String>,
}

impl LoraConfig {
	pub fn scale(&self) -> f64 {
		if self.use_rslora {
			self.alpha / (self.rank as f64).sqrt()
		} else {
			self.alpha / self.rank as f64
		}
	}

	pub fn targets(&self, module_path: &str) -> bool {
		let short = module_path.rsplit('.').next().unwrap_or(module_path);
		self.target_modules.iter().any(|t| t == short)
	}

	pub fn validate(&self, available: &[&str]) -> Result<()> {
		if self.rank == 0 {
			return Err(Error::Invalid("--rank must be at least 1".into()));
		}
		if !(0.0..1.0).contains(&self.dropout) {
			return Err(Error::Invalid("--lora-dropout must be in [0, 1)".into()));
		}
		if let Some(bad) = self.target_modules.iter().find(|t| !available.contains(&t.as_str())) {
			return Err(Error::Invalid(format!(
				"target module `{bad}` is not in this model; choose from {}",
				available.join(", ")
			)));
		}
		if self.target_modules.is_empty() {
			return Err(Error::Invalid("no target modules selected".into()));
		}
		Ok(())
	}
}

/// The trainable pair of one adapted linear layer.
#[derive(Clone, Debug)]
pub struct LoraLayer {
	/// (rank, in)
	pub a: Var,
	/// (out, rank)
	pub b: Var,
	scale: f64,
	dropout: f64,
}

impl LoraLayer {
	/// A kaiming-uniform with a = √5, as PEFT/PyTorch: U(−1/√in, 1/√in); B zero.
	pub fn fresh(
		config: &LoraConfig,
		in_features: usize,
		out_features: usize,
		rng: &mut Rng,
		device: &Device,
	) -> Result<Self> {
		let bound = 1.0 / (in_features as f32).sqrt();
		let a = Tensor::from_vec(
			rng.uniform(-bound, bound, config.rank * in_features),
			(config.rank, in_features),
			device,
		)?;
		let b = Tensor::zeros((out_features, config.rank), DType::F32, device)?;
		Self::from_tensors(config, &a, &b)
	}

	pub fn from_tensors(config: &LoraConfig, a: &Tensor, b: &Tensor) -> Result<Self> {
		Ok(LoraLayer {
			a: Var::from_tensor(&a.to_dtype(DType::F32)?)?,
			b: Var::from_tensor(&b.to_dtype(DType::F32)?)?,
			scale: config.scale(),
			dropout: config.dropout,
		})
	}

	pub fn scale(&self) -> f64 {
		self.scale
	}

	/// The inverted-dropout mask (0 or 1/keep) for an input of `shape`, while training.
	pub fn dropout_mask(
		&self,
		shape: &candle_core::Shape,
		dropout_seed: Option<u64>,
		device: &Device,
	) -> candle_core::Result<Option<Tensor>> {
		let Some(seed) = dropout_seed.filter(|_| self.dropout > 0.0) else { return Ok(None) };
		let keep = 1.0 - self.dropout as f32;
		let mut rng = Rng::new(seed);
		let mask: Vec<f32> = (0..shape.elem_count())
			.map(|_| if rng.next_f32() < keep { 1.0 / keep } else { 0.0 })
			.collect();
		Tensor::from_vec(mask, shape, device).map(Some)
	}

	/// scale · B·A·x for x (rows, in), unfused and without dropout: the reference the fused
	/// adapted layer ([`crate::model::Linear`]) is tested against.
	pub fn delta(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
		let down = xs.matmul(&self.a.as_tensor().t()?)?;
		down.matmul(&self.b.as_tensor().t()?)? * self.scale
	}

	/// scale · B·A, the (out, in) update a merge adds to the base weight.
	pub fn weight_delta(&self) -> candle_core::Result<Tensor> {
		self.b.as_tensor().matmul(self.a.as_tensor())? * self.scale
	}
}

fn key(module: &str, part: &str) -> String {
	format!("{PEFT_PREFIX}{module}.lora_{part}.weight")
}

/// The trainable variables by PEFT key, in the order of `layers`.
pub fn adapter_vars<'a>(
	layers: impl IntoIterator<Item = (&'a str, &'a LoraLayer)>,
) -> Vec<(String, Var)> {
	layers
		.into_iter()
		.flat_map(|(module, layer)| {
			[(key(module, "A"), layer.a.clone()), (key(module, "B"), layer.b.clone())]
		})
		.collect()
}

/// Tensors of an adapter by PEFT key.
pub fn adapter_tensors<'a>(
	layers: impl IntoIterator<Item = (&'a str, &'a LoraLayer)>,
) -> HashMap<String, Tensor> {
	adapter_vars(layers).into_iter().map(|(name, var)| (name, var.as_tensor().clone())).collect()
}

/// Writes `adapter_model.safetensors` and `adapter_config.json` into `dir`.
pub fn save_adapter(
	dir: &Path,
	config: &LoraConfig,
	tensors: &HashMap<String, Tensor>,
	base_model: &str,
	fan_in_fan_out: bool,
) -> Result<()> {
	std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
	candle_core::safetensors::save(tensors, dir.join(ADAPTER_WEIGHTS))?;
	let peft = json!({
		"peft_type": "LORA",
		"task_type": "CAUSAL_LM",
		"base_model_name_or_path": base_model,
		"r": config.rank,
		"lora_alpha": config.alpha,
		"lora_dropout": config.dropout,
		"use_rslora": config.use_rslora,
		"target_modules": config.target_modules,
		"fan_in_fan_out": fan_in_fan_out,
		"bias": "none",
		"inference_mode": true,
		"init_lora_weights": true,
		"modules_to_save": null,
	});
	let path = dir.join(ADAPTER_CONFIG);
	std::fs::write(&path, serde_json::to_string_pretty(&peft).expect("json value"))
		.map_err(|e| Error::io(&path, e))
}

/// An adapter read back: its config and its tensors keyed by module path.
pub struct LoadedAdapter {
	pub config: LoraConfig,
	pub layers: HashMap<String, (Tensor, Tensor)>,
}

pub fn load_adapter(dir: &Path, device: &Device) -> Result<LoadedAdapter> {
	let config_path = dir.join(ADAPTER_CONFIG);
	let text = std::fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
	let json: serde_json::Value =
		serde_json::from_str(&text).map_err(|e| Error::format(&config_path, e))?;
	let field = |name: &str| {
		json.get(name).ok_or_else(|| Error::format(&config_path, format!("no `{name}`")))
	};
	let targets = match field("target_modules")? {
		serde_json::Value::String(one) => vec![one.clone()],
		list => serde_json::from_value(list.clone()).map_err(|e| Error::format(&config_path, e))?,
	};
	let config = LoraConfig {
		rank: field("r")?
			.as_u64()
			.ok_or_else(|| Error::format(&config_path, "`r` is not an integer"))? as usize,
		alpha: field("lora_alpha")?
			.as_f64()
			.ok_or_else(|| Error::format(&config_path, "`lora_alpha` is not a number"))?,
		dropout: json.get("lora_dropout").and_then(|v| v.as_f64()).unwrap_or(0.0),
		use_rslora: json.get("use_rslora").and_then(|v| v.as_bool()).unwrap_or(false),
		target_modules: targets,
	};
	let weights_path = dir.join(ADAPTER_WEIGHTS);
	if !weights_path.exists() {
		return Err(Error::format(&weights_path, "missing; is this a PEFT adapter directory?"));
	}
	let tensors = candle_core::safetensors::load(&weights_path, device)?;
	LoadedAdapter::from_tensors(config, tensors, &weights_path)
}

impl LoadedAdapter {
	/// An adapter from its tensors by PEFT key (as `adapter_model.safetensors` holds them) and
	/// a config that comes from elsewhere (a file, or the chain's record of the job);
	/// `origin` names where the tensors came from in errors.
	pub fn from_tensors(
		config: LoraConfig,
		mut tensors: HashMap<String, Tensor>,
		origin: &Path,
	) -> Result<Self> {
		let modules: Vec<String> = tensors
			.keys()
			.filter_map(|k| {
				k.strip_prefix(PEFT_PREFIX)?.strip_suffix(".lora_A.weight").map(str::to_string)
			})
			.collect();
		let mut layers = HashMap::new();
		for module in modules {
			let a = tensors.remove(&key(&module, "A")).expect("listed above");
			let b = tensors.remove(&key(&module, "B")).ok_or_else(|| {
				Error::format(origin, format!("{module} has lora_A but no lora_B"))
			})?;
			layers.insert(module, (a, b));
		}
		Ok(LoadedAdapter { config, layers })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn config() -> LoraConfig {
		LoraConfig {
			rank: 4,
			alpha: 8.0,
			dropout: 0.0,
			use_rslora: false,
			target_modules: vec!["q_proj".into()],
		}
	}

	#[test]
	fn fresh_adapter_is_a_no_op_and_a_is_bounded() -> candle_core::Result<()> {
		let layer = LoraLayer::fresh(&config(), 16, 8, &mut Rng::new(1), &Device::Cpu).unwrap();
		let a = layer.a.as_tensor().flatten_all()?.to_vec1::<f32>()?;
		assert!(a.iter().all(|v| v.abs() <= 0.25) && a.iter().any(|v| *v != 0.0));
		let x = Tensor::ones((3, 16), DType::F32, &Device::Cpu)?;
		assert_eq!(layer.delta(&x)?.abs()?.sum_all()?.to_scalar::<f32>()?, 0.0);
		Ok(())
	}

	#[test]
	fn scale_follows_peft_and_rslora() {
		let mut c = config();
		assert_eq!(c.scale(), 2.0);
		c.use_rslora = true;
		assert_eq!(c.scale(), 4.0);
	}

	#[test]
	fn delta_matches_merged_weight_delta() -> candle_core::Result<()> {
		let layer = LoraLayer::fresh(&config(), 6, 5, &mut Rng::new(2), &Device::Cpu).unwrap();
		layer.b.set(&Tensor::from_vec(Rng::new(3).uniform(-1., 1., 20), (5, 4), &Device::Cpu)?)?;
		let x = Tensor::from_vec(Rng::new(4).uniform(-1., 1., 12), (2, 6), &Device::Cpu)?;
		let via_delta = layer.delta(&x)?;
		let via_weight = x.matmul(&layer.weight_delta()?.t()?)?;
		assert!((via_delta - via_weight)?.abs()?.max_all()?.to_scalar::<f32>()? < 1e-5);
		Ok(())
	}

	#[test]
	fn unknown_target_module_is_refused_with_the_choices() {
		let mut c = config();
		c.target_modules = vec!["qkv".into()];
		let err = c.validate(&["q_proj", "v_proj"]).unwrap_err().to_string();
		assert!(err.contains("qkv") && err.contains("q_proj, v_proj"), "{err}");
	}

	#[test]
	fn saves_and_loads_peft_layout() {
		let dir = tempfile::tempdir().unwrap();
		let layer = LoraLayer::fresh(&config(), 8, 4, &mut Rng::new(5), &Device::Cpu).unwrap();
		let tensors = adapter_tensors([("model.layers.0.self_attn.q_proj", &layer)]);
		save_adapter(dir.path(), &config(), &tensors, "base", false).unwrap();
		let json: serde_json::Value = serde_json::from_str(
			&std::fs::read_to_string(dir.path().join(ADAPTER_CONFIG)).unwrap(),
		)
		.unwrap();
		assert_eq!((json["peft_type"].as_str(), json["r"].as_u64()), (Some("LORA"), Some(4)));
		let loaded = load_adapter(dir.path(), &Device::Cpu).unwrap();
		assert_eq!(loaded.config, config());
		let (a, b) = &loaded.layers["model.layers.0.self_attn.q_proj"];
		assert_eq!((a.dims(), b.dims()), (&[4usize, 8][..], &[4usize, 4][..]));
	}
}
