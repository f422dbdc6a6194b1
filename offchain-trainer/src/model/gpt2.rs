//! GPT-2: learned positions, LayerNorm, fused q/k/v projection, GELU (tanh) MLP, tied head.

use super::{
	attention::{attend, split_heads, KvCache},
	builder::Builder,
	Gpt2Config, Linear,
};
use crate::{
	ops::{gelu, layer_norm},
	Error, Result,
};
use candle_core::{Tensor, D};

#[derive(Clone, Debug)]
struct Norm {
	weight: Tensor,
	bias: Tensor,
}

impl Norm {
	fn load(builder: &Builder, prefix: &str) -> Result<Self> {
		Ok(Norm {
			weight: builder.dense(&format!("{prefix}.weight"))?,
			bias: builder.dense(&format!("{prefix}.bias"))?,
		})
	}

	fn forward(&self, xs: &Tensor, eps: f64) -> Result<Tensor> {
		Ok(layer_norm(xs, &self.weight, &self.bias, eps)?)
	}
}

#[derive(Clone, Debug)]
struct Block {
	ln_1: Norm,
	c_attn: Linear,
	attn_proj: Linear,
	ln_2: Norm,
	c_fc: Linear,
	mlp_proj: Linear,
}

#[derive(Clone, Debug)]
pub struct Gpt2 {
	config: Gpt2Config,
	wte: Tensor,
	wpe: Tensor,
	blocks: Vec<Block>,
	ln_f: Norm,
	head: Linear,
}

impl Gpt2 {
	pub(crate) fn build(config: &Gpt2Config, builder: &mut Builder) -> Result<Self> {
		if !config.n_embd.is_multiple_of(config.n_head) {
			return Err(Error::UnsupportedModel(format!(
				"{} heads do not divide n_embd {}",
				config.n_head, config.n_embd
			)));
		}
		let wte = builder.dense("transformer.wte.weight")?;
		let wpe = builder.dense("transformer.wpe.weight")?;
		let mut blocks = Vec::with_capacity(config.n_layer);
		for i in 0..config.n_layer {
			let p = format!("transformer.h.{i}");
			blocks.push(Block {
				ln_1: Norm::load(builder, &format!("{p}.ln_1"))?,
				c_attn: builder.linear(&format!("{p}.attn.c_attn"), true)?,
				attn_proj: builder.linear(&format!("{p}.attn.c_proj"), true)?,
				ln_2: Norm::load(builder, &format!("{p}.ln_2"))?,
				c_fc: builder.linear(&format!("{p}.mlp.c_fc"), true)?,
				mlp_proj: builder.linear(&format!("{p}.mlp.c_proj"), true)?,
			});
		}
		let ln_f = Norm::load(builder, "transformer.ln_f")?;
		let head = Linear::frozen("lm_head", wte.clone());
		Ok(Gpt2 { config: config.clone(), wte, wpe, blocks, ln_f, head })
	}

	pub fn max_positions(&self) -> usize {
		self.config.n_positions
	}

	pub fn layers(&self) -> usize {
		self.blocks.len()
	}

	pub fn linears(&self) -> Vec<&Linear> {
		self.blocks.iter().flat_map(|b| [&b.c_attn, &b.attn_proj, &b.c_fc, &b.mlp_proj]).collect()
	}

	pub fn linears_mut(&mut self) -> Vec<&mut Linear> {
		self.blocks
			.iter_mut()
			.flat_map(|b| [&mut b.c_attn, &mut b.attn_proj, &mut b.c_fc, &mut b.mlp_proj])
			.collect()
	}

	pub fn forward(
		&self,
		ids: &Tensor,
		mut cache: Option<&mut KvCache>,
		dropout_seed: Option<u64>,
	) -> Result<Tensor> {
		let c = &self.config;
		let (batch, time) = ids.dims2()?;
		let offset = cache.as_ref().map_or(0, |c| c.offset());
		if offset + time > c.n_positions {
			return Err(Error::Invalid(format!(
				"{} tokens exceed GPT-2's {} positions",
				offset + time,
				c.n_positions
			)));
		}
		let tokens =
			self.wte.index_select(&ids.flatten_all()?, 0)?.reshape((batch, time, c.n_embd))?;
		let mut xs = tokens.broadcast_add(&self.wpe.narrow(0, offset, time)?)?;
		for (layer, block) in self.blocks.iter().enumerate() {
			let qkv = block
				.c_attn
				.forward(&block.ln_1.forward(&xs, c.layer_norm_epsilon)?, dropout_seed)?;
			let part =
				|i: usize| split_heads(&qkv.narrow(D::Minus1, i * c.n_embd, c.n_embd)?, c.n_head);
			let attended = attend(
				&part(0)?,
				part(1)?,
				part(2)?,
				cache.as_deref_mut().map(|cache| (cache, layer)),
			)?;
			xs = (xs + block.attn_proj.forward(&attended, dropout_seed)?)?;
			let h = gelu(
				&block
					.c_fc
					.forward(&block.ln_2.forward(&xs, c.layer_norm_epsilon)?, dropout_seed)?,
			)?;
			xs = (xs + block.mlp_proj.forward(&h, dropout_seed)?)?;
		}
		if let Some(cache) = cache {
			cache.advance(time);
		}
		Ok(self.head.forward(&self.ln_f.forward(&xs, c.layer_norm_epsilon)?, None)?)
	}
}
