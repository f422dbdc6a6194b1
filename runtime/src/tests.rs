//! Tests of the assembled runtime, run natively on its development genesis.

use crate::{
	genesis_config_presets::development_config_genesis, AccountId, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeGenesisConfig, RuntimeOrigin, System,
};
use frame_support::{assert_ok, traits::UnfilteredDispatchable};
use pallet_datanets::{AccountUsage, FileFormat};
use serde_json::Value;
use sp_keyring::Sr25519Keyring;
use sp_runtime::BuildStorage;

/// Fills `base` with the fields `patch` sets, recursively, as the node does with presets.
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

fn dev_ext() -> sp_io::TestExternalities {
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, development_config_genesis());
	let config: RuntimeGenesisConfig = serde_json::from_value(config).unwrap();
	let mut ext = sp_io::TestExternalities::new(config.build_storage().unwrap());
	ext.execute_with(|| {
		System::set_block_number(1);
		// 2026-11-22 12:00 UTC.
		pallet_timestamp::Now::<Runtime>::put(1_795_348_800_000);
	});
	ext
}

/// A canonical CID for file `n` of `bytes` bytes: raw up to one chunk, dag-pb above.
fn cid_of(n: u32, bytes: u64) -> Vec<u8> {
	let codec = if bytes <= pallet_datanets::cid::CANONICAL_CHUNK_BYTES { 0x55 } else { 0x70 };
	let mut binary = vec![0x01, codec, 0x12, 0x20];
	binary.extend_from_slice(&sp_io::hashing::sha2_256(&n.to_le_bytes()));
	binary
}

/// Reserves Alice's files (n, bytes) in this block and moves to the next one.
fn reserve(files: &[(u32, u64)]) {
	let reservations = files
		.iter()
		.map(|&(n, bytes)| pallet_datanets::reservation(0, &cid_of(n, bytes), &alice()));
	for chunk in reservations.collect::<Vec<_>>().chunks(20) {
		assert_ok!(pallet_datanets::Pallet::<Runtime>::reserve(
			RuntimeOrigin::signed(alice()),
			chunk.to_vec()
		));
	}
	System::set_block_number(System::block_number() + 1);
}

fn submit(n: u32, bytes: u64) -> RuntimeCall {
	let binary = cid_of(n, bytes);
	RuntimeCall::Datanets(pallet_datanets::Call::submit {
		datanet: 0,
		cid: pallet_datanets::cid::to_text(&binary),
		bytes,
		format: FileFormat::Txt,
	})
}

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

fn batch_interrupted_with(error: pallet_datanets::Error<Runtime>) -> bool {
	let expected = sp_runtime::DispatchError::from(error);
	System::events().iter().any(|record| {
		matches!(&record.event, RuntimeEvent::Utility(pallet_utility::Event::BatchInterrupted { error, .. }) if *error == expected)
	})
}

#[test]
fn development_genesis_opens_datanets_and_bonds_validators() {
	dev_ext().execute_with(|| {
		for (id, (_, modality)) in
			crate::genesis_config_presets::GENESIS_DATANETS.iter().enumerate()
		{
			let datanet = pallet_datanets::Datanets::<Runtime>::get(id as u32).unwrap();
			assert_eq!((datanet.owner, datanet.modality), (alice(), *modality));
			for validator in [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave] {
				assert!(pallet_datanets::Validators::<Runtime>::contains_key(
					id as u32,
					validator.to_account_id()
				));
			}
		}
		pallet_datanets::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn development_genesis_registers_smollm2_and_two_trainers() {
	use openledger_primitives::{cid, dev::SMOLLM2_135M_INSTRUCT as SMOL};
	dev_ext().execute_with(|| {
		let base = pallet_models::BaseModels::<Runtime>::get(0).unwrap();
		assert_eq!(base.family, pallet_models::ModelFamily::Smollm2);
		assert_eq!(base.weights_cid.to_vec(), cid::parse(SMOL.weights_cid.as_bytes()).unwrap());
		assert_eq!(
			(base.weights_hash, base.tokenizer_hash, base.parameters),
			(SMOL.weights_hash, SMOL.tokenizer_hash, SMOL.parameters)
		);
		for trainer in [Sr25519Keyring::Eve, Sr25519Keyring::Ferdie] {
			let record = pallet_models::Trainers::<Runtime>::get(trainer.to_account_id()).unwrap();
			assert_eq!(record.bond, crate::genesis_config_presets::DEV_TRAINER_BOND);
		}
		pallet_models::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn a_batch_cannot_submit_more_files_than_the_daily_cap() {
	dev_ext().execute_with(|| {
		reserve(&(0..21).chain(100..102).map(|n| (n, 1)).collect::<Vec<_>>());
		let calls: Vec<_> = (0..21).map(|n| submit(n, 1)).collect();
		let batch = RuntimeCall::Utility(pallet_utility::Call::batch { calls });
		assert_ok!(batch.dispatch_bypass_filter(RuntimeOrigin::signed(alice())));
		assert!(batch_interrupted_with(pallet_datanets::Error::AccountDailyFilesExceeded));
		assert_eq!(AccountUsage::<Runtime>::get(alice()).files, 20);

		// `batch_all` refuses the whole batch and `force_batch` skips the refused call.
		let more: Vec<_> = (100..102).map(|n| submit(n, 1)).collect();
		let batch_all =
			RuntimeCall::Utility(pallet_utility::Call::batch_all { calls: more.clone() });
		assert!(batch_all.dispatch_bypass_filter(RuntimeOrigin::signed(alice())).is_err());
		let force = RuntimeCall::Utility(pallet_utility::Call::force_batch { calls: more });
		assert_ok!(force.dispatch_bypass_filter(RuntimeOrigin::signed(alice())));
		assert_eq!(AccountUsage::<Runtime>::get(alice()).files, 20);
		pallet_datanets::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn a_batch_cannot_submit_more_bytes_than_the_daily_cap() {
	dev_ext().execute_with(|| {
		reserve(&[(1, 6 << 20), (2, 4 << 20), (3, 1)]);
		let calls = vec![submit(1, 6 << 20), submit(2, 4 << 20), submit(3, 1)];
		let batch = RuntimeCall::Utility(pallet_utility::Call::batch { calls });
		assert_ok!(batch.dispatch_bypass_filter(RuntimeOrigin::signed(alice())));
		assert!(batch_interrupted_with(pallet_datanets::Error::AccountDailyBytesExceeded));
		assert_eq!(AccountUsage::<Runtime>::get(alice()).bytes, 10 << 20);
	});
}

/// The smallest payment for a model's use leaves every payee a share it can receive: each
/// of the most trainers a model can have, and the job's creator, get at least the
/// existential deposit, and the contributors more than nothing.
#[test]
fn the_smallest_payment_gives_every_payee_a_share_that_lands() {
	use crate::configs::{AttributionContributorsShare, AttributionTrainersShare};
	use frame_support::traits::Get;
	let payment: crate::Balance = <Runtime as pallet_attribution::Config>::MinPayment::get();
	let contributors = AttributionContributorsShare::get().mul_floor(payment);
	let trainers = AttributionTrainersShare::get().mul_floor(payment);
	let each_trainer = trainers / crate::Balance::from(pallet_attribution::MAX_ATTESTERS);
	let creator = payment - contributors - trainers;
	assert!(contributors > 0);
	assert!(each_trainer >= crate::EXISTENTIAL_DEPOSIT, "{each_trainer}");
	assert!(creator >= crate::EXISTENTIAL_DEPOSIT, "{creator}");
}
