//! Dataset snapshots. Each datanet's accepted log (`AcceptedSubmissions`) stores, with
//! every entry, the running head of `openledger_primitives::dataset` after it: the snapshot
//! of any prefix, `(datanet, count, head_count)`, is then one read, and anyone who pages
//! through the log (the `accepted` read) can recompute every head. pallet-models names its
//! training datasets by these snapshots, through `DatasetSnapshots`.

use crate::{
	AcceptedEntry, AcceptedSubmissions, Config, DatanetId, DatanetOf, Datanets, Error, Pallet,
	Quality, SubmissionId, SubmissionOf, Submissions,
};
use frame_support::traits::Defensive;
use openledger_primitives::{
	dataset::{next_head, DatasetSnapshots, Snapshot, EMPTY_HEAD},
	Hash32,
};
use sp_runtime::DispatchError;

impl<T: Config> Pallet<T> {
	/// `head_{index + 1}`: the head after the accepted submission `id` is appended at
	/// `index` to a log whose head is `previous`.
	pub(crate) fn entry_head(
		previous: &Hash32,
		index: u32,
		id: SubmissionId,
		submission: &SubmissionOf<T>,
		weight: Quality,
	) -> Hash32 {
		next_head(previous, index, id, &submission.cid[..], &submission.contributor, weight)
	}

	/// The head after the first `count` entries of the datanet's log (`EMPTY_HEAD` for
	/// none); `None` past the log's end.
	pub(crate) fn head_after(datanet: DatanetId, count: u32) -> Option<Hash32> {
		match count.checked_sub(1) {
			None => Some(EMPTY_HEAD),
			Some(last) => AcceptedSubmissions::<T>::get(datanet, last).map(|entry| entry.head),
		}
	}

	/// The submission a log entry names and its acceptance weight: accepted submissions
	/// are never pruned, so this is `None` only on corrupted state.
	pub(crate) fn accepted_submission(id: SubmissionId) -> Option<(SubmissionOf<T>, Quality)> {
		let submission = Submissions::<T>::get(id)?;
		let weight = submission.status.accepted_weight()?;
		Some((submission, weight))
	}

	/// Appends an accepted submission to its datanet's log, chaining the head, and counts
	/// it in `accepted_count`.
	pub(crate) fn append_accepted(
		datanet: &mut DatanetOf<T>,
		id: SubmissionId,
		submission: &SubmissionOf<T>,
		weight: Quality,
	) -> Result<(), DispatchError> {
		let index = datanet.accepted_count;
		let count = index.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let previous = Self::head_after(submission.datanet, index).defensive_unwrap_or(EMPTY_HEAD);
		let head = Self::entry_head(&previous, index, id, submission, weight);
		AcceptedSubmissions::<T>::insert(
			submission.datanet,
			index,
			AcceptedEntry { submission: id, head },
		);
		datanet.accepted_count = count;
		Ok(())
	}
}

impl<T: Config> DatasetSnapshots for Pallet<T> {
	fn current_snapshot(datanet: DatanetId) -> Option<Snapshot> {
		let count = Datanets::<T>::get(datanet)?.accepted_count;
		Some(Snapshot { datanet, count, head: Self::head_after(datanet, count)? })
	}

	fn is_snapshot(snapshot: &Snapshot) -> bool {
		Datanets::<T>::get(snapshot.datanet)
			.is_some_and(|record| snapshot.count <= record.accepted_count)
			&& Self::head_after(snapshot.datanet, snapshot.count) == Some(snapshot.head)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> Pallet<T> {
	/// For other pallets' benchmarks (pallet-models' jobs): a new datanet whose log holds
	/// one entry. The entry names no real submission, so `try_state` would refuse it;
	/// benchmarks do not run it.
	pub fn benchmark_datanet_with_files(seed: u32) -> DatanetId {
		use crate::{CapOverrides, Modality, VotingRules};
		use frame_support::traits::{
			fungible::{Inspect, Mutate},
			Get,
		};
		use sp_runtime::{
			traits::{One, Saturating, Zero},
			Perbill,
		};
		let owner: T::AccountId = frame_benchmarking::account("datanet owner", seed, 0);
		let funds = T::DatanetDeposit::get()
			.saturating_mul(2u32.into())
			.saturating_add(T::Currency::minimum_balance());
		T::Currency::set_balance(&owner, funds);
		let rules = VotingRules {
			approval_threshold: Perbill::from_percent(50),
			min_participation: Perbill::from_percent(50),
			commit_period: One::one(),
			reveal_period: One::one(),
		};
		let id = Self::do_create_datanet(
			owner,
			b"benchmark".to_vec(),
			alloc::vec::Vec::new(),
			Modality::Text,
			CapOverrides::default(),
			rules,
			Zero::zero(),
		)
		.expect("benchmark datanet is valid");
		let mut record = Datanets::<T>::get(id).expect("just created");
		let head = next_head(&EMPTY_HEAD, 0, SubmissionId::MAX, &[0u8; 36][..], &0u32, 50);
		AcceptedSubmissions::<T>::insert(
			id,
			0,
			AcceptedEntry { submission: SubmissionId::MAX, head },
		);
		record.accepted_count = 1;
		Datanets::<T>::insert(id, record);
		id
	}
}
