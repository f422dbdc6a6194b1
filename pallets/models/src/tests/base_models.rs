use super::*;
use frame_support::{assert_noop, assert_ok};
use openledger_primitives::cid;
use sp_runtime::DispatchError;

fn label(text: &[u8]) -> Label {
	BoundedVec::truncate_from(text.to_vec())
}

fn register(
	origin: RuntimeOrigin,
	name: &[u8],
	cid_text: Vec<u8>,
	parameters: u64,
) -> sp_runtime::DispatchResult {
	ModelFactory::register_base_model(
		origin,
		label(name),
		ModelFamily::Qwen2,
		BoundedVec::truncate_from(cid_text),
		[9; 32],
		[8; 32],
		label(b"Apache-2.0"),
		parameters,
	)
}

#[test]
fn root_registers_a_base_model_with_a_binary_cid() {
	test(|| {
		assert_ok!(register(
			RuntimeOrigin::root(),
			b"Qwen2-0.5B",
			cid::to_text(&binary_cid(5)),
			494_032_768
		));
		let model = BaseModels::<Test>::get(2).unwrap();
		assert_eq!(model.weights_cid.to_vec(), binary_cid(5));
		assert_eq!(model.family, ModelFamily::Qwen2);
		assert_eq!(model.status, BaseModelStatus::Active);
		assert_eq!(NextBaseModelId::<Test>::get(), 3);
		System::assert_last_event(
			Event::BaseModelRegistered { base: 2, family: ModelFamily::Qwen2 }.into(),
		);
	});
}

#[test]
fn registration_errors() {
	test(|| {
		let good = || cid::to_text(&binary_cid(5));
		assert_noop!(
			register(RuntimeOrigin::signed(CREATOR), b"x", good(), 1),
			DispatchError::BadOrigin
		);
		assert_noop!(register(RuntimeOrigin::root(), b"", good(), 1), Error::<Test>::InvalidLabel);
		assert_noop!(
			register(RuntimeOrigin::root(), &[0xff, 0xfe], good(), 1),
			Error::<Test>::InvalidLabel
		);
		assert_noop!(
			register(RuntimeOrigin::root(), b"x", b"not-a-cid".to_vec(), 1),
			Error::<Test>::InvalidCid
		);
		assert_noop!(
			register(RuntimeOrigin::root(), b"x", good(), 0),
			Error::<Test>::ZeroParameters
		);
	});
}

#[test]
fn retiring_stops_new_jobs_and_keeps_the_model() {
	test(|| {
		assert_ok!(ModelFactory::retire_base_model(RuntimeOrigin::root(), SMOL));
		System::assert_last_event(Event::BaseModelRetired { base: SMOL }.into());
		assert_eq!(BaseModels::<Test>::get(SMOL).unwrap().status, BaseModelStatus::Retired);
		assert_noop!(
			ModelFactory::create_job(RuntimeOrigin::signed(CREATOR), spec()),
			Error::<Test>::BaseModelRetired
		);
	});
}

#[test]
fn retirement_errors() {
	test(|| {
		assert_noop!(
			ModelFactory::retire_base_model(RuntimeOrigin::signed(CREATOR), SMOL),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ModelFactory::retire_base_model(RuntimeOrigin::root(), 7),
			Error::<Test>::BaseModelNotFound
		);
		assert_ok!(ModelFactory::retire_base_model(RuntimeOrigin::root(), SMOL));
		assert_noop!(
			ModelFactory::retire_base_model(RuntimeOrigin::root(), SMOL),
			Error::<Test>::BaseModelRetired
		);
	});
}
