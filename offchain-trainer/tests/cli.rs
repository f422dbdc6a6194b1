//! The `openledger-trainer` binary on a tiny checkpoint: determinism across thread counts,
//! adapters that change generations, merge/eval agreement, and errors a user can act on.

use openledger_trainer::{manifest::Manifest, tiny};
use std::{
	path::{Path, PathBuf},
	process::{Command, Output},
};

fn trainer() -> Command {
	Command::new(env!("CARGO_BIN_EXE_openledger-trainer"))
}

fn run(command: &mut Command) -> Output {
	let output = command.output().expect("the trainer binary runs");
	assert!(
		output.status.success(),
		"{command:?} failed:\n{}{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
	output
}

struct Setup {
	_dir: tempfile::TempDir,
	root: PathBuf,
	base: PathBuf,
	corpus: PathBuf,
}

impl Setup {
	/// `openledger-trainer train --base … --data … --out OUT` plus `options`.
	fn train(&self, out: &Path, options: &[&str]) -> Command {
		let mut command = trainer();
		command
			.arg("train")
			.args(options)
			.arg("--base")
			.arg(&self.base)
			.arg("--data")
			.arg(&self.corpus)
			.arg("--out")
			.arg(out);
		command
	}
}

fn setup() -> Setup {
	let dir = tempfile::tempdir().unwrap();
	let root = dir.path().to_path_buf();
	let base = root.join("base");
	tiny::write_random_checkpoint(&base, &tiny::tiny_llama(), 3).unwrap();
	let corpus = root.join("sonnet.txt");
	std::fs::write(
		&corpus,
		"When in disgrace with fortune and men's eyes, I all alone beweep my outcast state. "
			.repeat(20),
	)
	.unwrap();
	Setup { _dir: dir, root, base, corpus }
}

fn train(s: &Setup, out: &Path, threads: &str, seed: &str) -> Output {
	let events = s.root.join(format!("{}.jsonl", out.file_name().unwrap().to_string_lossy()));
	let events = events.to_str().unwrap();
	run(s
		.train(
			out,
			&[
				"--quiet",
				"--method",
				"qlora",
				"--bits",
				"8",
				"--seq-len",
				"32",
				"--batch-size",
				"2",
				"--grad-accum",
				"2",
				"--max-steps",
				"6",
				"--lr",
				"1e-2",
				"--lora-dropout",
				"0.1",
				"--rank",
				"4",
				"--checkpoint-every",
				"3",
				"--seed",
				seed,
				"--events",
				events,
			],
		)
		.env("RAYON_NUM_THREADS", threads))
}

#[test]
fn the_cpu_gives_one_model_hash_whatever_the_thread_count() {
	let s = setup();
	train(&s, &s.root.join("one"), "1", "42");
	train(&s, &s.root.join("two"), "2", "42");
	train(&s, &s.root.join("seed"), "2", "43");
	let one = Manifest::load(&s.root.join("one")).unwrap();
	let two = Manifest::load(&s.root.join("two")).unwrap();
	let seed = Manifest::load(&s.root.join("seed")).unwrap();
	// Everything but the measured speed.
	assert_eq!(
		(&one.model_hash, &one.base_weights_hash, &one.dataset_hash, &one.config_hash),
		(&two.model_hash, &two.base_weights_hash, &two.dataset_hash, &two.config_hash)
	);
	assert_eq!(one.metrics["eval_after"], two.metrics["eval_after"]);
	assert_ne!(one.model_hash, seed.model_hash, "the seed matters");
	assert_eq!(one.dataset_hash, seed.dataset_hash);
	assert!(one.model_hash.starts_with("sha256:"));
	for file in ["adapter_model.safetensors", "adapter_config.json", "openledger.json"] {
		assert!(s.root.join("one").join(file).exists(), "{file}");
	}
	let events = std::fs::read_to_string(s.root.join("one.jsonl")).unwrap();
	let kinds: Vec<String> = events
		.lines()
		.map(|l| {
			serde_json::from_str::<serde_json::Value>(l).unwrap()["event"]
				.as_str()
				.unwrap()
				.to_string()
		})
		.collect();
	assert_eq!(kinds.first().map(String::as_str), Some("start"));
	assert_eq!(kinds.iter().filter(|k| *k == "step").count(), 6);
	assert_eq!(kinds.iter().filter(|k| *k == "checkpoint").count(), 2);
	assert_eq!(kinds.last().map(String::as_str), Some("done"));
}

fn chat(s: &Setup, adapter: Option<&Path>) -> String {
	let mut command = trainer();
	command
		.args([
			"chat",
			"--temperature",
			"0",
			"--max-new-tokens",
			"24",
			"--prompt",
			"Tell me of fortune",
		])
		.arg("--base")
		.arg(&s.base);
	if let Some(dir) = adapter {
		command.arg("--adapter").arg(dir);
	}
	String::from_utf8(run(&mut command).stdout).unwrap()
}

fn eval(s: &Setup, base: &Path, adapter: Option<&Path>) -> f64 {
	let mut command = trainer();
	command
		.args(["eval", "--json", "--seq-len", "32"])
		.arg("--base")
		.arg(base)
		.arg("--data")
		.arg(&s.corpus);
	if let Some(dir) = adapter {
		command.arg("--adapter").arg(dir);
	}
	let json: serde_json::Value = serde_json::from_slice(&run(&mut command).stdout).unwrap();
	json["loss"].as_f64().unwrap()
}

#[test]
fn a_trained_adapter_changes_generations_and_merges_faithfully() {
	let s = setup();
	let adapter = s.root.join("adapter");
	run(&mut s.train(
		&adapter,
		&["--quiet", "--seq-len", "32", "--max-steps", "20", "--lr", "2e-2", "--rank", "4"],
	));
	assert_ne!(chat(&s, None), chat(&s, Some(&adapter)));

	let base_loss = eval(&s, &s.base, None);
	let adapted_loss = eval(&s, &s.base, Some(&adapter));
	assert!(adapted_loss < 0.7 * base_loss, "{base_loss} -> {adapted_loss}");
	let merged = s.root.join("merged");
	run(trainer()
		.arg("merge")
		.arg("--base")
		.arg(&s.base)
		.arg("--adapter")
		.arg(&adapter)
		.arg("--out")
		.arg(&merged));
	let merged_loss = eval(&s, &merged, None);
	assert!((merged_loss - adapted_loss).abs() < 1e-3, "{merged_loss} vs {adapted_loss}");
}

fn fails(command: &mut Command) -> (i32, String) {
	let output = command.output().unwrap();
	(output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn bad_input_gets_a_message_that_says_what_to_do() {
	let s = setup();
	let x = s.root.join("x");
	let (code, err) = fails(
		trainer()
			.args(["train", "--base", "/nonexistent.gguf", "--data"])
			.arg(&s.corpus)
			.arg("--out")
			.arg(&x),
	);
	assert_eq!(code, 1);
	assert!(err.contains("/nonexistent.gguf: no such file"), "{err}");

	let (code, err) = fails(&mut s.train(&x, &["--method", "qlora", "--bits", "5"]));
	assert_eq!(code, 2, "{err}");
	assert!(err.contains("[possible values: 4, 8]"), "{err}");

	let (code, err) = fails(&mut s.train(&x, &["--target", "qkv"]));
	assert_eq!(code, 1);
	assert!(err.contains("`qkv`") && err.contains("q_proj"), "{err}");

	let (code, err) = fails(&mut s.train(&x, &["--seq-len", "4096"]));
	assert_eq!(code, 1);
	assert!(err.contains("lower --seq-len"), "{err}");
	assert!(!x.exists(), "a refused run writes nothing");

	let out = s.root.join("again");
	let first = s
		.train(&out, &["--quiet", "--seq-len", "32", "--max-steps", "2", "--checkpoint-every", "1"])
		.output()
		.unwrap();
	assert!(first.status.success());
	let (code, err) =
		fails(&mut s.train(&out, &["--quiet", "--seq-len", "32", "--max-steps", "2"]));
	assert_eq!(code, 1);
	assert!(err.contains("--resume"), "{err}");
}
