//! Causal multi-head attention shared by both families, with grouped-query heads and an
//! optional key/value cache for generation.

use crate::ops::{matmul, scaled_masked_softmax};
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
	let (kv_heads, total) = (k.dims()[1], k.dims()[2]);
	// Kv head i serves query heads i·group … i·group + group − 1: their queries multiply its
	// keys and values as one (group·time)-row matrix, with no repeated copies of k and v (and
	// no broadcast to sum back in backward).
	let group = heads / kv_heads;
	let grouped_q = q.reshape((batch, kv_heads, group * time, head_dim))?;
	let scores = matmul(&grouped_q, &k.t()?)?.reshape((batch, heads, time, total))?;
	let mask = causal_mask(time, offset, q.device())?.to_dtype(q.dtype())?;
	let probs = scaled_masked_softmax(&scores, 1.0 / (head_dim as f64).sqrt(), &mask)?;
	let out = matmul(&probs.reshape((batch, kv_heads, group * time, total))?, &v)?;
	out.reshape((batch, heads, time, head_dim))?.transpose(1, 2)?.reshape((
		batch,
		time,
		heads * head_dim,
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

	/// The textbook form: every query head against its own (repeated) copy of k and v.
	fn repeated_kv_reference(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
		let (batch, heads, time, head_dim) = q.dims4()?;
		let n = heads / k.dims()[1];
		let repeat = |xs: &Tensor| {
			let (b, kv, t, d) = xs.dims4()?;
			xs.unsqueeze(2)?.broadcast_as((b, kv, n, t, d))?.reshape((b, kv * n, t, d))
		};
		let (k, v) = (repeat(k)?, repeat(v)?);
		let scores = (q.matmul(&k.t()?)? / (head_dim as f64).sqrt())?;
		let mask = causal_mask(time, 0, q.device())?.to_dtype(q.dtype())?;
		let probs = crate::ops::softmax_last_dim(&scores.broadcast_add(&mask)?)?;
		probs.matmul(&v)?.transpose(1, 2)?.reshape((batch, time, heads * head_dim))
	}

	#[test]
	fn grouped_heads_equal_repeated_keys_and_values() -> Result<()> {
		let q = candle_core::Var::from_tensor(&random_tensor(&[2, 6, 5, 4], 4)?)?;
		let k = candle_core::Var::from_tensor(&random_tensor(&[2, 2, 5, 4], 5)?)?;
		let v = candle_core::Var::from_tensor(&random_tensor(&[2, 2, 5, 4], 6)?)?;
		let r = random_tensor(&[2, 5, 24], 7)?;
		let ours = attend(q.as_tensor(), k.as_tensor().clone(), v.as_tensor().clone(), None)?;
		let reference = repeated_kv_reference(q.as_tensor(), k.as_tensor(), v.as_tensor())?;
		let max = |t: Tensor| t.abs()?.max_all()?.to_scalar::<f64>();
		assert!(max((&ours - &reference)?)? < 1e-12);
		let a = (ours * &r)?.sum_all()?.backward()?;
		let b = (reference * &r)?.sum_all()?.backward()?;
		for t in [q.as_tensor(), k.as_tensor(), v.as_tensor()] {
			assert!(max((a.get(t).unwrap() - b.get(t).unwrap())?)? < 1e-12);
		}
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
