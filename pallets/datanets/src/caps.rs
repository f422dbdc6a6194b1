//! Datanet caps and the daily allowances of each account.
//!
//! Usage is kept per account (chain-wide) and per (datanet, account), stamped with the UTC
//! day it counts for; a record from an earlier day reads as empty, so nothing needs
//! resetting at midnight.

use crate::{
	AccountUsage, CapOverrides, Config, DatanetCaps, DatanetId, DatanetUsage, DayIndex, Error,
	Pallet,
};
use codec::{Decode, Encode};
use frame_support::{
	ensure,
	traits::{Get, UnixTime},
};
use scale_info::TypeInfo;

const SECONDS_PER_DAY: u64 = 86_400;

/// Caps for a new datanet: the defaults, or lower values the creator chose.
pub(crate) fn initial<T: Config>(overrides: CapOverrides) -> Result<DatanetCaps, Error<T>> {
	let caps = DatanetCaps {
		daily_bytes_per_account: overrides
			.daily_bytes_per_account
			.unwrap_or(T::DefaultDatanetDailyBytes::get()),
		max_file_bytes: overrides.max_file_bytes.unwrap_or(T::MaxFileBytes::get()),
	};
	ensure!(caps.daily_bytes_per_account > 0 && caps.max_file_bytes > 0, Error::<T>::ZeroCap);
	ensure!(
		caps.daily_bytes_per_account <= T::DefaultDatanetDailyBytes::get()
			&& caps.max_file_bytes <= T::MaxFileBytes::get(),
		Error::<T>::CapAboveGlobal
	);
	Ok(caps)
}

/// `current` with the given caps lowered; raising one, or setting it to zero, is refused.
pub(crate) fn lowered<T: Config>(
	current: DatanetCaps,
	overrides: CapOverrides,
) -> Result<DatanetCaps, Error<T>> {
	let lower = |current: u64, new: Option<u64>| -> Result<u64, Error<T>> {
		let Some(new) = new else { return Ok(current) };
		ensure!(new > 0, Error::<T>::ZeroCap);
		ensure!(new < current, Error::<T>::CapNotLower);
		Ok(new)
	};
	Ok(DatanetCaps {
		daily_bytes_per_account: lower(
			current.daily_bytes_per_account,
			overrides.daily_bytes_per_account,
		)?,
		max_file_bytes: lower(current.max_file_bytes, overrides.max_file_bytes)?,
	})
}

/// What an account may still submit today; clients read it before paying a fee.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
pub struct Allowance {
	/// Bytes left under the chain-wide cap.
	pub account_bytes: u64,
	/// Files left under the chain-wide cap.
	pub account_files: u32,
	/// Bytes left under the datanet's cap.
	pub datanet_bytes: u64,
}

impl<T: Config> Pallet<T> {
	/// The current UTC day, from the block's timestamp.
	pub fn today() -> DayIndex {
		(T::UnixTime::now().as_secs() / SECONDS_PER_DAY) as DayIndex
	}

	/// The account's remaining daily allowance on `datanet`, whose caps are `caps`.
	pub fn remaining_allowance(
		who: &T::AccountId,
		datanet: DatanetId,
		caps: &DatanetCaps,
	) -> Allowance {
		let today = Self::today();
		let account = AccountUsage::<T>::get(who).on(today);
		let on_datanet = DatanetUsage::<T>::get(datanet, who).on(today);
		Allowance {
			account_bytes: T::MaxDailyBytesPerAccount::get().saturating_sub(account.bytes),
			account_files: T::MaxDailyFilesPerAccount::get().saturating_sub(account.files),
			datanet_bytes: caps.daily_bytes_per_account.saturating_sub(on_datanet.bytes),
		}
	}

	/// Counts a file of `bytes` against today's caps, or refuses it without change.
	pub(crate) fn use_daily_allowance(
		who: &T::AccountId,
		datanet: DatanetId,
		caps: &DatanetCaps,
		bytes: u64,
	) -> Result<(), Error<T>> {
		let allowance = Self::remaining_allowance(who, datanet, caps);
		ensure!(allowance.account_files >= 1, Error::<T>::AccountDailyFilesExceeded);
		ensure!(bytes <= allowance.account_bytes, Error::<T>::AccountDailyBytesExceeded);
		ensure!(bytes <= allowance.datanet_bytes, Error::<T>::DatanetDailyBytesExceeded);

		let today = Self::today();
		AccountUsage::<T>::mutate(who, |usage| *usage = usage.with_file(today, bytes));
		DatanetUsage::<T>::mutate(datanet, who, |usage| *usage = usage.with_file(today, bytes));
		Ok(())
	}
}
