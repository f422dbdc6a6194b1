//! Work that falls due without anyone calling for it: settling a submission at the end of
//! its reveal period, pruning a rejected or expired one after `RetentionPeriod`, dropping
//! stale CID reservations. `on_idle` runs the due items, earliest first, within the
//! block's leftover weight, each item charged at its benchmarked worst case; what does not
//! fit waits for the next block (or anyone's `finalize`).

use crate::{
	Config, Pallet, ReservationQueue, Reservations, SubmissionByCid, SubmissionId, SubmissionQueue,
	SubmissionStatus, Submissions, WeightInfo, MAX_TREE_HEIGHT,
};
use frame_support::{traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::SaturatedConversion;

/// Key of `SubmissionQueue`: due block and submission id, big-endian.
fn queue_key(due: u64, id: SubmissionId) -> [u8; 16] {
	let mut key = [0u8; 16];
	key[..8].copy_from_slice(&due.to_be_bytes());
	key[8..].copy_from_slice(&id.to_be_bytes());
	key
}

fn split_key(key: &[u8; 16]) -> (u64, SubmissionId) {
	let mut due = [0u8; 8];
	let mut id = [0u8; 8];
	due.copy_from_slice(&key[..8]);
	id.copy_from_slice(&key[8..]);
	(u64::from_be_bytes(due), SubmissionId::from_be_bytes(id))
}

impl<T: Config> Pallet<T> {
	pub(crate) fn schedule(due: BlockNumberFor<T>, id: SubmissionId) {
		SubmissionQueue::<T>::insert(queue_key(due.saturated_into(), id), ());
	}

	pub(crate) fn unschedule(due: BlockNumberFor<T>, id: SubmissionId) {
		SubmissionQueue::<T>::remove(queue_key(due.saturated_into(), id));
	}

	/// The earliest queued submission and its due block.
	pub(crate) fn next_due() -> Option<(u64, SubmissionId)> {
		SubmissionQueue::<T>::iter_keys().next().map(|key| split_key(&key))
	}

	/// Runs due work within `limit`; returns the weight used.
	pub(crate) fn sweep(now: BlockNumberFor<T>, limit: Weight) -> Weight {
		let now: u64 = now.saturated_into();
		let settle_cost = T::WeightInfo::settle(T::MaxValidators::get())
			.saturating_add(T::WeightInfo::update_boards(MAX_TREE_HEIGHT));
		let worst = settle_cost.max(T::WeightInfo::prune()).max(T::WeightInfo::drop_reservation());
		let peek = T::DbWeight::get().reads(1);
		let mut used = Weight::zero();
		while used.saturating_add(worst).saturating_add(peek.saturating_mul(2)).all_lte(limit) {
			// Each turn reads the head of the submission queue, due or not.
			used.saturating_accrue(peek);
			if let Some((due, id)) = Self::next_due().filter(|(due, _)| *due <= now) {
				let Some(submission) = Submissions::<T>::get(id) else {
					SubmissionQueue::<T>::remove(queue_key(due, id));
					continue;
				};
				if submission.settled {
					used.saturating_accrue(T::WeightInfo::prune());
					Self::prune(id, &submission);
					SubmissionQueue::<T>::remove(queue_key(due, id));
				} else {
					// A storage layer, as a call has: a failed settlement leaves no trace.
					let settled =
						frame_support::storage::with_storage_layer(|| Self::settle(id, submission));
					match settled {
						Ok(weight) => used.saturating_accrue(weight),
						Err(error) => {
							// Never retried: a settlement that fails once fails again.
							log::error!(target: "runtime::datanets", "settling {id}: {error:?}");
							SubmissionQueue::<T>::remove(queue_key(due, id));
							used.saturating_accrue(settle_cost);
						},
					}
				}
				continue;
			}
			used.saturating_accrue(peek);
			if !Self::drop_stale_reservation(now) {
				break;
			}
			used.saturating_accrue(T::WeightInfo::drop_reservation());
		}
		used
	}

	/// Drops the earliest queued reservation if it is stale at block `now`; whether one was.
	pub(crate) fn drop_stale_reservation(now: u64) -> bool {
		let stale = ReservationQueue::<T>::iter_keys().next().filter(|key| {
			let mut expires = [0u8; 8];
			expires.copy_from_slice(&key[..8]);
			u64::from_be_bytes(expires) < now
		});
		let Some(key) = stale else { return false };
		if let Some((maker, reservation)) = ReservationQueue::<T>::take(key) {
			Reservations::<T>::remove(maker, reservation);
		}
		true
	}

	/// Checks that `cid` is free on `datanet` for `contributor`, freeing it first if it is
	/// held by the contributor's own expired submission: an expired file was never judged,
	/// and until its retention ends no one else can take its (public) CID, so its
	/// contributor can submit it again and anyone else cannot make it expire to steal it.
	pub(crate) fn free_cid_for(
		datanet: crate::DatanetId,
		cid: &crate::CanonicalCid,
		contributor: &T::AccountId,
	) -> Result<(), crate::Error<T>> {
		let Some(held_by) = SubmissionByCid::<T>::get(datanet, cid) else { return Ok(()) };
		match Submissions::<T>::get(held_by) {
			Some(old)
				if old.settled
					&& old.status == SubmissionStatus::Expired
					&& &old.contributor == contributor =>
			{
				// Its queue entry is dropped by the sweep when due.
				Self::prune(held_by, &old);
				Ok(())
			},
			_ => Err(crate::Error::<T>::DuplicateCid),
		}
	}

	/// Removes a settled submission that was not accepted, freeing its CID.
	pub(crate) fn prune(id: SubmissionId, submission: &crate::SubmissionOf<T>) {
		if matches!(submission.status, SubmissionStatus::Accepted { .. }) {
			return;
		}
		SubmissionByCid::<T>::remove(submission.datanet, &submission.cid);
		Submissions::<T>::remove(id);
		Self::deposit_event(crate::Event::SubmissionPruned { submission: id });
	}
}
