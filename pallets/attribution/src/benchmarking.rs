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

	/// `p` sibling hashes: the claimant's row proved through a path of `p` made-up siblings
	/// (`attribution::root_from_proof`; a real table that deep would have 2^p rows).
	#[benchmark]
	fn claim(p: Linear<1, MAX_PROOF_LENGTH>) {
		let claimant = funded::<T>("contributor", 0);
		let parts = attribution::PARTS_PER_WHOLE / 3;
		let path = attribution::Proof {
			siblings: (0..p).map(|i| [i as u8; 32]).collect(),
			leaves: u32::MAX,
			index: u32::MAX / 3,
		};
		let root = attribution::root_from_proof(&claimant, parts, &path);
		let creator = funded::<T>("creator", 0);
		let model = T::BenchmarkHelper::verified_model(root, Vec::new(), creator);
		let payer = funded::<T>("payer", 0);
		Pallet::<T>::pay_for_use(
			RawOrigin::Signed(payer).into(),
			model,
			T::MinPayment::get() * 1_000u32.into(),
		)
		.expect("paid");
		let siblings = ProofOf::truncate_from(path.siblings);
		let (index, leaves) = (path.index, path.leaves);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(claimant.clone()),
			model,
			claimant.clone(),
			index,
			parts,
			leaves,
			siblings,
		);

		assert!(Claims::<T>::get(model, &claimant).is_some());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
