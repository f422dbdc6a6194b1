//! Canonical hashes: the same model, config or data gives the same digest on every machine.
//!
//! Tensors: SHA-256 over the tensors sorted by name, each as
//! `u64 name length ‖ name ‖ u64 dtype length ‖ dtype ‖ u64 rank ‖ u64 dims… ‖ u64 byte
//! length ‖ little-endian data` (all integers little-endian). JSON: keys sorted, no spaces.

use candle_core::{DType, Result, Tensor};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub fn hex_digest(hasher: Sha256) -> String {
	sha256_text(&hasher.finalize().into())
}

/// A SHA-256 digest as these hashes are written (`sha256:<hex>`), e.g. one the chain stores
/// as 32 bytes.
pub fn sha256_text(digest: &[u8; 32]) -> String {
	format!("sha256:{}", hex::encode(digest))
}

fn put(hasher: &mut Sha256, bytes: &[u8]) {
	hasher.update((bytes.len() as u64).to_le_bytes());
	hasher.update(bytes);
}

/// Feeds tensors one at a time, in name order, so a whole model is hashed without holding a
/// byte copy of every tensor at once.
#[derive(Default)]
pub struct TensorHasher {
	hasher: Sha256,
	last_name: Option<String>,
}

impl TensorHasher {
	/// `dtype`: `f32`, `bf16`, `q4_1`, …; `data`: little-endian elements (or a ggml block
	/// format's raw bytes). Names must come in ascending order.
	pub fn add(&mut self, name: &str, dtype: &str, shape: &[usize], data: &[u8]) {
		assert!(
			self.last_name.as_deref().is_none_or(|last| last < name),
			"tensors must be hashed in ascending name order ({name})"
		);
		self.last_name = Some(name.to_string());
		put(&mut self.hasher, name.as_bytes());
		put(&mut self.hasher, dtype.as_bytes());
		self.hasher.update((shape.len() as u64).to_le_bytes());
		for dim in shape {
			self.hasher.update((*dim as u64).to_le_bytes());
		}
		put(&mut self.hasher, data);
	}

	pub fn finish(self) -> String {
		hex_digest(self.hasher)
	}
}

/// The little-endian bytes of a tensor's elements in row-major order.
pub fn tensor_bytes(tensor: &Tensor) -> Result<Vec<u8>> {
	let flat = tensor.flatten_all()?;
	Ok(match tensor.dtype() {
		DType::F32 => flat.to_vec1::<f32>()?.iter().flat_map(|v| v.to_le_bytes()).collect(),
		DType::F64 => flat.to_vec1::<f64>()?.iter().flat_map(|v| v.to_le_bytes()).collect(),
		DType::F16 => flat.to_vec1::<half::f16>()?.iter().flat_map(|v| v.to_le_bytes()).collect(),
		DType::BF16 => flat.to_vec1::<half::bf16>()?.iter().flat_map(|v| v.to_le_bytes()).collect(),
		DType::U32 => flat.to_vec1::<u32>()?.iter().flat_map(|v| v.to_le_bytes()).collect(),
		DType::I64 => flat.to_vec1::<i64>()?.iter().flat_map(|v| v.to_le_bytes()).collect(),
		DType::U8 => flat.to_vec1::<u8>()?,
		other => candle_core::bail!("no canonical byte form for {other:?}"),
	})
}

/// The canonical hash of named dense tensors (an adapter's, a base's, a merged model's).
pub fn tensors_hash<'a>(
	tensors: impl IntoIterator<Item = (&'a String, &'a Tensor)>,
) -> Result<String> {
	let mut sorted: Vec<_> = tensors.into_iter().collect();
	sorted.sort_by(|a, b| a.0.cmp(b.0));
	let mut hasher = TensorHasher::default();
	for (name, tensor) in sorted {
		hasher.add(name, tensor.dtype().as_str(), tensor.dims(), &tensor_bytes(tensor)?);
	}
	Ok(hasher.finish())
}

/// JSON with sorted keys and no whitespace.
pub fn canonical_json(value: &Value) -> String {
	fn sorted(value: &Value) -> Value {
		match value {
			Value::Object(map) => {
				let ordered: BTreeMap<&String, Value> =
					map.iter().map(|(k, v)| (k, sorted(v))).collect();
				let mut out = serde_json::Map::new();
				for (k, v) in ordered {
					out.insert(k.clone(), v);
				}
				Value::Object(out)
			},
			Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
			other => other.clone(),
		}
	}
	// serde_json's map keeps insertion order only with `preserve_order`; either way the
	// entries above were inserted sorted.
	serde_json::to_string(&sorted(value)).expect("a JSON value serialises")
}

pub fn json_hash(value: &Value) -> String {
	let mut hasher = Sha256::new();
	hasher.update(canonical_json(value).as_bytes());
	hex_digest(hasher)
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle_core::Device;
	use std::collections::HashMap;

	#[test]
	fn tensor_hash_ignores_insertion_order_and_sees_every_bit() -> Result<()> {
		let a = Tensor::new(&[1f32, 2., 3.], &Device::Cpu)?;
		let b = Tensor::new(&[[0.5f32], [0.25]], &Device::Cpu)?;
		let mut one = HashMap::new();
		one.insert("x".to_string(), a.clone());
		one.insert("y".to_string(), b.clone());
		let mut other: Vec<(String, Tensor)> =
			vec![("y".into(), b.clone()), ("x".into(), a.clone())];
		let first = tensors_hash(&one)?;
		assert_eq!(first, tensors_hash(other.iter().map(|(n, t)| (n, t)))?);
		other[1].1 = Tensor::new(&[1f32, 2., 3.0000002], &Device::Cpu)?;
		assert_ne!(first, tensors_hash(other.iter().map(|(n, t)| (n, t)))?);
		other[1].1 = a.reshape((3, 1))?;
		assert_ne!(first, tensors_hash(other.iter().map(|(n, t)| (n, t)))?, "shape is hashed");
		other[1].1 = a.to_dtype(DType::F64)?;
		assert_ne!(first, tensors_hash(other.iter().map(|(n, t)| (n, t)))?, "dtype is hashed");
		Ok(())
	}

	#[test]
	fn canonical_json_sorts_keys_at_every_level() {
		let a = serde_json::json!({"b": 1, "a": {"d": [1, {"z": 0, "y": 1}], "c": true}});
		assert_eq!(canonical_json(&a), r#"{"a":{"c":true,"d":[1,{"y":1,"z":0}]},"b":1}"#);
		let reordered: Value =
			serde_json::from_str(r#"{"a":{"c":true,"d":[1,{"z":0,"y":1}]},"b":1}"#).unwrap();
		assert_eq!(json_hash(&a), json_hash(&reordered));
	}
}
