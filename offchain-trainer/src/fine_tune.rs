//! One fine-tuning job end to end, as the CLI (and later the job daemon) runs it: load the
//! base, tokenize the data, train with checkpoints, save the adapter and its manifest.

use crate::{
	data::{self, Split},
	device,
	events::{Event, Events},
	hash,
	kernels::{self, KernelLevel, Kernels},
	lora::{self, LoraConfig},
	manifest::Manifest,
	model::{BaseModel, LoraSetup, Model, Precision},
	train::{self, Outcome, TrainOptions, Trainer},
	Error, Result,
};
use serde_json::json;
use std::path::{Path, PathBuf};

pub const CHECKPOINT_DIR: &str = "checkpoint";

pub struct FineTune {
	pub base: PathBuf,
	pub data: Vec<PathBuf>,
	pub precision: Precision,
	/// The adapter; empty `target_modules` means every linear layer ("all-linear").
	pub lora: LoraConfig,
	pub options: TrainOptions,
	pub eval_fraction: f64,
	pub max_eval_windows: usize,
	pub out: PathBuf,
	/// Continue from `out/checkpoint` when it exists.
	pub resume: bool,
	pub force_cpu: bool,
	/// The determinism class: `Portable` (chain jobs) gives the same adapter on every CPU and
	/// always runs on the CPU; `Fast` takes candle's kernels (and a GPU where built for one).
	pub kernels: Kernels,
	/// Cap on the portable kernels' instruction set (None: the CPU's best; the result is the
	/// same at every level).
	pub kernel_level: Option<KernelLevel>,
}

pub struct Report {
	pub outcome: Outcome,
	pub manifest: Manifest,
	pub resumed_from: usize,
}

fn method_name(precision: Precision) -> (&'static str, Option<u8>) {
	match precision {
		Precision::Full => ("lora", None),
		Precision::Quantized { bits } => ("qlora", Some(bits)),
	}
}

/// Runs `job` with its kernels (on this thread; the kernels read the choice at each op).
pub fn run(job: &FineTune, events: &mut Events) -> Result<Report> {
	let _kernels = kernels::scope(job.kernels, job.kernel_level);
	run_in_scope(job, events)
}

fn run_in_scope(job: &FineTune, events: &mut Events) -> Result<Report> {
	let checkpoint = job.out.join(CHECKPOINT_DIR);
	if !job.resume && train::has_checkpoint(&checkpoint) {
		return Err(Error::Invalid(format!(
			"{} holds a checkpoint of an earlier run; pass --resume to continue it or choose another --out",
			job.out.display()
		)));
	}
	let device = device::select(job.force_cpu || job.kernels == Kernels::Portable);
	let base = BaseModel::load(&job.base)?;
	let split = Split {
		seq_len: job.options.seq_len,
		eval_fraction: job.eval_fraction,
		max_eval_windows: job.max_eval_windows,
		eval_seed: None,
	};
	let dataset = data::load(&job.data, &base.tokenizer, &split)?;
	let lora = base.adapter_for(&job.lora);
	let model = Model::build(
		&base,
		&device,
		job.precision,
		LoraSetup::Fresh { config: lora.clone(), seed: job.options.seed },
	)?;
	let mut trainer = Trainer::new(&model, &dataset, &base.weights_hash, job.options.clone())?;
	let resumed_from = if job.resume { trainer.resume_from(&checkpoint)? } else { 0 };
	let outcome =
		trainer.run((job.options.checkpoint_every > 0).then_some(checkpoint.as_path()), events)?;

	let tensors = model.adapter_tensors();
	lora::save_adapter(&job.out, &lora, &tensors, &base.name, model.fan_in_fan_out())?;
	let (method, bits) = method_name(job.precision);
	let config = json!({
		"base": base.config,
		"adapter": lora,
		"method": method,
		"bits": bits,
		"training": job.options,
		"kernels": job.kernels,
		"eval_fraction": job.eval_fraction,
		"max_eval_windows": job.max_eval_windows,
	});
	let metrics = serde_json::to_value(&outcome).expect("plain struct");
	let manifest = Manifest::new(
		hash::tensors_hash(&tensors)?,
		base.weights_hash.clone(),
		dataset.hash.clone(),
		config,
		metrics,
	);
	manifest.save(&job.out)?;
	events.emit(&Event::Done {
		steps: outcome.steps,
		model_hash: manifest.model_hash.clone(),
		out: job.out.display().to_string(),
	})?;
	Ok(Report { outcome, manifest, resumed_from })
}

/// Loads `base` with an optional adapter directory, at `precision`.
pub fn load_model(
	base: &Path,
	adapter: Option<&Path>,
	precision: Precision,
	force_cpu: bool,
) -> Result<(BaseModel, Model)> {
	let device = device::select(force_cpu);
	let base_model = BaseModel::load(base)?;
	let setup = match adapter {
		Some(dir) => LoraSetup::Loaded(lora::load_adapter(dir, &device)?),
		None => LoraSetup::None,
	};
	let model = Model::build(&base_model, &device, precision, setup)?;
	Ok((base_model, model))
}
