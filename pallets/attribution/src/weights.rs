//! Weights for pallet_attribution.
//!
//! NOT GENERATED YET: the pallet is not in the runtime, so `scripts/bench-pallet-weights.sh`
//! cannot run its benchmarks against the runtime's wasm. These are upper estimates from the
//! storage each call touches (reads and writes counted from the code, ParityDB weights) and
//! a generous per-item compute cost; replace them with the generated file when the pallet
//! joins the runtime.

#![allow(missing_docs)]

use frame_support::weights::{constants::ParityDbWeight, Weight};

/// The weight of each call of the pallet.
pub trait WeightInfo {
	fn pay_for_use(a: u32) -> Weight;
	fn claim(p: u32) -> Weight;
}

/// Estimates (see the module docs).
impl WeightInfo for () {
	/// Reads: the model, the pool, payer and pot accounts, one per trainer and the creator;
	/// writes: the same accounts and the pool.
	fn pay_for_use(a: u32) -> Weight {
		Weight::from_parts(80_000_000, 8_000)
			.saturating_add(Weight::from_parts(30_000_000, 2_600).saturating_mul(a.into()))
			.saturating_add(ParityDbWeight::get().reads(4_u64 + u64::from(a)))
			.saturating_add(ParityDbWeight::get().writes(3_u64 + u64::from(a)))
	}

	/// Reads: the model, the pool, the claim, the pot and the contributor; writes: the pool,
	/// the claim, the pot and the contributor. Each proof step is one blake2-256 hash.
	fn claim(p: u32) -> Weight {
		Weight::from_parts(90_000_000, 8_000)
			.saturating_add(Weight::from_parts(2_000_000, 32).saturating_mul(p.into()))
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
}
