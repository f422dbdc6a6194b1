//! The LLaMA-family decoder: RMSNorm, grouped-query attention with RoPE, SwiGLU MLP.

use super::{
	attention::{attend, split_heads, KvCache},
	builder::Builder,
	Linear, LlamaConfig,
};
use crate::{
	ops::{rms_norm, swiglu, Rope},
	Result,
};
use candle_core::{DType, Tensor};

/// Longest RoPE table built up front; longer contexts are not needed for fine-tuning here.
const MAX_ROPE_POSITIONS: usize = 8192;

#[derive(Clone, Debug)]
struct Block {
	input_norm: Tensor,
	q: Linear,
	k: Linear,
	v: Linear,
	o: Linear,
	post_norm: Tensor,
	gate: Linear,
	up: Linear,
	down: Linear,
}

#[derive(Clone, Debug)]
pub struct Llama {
	config: LlamaConfig,
	embed: Tensor,
	blocks: Vec<Block>,
	norm: Tensor,
	head: Linear,
	rope: Rope,
}

impl Llama {
	pub(crate) fn build(config: &LlamaConfig, builder: &mut Builder) -> Result<Self> {
		config.validate()?;
		let embed = builder.dense("model.embed_tokens.weight")?;
		let mut blocks = Vec::with_capacity(config.num_hidden_layers);
		for i in 0..config.num_hidden_layers {
			let p = format!("model.layers.{i}");
			let bias = config.attention_bias;
			blocks.push(Block {
				input_norm: builder.dense(&format!("{p}.input_layernorm.weight"))?,
				q: builder.linear(&format!("{p}.self_attn.q_proj"), bias)?,
				k: builder.linear(&format!("{p}.self_attn.k_proj"), bias)?,
				v: builder.linear(&format!("{p}.self_attn.v_proj"), bias)?,
				o: builder.linear(&format!("{p}.self_attn.o_proj"), false)?,
				post_norm: builder.dense(&format!("{p}.post_attention_layernorm.weight"))?,
				gate: builder.linear(&format!("{p}.mlp.gate_proj"), false)?,
				up: builder.linear(&format!("{p}.mlp.up_proj"), false)?,
				down: builder.linear(&format!("{p}.mlp.down_proj"), false)?,
			});
		}
		let norm = builder.dense("model.norm.weight")?;
		// The output head stays dense and never gets an adapter (PEFT's "all-linear" skips it).
		let head_weight = if config.tie_word_embeddings || !builder.has("lm_head.weight") {
			embed.clone()
		} else {
			builder.dense("lm_head.weight")?
		};
		let head = Linear::frozen("lm_head", head_weight);
		let positions = config.max_position_embeddings.min(MAX_ROPE_POSITIONS);
		let rope =
			Rope::new(config.head_dim(), positions, config.rope_theta, DType::F32, embed.device())?;
		Ok(Llama { config: config.clone(), embed, blocks, norm, head, rope })
	}

	pub fn max_positions(&self) -> usize {
		self.rope.max_positions()
	}

	pub fn layers(&self) -> usize {
		self.blocks.len()
	}

	pub fn linears(&self) -> Vec<&Linear> {
		self.blocks.iter().flat_map(|b| [&b.q, &b.k, &b.v, &b.o, &b.gate, &b.up, &b.down]).collect()
	}

	pub fn linears_mut(&mut self) -> Vec<&mut Linear> {
		self.blocks
			.iter_mut()
			.flat_map(|b| {
				[&mut b.q, &mut b.k, &mut b.v, &mut b.o, &mut b.gate, &mut b.up, &mut b.down]
			})
			.collect()
	}

	/// ids (batch, time) → logits (batch, time, vocab).
	pub fn forward(
		&self,
		ids: &Tensor,
		mut cache: Option<&mut KvCache>,
		dropout_seed: Option<u64>,
	) -> Result<Tensor> {
		let c = &self.config;
		let (batch, time) = ids.dims2()?;
		let offset = cache.as_ref().map_or(0, |c| c.offset());
		let mut xs = self.embed.index_select(&ids.flatten_all()?, 0)?.reshape((
			batch,
			time,
			c.hidden_size,
		))?;
		for (layer, block) in self.blocks.iter().enumerate() {
			let h = rms_norm(&xs, &block.input_norm, c.rms_norm_eps)?;
			let q = self.rope.apply(
				&split_heads(&block.q.forward(&h, dropout_seed)?, c.num_attention_heads)?,
				offset,
			)?;
			let k = self.rope.apply(
				&split_heads(&block.k.forward(&h, dropout_seed)?, c.num_key_value_heads)?,
				offset,
			)?;
			let v = split_heads(&block.v.forward(&h, dropout_seed)?, c.num_key_value_heads)?;
			let attended = attend(&q, k, v, cache.as_deref_mut().map(|cache| (cache, layer)))?;
			xs = (xs + block.o.forward(&attended, dropout_seed)?)?;
			let h = rms_norm(&xs, &block.post_norm, c.rms_norm_eps)?;
			let gated = swiglu(
				&block.gate.forward(&h, dropout_seed)?,
				&block.up.forward(&h, dropout_seed)?,
			)?;
			xs = (xs + block.down.forward(&gated, dropout_seed)?)?;
		}
		if let Some(cache) = cache {
			cache.advance(time);
		}
		Ok(self.head.forward(&rms_norm(&xs, &self.norm, c.rms_norm_eps)?, None)?)
	}
}
