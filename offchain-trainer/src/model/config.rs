//! Model configurations, read from a Hugging Face `config.json` or GGUF metadata, and written
//! back canonically (the config is part of what an attestation hashes).

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The decoder families this trainer has code for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum ModelConfig {
	Llama(LlamaConfig),
	Gpt2(Gpt2Config),
}

/// LLaMA-family decoders: Llama, Mistral, Qwen2, DeepSeek-LLM and SmolLM2 differ only in these
/// numbers (grouped-query attention, RoPE base, q/k/v bias, tied head).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlamaConfig {
	/// The `model_type` of the source (`llama`, `mistral`, `qwen2`, …), kept for export.
	pub model_type: String,
	pub vocab_size: usize,
	pub hidden_size: usize,
	pub intermediate_size: usize,
	pub num_hidden_layers: usize,
	pub num_attention_heads: usize,
	pub num_key_value_heads: usize,
	pub max_position_embeddings: usize,
	pub rms_norm_eps: f64,
	pub rope_theta: f64,
	pub tie_word_embeddings: bool,
	/// Bias on the q/k/v projections (Qwen2).
	pub attention_bias: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gpt2Config {
	pub vocab_size: usize,
	pub n_embd: usize,
	pub n_layer: usize,
	pub n_head: usize,
	pub n_positions: usize,
	pub n_inner: usize,
	pub layer_norm_epsilon: f64,
}

/// The model types read as a LLaMA-family config.
const LLAMA_FAMILY: &[&str] = &["llama", "mistral", "qwen2", "deepseek", "smollm"];

impl ModelConfig {
	/// From a Hugging Face `config.json`.
	pub fn from_hf_json(json: &Value) -> Result<Self> {
		let model_type = json["model_type"].as_str().unwrap_or_default();
		let get = |key: &str| json.get(key).filter(|v| !v.is_null());
		let usize_of = |key: &str| -> Result<usize> {
			get(key).and_then(Value::as_u64).map(|v| v as usize).ok_or_else(|| {
				Error::UnsupportedModel(format!("config.json has no integer `{key}`"))
			})
		};
		let f64_or = |key: &str, default: f64| get(key).and_then(Value::as_f64).unwrap_or(default);
		let bool_or =
			|key: &str, default: bool| get(key).and_then(Value::as_bool).unwrap_or(default);
		if LLAMA_FAMILY.contains(&model_type) {
			let heads = usize_of("num_attention_heads")?;
			Ok(ModelConfig::Llama(LlamaConfig {
				model_type: model_type.to_string(),
				vocab_size: usize_of("vocab_size")?,
				hidden_size: usize_of("hidden_size")?,
				intermediate_size: usize_of("intermediate_size")?,
				num_hidden_layers: usize_of("num_hidden_layers")?,
				num_attention_heads: heads,
				num_key_value_heads: usize_of("num_key_value_heads").unwrap_or(heads),
				max_position_embeddings: usize_of("max_position_embeddings").unwrap_or(2048),
				rms_norm_eps: f64_or("rms_norm_eps", 1e-6),
				rope_theta: f64_or("rope_theta", 10_000.0),
				tie_word_embeddings: bool_or("tie_word_embeddings", false),
				attention_bias: bool_or("attention_bias", model_type == "qwen2"),
			}))
		} else if model_type == "gpt2" {
			let n_embd = usize_of("n_embd")?;
			Ok(ModelConfig::Gpt2(Gpt2Config {
				vocab_size: usize_of("vocab_size")?,
				n_embd,
				n_layer: usize_of("n_layer")?,
				n_head: usize_of("n_head")?,
				n_positions: usize_of("n_positions")?,
				n_inner: usize_of("n_inner").unwrap_or(4 * n_embd),
				layer_norm_epsilon: f64_or("layer_norm_epsilon", 1e-5),
			}))
		} else {
			Err(Error::UnsupportedModel(format!(
				"model_type `{model_type}`; supported: {}, gpt2",
				LLAMA_FAMILY.join(", ")
			)))
		}
	}

	/// A `config.json` transformers can load (for merged models).
	pub fn to_hf_json(&self) -> Value {
		match self {
			ModelConfig::Llama(c) => {
				let class = match c.model_type.as_str() {
					"mistral" => "MistralForCausalLM",
					"qwen2" => "Qwen2ForCausalLM",
					_ => "LlamaForCausalLM",
				};
				let mut json = serde_json::to_value(c).expect("plain struct");
				json["architectures"] = serde_json::json!([class]);
				json["hidden_act"] = "silu".into();
				json["torch_dtype"] = "float32".into();
				json
			},
			ModelConfig::Gpt2(c) => {
				let mut json = serde_json::to_value(c).expect("plain struct");
				json["model_type"] = "gpt2".into();
				json["architectures"] = serde_json::json!(["GPT2LMHeadModel"]);
				json["activation_function"] = "gelu_new".into();
				json
			},
		}
	}

	pub fn vocab_size(&self) -> usize {
		match self {
			ModelConfig::Llama(c) => c.vocab_size,
			ModelConfig::Gpt2(c) => c.vocab_size,
		}
	}

	pub fn max_positions(&self) -> usize {
		match self {
			ModelConfig::Llama(c) => c.max_position_embeddings,
			ModelConfig::Gpt2(c) => c.n_positions,
		}
	}

	/// The linear layers' short names, which `--target` selects from.
	pub fn linear_modules(&self) -> &'static [&'static str] {
		match self {
			ModelConfig::Llama(_) => {
				&["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
			},
			ModelConfig::Gpt2(_) => &["c_attn", "c_proj", "c_fc"],
		}
	}

	/// `lora` with "all-linear" (no target modules) resolved to this model's linear layers.
	pub fn adapter_for(&self, lora: &crate::lora::LoraConfig) -> crate::lora::LoraConfig {
		let mut lora = lora.clone();
		if lora.target_modules.is_empty() {
			lora.target_modules = self.linear_modules().iter().map(|m| m.to_string()).collect();
		}
		lora
	}
}

impl LlamaConfig {
	pub fn head_dim(&self) -> usize {
		self.hidden_size / self.num_attention_heads
	}

	pub fn validate(&self) -> Result<()> {
		if !self.hidden_size.is_multiple_of(self.num_attention_heads)
			|| !self.num_attention_heads.is_multiple_of(self.num_key_value_heads)
			|| !self.head_dim().is_multiple_of(2)
		{
			return Err(Error::UnsupportedModel(format!(
				"{} heads / {} key-value heads do not divide hidden size {} evenly",
				self.num_attention_heads, self.num_key_value_heads, self.hidden_size
			)));
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	#[test]
	fn reads_llama_qwen_and_gpt2_configs() {
		let llama = json!({"model_type": "llama", "vocab_size": 32, "hidden_size": 16,
			"intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4,
			"num_key_value_heads": 2, "tie_word_embeddings": true});
		let ModelConfig::Llama(c) = ModelConfig::from_hf_json(&llama).unwrap() else { panic!() };
		assert_eq!((c.num_key_value_heads, c.rope_theta, c.attention_bias), (2, 10_000.0, false));
		let mut qwen = llama.clone();
		qwen["model_type"] = "qwen2".into();
		let ModelConfig::Llama(q) = ModelConfig::from_hf_json(&qwen).unwrap() else { panic!() };
		assert!(q.attention_bias);
		let gpt2 = json!({"model_type": "gpt2", "vocab_size": 50, "n_embd": 8, "n_layer": 1,
			"n_head": 2, "n_positions": 16});
		let ModelConfig::Gpt2(g) = ModelConfig::from_hf_json(&gpt2).unwrap() else { panic!() };
		assert_eq!(g.n_inner, 32);
	}

	#[test]
	fn round_trips_through_hf_json() {
		let json = json!({"model_type": "mistral", "vocab_size": 32, "hidden_size": 16,
			"intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4});
		let config = ModelConfig::from_hf_json(&json).unwrap();
		assert_eq!(ModelConfig::from_hf_json(&config.to_hf_json()).unwrap(), config);
	}

	#[test]
	fn unknown_model_type_says_what_is_supported() {
		let err = ModelConfig::from_hf_json(&json!({"model_type": "t5"})).unwrap_err().to_string();
		assert!(err.contains("t5") && err.contains("gpt2"), "{err}");
	}
}
