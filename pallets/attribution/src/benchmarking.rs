//! Benchmarks: the widest payment (every trainer paid) and the longest proof.

use crate::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use openledger_primitives::attribution;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, T::MinPayment::get() * 1_000_000u32.into());
	who
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn pay_for_use(a: Linear<1, MAX_ATTESTERS>) {
		let attesters: Vec<T::AccountId> = (0..a).map(|i| funded::<T>("trainer", i)).collect();
		let creator = funded::<T>("creator", 0);
		let payer = funded::<T>("payer", 0);
		T::Currency::set_balance(&Pallet::<T>::account(), T::MinPayment::get());
		let model = T::BenchmarkHelper::verified_model([7; 32], attesters, creator);
		let amount = T::MinPayment::get() * 1_000u32.into();

		#[extrinsic_call]
		_(RawOrigin::Signed(payer), model, amount);

		assert!(Pools::<T>::get(model).is_some());
	}

	/// `p` sibling hashes: a table of 2^p rows, the claimant's row the last.
	#[benchmark]
	fn claim(p: Linear<1, 20>) {
		let claimant = funded::<T>("contributor", 0);
		let leaves = 1u32 << p;
		let mut rows: Vec<(T::AccountId, u32)> =
			(1..leaves).map(|i| (account("row", i, 0), 1)).collect();
		rows.push((claimant.clone(), attribution::PARTS_PER_WHOLE - (leaves - 1)));
		let root = attribution::rows_root(&rows);
		let proof = attribution::proof(&rows, rows.len() - 1).expect("the last row");
		let creator = funded::<T>("creator", 0);
		let model = T::BenchmarkHelper::verified_model(root, Vec::new(), creator);
		let payer = funded::<T>("payer", 0);
		Pallet::<T>::pay_for_use(
			RawOrigin::Signed(payer).into(),
			model,
			T::MinPayment::get() * 1_000u32.into(),
		)
		.expect("paid");
		let parts = rows[rows.len() - 1].1;
		let siblings = ProofOf::truncate_from(proof.siblings);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(claimant.clone()),
			model,
			claimant.clone(),
			proof.index,
			parts,
			proof.leaves,
			siblings,
		);

		assert!(Claims::<T>::get(model, &claimant).is_some());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
