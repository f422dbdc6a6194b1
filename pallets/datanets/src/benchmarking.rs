//! Benchmarks of every call, each at its worst case.

use super::*;
use crate::Pallet as DatanetsPallet;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{One, Saturating},
	Perbill,
};

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let per_use = T::DatanetDeposit::get()
		.saturating_add(T::MinValidatorBond::get())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, per_use.saturating_mul(1_000u32.into()));
	who
}

fn voting<T: Config>(quorum: u32) -> VotingRules<BlockNumberFor<T>> {
	VotingRules {
		quorum,
		approval_threshold: Perbill::from_percent(50),
		voting_period: T::MaxVotingPeriod::get(),
	}
}

/// A text datanet with the longest name and description, deciding at `quorum` votes.
fn datanet_of<T: Config>(owner: &T::AccountId, quorum: u32) -> DatanetId {
	DatanetsPallet::<T>::do_create_datanet(
		owner.clone(),
		vec![b'n'; T::MaxNameLength::get() as usize],
		vec![b'd'; T::MaxDescriptionLength::get() as usize],
		Modality::Text,
		CapOverrides::default(),
		voting::<T>(quorum),
		T::MinValidatorBond::get(),
	)
	.expect("benchmark datanet is valid")
}

fn bonded_validators<T: Config>(datanet: DatanetId, count: u32) -> Vec<T::AccountId> {
	(0..count)
		.map(|index| {
			let validator = funded::<T>("validator", index);
			DatanetsPallet::<T>::do_bond(datanet, &validator, T::MinValidatorBond::get())
				.expect("validator is funded");
			validator
		})
		.collect()
}

/// The CID text that is slowest to parse within `MaxCidLength`: base58btc is quadratic in
/// its length, and a sha2-512 CIDv1 is the longest we accept. Distinct for each `seed`.
fn slowest_cid<T: Config>(seed: u8) -> Vec<u8> {
	let mut binary = vec![0x01, 0x55, 0x13, 0x40];
	binary.extend((0..64u8).map(|i| i.wrapping_mul(31).wrapping_add(seed) | 1));
	let text = [&b"z"[..], &base58btc(&binary)].concat();
	if text.len() <= T::MaxCidLength::get() as usize {
		return text;
	}
	let mut v0 = vec![0x12, 0x20];
	v0.extend((0..32u8).map(|i| i.wrapping_add(seed) | 1));
	base58btc(&v0)
}

fn base58btc(bytes: &[u8]) -> Vec<u8> {
	const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	let mut digits: Vec<u8> = Vec::new();
	for &byte in bytes {
		let mut carry = byte as u32;
		for digit in digits.iter_mut() {
			carry += (*digit as u32) << 8;
			*digit = (carry % 58) as u8;
			carry /= 58;
		}
		while carry > 0 {
			digits.push((carry % 58) as u8);
			carry /= 58;
		}
	}
	let zeros = bytes.iter().take_while(|&&b| b == 0).count();
	let mut text = vec![b'1'; zeros];
	text.extend(digits.iter().rev().map(|&d| ALPHABET[d as usize]));
	text
}

fn submit_as<T: Config>(contributor: &T::AccountId, datanet: DatanetId, seed: u8) -> SubmissionId {
	DatanetsPallet::<T>::submit(
		RawOrigin::Signed(contributor.clone()).into(),
		datanet,
		slowest_cid::<T>(seed),
		1,
		FileFormat::Txt,
	)
	.expect("benchmark submission is valid");
	NextSubmissionId::<T>::get() - 1
}

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(<T as frame_system::Config>::RuntimeEvent::from(
		event,
	));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_datanet() {
		let owner = funded::<T>("owner", 0);
		let id = NextDatanetId::<T>::get();
		let caps = CapOverrides { daily_bytes_per_account: Some(1), max_file_bytes: Some(1) };

		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			vec![b'n'; T::MaxNameLength::get() as usize],
			vec![b'd'; T::MaxDescriptionLength::get() as usize],
			Modality::Text,
			caps,
			voting::<T>(T::MaxVotesPerSubmission::get()),
			T::MinValidatorBond::get(),
		);

		assert_eq!(Datanets::<T>::get(id).map(|d| d.owner), Some(owner));
	}

	#[benchmark]
	fn update_description() {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);
		let description = vec![b'u'; T::MaxDescriptionLength::get() as usize];

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet, description.clone());

		assert_eq!(Datanets::<T>::get(datanet).map(|d| d.description.to_vec()), Some(description));
	}

	#[benchmark]
	fn lower_caps() {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);
		let caps = CapOverrides { daily_bytes_per_account: Some(1), max_file_bytes: Some(1) };

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet, caps);

		assert_last_event::<T>(Event::CapsLowered {
			datanet,
			caps: DatanetCaps { daily_bytes_per_account: 1, max_file_bytes: 1 },
		});
	}

	#[benchmark]
	fn close_datanet() {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet);

		assert_eq!(Datanets::<T>::get(datanet).map(|d| d.status), Some(DatanetStatus::Closed));
	}

	/// The first funding, which also pays the pot's existential deposit.
	#[benchmark]
	fn fund_rewards() {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);
		let amount = T::MinValidatorBond::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet, amount, Some(amount));

		assert_eq!(Datanets::<T>::get(datanet).map(|d| d.reward_pool), Some(amount));
	}

	/// The slowest CID to parse, by an account that already used some of today's caps.
	#[benchmark]
	fn submit() {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);
		let contributor = funded::<T>("contributor", 0);
		submit_as::<T>(&contributor, datanet, 0);
		let cid = slowest_cid::<T>(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(contributor.clone()), datanet, cid, 1, FileFormat::Txt);

		assert_eq!(ContributorStatsOf::<T>::get(datanet, &contributor).submitted, 2);
	}

	/// A top-up, which reads the existing bond.
	#[benchmark]
	fn bond_validator() {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);
		let validator = bonded_validators::<T>(datanet, 1).remove(0);
		let amount = T::MinValidatorBond::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(validator.clone()), datanet, amount);

		assert_eq!(
			Validators::<T>::get(datanet, &validator).map(|b| b.amount),
			Some(amount.saturating_add(amount))
		);
	}

	#[benchmark]
	fn unbond() {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);
		let validator = bonded_validators::<T>(datanet, 1).remove(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(validator.clone()), datanet);

		assert!(Validators::<T>::get(datanet, &validator).is_some_and(|b| b.unlocks_at.is_some()));
	}

	#[benchmark]
	fn withdraw_unbonded() {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);
		let validator = bonded_validators::<T>(datanet, 1).remove(0);
		DatanetsPallet::<T>::unbond(RawOrigin::Signed(validator.clone()).into(), datanet)
			.expect("validator has no pending votes");
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(now.saturating_add(T::UnbondingDelay::get()));

		#[extrinsic_call]
		_(RawOrigin::Signed(validator.clone()), datanet);

		assert!(Validators::<T>::get(datanet, &validator).is_none());
	}

	/// The `v`-th vote, which completes a quorum of `v` and accepts the submission.
	#[benchmark]
	fn vote(v: Linear<1, { T::MaxVotesPerSubmission::get() }>) -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, v);
		let mut validators = bonded_validators::<T>(datanet, v);
		let contributor = funded::<T>("contributor", 0);
		let submission = submit_as::<T>(&contributor, datanet, 0);
		let last = validators.pop().ok_or(BenchmarkError::Stop("no validator"))?;
		for validator in validators {
			DatanetsPallet::<T>::vote(RawOrigin::Signed(validator).into(), submission, true, 50)
				.map_err(|_| BenchmarkError::Stop("vote refused"))?;
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(last), submission, true, 90);

		let status = Submissions::<T>::get(submission).map(|s| s.status);
		assert!(matches!(status, Some(SubmissionStatus::Accepted { .. })));
		Ok(())
	}

	/// Expiry of a submission holding `v` votes, one short of its quorum at most.
	#[benchmark]
	fn finalize(
		v: Linear<0, { T::MaxVotesPerSubmission::get() - 1 }>,
	) -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, T::MaxVotesPerSubmission::get());
		let validators = bonded_validators::<T>(datanet, v);
		let contributor = funded::<T>("contributor", 0);
		let submission = submit_as::<T>(&contributor, datanet, 0);
		for validator in validators {
			DatanetsPallet::<T>::vote(RawOrigin::Signed(validator).into(), submission, true, 50)
				.map_err(|_| BenchmarkError::Stop("vote refused"))?;
		}
		let ends = Submissions::<T>::get(submission).map(|s| s.voting_ends).unwrap_or_default();
		frame_system::Pallet::<T>::set_block_number(ends.saturating_add(One::one()));

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), submission);

		let status = Submissions::<T>::get(submission).map(|s| s.status);
		assert_eq!(status, Some(SubmissionStatus::Expired));
		Ok(())
	}

	/// The first claim of an epoch, which also fixes the epoch's release.
	#[benchmark]
	fn claim_rewards() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(&owner, 1);
		let reward = T::MinValidatorBond::get();
		DatanetsPallet::<T>::fund_rewards(
			RawOrigin::Signed(owner).into(),
			datanet,
			reward.saturating_add(reward),
			Some(reward),
		)
		.map_err(|_| BenchmarkError::Stop("funding refused"))?;
		let validator = bonded_validators::<T>(datanet, 1).remove(0);
		let contributor = funded::<T>("contributor", 0);
		let submission = submit_as::<T>(&contributor, datanet, 0);
		DatanetsPallet::<T>::vote(RawOrigin::Signed(validator).into(), submission, true, 90)
			.map_err(|_| BenchmarkError::Stop("vote refused"))?;
		let epoch = DatanetsPallet::<T>::current_epoch();
		let next_epoch = T::EpochLength::get().saturating_mul((epoch + 1).into());
		frame_system::Pallet::<T>::set_block_number(next_epoch);

		#[extrinsic_call]
		_(RawOrigin::Signed(contributor.clone()), datanet, epoch);

		assert!(Epochs::<T>::get(datanet, epoch).release.is_some());
		Ok(())
	}

	/// An acceptance that moves the last of `2^h - 1` contributors to the top of the
	/// datanet's and the global leaderboard, both balanced trees of height `h`. The weight
	/// of `vote` charges this at `MAX_TREE_HEIGHT`.
	#[benchmark]
	fn update_boards(h: Linear<1, 12>) -> Result<(), BenchmarkError> {
		let count = (1u32 << h) - 1;
		let datanet = 0;
		DatanetsPallet::<T>::seed_benchmark_contributors(datanet, count);
		let board = Board::Datanet(datanet);
		let (last, _) = DatanetsPallet::<T>::ranked_page(board, count - 1, 1)
			.pop()
			.ok_or(BenchmarkError::Stop("board not seeded"))?;
		let top = DatanetsPallet::<T>::stats_on(board, &last).score + u64::from(count);
		let stats = DatanetsPallet::<T>::record_stats(datanet, &last, |stats| stats.score = top);

		#[block]
		{
			DatanetsPallet::<T>::update_boards(datanet, &last, &stats);
		}

		assert_eq!(DatanetsPallet::<T>::rank_of(board, &last), Some(1));
		assert_eq!(DatanetsPallet::<T>::rank_of(Board::Global, &last), Some(1));
		Ok(())
	}

	impl_benchmark_test_suite!(DatanetsPallet, crate::mock::new_test_ext(), crate::mock::Test);
}
