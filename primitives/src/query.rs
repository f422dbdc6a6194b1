//! The shape of a paged read, shared by every pallet's view functions, runtime APIs and
//! `*_` RPC methods.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// Largest `limit` a paged read accepts.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Items `offset..offset + items.len()` of `total`.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct Page<Item> {
	/// Items in all pages.
	pub total: u32,
	/// Position of the first item.
	pub offset: u32,
	/// This page's items.
	pub items: Vec<Item>,
}
