//! The per-datanet index of pending submissions behind `query_pending`.

use crate::{Config, DatanetId, Pallet, PendingCount, PendingSubmissions, SubmissionId};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	pub(crate) fn add_pending(datanet: DatanetId, id: SubmissionId) {
		PendingSubmissions::<T>::insert(datanet, id.to_be_bytes(), ());
		PendingCount::<T>::mutate(datanet, |count| count.saturating_inc());
	}

	/// Called once a submission is accepted, rejected or expired.
	pub(crate) fn remove_pending(datanet: DatanetId, id: SubmissionId) {
		PendingSubmissions::<T>::remove(datanet, id.to_be_bytes());
		PendingCount::<T>::mutate(datanet, |count| count.saturating_dec());
	}
}
