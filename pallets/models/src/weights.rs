//! Weights for pallet_models: a placeholder until `scripts/bench-pallet-weights.sh` generates
//! this file from the runtime's wasm.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, Weight},
};

/// The weight of each call of the pallet.
pub trait WeightInfo {
	fn register_base_model() -> Weight;
	fn retire_base_model() -> Weight;
	fn register_trainer() -> Weight;
	fn unbond_trainer() -> Weight;
	fn withdraw_trainer() -> Weight;
	fn create_job(d: u32) -> Weight;
	fn cancel_job() -> Weight;
	fn commit_result() -> Weight;
	fn reveal_result(a: u32) -> Weight;
	fn finalize_job(a: u32) -> Weight;
}

/// Weights for the runtime `T`, with its own database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_base_model() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn retire_base_model() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn register_trainer() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn unbond_trainer() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn withdraw_trainer() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn create_job(_d: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn commit_result() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn reveal_result(_a: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
	fn finalize_job(_a: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(20, 20))
	}
}

// For tests and benchmarks.
impl WeightInfo for () {
	fn register_base_model() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn retire_base_model() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn register_trainer() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn unbond_trainer() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn withdraw_trainer() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn create_job(_d: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn commit_result() -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn reveal_result(_a: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
	fn finalize_job(_a: u32) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_add(ParityDbWeight::get().reads_writes(20, 20))
	}
}
