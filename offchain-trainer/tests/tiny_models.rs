//! Both decoder families on tiny random checkpoints (real files, real tokenizer): adapters,
//! caches, gradients through whole models, training, checkpoints, PEFT round trips, merging.

use candle_core::{DType, Device, Tensor, Var};
use openledger_trainer::{
	data::{self, Split},
	events::Events,
	lora::{self, LoraConfig},
	merge,
	model::{BaseModel, LoraSetup, Model, ModelConfig, Precision},
	ops::masked_cross_entropy,
	rng::Rng,
	schedule::Decay,
	tiny,
	train::{TrainOptions, Trainer},
};
use std::path::{Path, PathBuf};

fn checkpoint(dir: &Path, config: &ModelConfig) -> BaseModel {
	tiny::write_random_checkpoint(dir, config, 7).unwrap();
	BaseModel::load(dir).unwrap()
}

fn lora(config: &ModelConfig) -> LoraConfig {
	LoraConfig {
		rank: 4,
		alpha: 8.0,
		dropout: 0.0,
		use_rslora: false,
		target_modules: config.linear_modules().iter().map(|s| s.to_string()).collect(),
	}
}

fn fresh(base: &BaseModel, precision: Precision) -> Model {
	let config = lora(&base.config);
	Model::build(base, &Device::Cpu, precision, LoraSetup::Fresh { config, seed: 1 }).unwrap()
}

fn ids(text: &str, base: &BaseModel) -> Tensor {
	Tensor::new(base.tokenizer.encode(text).unwrap(), &Device::Cpu).unwrap().unsqueeze(0).unwrap()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
	(a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap()
}

/// Gives every B a random value so the adapter is not a no-op.
fn randomise_b(model: &Model, seed: u64) {
	let mut rng = Rng::new(seed);
	for (_, layer) in model.lora_layers() {
		let shape = layer.b.shape().clone();
		layer
			.b
			.set(
				&Tensor::from_vec(rng.uniform(-0.1, 0.1, shape.elem_count()), shape, &Device::Cpu)
					.unwrap(),
			)
			.unwrap();
	}
}

fn families() -> [ModelConfig; 2] {
	[tiny::tiny_llama(), tiny::tiny_gpt2()]
}

#[test]
fn a_fresh_adapter_leaves_the_base_unchanged() {
	for config in families() {
		let dir = tempfile::tempdir().unwrap();
		let base = checkpoint(dir.path(), &config);
		let plain = Model::build(&base, &Device::Cpu, Precision::Full, LoraSetup::None).unwrap();
		let adapted = fresh(&base, Precision::Full);
		let x = ids("Now is the winter of our discontent", &base);
		let logits = plain.forward(&x, None, None).unwrap();
		assert_eq!(logits.dims(), &[1, x.dims()[1], 259]);
		assert_eq!(max_diff(&logits, &adapted.forward(&x, None, None).unwrap()), 0.0, "{config:?}");
	}
}

#[test]
fn cached_generation_matches_a_full_forward_pass() {
	for config in families() {
		let dir = tempfile::tempdir().unwrap();
		let base = checkpoint(dir.path(), &config);
		let model = fresh(&base, Precision::Full);
		randomise_b(&model, 3);
		let x = ids("Once more unto the breach", &base);
		let full = model.forward(&x, None, None).unwrap();
		let mut cache = model.new_cache();
		let time = x.dims()[1];
		let head =
			model.forward(&x.narrow(1, 0, time - 3).unwrap(), Some(&mut cache), None).unwrap();
		let mut pieces = vec![head];
		for t in time - 3..time {
			pieces
				.push(model.forward(&x.narrow(1, t, 1).unwrap(), Some(&mut cache), None).unwrap());
		}
		let stepped = Tensor::cat(&pieces, 1).unwrap();
		assert!(max_diff(&full, &stepped) < 1e-4, "{config:?}");
	}
}

/// The whole model's backward (custom ops, RoPE, norms, attention, LoRA) against a central
/// difference along a random direction in adapter space.
fn check_model_gradient(base: &BaseModel, precision: Precision) {
	let model = fresh(base, precision);
	randomise_b(&model, 5);
	let batch = data::batch(
		&[&base.tokenizer.encode("Good night, sweet prince, and flights of angels").unwrap()],
		&Device::Cpu,
	)
	.unwrap();
	let loss = |model: &Model| {
		masked_cross_entropy(
			&model.forward(&batch.inputs, None, None).unwrap(),
			&batch.targets,
			&batch.mask,
		)
	};
	let vars: Vec<Var> = model.adapter_vars().into_iter().map(|(_, v)| v).collect();
	let grads = loss(&model).unwrap().backward().unwrap();
	let mut rng = Rng::new(9);
	let directions: Vec<Tensor> = vars
		.iter()
		.map(|v| {
			Tensor::from_vec(rng.uniform(-1.0, 1.0, v.elem_count()), v.shape(), &Device::Cpu)
				.unwrap()
		})
		.collect();
	let analytic: f32 = vars
		.iter()
		.zip(&directions)
		.map(|(v, d)| {
			(grads.get(v.as_tensor()).unwrap() * d)
				.unwrap()
				.sum_all()
				.unwrap()
				.to_scalar::<f32>()
				.unwrap()
		})
		.sum();
	let originals: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().copy().unwrap()).collect();
	let step = 1e-2;
	let at = |sign: f64| {
		for ((v, o), d) in vars.iter().zip(&originals).zip(&directions) {
			v.set(&(o + (d * (sign * step)).unwrap()).unwrap()).unwrap();
		}
		loss(&model).unwrap().to_dtype(DType::F64).unwrap().to_scalar::<f64>().unwrap()
	};
	let numeric = ((at(1.0) - at(-1.0)) / (2.0 * step)) as f32;
	let relative = (numeric - analytic).abs() / analytic.abs();
	assert!(relative < 0.02, "{precision:?}: backward {analytic}, finite differences {numeric}");
}

#[test]
fn whole_model_gradients_match_finite_differences() {
	for config in families() {
		let dir = tempfile::tempdir().unwrap();
		let base = checkpoint(dir.path(), &config);
		check_model_gradient(&base, Precision::Full);
		check_model_gradient(&base, Precision::Quantized { bits: 8 });
	}
}

fn corpus(dir: &Path) -> PathBuf {
	let path = dir.join("corpus.txt");
	let text = "Shall I compare thee to a summer's day? Thou art more lovely and more temperate. "
		.repeat(24);
	std::fs::write(&path, text).unwrap();
	path
}

fn options(steps: usize) -> TrainOptions {
	TrainOptions {
		seq_len: 32,
		batch_size: 4,
		grad_accum: 2,
		epochs: 100,
		max_steps: Some(steps),
		learning_rate: 1e-2,
		weight_decay: 0.01,
		warmup_steps: 2,
		decay: Decay::Cosine,
		max_grad_norm: 1.0,
		eval_every: 0,
		checkpoint_every: 3,
		seed: 11,
	}
}

#[test]
fn training_lowers_the_eval_loss_for_lora_and_qlora() {
	for (config, precision) in [
		(tiny::tiny_llama(), Precision::Full),
		(tiny::tiny_llama(), Precision::Quantized { bits: 4 }),
		(tiny::tiny_gpt2(), Precision::Full),
	] {
		let dir = tempfile::tempdir().unwrap();
		let base = checkpoint(&dir.path().join("base"), &config);
		let split = Split { seq_len: 32, eval_fraction: 0.1, max_eval_windows: 8, eval_seed: None };
		let dataset = data::load(&[corpus(dir.path())], &base.tokenizer, &split).unwrap();
		let model = fresh(&base, precision);
		let mut trainer = Trainer::new(&model, &dataset, &base.weights_hash, options(30)).unwrap();
		let outcome = trainer.run(None, &mut Events::silent()).unwrap();
		let (before, after) = (outcome.eval_before.unwrap().loss, outcome.eval_after.unwrap().loss);
		assert!(after < 0.7 * before, "{config:?} {precision:?}: eval loss {before} -> {after}");
	}
}

#[test]
fn qlora_keeps_the_base_quantized() {
	let dir = tempfile::tempdir().unwrap();
	let base = checkpoint(dir.path(), &tiny::tiny_llama());
	let dense = fresh(&base, Precision::Full).frozen_linear_bytes();
	let four = fresh(&base, Precision::Quantized { bits: 4 }).frozen_linear_bytes();
	let eight = fresh(&base, Precision::Quantized { bits: 8 }).frozen_linear_bytes();
	assert!(four * 6 < dense && eight * 3 < dense && four < eight, "{dense} {eight} {four}");
}

fn run_to_hash(
	base: &BaseModel,
	dataset: &data::Dataset,
	checkpoints: &Path,
	stop: Option<usize>,
) -> String {
	let model = fresh(base, Precision::Full);
	let mut trainer = Trainer::new(&model, dataset, &base.weights_hash, options(8)).unwrap();
	trainer.resume_from(checkpoints).unwrap();
	if let Some(step) = stop {
		trainer.stop_after(step);
	}
	trainer.run(Some(checkpoints), &mut Events::silent()).unwrap();
	openledger_trainer::hash::tensors_hash(&model.adapter_tensors()).unwrap()
}

#[test]
fn an_interrupted_run_resumes_to_the_same_adapter() {
	let dir = tempfile::tempdir().unwrap();
	let base = checkpoint(&dir.path().join("base"), &tiny::tiny_llama());
	let split = Split { seq_len: 32, eval_fraction: 0.1, max_eval_windows: 4, eval_seed: None };
	let dataset = data::load(&[corpus(dir.path())], &base.tokenizer, &split).unwrap();
	let straight = run_to_hash(&base, &dataset, &dir.path().join("a"), None);
	let paused = run_to_hash(&base, &dataset, &dir.path().join("b"), Some(5));
	assert_ne!(paused, straight, "stopped early, the adapter differs");
	let resumed = run_to_hash(&base, &dataset, &dir.path().join("b"), None);
	assert_eq!(resumed, straight);

	let mut other = options(8);
	other.learning_rate = 5e-3;
	let model = fresh(&base, Precision::Full);
	let mut trainer = Trainer::new(&model, &dataset, &base.weights_hash, other).unwrap();
	let err = trainer.resume_from(&dir.path().join("b")).unwrap_err().to_string();
	assert!(err.contains("another base, dataset or settings"), "{err}");
}

#[test]
fn saved_adapters_reload_and_merge_into_the_same_model() {
	for config in families() {
		let dir = tempfile::tempdir().unwrap();
		let base = checkpoint(&dir.path().join("base"), &config);
		let model = fresh(&base, Precision::Full);
		randomise_b(&model, 13);
		let adapter_dir = dir.path().join("adapter");
		lora::save_adapter(
			&adapter_dir,
			model.lora.as_ref().unwrap(),
			&model.adapter_tensors(),
			"tiny",
			model.fan_in_fan_out(),
		)
		.unwrap();
		let x = ids("If music be the food of love, play on", &base);
		let want = model.forward(&x, None, None).unwrap();

		let loaded = lora::load_adapter(&adapter_dir, &Device::Cpu).unwrap();
		let reloaded =
			Model::build(&base, &Device::Cpu, Precision::Full, LoraSetup::Loaded(loaded)).unwrap();
		assert_eq!(max_diff(&want, &reloaded.forward(&x, None, None).unwrap()), 0.0);

		let merged_dir = dir.path().join("merged");
		let loaded = lora::load_adapter(&adapter_dir, &Device::Cpu).unwrap();
		merge::merge(&base, Some(&loaded), &merged_dir).unwrap();
		let merged = BaseModel::load(&merged_dir).unwrap();
		let merged = Model::build(&merged, &Device::Cpu, Precision::Full, LoraSetup::None).unwrap();
		assert!(max_diff(&want, &merged.forward(&x, None, None).unwrap()) < 1e-4, "{config:?}");
	}
}

/// What `serve` does: one base model built once, adapters attached to it later.
#[test]
fn an_adapter_attached_to_a_built_base_matches_one_built_with_it() {
	for (config, precision) in [
		(tiny::tiny_llama(), Precision::Full),
		(tiny::tiny_llama(), Precision::Quantized { bits: 4 }),
		(tiny::tiny_gpt2(), Precision::Full),
	] {
		let dir = tempfile::tempdir().unwrap();
		let base = checkpoint(&dir.path().join("base"), &config);
		let model = fresh(&base, precision);
		randomise_b(&model, 17);
		let adapter_dir = dir.path().join("adapter");
		let lora = model.lora.as_ref().unwrap();
		lora::save_adapter(&adapter_dir, lora, &model.adapter_tensors(), "tiny", false).unwrap();
		let x = ids("Now is the winter of our discontent", &base);

		let plain = Model::build(&base, &Device::Cpu, precision, LoraSetup::None).unwrap();
		let loaded = lora::load_adapter(&adapter_dir, &Device::Cpu).unwrap();
		let attached = plain.with_adapter(loaded).unwrap();
		let want = model.forward(&x, None, None).unwrap();
		assert_eq!(max_diff(&want, &attached.forward(&x, None, None).unwrap()), 0.0);
		assert!(max_diff(&want, &plain.forward(&x, None, None).unwrap()) > 1e-4, "{config:?}");

		let loaded = lora::load_adapter(&adapter_dir, &Device::Cpu).unwrap();
		let err = attached.with_adapter(loaded).unwrap_err().to_string();
		assert!(err.contains("already has an adapter"), "{err}");
	}
}

#[test]
fn an_adapter_for_another_base_is_refused() {
	let dir = tempfile::tempdir().unwrap();
	let llama = checkpoint(&dir.path().join("llama"), &tiny::tiny_llama());
	let gpt2 = checkpoint(&dir.path().join("gpt2"), &tiny::tiny_gpt2());
	let model = fresh(&llama, Precision::Full);
	let adapter_dir = dir.path().join("adapter");
	lora::save_adapter(
		&adapter_dir,
		model.lora.as_ref().unwrap(),
		&model.adapter_tensors(),
		"tiny",
		false,
	)
	.unwrap();
	let loaded = lora::load_adapter(&adapter_dir, &Device::Cpu).unwrap();
	let err = Model::build(&gpt2, &Device::Cpu, Precision::Full, LoraSetup::Loaded(loaded))
		.unwrap_err()
		.to_string();
	assert!(err.contains("is not in this model"), "{err}");

	let err = Model::build(&llama, &Device::Cpu, Precision::Quantized { bits: 5 }, LoraSetup::None)
		.unwrap_err()
		.to_string();
	assert!(err.contains("4 or 8"), "{err}");
}
