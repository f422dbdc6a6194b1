//! GGUF files (llama.cpp): LLaMA-family models, quantized or not, with the tokenizer and chat
//! template in the metadata. Tensors are renamed to Hugging Face names, and q/k rows that
//! llama.cpp's converter interleaved for its RoPE are put back in the HF order, so adapters
//! trained here apply to the transformers model too.

use super::{base::file_name, BaseModel, LlamaConfig, ModelConfig, StoredTensor};
use crate::{hash::TensorHasher, tokenizer::TextTokenizer, Error, Result};
use candle_core::{
	quantized::{gguf_file, tokenizer::TokenizerFromGguf, QStorage, QTensor},
	Device,
};
use std::{borrow::Cow, collections::HashMap, path::Path, sync::Arc};

pub fn load(path: &Path) -> Result<BaseModel> {
	let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
	let mut reader = std::io::BufReader::new(&mut file);
	let content = gguf_file::Content::read(&mut reader).map_err(|e| Error::format(path, e))?;
	let config = read_config(&content).map_err(|e| Error::format(path, e))?;
	let ModelConfig::Llama(llama) = &config else {
		unreachable!("GGUF loads LLaMA-family models only")
	};

	let mut hasher = TensorHasher::default();
	let mut tensors = HashMap::new();
	let mut names: Vec<&String> = content.tensor_infos.keys().collect();
	names.sort();
	for gguf_name in names {
		let tensor = content.tensor(&mut reader, gguf_name, &Device::Cpu)?;
		let dtype = format!("{:?}", tensor.dtype()).to_lowercase();
		hasher.add(gguf_name, &dtype, tensor.shape().dims(), &tensor.data()?);
		let Some(hf_name) = hf_name(gguf_name) else { continue };
		let tensor = match (llama.model_type.as_str(), hf_name.as_str()) {
			("llama", n) if n.contains("self_attn.q_proj") => {
				unpermute_rows(tensor, llama.num_attention_heads)?
			},
			("llama", n) if n.contains("self_attn.k_proj") => {
				unpermute_rows(tensor, llama.num_key_value_heads)?
			},
			_ => tensor,
		};
		tensors.insert(hf_name, StoredTensor::Quantized(Arc::new(tensor)));
	}
	let weights_hash = hasher.finish();
	let tokenizer =
		tokenizers::Tokenizer::from_gguf(&content).map_err(|e| Error::format(path, e))?;
	let meta_u32 = |key: &str| content.metadata.get(key).and_then(|v| v.to_u32().ok());
	let eos = meta_u32("tokenizer.ggml.eos_token_id");
	let template =
		content.metadata.get("tokenizer.chat_template").and_then(|v| v.to_string().ok()).cloned();
	Ok(BaseModel {
		config,
		tensors,
		tokenizer: TextTokenizer::new(tokenizer, eos, template),
		weights_hash,
		name: file_name(path),
	})
}

fn read_config(content: &gguf_file::Content) -> std::result::Result<ModelConfig, String> {
	let architecture = content
		.metadata
		.get("general.architecture")
		.and_then(|v| v.to_string().ok())
		.ok_or("no general.architecture in the metadata")?
		.clone();
	if !["llama", "qwen2", "mistral"].contains(&architecture.as_str()) {
		return Err(format!(
			"architecture `{architecture}`; GGUF loading supports llama, mistral and qwen2"
		));
	}
	let get = |key: &str| content.metadata.get(&format!("{architecture}.{key}"));
	let usize_of = |key: &str| -> std::result::Result<usize, String> {
		get(key)
			.and_then(|v| v.to_u64().ok())
			.map(|v| v as usize)
			.ok_or(format!("no {architecture}.{key}"))
	};
	let vocab_size = match content.metadata.get("tokenizer.ggml.tokens") {
		Some(tokens) => tokens.to_vec().map_err(|e| e.to_string())?.len(),
		None => usize_of("vocab_size")?,
	};
	let heads = usize_of("attention.head_count")?;
	let config = LlamaConfig {
		model_type: architecture.clone(),
		vocab_size,
		hidden_size: usize_of("embedding_length")?,
		intermediate_size: usize_of("feed_forward_length")?,
		num_hidden_layers: usize_of("block_count")?,
		num_attention_heads: heads,
		num_key_value_heads: usize_of("attention.head_count_kv").unwrap_or(heads),
		max_position_embeddings: usize_of("context_length").unwrap_or(2048),
		rms_norm_eps: get("attention.layer_norm_rms_epsilon")
			.and_then(|v| v.to_f32().ok())
			.unwrap_or(1e-5) as f64,
		rope_theta: get("rope.freq_base").and_then(|v| v.to_f32().ok()).unwrap_or(10_000.0) as f64,
		tie_word_embeddings: !content.tensor_infos.contains_key("output.weight"),
		attention_bias: content.tensor_infos.contains_key("blk.0.attn_q.bias"),
	};
	config.validate().map_err(|e| e.to_string())?;
	Ok(ModelConfig::Llama(config))
}

/// llama.cpp tensor names → Hugging Face names.
fn hf_name(gguf: &str) -> Option<String> {
	let fixed = match gguf {
		"token_embd.weight" => Some("model.embed_tokens.weight"),
		"output_norm.weight" => Some("model.norm.weight"),
		"output.weight" => Some("lm_head.weight"),
		_ => None,
	};
	if let Some(name) = fixed {
		return Some(name.to_string());
	}
	let rest = gguf.strip_prefix("blk.")?;
	let (layer, rest) = rest.split_once('.')?;
	let (module, param) = rest.rsplit_once('.')?;
	let module = match module {
		"attn_norm" => "input_layernorm",
		"ffn_norm" => "post_attention_layernorm",
		"attn_q" => "self_attn.q_proj",
		"attn_k" => "self_attn.k_proj",
		"attn_v" => "self_attn.v_proj",
		"attn_output" => "self_attn.o_proj",
		"ffn_gate" => "mlp.gate_proj",
		"ffn_up" => "mlp.up_proj",
		"ffn_down" => "mlp.down_proj",
		_ => return None,
	};
	Some(format!("model.layers.{layer}.{module}.{param}"))
}

/// For each HF row, the GGUF row it came from: llama.cpp stores head h's rows as
/// (i, half) pairs interleaved where HF keeps the two halves apart.
pub fn gguf_row_of_hf_row(rows: usize, heads: usize) -> Vec<usize> {
	let head_dim = rows / heads;
	let half = head_dim / 2;
	let mut order = Vec::with_capacity(rows);
	for head in 0..heads {
		for part in 0..2 {
			for i in 0..half {
				order.push(head * head_dim + i * 2 + part);
			}
		}
	}
	order
}

/// Reorders whole rows; works on the raw blocks, so a quantized tensor stays quantized.
fn unpermute_rows(tensor: QTensor, heads: usize) -> Result<QTensor> {
	let dims = tensor.shape().dims().to_vec();
	let rows = dims[0];
	let data = tensor.data()?;
	let row_bytes = data.len() / rows;
	let mut out = Vec::with_capacity(data.len());
	for source in gguf_row_of_hf_row(rows, heads) {
		out.extend_from_slice(&data[source * row_bytes..(source + 1) * row_bytes]);
	}
	let storage = QStorage::from_data(Cow::Owned(out), &Device::Cpu, tensor.dtype())?;
	Ok(QTensor::new(storage, dims)?)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn names_map_to_hugging_face() {
		assert_eq!(
			hf_name("blk.3.attn_q.weight").unwrap(),
			"model.layers.3.self_attn.q_proj.weight"
		);
		assert_eq!(
			hf_name("blk.0.ffn_norm.weight").unwrap(),
			"model.layers.0.post_attention_layernorm.weight"
		);
		assert_eq!(hf_name("token_embd.weight").unwrap(), "model.embed_tokens.weight");
		assert_eq!(hf_name("rope_freqs.weight"), None);
	}

	/// llama.cpp's converter: reshape(heads, 2, hd/2, …).swapaxes(1, 2). Our order must undo it.
	#[test]
	fn row_order_inverts_the_converters_permutation() {
		let (heads, head_dim) = (2, 6);
		let rows = heads * head_dim;
		let mut converted = vec![0; rows];
		for h in 0..heads {
			for part in 0..2 {
				for i in 0..head_dim / 2 {
					// HF row (h, part, i) lands at GGUF row (h, i, part).
					converted[h * head_dim + i * 2 + part] = h * head_dim + part * head_dim / 2 + i;
				}
			}
		}
		let restored: Vec<usize> =
			gguf_row_of_hf_row(rows, heads).into_iter().map(|g| converted[g]).collect();
		assert_eq!(restored, (0..rows).collect::<Vec<_>>());
	}
}
