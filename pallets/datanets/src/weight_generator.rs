//! Writes `weights.rs` from a run of the benchmarks on the mock runtime, natively.
//!
//! The runtime does not exist yet, so frame-omni-bencher (which needs its wasm blob) cannot
//! run; and `TestExternalities` panics when the benchmark macros ask it for read/write
//! counts. [`CountingExt`] wraps the test externalities and answers those calls by tracking
//! each storage key touched after the setup, the way the node's benchmarking backend does
//! (first read of a key not written before: a read; first write: a write; whitelisted keys
//! free). Time is measured natively, not in wasm: expect the runtime's executor to be
//! slower. Once the runtime exists, regenerate with frame-omni-bencher against its wasm.
//!
//! Run it with `scripts/bench-pallet-weights.sh` (an `#[ignore]`d test, release build).

use crate::{mock::*, Pallet};
use frame_benchmarking::{
	Analysis, BenchmarkParameter, BenchmarkResult, BenchmarkSelector, Benchmarking,
};
use frame_support::storage::storage_prefix;
use sp_externalities::{Extension, ExtensionStore, Externalities, MultiRemovalResults};
use sp_storage::{ChildInfo, StateVersion, TrackedStorageKey};
use std::{any::TypeId, collections::BTreeMap, fmt::Write as _};

/// How one key was used since the counters were last reset.
#[derive(Default, Clone, Copy)]
struct Access {
	/// 1 when the first use was a read: a database read.
	reads: u32,
	/// Later reads, served from the cache.
	repeat_reads: u32,
	writes: u32,
	repeat_writes: u32,
}

/// Externalities that count storage reads and writes per key, as the benchmark macros expect.
struct CountingExt<'a> {
	inner: &'a mut dyn Externalities,
	accesses: BTreeMap<Vec<u8>, Access>,
	whitelist: Vec<TrackedStorageKey>,
}

impl<'a> CountingExt<'a> {
	fn new(inner: &'a mut dyn Externalities) -> Self {
		Self { inner, accesses: BTreeMap::new(), whitelist: Vec::new() }
	}

	fn whitelisted(&self, key: &[u8]) -> bool {
		self.whitelist.iter().any(|tracked| tracked.key == key)
	}

	fn read(&mut self, key: &[u8]) {
		if !self.whitelisted(key) {
			let access = self.accesses.entry(key.to_vec()).or_default();
			if access.reads == 0 && access.writes == 0 {
				access.reads = 1;
			} else {
				access.repeat_reads += 1;
			}
		}
	}

	fn write(&mut self, key: &[u8]) {
		if !self.whitelisted(key) {
			let access = self.accesses.entry(key.to_vec()).or_default();
			if access.writes == 0 {
				access.writes = 1;
			} else {
				access.repeat_writes += 1;
			}
		}
	}
}

impl ExtensionStore for CountingExt<'_> {
	fn extension_by_type_id(&mut self, type_id: TypeId) -> Option<&mut dyn std::any::Any> {
		self.inner.extension_by_type_id(type_id)
	}

	fn register_extension_with_type_id(
		&mut self,
		type_id: TypeId,
		extension: Box<dyn Extension>,
	) -> Result<(), sp_externalities::Error> {
		self.inner.register_extension_with_type_id(type_id, extension)
	}

	fn deregister_extension_by_type_id(
		&mut self,
		type_id: TypeId,
	) -> Result<(), sp_externalities::Error> {
		self.inner.deregister_extension_by_type_id(type_id)
	}
}

impl Externalities for CountingExt<'_> {
	fn set_offchain_storage(&mut self, key: &[u8], value: Option<&[u8]>) {
		self.inner.set_offchain_storage(key, value)
	}

	fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.read(key);
		self.inner.storage(key)
	}

	fn storage_hash(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.read(key);
		self.inner.storage_hash(key)
	}

	fn child_storage_hash(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.inner.child_storage_hash(child_info, key)
	}

	fn child_storage(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.inner.child_storage(child_info, key)
	}

	fn exists_storage(&mut self, key: &[u8]) -> bool {
		self.read(key);
		self.inner.exists_storage(key)
	}

	fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		let next = self.inner.next_storage_key(key);
		if let Some(next) = &next {
			self.read(next);
		}
		next
	}

	fn next_child_storage_key(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.inner.next_child_storage_key(child_info, key)
	}

	fn kill_child_storage(
		&mut self,
		child_info: &ChildInfo,
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.inner.kill_child_storage(child_info, maybe_limit, maybe_cursor)
	}

	fn clear_prefix(
		&mut self,
		prefix: &[u8],
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.write(prefix);
		self.inner.clear_prefix(prefix, maybe_limit, maybe_cursor)
	}

	fn clear_child_prefix(
		&mut self,
		child_info: &ChildInfo,
		prefix: &[u8],
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.inner.clear_child_prefix(child_info, prefix, maybe_limit, maybe_cursor)
	}

	fn place_storage(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
		self.write(&key);
		self.inner.place_storage(key, value)
	}

	fn place_child_storage(
		&mut self,
		child_info: &ChildInfo,
		key: Vec<u8>,
		value: Option<Vec<u8>>,
	) {
		self.inner.place_child_storage(child_info, key, value)
	}

	fn storage_root(&mut self, state_version: StateVersion) -> Vec<u8> {
		self.inner.storage_root(state_version)
	}

	fn child_storage_root(
		&mut self,
		child_info: &ChildInfo,
		state_version: StateVersion,
	) -> Vec<u8> {
		self.inner.child_storage_root(child_info, state_version)
	}

	fn storage_append(&mut self, key: Vec<u8>, value: Vec<u8>) {
		self.write(&key);
		self.inner.storage_append(key, value)
	}

	fn storage_start_transaction(&mut self) {
		self.inner.storage_start_transaction()
	}

	fn storage_rollback_transaction(&mut self) -> Result<(), ()> {
		self.inner.storage_rollback_transaction()
	}

	fn storage_commit_transaction(&mut self) -> Result<(), ()> {
		self.inner.storage_commit_transaction()
	}

	/// Each run starts from fresh externalities, so there is nothing to wipe.
	fn wipe(&mut self) {}

	/// Changes stay in the overlay; clearing the counters is what marks the setup's end.
	fn commit(&mut self) {}

	fn read_write_count(&self) -> (u32, u32, u32, u32) {
		self.accesses.values().fold((0, 0, 0, 0), |(r, rr, w, rw), access| {
			(
				r + access.reads,
				rr + access.repeat_reads,
				w + access.writes,
				rw + access.repeat_writes,
			)
		})
	}

	fn reset_read_write_count(&mut self) {
		self.accesses.clear();
	}

	fn get_whitelist(&self) -> Vec<TrackedStorageKey> {
		self.whitelist.clone()
	}

	fn set_whitelist(&mut self, new: Vec<TrackedStorageKey>) {
		self.whitelist = new;
	}

	fn get_read_and_written_keys(&self) -> Vec<(Vec<u8>, u32, u32, bool)> {
		self.accesses
			.iter()
			.map(|(key, access)| (key.clone(), access.reads, access.writes, false))
			.collect()
	}
}

/// Keys every block touches anyway, as a runtime whitelists them.
fn whitelist() -> Vec<TrackedStorageKey> {
	["Number", "ExecutionPhase", "EventCount", "Events", "BlockWeight"]
		.map(|item| storage_prefix(b"System", item.as_bytes()).to_vec())
		.into_iter()
		.map(|key| {
			let mut tracked = TrackedStorageKey::new(key);
			tracked.whitelist();
			tracked
		})
		.collect()
}

fn run_once(name: &[u8], components: &[(BenchmarkParameter, u32)]) -> Vec<BenchmarkResult> {
	let mut test_ext = new_test_ext();
	let mut ext = test_ext.ext();
	let mut counting = CountingExt::new(&mut ext);
	sp_externalities::set_and_run_with_externalities(&mut counting, || {
		Pallet::<Test>::run_benchmark(name, components, &whitelist(), false, 1)
	})
	.unwrap_or_else(|error| panic!("benchmark {} failed: {error:?}", String::from_utf8_lossy(name)))
}

/// Evenly spaced values of each component from its low to its high end, the others at
/// their high end (the CLI's default sweep).
fn component_sets(
	components: &[(BenchmarkParameter, u32, u32)],
	steps: u32,
) -> Vec<Vec<(BenchmarkParameter, u32)>> {
	if components.is_empty() {
		return vec![vec![]];
	}
	let mut sets = Vec::new();
	for (index, &(_, low, high)) in components.iter().enumerate() {
		let steps = steps.clamp(1, (high - low).max(1));
		for step in 0..=steps {
			let value = low + (high - low) * step / steps;
			sets.push(
				components
					.iter()
					.enumerate()
					.map(|(i, &(param, _, high))| (param, if i == index { value } else { high }))
					.collect(),
			);
		}
	}
	sets
}

struct Measured {
	name: String,
	params: Vec<String>,
	time: Analysis,
	reads: Analysis,
	writes: Analysis,
}

fn render(benchmarks: &[Measured], steps: u32, repeat: u32) -> String {
	let mut out = String::new();
	let _ = writeln!(
		out,
		"//! Weights for pallet-datanets, generated by `scripts/bench-pallet-weights.sh`; do not edit.\n\
		 //!\n\
		 //! Measured natively on the mock runtime ({steps} steps, {repeat} repeats, least squares\n\
		 //! over the inter-quartile range), with storage reads and writes counted per key. See\n\
		 //! `src/weight_generator.rs` for how, and docs/BENCHMARKS.md for the machine.\n\
		 \n\
		 #![allow(unused_parens, unused_imports, missing_docs)]\n\
		 \n\
		 use core::marker::PhantomData;\n\
		 use frame_support::{{traits::Get, weights::{{constants::ParityDbWeight, Weight}}}};\n\
		 \n\
		 /// The weight of each call of pallet-datanets.\n\
		 pub trait WeightInfo {{"
	);
	let signature = |b: &Measured| {
		let args: Vec<String> = b.params.iter().map(|p| format!("{p}: u32")).collect();
		format!("fn {}({}) -> Weight", b.name, args.join(", "))
	};
	for b in benchmarks {
		let _ = writeln!(out, "\t{};", signature(b));
	}
	let _ = writeln!(out, "}}\n");
	let body = |b: &Measured, db: &str| {
		let mut lines = vec![format!("Weight::from_parts({}, 0)", group_digits(b.time.base))];
		for (param, slope) in b.params.iter().zip(&b.time.slopes) {
			lines.push(format!(
				".saturating_add(Weight::from_parts({}, 0).saturating_mul({param}.into()))",
				group_digits(*slope)
			));
		}
		for (analysis, kind) in [(&b.reads, "reads"), (&b.writes, "writes")] {
			if analysis.base > 0 {
				lines.push(format!(".saturating_add({db}.{kind}({}_u64))", analysis.base));
			}
			for (param, slope) in b.params.iter().zip(&analysis.slopes) {
				if *slope > 0 {
					lines.push(format!(
						".saturating_add({db}.{kind}(({slope}_u64).saturating_mul({param}.into())))"
					));
				}
			}
		}
		lines.join("\n\t\t\t")
	};
	let _ = writeln!(
		out,
		"/// Weights for the runtime `T`, with its own database weights.\n\
		 pub struct SubstrateWeight<T>(PhantomData<T>);\n\
		 impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {{"
	);
	for b in benchmarks {
		let _ = writeln!(out, "\t{} {{\n\t\t{}\n\t}}", signature(b), body(b, "T::DbWeight::get()"));
	}
	let _ = writeln!(out, "}}\n\n/// For tests: the same figures with parity-db's database weights.\nimpl WeightInfo for () {{");
	for b in benchmarks {
		let _ =
			writeln!(out, "\t{} {{\n\t\t{}\n\t}}", signature(b), body(b, "ParityDbWeight::get()"));
	}
	let _ = writeln!(out, "}}");
	out
}

fn group_digits(value: u128) -> String {
	let digits = value.to_string();
	let mut out = String::new();
	for (i, c) in digits.chars().enumerate() {
		if i > 0 && (digits.len() - i).is_multiple_of(3) {
			out.push('_');
		}
		out.push(c);
	}
	out
}

#[test]
#[ignore = "writes src/weights.rs; run scripts/bench-pallet-weights.sh"]
fn generate_weights() {
	let steps: u32 = std::env::var("STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
	let repeat: u32 = std::env::var("REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(50);
	let mut measured = Vec::new();
	let mut summary = String::new();
	for meta in <Pallet<Test> as Benchmarking>::benchmarks(false) {
		let name = String::from_utf8(meta.name.clone()).expect("benchmark names are UTF-8");
		let mut results = Vec::new();
		for components in component_sets(&meta.components, steps) {
			for _ in 0..repeat {
				results.extend(run_once(&meta.name, &components));
			}
		}
		let analyse = |selector| {
			Analysis::min_squares_iqr(&results, selector)
				.unwrap_or_else(|error| panic!("analysis of {name} failed: {error}"))
		};
		let entry = Measured {
			params: meta.components.iter().map(|(param, _, _)| param.to_string()).collect(),
			time: analyse(BenchmarkSelector::ExtrinsicTime),
			reads: analyse(BenchmarkSelector::Reads),
			writes: analyse(BenchmarkSelector::Writes),
			name,
		};
		let _ = writeln!(
			summary,
			"{:<18} base {:>8.2} µs  slopes {:?} ps  reads {} {:?}  writes {} {:?}",
			entry.name,
			entry.time.base as f64 / 1_000_000.0,
			entry.time.slopes,
			entry.reads.base,
			entry.reads.slopes,
			entry.writes.base,
			entry.writes.slopes,
		);
		measured.push(entry);
	}
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/weights.rs");
	std::fs::write(path, render(&measured, steps, repeat)).expect("weights.rs is writable");
	println!("{summary}wrote {path}");
}
