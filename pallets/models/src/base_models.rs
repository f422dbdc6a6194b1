//! Base models: registered and retired by the privileged origin.

use crate::{
	BaseModel, BaseModelId, BaseModelStatus, BaseModels, CidText, Config, Error, Event, Hash32,
	Label, ModelFamily, NextBaseModelId, Pallet,
};
use frame_support::ensure;
use openledger_primitives::cid;
use sp_runtime::DispatchResult;

/// What `register_base_model` takes: name, family, weights CID text, weights hash,
/// tokenizer hash, licence, parameters.
pub(crate) type BaseModelSpec = (Label, ModelFamily, CidText, Hash32, Hash32, Label, u64);

/// A name or licence: non-empty UTF-8.
pub(crate) fn valid_label(label: &[u8]) -> bool {
	!label.is_empty() && core::str::from_utf8(label).is_ok()
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_register_base_model(
		(name, family, weights_cid, weights_hash, tokenizer_hash, licence, parameters): BaseModelSpec,
	) -> Result<BaseModelId, Error<T>> {
		ensure!(valid_label(&name) && valid_label(&licence), Error::<T>::InvalidLabel);
		ensure!(parameters > 0, Error::<T>::ZeroParameters);
		let binary = cid::parse(&weights_cid).map_err(|_| Error::<T>::InvalidCid)?;
		let weights_cid = binary.try_into().map_err(|_| Error::<T>::InvalidCid)?;
		let base = NextBaseModelId::<T>::get();
		NextBaseModelId::<T>::put(base.checked_add(1).ok_or(Error::<T>::Overflow)?);
		BaseModels::<T>::insert(
			base,
			BaseModel {
				name,
				family,
				weights_cid,
				weights_hash,
				tokenizer_hash,
				licence,
				parameters,
				status: BaseModelStatus::Active,
				registered_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		Self::deposit_event(Event::BaseModelRegistered { base, family });
		Ok(base)
	}

	pub(crate) fn do_retire_base_model(base: BaseModelId) -> DispatchResult {
		BaseModels::<T>::try_mutate(base, |model| {
			let model = model.as_mut().ok_or(Error::<T>::BaseModelNotFound)?;
			ensure!(model.status == BaseModelStatus::Active, Error::<T>::BaseModelRetired);
			model.status = BaseModelStatus::Retired;
			Ok::<_, Error<T>>(())
		})?;
		Self::deposit_event(Event::BaseModelRetired { base });
		Ok(())
	}
}
