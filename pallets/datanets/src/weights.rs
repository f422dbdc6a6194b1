//! Placeholder until the generator writes this file; see `scripts/bench-pallet-weights.sh`.
#![allow(unused_parens, unused_imports, missing_docs)]

use frame_support::{traits::Get, weights::Weight};
use core::marker::PhantomData;

pub trait WeightInfo {
	fn create_datanet() -> Weight;
	fn update_description() -> Weight;
	fn lower_caps() -> Weight;
	fn close_datanet() -> Weight;
	fn fund_rewards() -> Weight;
	fn submit() -> Weight;
	fn bond_validator() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn vote(v: u32) -> Weight;
	fn finalize(v: u32) -> Weight;
	fn claim_rewards() -> Weight;
}

impl WeightInfo for () {
	fn create_datanet() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn update_description() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn lower_caps() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn close_datanet() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn fund_rewards() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn submit() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn bond_validator() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn unbond() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn withdraw_unbonded() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn vote(_v: u32) -> Weight { Weight::from_parts(1_000_000, 0) }
	fn finalize(_v: u32) -> Weight { Weight::from_parts(1_000_000, 0) }
	fn claim_rewards() -> Weight { Weight::from_parts(1_000_000, 0) }
}
