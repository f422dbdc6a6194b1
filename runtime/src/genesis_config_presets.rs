//! Genesis presets: `development` (one authority, Alice) and `local_testnet` (Alice, Bob,
//! Charlie and Dave as Aura/GRANDPA authorities). Both fund the dev accounts, open one
//! datanet per modality owned by Alice, and bond Bob, Charlie and Dave as validators of each;
//! register SmolLM2-135M-Instruct (the real GGUF the trainer fine-tunes) as base model 0 and
//! Eve and Ferdie as trainers.

use crate::{
	AccountId, BalancesConfig, DatanetsConfig, ModelsConfig, RuntimeGenesisConfig, SudoConfig,
	HOURS, OPEN,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use openledger_primitives::dev::SMOLLM2_135M_INSTRUCT;
use pallet_datanets::{Modality, VotingRules};
use pallet_models::{Capabilities, DeterminismClass, Device, ModelFamily};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::Perbill;

/// Each dev account starts with a million OPEN.
pub const DEV_ENDOWMENT: u128 = 1_000_000 * OPEN;
/// Bond of each genesis validator on each genesis datanet.
pub const DEV_VALIDATOR_BOND: u128 = 1_000 * OPEN;
/// Bond of each genesis trainer.
pub const DEV_TRAINER_BOND: u128 = 1_000 * OPEN;
/// Datanet ids opened at genesis, in this order.
pub const GENESIS_DATANETS: [(&str, Modality); 3] =
	[("Text", Modality::Text), ("Images", Modality::Image), ("Audio", Modality::Audio)];
/// Rules of the local testnet's datanets: a simple majority of the revealed stake, half
/// the bonded stake revealing, an hour to commit and an hour to reveal.
pub const GENESIS_VOTING: VotingRules<crate::BlockNumber> = VotingRules {
	approval_threshold: Perbill::from_percent(50),
	min_participation: Perbill::from_percent(50),
	commit_period: HOURS,
	reveal_period: HOURS,
};
/// The development chain's: the same shares, 50 blocks to commit and 50 to reveal (five
/// minutes each at a block per six seconds; each transaction seals a block too), so a file
/// is decided within minutes, and early once enough stake has revealed.
pub const DEV_VOTING: VotingRules<crate::BlockNumber> = VotingRules {
	approval_threshold: Perbill::from_percent(50),
	min_participation: Perbill::from_percent(50),
	commit_period: 50,
	reveal_period: 50,
};

/// What the genesis trainers can run: the families openledger-trainer implements, on CPU,
/// bit-identically.
fn dev_trainer_capabilities() -> Capabilities {
	Capabilities {
		families: vec![ModelFamily::Smollm2, ModelFamily::Llama, ModelFamily::Gpt2]
			.try_into()
			.expect("three families fit"),
		max_parameters: 1_000_000_000,
		devices: vec![Device::Cpu].try_into().expect("one device fits"),
		determinism: vec![DeterminismClass::Portable].try_into().expect("one class fits"),
	}
}

/// `authorities`: each authority's Aura (sr25519) and GRANDPA (ed25519) dev key.
fn genesis(
	authorities: Vec<(Sr25519Keyring, Ed25519Keyring)>,
	root: AccountId,
	voting: VotingRules<crate::BlockNumber>,
) -> Value {
	let endowed = Sr25519Keyring::well_known().map(|key| (key.to_account_id(), DEV_ENDOWMENT));
	let owner = Sr25519Keyring::Alice.to_account_id();
	let validators = [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances: endowed.collect() },
		aura: pallet_aura::GenesisConfig {
			authorities: authorities
				.iter()
				.map(|(aura, _)| AuraId::from(aura.public()))
				.collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities
				.iter()
				.map(|(_, grandpa)| (GrandpaId::from(grandpa.public()), 1))
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		datanets: DatanetsConfig {
			datanets: GENESIS_DATANETS
				.iter()
				.map(|(name, modality)| (owner.clone(), name.as_bytes().to_vec(), *modality))
				.collect::<Vec<_>>(),
			default_voting: Some(voting),
			validators: (0..GENESIS_DATANETS.len() as u32)
				.flat_map(|datanet| {
					validators.iter().map(move |v| (datanet, v.to_account_id(), DEV_VALIDATOR_BOND))
				})
				.collect::<Vec<_>>(),
		},
		models: ModelsConfig {
			base_models: vec![(
				SMOLLM2_135M_INSTRUCT.name.as_bytes().to_vec(),
				ModelFamily::Smollm2,
				SMOLLM2_135M_INSTRUCT.weights_cid.as_bytes().to_vec(),
				SMOLLM2_135M_INSTRUCT.weights_hash,
				SMOLLM2_135M_INSTRUCT.tokenizer_hash,
				SMOLLM2_135M_INSTRUCT.licence.as_bytes().to_vec(),
				SMOLLM2_135M_INSTRUCT.parameters,
			)],
			trainers: [Sr25519Keyring::Eve, Sr25519Keyring::Ferdie]
				.iter()
				.map(|t| (t.to_account_id(), DEV_TRAINER_BOND, dev_trainer_capabilities()))
				.collect::<Vec<_>>(),
		},
	})
}

pub fn development_config_genesis() -> Value {
	genesis(
		vec![(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Sr25519Keyring::Alice.to_account_id(),
		DEV_VOTING,
	)
}

pub fn local_testnet_genesis() -> Value {
	genesis(
		vec![
			(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		Sr25519Keyring::Alice.to_account_id(),
		GENESIS_VOTING,
	)
}

pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
