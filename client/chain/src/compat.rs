//! Runtime upgrades: what this build expects of the node's runtime, checked item by item.
//!
//! The calls, storage entries, constants and view functions generated from
//! `metadata/openledger.scale` each carry a hash of their shape (names, argument and value
//! types). A node whose runtime was upgraded still serves every item the upgrade did not
//! touch, so a command checks only the items it uses, just before using them, and names
//! the first one that changed: reads keep working across an upgrade that leaves them
//! alone, and a signed call is never encoded against a shape the runtime no longer has.
//! (The `datanets_*` and `models_*` RPC answer in JSON and need no check.)
//!
//! Each check returns the changed item's name (`Pallet.item`) as its error.

use subxt::{constants, storage, transactions, view_functions, Metadata};

/// `Ok` when the node's `Pallet.call` has the shape `call` was generated for.
pub fn call(metadata: &Metadata, call: &impl transactions::Payload) -> Result<(), String> {
	let Some(expected) = call.validation_details() else { return Ok(()) };
	let node = metadata
		.pallet_by_name(expected.pallet_name)
		.and_then(|pallet| pallet.call_hash(expected.call_name));
	same(node, expected.hash, || format!("{}.{}", expected.pallet_name, expected.call_name))
}

/// `Ok` when the node's storage entry has the shape `address` was generated for.
pub fn storage(metadata: &Metadata, address: &impl storage::Address) -> Result<(), String> {
	let Some(expected) = address.validation_hash() else { return Ok(()) };
	let node = metadata
		.pallet_by_name(address.pallet_name())
		.and_then(|pallet| pallet.storage_hash(address.entry_name()));
	same(node, expected, || format!("{}.{}", address.pallet_name(), address.entry_name()))
}

/// `Ok` when the node's constant has the shape `address` was generated for.
pub fn constant(metadata: &Metadata, address: &impl constants::Address) -> Result<(), String> {
	let Some(expected) = address.validation_hash() else { return Ok(()) };
	let node = metadata
		.pallet_by_name(address.pallet_name())
		.and_then(|pallet| pallet.constant_hash(address.constant_name()));
	same(node, expected, || format!("{}.{}", address.pallet_name(), address.constant_name()))
}

/// `Ok` when the node's view function has the shape `payload` was generated for.
pub fn view_function(
	metadata: &Metadata,
	payload: &impl view_functions::Payload,
) -> Result<(), String> {
	let Some(expected) = payload.validation_hash() else { return Ok(()) };
	let node = metadata
		.pallet_by_name(payload.pallet_name())
		.and_then(|pallet| pallet.view_function_by_name(payload.function_name()))
		.map(|function| function.hash());
	same(node, expected, || format!("{}.{}", payload.pallet_name(), payload.function_name()))
}

fn same(
	node: Option<[u8; 32]>,
	expected: [u8; 32],
	item: impl Fn() -> String,
) -> Result<(), String> {
	if node == Some(expected) {
		Ok(())
	} else {
		Err(item())
	}
}

#[cfg(test)]
mod tests {
	//! An "upgraded runtime": the checked-in metadata with one call changed and one removed;
	//! every other item still checks.

	use super::*;
	use crate::{runtime, AccountId};
	use codec::{Decode, Encode};
	use scale_info::{form::PortableForm, TypeDef, Variant};
	use subxt::ext::frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};

	const METADATA: &[u8] = include_bytes!("../metadata/openledger.scale");

	/// The metadata after `edit` has changed the variant type of `pallet`'s calls.
	fn upgraded(pallet: &str, edit: impl Fn(&mut Vec<Variant<PortableForm>>)) -> Metadata {
		let mut prefixed = RuntimeMetadataPrefixed::decode(&mut &METADATA[..]).unwrap();
		let RuntimeMetadata::V16(metadata) = &mut prefixed.1 else {
			panic!("the checked-in metadata is V16")
		};
		let calls = metadata
			.pallets
			.iter()
			.find(|p| p.name == pallet)
			.and_then(|p| p.calls.as_ref())
			.unwrap()
			.ty
			.id;
		let ty = metadata.types.types.iter_mut().find(|ty| ty.id == calls).unwrap();
		let TypeDef::Variant(variants) = &mut ty.ty.type_def else { panic!("calls are a variant") };
		edit(&mut variants.variants);
		Metadata::decode(&mut &prefixed.encode()[..]).unwrap()
	}

	#[test]
	fn only_the_changed_items_fail() {
		let unchanged = Metadata::decode(&mut &METADATA[..]).unwrap();
		let submit = runtime::transactions().datanets().submit(
			0,
			b"cid".to_vec(),
			1,
			crate::FileFormat::Txt,
		);
		let reserve = runtime::transactions().datanets().reserve(vec![]);
		let transfer =
			runtime::transactions().balances().transfer_keep_alive(AccountId([1; 32]).into(), 1);
		assert_eq!(call(&unchanged, &submit), Ok(()));

		// `submit` gains a renamed argument; `reserve` is gone.
		let metadata = upgraded("Datanets", |variants| {
			let submit = variants.iter_mut().find(|v| v.name == "submit").unwrap();
			submit.fields[1].name = Some("content_id".into());
			variants.retain(|v| v.name != "reserve");
		});
		assert_eq!(call(&metadata, &submit), Err("Datanets.submit".into()));
		assert_eq!(call(&metadata, &reserve), Err("Datanets.reserve".into()));
		assert_eq!(call(&metadata, &transfer), Ok(()));
		let account = runtime::storage().system().account();
		assert_eq!(storage(&metadata, &account), Ok(()));
		let deposit = runtime::constants().balances().existential_deposit();
		assert_eq!(constant(&metadata, &deposit), Ok(()));
		let allowance = runtime::view_functions().datanets().allowance(0, AccountId([1; 32]));
		assert_eq!(view_function(&metadata, &allowance), Ok(()));
	}
}
