//! Causal multi-head attention shared by both families, with grouped-query heads and an
//! optional key/value cache for generation.

use crate::ops::scaled_masked_softmax;
use candle_core::{Device, Result, Tensor};

/// Keys and values seen so far, per layer (generation only).
#[derive(Clone, Debug, Default)]
pub struct KvCache {
	layers: Vec<Option<(Tensor, Tensor)>>,
	seen: usize,
}

impl KvCache {
	pub fn new(layers: usize) -> Self {
		KvCache { layers: vec![None; layers], seen: 0 }
	}

	/// Tokens already in the cache: the position of the next one.
	pub fn offset(&self) -> usize {
		self.seen
	}

	/// Called by the model once every layer has seen `time` new tokens.
	pub fn advance(&mut self, time: usize) {
		self.seen += time;
	}
}

/// 0 where key position ≤ query position, −∞ elsewhere: (time, offset + time).
fn causal_mask(time: usize, offset: usize, device: &Device) -> Result<Tensor> {
	let total = offset + time;
	let mask: Vec<f32> = (0..time)
		.flat_map(|i| (0..total).map(move |j| if j > offset + i { f32::NEG_INFINITY } else { 0.0 }))
		.collect();
	Tensor::from_vec(mask, (time, total), device)
}

/// q (batch, heads, time, d), k/v (batch, kv_heads, time, d) → (batch, time, heads·d).
pub fn attend(
	q: &Tensor,
	k: Tensor,
	v: Tensor,
	cache: Option<(&mut KvCache, usize)>,
) -> Result<Tensor> {
	let (batch, heads, time, head_dim) = q.dims4()?;
	let (k, v, offset) = match cache {
		Some((cache, layer)) => {
			let offset = cache.offset();
			let (k, v) = match cache.layers[layer].take() {
				Some((past_k, past_v)) => {
					(Tensor::cat(&[&past_k, &k], 2)?, Tensor::cat(&[&past_v, &v], 2)?)
				},
				None => (k, v),
			};
			cache.layers[layer] = Some((k.clone(), v.clone()));
			(k, v, offset)
		},
		None => (k, v, 0),
	};
	let kv_heads = k.dims()[1];
	let (k, v) = (repeat_kv(k, heads / kv_heads)?, repeat_kv(v, heads / kv_heads)?);
	let scores = q.matmul(&k.t()?)?;
	let mask = causal_mask(time, offset, q.device())?.to_dtype(q.dtype())?;
	let out = scaled_masked_softmax(&scores, 1.0 / (head_dim as f64).sqrt(), &mask)?.matmul(&v)?;
	out.transpose(1, 2)?.reshape((batch, time, heads * head_dim))
}

/// (batch, kv_heads, time, d) → (batch, kv_heads·n, time, d), each kv head serving n queries.
fn repeat_kv(xs: Tensor, n: usize) -> Result<Tensor> {
	if n == 1 {
		return Ok(xs);
	}
	let (batch, kv_heads, time, head_dim) = xs.dims4()?;
	xs.unsqueeze(2)?.broadcast_as((batch, kv_heads, n, time, head_dim))?.reshape((
		batch,
		kv_heads * n,
		time,
		head_dim,
	))
}

/// (batch, time, heads·d) → (batch, heads, time, d)
pub fn split_heads(xs: &Tensor, heads: usize) -> Result<Tensor> {
	let (batch, time, width) = xs.dims3()?;
	xs.reshape((batch, time, heads, width / heads))?.transpose(1, 2)?.contiguous()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::ops::gradcheck::random_tensor;

	#[test]
	fn mask_hides_the_future_only() -> Result<()> {
		let mask = causal_mask(2, 1, &Device::Cpu)?.to_vec2::<f32>()?;
		assert_eq!(mask[0], vec![0.0, 0.0, f32::NEG_INFINITY]);
		assert_eq!(mask[1], vec![0.0, 0.0, 0.0]);
		Ok(())
	}

	#[test]
	fn cached_steps_equal_one_full_pass() -> Result<()> {
		let q = random_tensor(&[1, 4, 5, 8], 1)?;
		let k = random_tensor(&[1, 2, 5, 8], 2)?;
		let v = random_tensor(&[1, 2, 5, 8], 3)?;
		let full = attend(&q, k.clone(), v.clone(), None)?;
		let mut cache = KvCache::new(1);
		let first = attend(
			&q.narrow(2, 0, 3)?,
			k.narrow(2, 0, 3)?,
			v.narrow(2, 0, 3)?,
			Some((&mut cache, 0)),
		)?;
		cache.advance(3);
		let rest = attend(
			&q.narrow(2, 3, 2)?,
			k.narrow(2, 3, 2)?,
			v.narrow(2, 3, 2)?,
			Some((&mut cache, 0)),
		)?;
		let stepped = Tensor::cat(&[&first, &rest], 1)?;
		assert!((full - stepped)?.abs()?.max_all()?.to_scalar::<f64>()? < 1e-12);
		Ok(())
	}
}
