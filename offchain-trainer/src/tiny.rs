//! Tiny random checkpoints with a real byte-level tokenizer: real model files, small enough
//! for unit tests and smoke runs on any machine.

use crate::{
	model::{Gpt2Config, LlamaConfig, ModelConfig},
	rng::Rng,
	tokenizer::TextTokenizer,
	Error, Result,
};
use candle_core::{Device, Tensor};
use std::{collections::HashMap, path::Path};
use tokenizers::{
	decoders::byte_level::ByteLevel as ByteLevelDecoder, models::bpe::BPE,
	pre_tokenizers::byte_level::ByteLevel, AddedToken, Tokenizer,
};

/// A byte-level BPE without merges plus `<|im_start|>`, `<|im_end|>` and `<|endoftext|>`
/// (259 tokens), with a ChatML template.
pub fn byte_tokenizer() -> TextTokenizer {
	let mut alphabet: Vec<char> = ByteLevel::alphabet().into_iter().collect();
	alphabet.sort();
	let vocab: tokenizers::models::bpe::Vocab =
		alphabet.iter().enumerate().map(|(i, c)| (c.to_string(), i as u32)).collect();
	let bpe =
		BPE::builder().vocab_and_merges(vocab, vec![]).build().expect("a valid byte vocabulary");
	let mut inner = Tokenizer::new(bpe);
	inner.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
	inner.with_decoder(Some(ByteLevelDecoder::default()));
	inner
		.add_special_tokens([
			AddedToken::from("<|im_start|>", true),
			AddedToken::from("<|im_end|>", true),
			AddedToken::from("<|endoftext|>", true),
		])
		.expect("special tokens");
	let eos = inner.token_to_id("<|endoftext|>");
	let template =
		"{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}\
		{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
	TextTokenizer::new(inner, eos, Some(template.into()))
}

pub fn tiny_llama() -> ModelConfig {
	ModelConfig::Llama(LlamaConfig {
		model_type: "llama".into(),
		vocab_size: 259,
		hidden_size: 64,
		intermediate_size: 128,
		num_hidden_layers: 2,
		num_attention_heads: 4,
		num_key_value_heads: 2,
		max_position_embeddings: 256,
		rms_norm_eps: 1e-5,
		rope_theta: 10_000.0,
		tie_word_embeddings: true,
		attention_bias: false,
	})
}

pub fn tiny_gpt2() -> ModelConfig {
	ModelConfig::Gpt2(Gpt2Config {
		vocab_size: 259,
		n_embd: 64,
		n_layer: 2,
		n_head: 4,
		n_positions: 256,
		n_inner: 256,
		layer_norm_epsilon: 1e-5,
	})
}

/// Writes `config.json`, `model.safetensors` and the byte tokenizer into `dir`, with weights
/// drawn from `seed` in the layout transformers saves (GPT-2's Conv1D as (in, out)).
pub fn write_random_checkpoint(dir: &Path, config: &ModelConfig, seed: u64) -> Result<()> {
	let mut rng = Rng::new(seed);
	let mut tensors = HashMap::new();
	let mut add = |name: String, shape: &[usize], centre: f32, spread: f32| -> Result<()> {
		let count = shape.iter().product();
		let values = rng.uniform(centre - spread, centre + spread, count);
		tensors.insert(name, Tensor::from_vec(values, shape, &Device::Cpu)?);
		Ok(())
	};
	match config {
		ModelConfig::Llama(c) => {
			let (h, kv) = (c.hidden_size, c.num_key_value_heads * c.head_dim());
			add("model.embed_tokens.weight".into(), &[c.vocab_size, h], 0.0, 0.5)?;
			for i in 0..c.num_hidden_layers {
				let p = format!("model.layers.{i}");
				add(format!("{p}.input_layernorm.weight"), &[h], 1.0, 0.1)?;
				add(format!("{p}.post_attention_layernorm.weight"), &[h], 1.0, 0.1)?;
				add(format!("{p}.self_attn.q_proj.weight"), &[h, h], 0.0, 0.2)?;
				add(format!("{p}.self_attn.k_proj.weight"), &[kv, h], 0.0, 0.2)?;
				add(format!("{p}.self_attn.v_proj.weight"), &[kv, h], 0.0, 0.2)?;
				add(format!("{p}.self_attn.o_proj.weight"), &[h, h], 0.0, 0.2)?;
				add(format!("{p}.mlp.gate_proj.weight"), &[c.intermediate_size, h], 0.0, 0.2)?;
				add(format!("{p}.mlp.up_proj.weight"), &[c.intermediate_size, h], 0.0, 0.2)?;
				add(format!("{p}.mlp.down_proj.weight"), &[h, c.intermediate_size], 0.0, 0.2)?;
				if c.attention_bias {
					add(format!("{p}.self_attn.q_proj.bias"), &[h], 0.0, 0.1)?;
					add(format!("{p}.self_attn.k_proj.bias"), &[kv], 0.0, 0.1)?;
					add(format!("{p}.self_attn.v_proj.bias"), &[kv], 0.0, 0.1)?;
				}
			}
			add("model.norm.weight".into(), &[h], 1.0, 0.1)?;
			if !c.tie_word_embeddings {
				add("lm_head.weight".into(), &[c.vocab_size, h], 0.0, 0.5)?;
			}
		},
		ModelConfig::Gpt2(c) => {
			let h = c.n_embd;
			add("transformer.wte.weight".into(), &[c.vocab_size, h], 0.0, 0.5)?;
			add("transformer.wpe.weight".into(), &[c.n_positions, h], 0.0, 0.1)?;
			for i in 0..c.n_layer {
				let p = format!("transformer.h.{i}");
				for norm in ["ln_1", "ln_2"] {
					add(format!("{p}.{norm}.weight"), &[h], 1.0, 0.1)?;
					add(format!("{p}.{norm}.bias"), &[h], 0.0, 0.1)?;
				}
				for (module, inputs, outputs) in [
					("attn.c_attn", h, 3 * h),
					("attn.c_proj", h, h),
					("mlp.c_fc", h, c.n_inner),
					("mlp.c_proj", c.n_inner, h),
				] {
					add(format!("{p}.{module}.weight"), &[inputs, outputs], 0.0, 0.2)?;
					add(format!("{p}.{module}.bias"), &[outputs], 0.0, 0.05)?;
				}
			}
			add("transformer.ln_f.weight".into(), &[h], 1.0, 0.1)?;
			add("transformer.ln_f.bias".into(), &[h], 0.0, 0.1)?;
		},
	}
	std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
	candle_core::safetensors::save(&tensors, dir.join("model.safetensors"))?;
	let path = dir.join("config.json");
	std::fs::write(&path, serde_json::to_string_pretty(&config.to_hf_json()).expect("json"))
		.map_err(|e| Error::io(&path, e))?;
	byte_tokenizer().save_to_dir(dir)
}
