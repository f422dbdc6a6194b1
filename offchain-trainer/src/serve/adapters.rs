//! Adapted models on demand over one base: the first request for a model loads its adapter
//! from the catalog (the chain and IPFS, or local directories), attaches it to the base
//! already in memory, and keeps the result among the `--max-adapters` most recently used.
//!
//! The base's frozen weights are shared by every adapted model ([`Model::with_adapter`]),
//! so each cached model costs only its adapter's tensors (10 MB for rank 8 on every linear of a 135M
//! base); the limit bounds that memory, and an evicted adapter is fetched again from the
//! server's cache directory, not from IPFS. Loads happen one at a time (a second request
//! for the same model waits for the first load and then finds it cached); a request for a
//! cached model never waits for a load.

use super::catalog::{Catalog, CatalogError};
use crate::model::Model;
use std::{collections::VecDeque, sync::Arc};

/// A least-recently-used map for a handful of entries (a linear scan beats hashing at
/// this size, and the order is the recency).
#[derive(Debug)]
pub struct Lru<K, V> {
	capacity: usize,
	/// Most recently used first.
	entries: VecDeque<(K, V)>,
}

impl<K: PartialEq, V> Lru<K, V> {
	/// `capacity` is at least 1.
	pub fn new(capacity: usize) -> Lru<K, V> {
		Lru { capacity: capacity.max(1), entries: VecDeque::new() }
	}

	/// The entry for `key`, now the most recently used.
	pub fn get(&mut self, key: &K) -> Option<&V> {
		let at = self.entries.iter().position(|(k, _)| k == key)?;
		let entry = self.entries.remove(at).expect("found above");
		self.entries.push_front(entry);
		self.entries.front().map(|(_, v)| v)
	}

	/// Adds (or replaces) `key` as the most recently used; returns the entry evicted to make
	/// room, if any.
	pub fn insert(&mut self, key: K, value: V) -> Option<(K, V)> {
		if let Some(at) = self.entries.iter().position(|(k, _)| *k == key) {
			self.entries.remove(at);
		}
		self.entries.push_front((key, value));
		(self.entries.len() > self.capacity).then(|| self.entries.pop_back()).flatten()
	}

	/// The keys, most recently used first.
	pub fn keys(&self) -> impl Iterator<Item = &K> {
		self.entries.iter().map(|(k, _)| k)
	}

	pub fn len(&self) -> usize {
		self.entries.len()
	}

	pub fn is_empty(&self) -> bool {
		self.entries.is_empty()
	}
}

/// The base and the adapted models over it.
pub struct Adapters {
	base: Arc<Model>,
	catalog: Catalog,
	cache: std::sync::Mutex<Lru<u64, Arc<Model>>>,
	loading: tokio::sync::Mutex<()>,
}

impl Adapters {
	pub fn new(base: Arc<Model>, catalog: Catalog, max_adapters: usize) -> Adapters {
		Adapters {
			base,
			catalog,
			cache: std::sync::Mutex::new(Lru::new(max_adapters)),
			loading: tokio::sync::Mutex::new(()),
		}
	}

	pub fn base(&self) -> &Arc<Model> {
		&self.base
	}

	pub fn catalog(&self) -> &Catalog {
		&self.catalog
	}

	/// Chain ids of the adapters in memory, most recently used first.
	pub fn cached(&self) -> Vec<u64> {
		self.cache.lock().expect("not poisoned").keys().copied().collect()
	}

	fn cached_model(&self, id: u64) -> Option<Arc<Model>> {
		self.cache.lock().expect("not poisoned").get(&id).cloned()
	}

	/// Model `id` with its adapter, loaded if it is not in memory.
	pub async fn get(&self, id: u64) -> Result<Arc<Model>, CatalogError> {
		if let Some(model) = self.cached_model(id) {
			return Ok(model);
		}
		let _loading = self.loading.lock().await;
		if let Some(model) = self.cached_model(id) {
			return Ok(model);
		}
		let adapter = self.catalog.load(id).await?;
		let base = self.base.clone();
		let model = tokio::task::spawn_blocking(move || base.with_adapter(adapter))
			.await
			.map_err(|e| CatalogError::Invalid(format!("loading the adapter failed: {e}")))?
			.map_err(|e| CatalogError::Invalid(format!("model {id}'s adapter: {e}")))?;
		let model = Arc::new(model);
		let evicted = self.cache.lock().expect("not poisoned").insert(id, model.clone());
		match evicted {
			Some((old, _)) => eprintln!(
				"serve: loaded the adapter of model {id}; evicted model {old}'s (least recently \
				 used)"
			),
			None => eprintln!("serve: loaded the adapter of model {id}"),
		}
		Ok(model)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_least_recently_used_entry_is_evicted() {
		let mut lru = Lru::new(2);
		assert_eq!(lru.insert(1, "one"), None);
		assert_eq!(lru.insert(2, "two"), None);
		assert_eq!(lru.get(&1), Some(&"one"), "1 is now the most recent");
		assert_eq!(lru.insert(3, "three"), Some((2, "two")));
		assert_eq!(lru.keys().copied().collect::<Vec<_>>(), [3, 1]);
		assert_eq!(lru.get(&2), None);
		assert_eq!(lru.insert(1, "uno"), None, "replacing is not evicting");
		assert_eq!(lru.get(&1), Some(&"uno"));
		assert_eq!(lru.insert(4, "four"), Some((3, "three")));
		assert_eq!(lru.len(), 2);
	}

	#[test]
	fn rotating_over_more_models_than_the_capacity_misses_every_time() {
		// Why the benchmark's 20 adapters need --max-adapters 20 to be served from memory.
		let mut lru = Lru::new(3);
		let mut misses = 0;
		for round in 0..3 {
			for id in 0..4 {
				if lru.get(&id).is_none() {
					misses += 1;
					lru.insert(id, round);
				}
			}
		}
		assert_eq!(misses, 12);
		let mut lru = Lru::new(4);
		let misses: usize = (0..3)
			.flat_map(|_| 0..4)
			.map(|id| usize::from(lru.get(&id).is_none() && lru.insert(id, ()).is_none()))
			.sum();
		assert_eq!(misses, 4, "only the first round loads");
	}

	#[test]
	fn a_capacity_of_zero_still_holds_one() {
		let mut lru = Lru::new(0);
		lru.insert(1, ());
		assert_eq!(lru.len(), 1);
		assert!(!lru.is_empty());
	}
}
