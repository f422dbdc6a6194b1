//! The portable determinism class: training a tiny model with `Kernels::Portable` gives the
//! same adapter and the same eval losses, bit for bit, at every instruction-set level
//! (baseline, AVX2, AVX-512; levels above this CPU's are lowered to it) and every thread count;
//! so do the attribution's influence scores.

use candle_core::Device;
use openledger_trainer::{
	data::{self, Dataset, Document, Split},
	events::Events,
	fine_tune::{self, FineTune},
	hash,
	influence::{self, Groups, Tracin},
	kernels::{self, KernelLevel, Kernels},
	lora::LoraConfig,
	model::{BaseModel, LoraSetup, Model, ModelConfig, Precision},
	schedule::Decay,
	tiny,
	train::{TrainOptions, Trainer},
};
use std::path::{Path, PathBuf};

const LEVELS: [KernelLevel; 3] = [KernelLevel::Baseline, KernelLevel::Avx2, KernelLevel::Avx512];
const THREADS: [usize; 3] = [1, 2, 3];

fn corpus(dir: &Path) -> PathBuf {
	let path = dir.join("corpus.txt");
	let text = "Shall I compare thee to a summer's day? Thou art more lovely and more \
	            temperate. Rough winds do shake the darling buds of May, and summer's lease hath \
	            all too short a date. "
		.repeat(12);
	std::fs::write(&path, text).unwrap();
	path
}

fn lora(config: &ModelConfig) -> LoraConfig {
	LoraConfig {
		rank: 4,
		alpha: 8.0,
		// Dropout on, so its masks are part of what must agree.
		dropout: 0.1,
		use_rslora: false,
		target_modules: config.linear_modules().iter().map(|s| s.to_string()).collect(),
	}
}

fn options(steps: usize) -> TrainOptions {
	TrainOptions {
		seq_len: 32,
		// 5 × 32 rows: ragged tiles in every matmul.
		batch_size: 5,
		grad_accum: 2,
		epochs: 100,
		max_steps: Some(steps),
		learning_rate: 1e-2,
		weight_decay: 0.01,
		warmup_steps: 1,
		decay: Decay::Cosine,
		max_grad_norm: 1.0,
		eval_every: 0,
		checkpoint_every: 0,
		seed: 11,
	}
}

struct Setup {
	_dir: tempfile::TempDir,
	base: BaseModel,
	dataset: Dataset,
}

fn setup(config: &ModelConfig) -> Setup {
	let dir = tempfile::tempdir().unwrap();
	tiny::write_random_checkpoint(&dir.path().join("base"), config, 7).unwrap();
	let base = BaseModel::load(&dir.path().join("base")).unwrap();
	let split = Split { seq_len: 32, eval_fraction: 0.15, max_eval_windows: 6, eval_seed: None };
	let dataset = data::load(&[corpus(dir.path())], &base.tokenizer, &split).unwrap();
	Setup { _dir: dir, base, dataset }
}

/// What two runs must agree on.
#[derive(Debug, PartialEq)]
struct Fingerprint {
	adapter_hash: String,
	eval_before: u64,
	eval_after: u64,
	last_train_loss: u64,
}

impl Fingerprint {
	fn losses(&self) -> (f64, f64) {
		(f64::from_bits(self.eval_before), f64::from_bits(self.eval_after))
	}
}

/// Trains on a pool of `threads` rayon threads, with `kernels` at `level` set on the thread
/// that runs the graph (inside the pool: the choice is thread-local).
fn train(
	setup: &Setup,
	precision: Precision,
	kernels: Kernels,
	level: KernelLevel,
	threads: usize,
	steps: usize,
) -> Fingerprint {
	let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
	pool.install(|| {
		let _kernels = kernels::scope(kernels, Some(level));
		let config = lora(&setup.base.config);
		let model = Model::build(
			&setup.base,
			&Device::Cpu,
			precision,
			LoraSetup::Fresh { config, seed: 1 },
		)
		.unwrap();
		let mut trainer =
			Trainer::new(&model, &setup.dataset, &setup.base.weights_hash, options(steps)).unwrap();
		let outcome = trainer.run(None, &mut Events::silent()).unwrap();
		Fingerprint {
			adapter_hash: hash::tensors_hash(&model.adapter_tensors()).unwrap(),
			eval_before: outcome.eval_before.unwrap().loss.to_bits(),
			eval_after: outcome.eval_after.unwrap().loss.to_bits(),
			last_train_loss: outcome.last_train_loss.unwrap().to_bits(),
		}
	})
}

fn portable_runs_agree(config: ModelConfig, precision: Precision) {
	let setup = setup(&config);
	let reference = train(&setup, precision, Kernels::Portable, LEVELS[0], 1, 4);
	let (before, after) = reference.losses();
	assert!(after < before, "{config:?}: portable training did not learn ({before} -> {after})");
	for level in LEVELS {
		for threads in THREADS {
			let run = train(&setup, precision, Kernels::Portable, level, threads, 4);
			assert_eq!(
				run, reference,
				"{config:?} {precision:?}: {level:?} on {threads} threads differs from baseline, 1"
			);
		}
	}
	println!(
		"{:?} {precision:?}: portable adapter {} at every level and thread count (CPU: {:?})",
		config.linear_modules(),
		reference.adapter_hash,
		kernels::detected_level()
	);
}

#[test]
fn portable_llama_training_is_identical_at_every_level_and_thread_count() {
	portable_runs_agree(tiny::tiny_llama(), Precision::Full);
}

#[test]
fn portable_qlora_training_is_identical_at_every_level_and_thread_count() {
	portable_runs_agree(tiny::tiny_llama(), Precision::Quantized { bits: 4 });
}

#[test]
fn portable_gpt2_training_is_identical_at_every_level_and_thread_count() {
	portable_runs_agree(tiny::tiny_gpt2(), Precision::Full);
}

/// A run of three sources (two contributors, one of them with two files of other weights)
/// that keeps the attribution's checkpoints, on a pool of `threads` threads at `level`: the
/// scores' bits.
fn influence_scores(
	base: &BaseModel,
	dataset: &Dataset,
	precision: Precision,
	level: KernelLevel,
	threads: usize,
) -> Vec<u64> {
	let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
	pool.install(|| {
		let _kernels = kernels::scope(Kernels::Portable, Some(level));
		let config = lora(&base.config);
		let model =
			Model::build(base, &Device::Cpu, precision, LoraSetup::Fresh { config, seed: 1 })
				.unwrap();
		let mut trainer = Trainer::new(&model, dataset, &base.weights_hash, options(4)).unwrap();
		let dir = tempfile::tempdir().unwrap();
		let steps = influence::checkpoint_steps(trainer.total_steps(), 3);
		trainer.keep_snapshots(dir.path(), steps.clone());
		trainer.run(None, &mut Events::silent()).unwrap();
		let groups = Groups {
			of_source: vec![Some((0, 80.0)), Some((1, 100.0)), Some((0, 30.0))],
			count: 2,
		};
		let measured = Tracin {
			model: &model,
			dataset,
			groups: &groups,
			checkpoints: &influence::checkpoints(&steps, trainer.schedule()),
			dir: dir.path(),
			batch_size: 3,
			stop: None,
		}
		.run(&mut Events::silent())
		.unwrap();
		measured.scores.iter().map(|s| s.to_bits()).collect()
	})
}

fn portable_influence_agrees(config: ModelConfig, precision: Precision) {
	let dir = tempfile::tempdir().unwrap();
	tiny::write_random_checkpoint(&dir.path().join("base"), &config, 7).unwrap();
	let base = BaseModel::load(&dir.path().join("base")).unwrap();
	let texts = [
		"Shall I compare thee to a summer's day? Thou art more lovely and more temperate. ",
		"Now is the winter of our discontent made glorious summer by this sun of York. ",
		"If music be the food of love, play on; give me excess of it. ",
	];
	let documents: Vec<Document> = texts
		.iter()
		.enumerate()
		.map(|(source, text)| Document { source, text: text.repeat(5) })
		.collect();
	let split = Split { seq_len: 32, eval_fraction: 0.15, max_eval_windows: 4, eval_seed: Some(2) };
	let dataset =
		data::from_documents(&documents, 3, String::new(), &base.tokenizer, &split).unwrap();
	let reference = influence_scores(&base, &dataset, precision, LEVELS[0], 1);
	assert!(reference.iter().any(|&s| f64::from_bits(s) != 0.0), "no influence measured");
	for level in LEVELS {
		for threads in THREADS {
			let scores = influence_scores(&base, &dataset, precision, level, threads);
			assert_eq!(
				scores, reference,
				"{config:?} {precision:?}: {level:?} on {threads} threads differs from baseline, 1"
			);
		}
	}
	let shown: Vec<f64> = reference.iter().map(|&s| f64::from_bits(s)).collect();
	println!("{precision:?}: influence {shown:?} at every level and thread count");
}

#[test]
fn portable_influence_is_identical_at_every_level_and_thread_count() {
	portable_influence_agrees(tiny::tiny_llama(), Precision::Full);
	portable_influence_agrees(tiny::tiny_llama(), Precision::Quantized { bits: 4 });
	portable_influence_agrees(tiny::tiny_gpt2(), Precision::Full);
}

/// Fast still trains; whether its results move with the thread count or the level cap is
/// printed, not asserted (candle picks its kernels by the CPU, not by the cap).
#[test]
fn fast_kernels_still_train() {
	let setup = setup(&tiny::tiny_llama());
	let fast = train(&setup, Precision::Full, Kernels::Fast, KernelLevel::Avx512, 2, 12);
	let (before, after) = fast.losses();
	assert!(after < before, "fast training did not learn ({before} -> {after})");
	let portable = train(&setup, Precision::Full, Kernels::Portable, KernelLevel::Avx512, 2, 12);
	println!("fast (2 threads): {} eval {before} -> {after}", fast.adapter_hash);
	println!(
		"portable (2 threads): {} eval {:?}; same as fast: {}",
		portable.adapter_hash,
		portable.losses(),
		portable == fast
	);
	for level in LEVELS {
		for threads in [1, 3] {
			let run = train(&setup, Precision::Full, Kernels::Fast, level, threads, 12);
			println!(
				"fast, cap {level:?}, {threads} threads: {} (same as 2 threads: {})",
				run.adapter_hash,
				run == fast
			);
		}
	}
}

/// The job runner: `kernels` is part of the manifest's config, and the level cap does not
/// change the model hash.
#[test]
fn fine_tune_records_the_kernels_and_the_level_does_not_matter() {
	let dir = tempfile::tempdir().unwrap();
	tiny::write_random_checkpoint(&dir.path().join("base"), &tiny::tiny_llama(), 7).unwrap();
	let data = corpus(dir.path());
	let job = |kernels: Kernels, level: Option<KernelLevel>, out: &str| FineTune {
		base: dir.path().join("base"),
		data: vec![data.clone()],
		precision: Precision::Full,
		lora: LoraConfig { target_modules: Vec::new(), ..lora(&tiny::tiny_llama()) },
		options: options(3),
		eval_fraction: 0.15,
		max_eval_windows: 4,
		out: dir.path().join(out),
		resume: false,
		force_cpu: true,
		kernels,
		kernel_level: level,
	};
	let run = |job: FineTune| fine_tune::run(&job, &mut Events::silent()).unwrap().manifest;
	let baseline = run(job(Kernels::Portable, Some(KernelLevel::Baseline), "baseline"));
	let best = run(job(Kernels::Portable, None, "best"));
	assert_eq!(
		(&baseline.model_hash, &baseline.config_hash),
		(&best.model_hash, &best.config_hash)
	);
	let config = serde_json::to_value(&baseline).unwrap();
	assert_eq!(config["config"]["kernels"], "portable", "{config}");
	let fast = run(job(Kernels::Fast, None, "fast"));
	assert_eq!(serde_json::to_value(&fast).unwrap()["config"]["kernels"], "fast");
	// The scope ends with the run.
	assert_eq!(kernels::current().0, Kernels::Fast);
}

/// The CLI: `--kernels portable` at a `--kernel-level` flag, or at OPENLEDGER_KERNEL_LEVEL,
/// gives one model hash and records the class in the manifest; `eval --kernels portable`
/// gives one loss at every level.
#[test]
fn the_cli_takes_kernels_and_a_level_from_the_flag_or_the_environment() {
	use openledger_trainer::manifest::Manifest;
	use std::process::Command;
	let dir = tempfile::tempdir().unwrap();
	let base = dir.path().join("base");
	tiny::write_random_checkpoint(&base, &tiny::tiny_llama(), 3).unwrap();
	let data = corpus(dir.path());
	let run = |command: &mut Command| {
		let output = command.output().unwrap();
		assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
		output.stdout
	};
	let train = |out: &str, level: &[&str], env: Option<&str>| {
		let mut command = Command::new(env!("CARGO_BIN_EXE_openledger-trainer"));
		command
			.args(["train", "--quiet", "--seq-len", "32", "--max-steps", "3", "--rank", "4"])
			.args(["--checkpoint-every", "0", "--kernels", "portable"])
			.args(level)
			.arg("--base")
			.arg(&base)
			.arg("--data")
			.arg(&data)
			.arg("--out")
			.arg(dir.path().join(out))
			.env_remove("OPENLEDGER_KERNEL_LEVEL");
		if let Some(level) = env {
			command.env("OPENLEDGER_KERNEL_LEVEL", level);
		}
		run(&mut command);
		Manifest::load(&dir.path().join(out)).unwrap()
	};
	let flag = train("flag", &["--kernel-level", "baseline"], None);
	let env = train("env", &[], Some("avx2"));
	let best = train("best", &[], None);
	assert_eq!(flag.config["kernels"], "portable");
	assert_eq!((&flag.model_hash, &flag.config_hash), (&env.model_hash, &env.config_hash));
	assert_eq!(flag.model_hash, best.model_hash);
	let eval = |level: &str| {
		let mut command = Command::new(env!("CARGO_BIN_EXE_openledger-trainer"));
		command
			.args(["eval", "--json", "--seq-len", "32", "--kernels", "portable", "--kernel-level"])
			.arg(level)
			.arg("--base")
			.arg(&base)
			.arg("--adapter")
			.arg(dir.path().join("flag"))
			.arg("--data")
			.arg(&data);
		let json: serde_json::Value = serde_json::from_slice(&run(&mut command)).unwrap();
		json["loss"].as_f64().unwrap().to_bits()
	};
	assert_eq!(eval("baseline"), eval("avx512"));
}
