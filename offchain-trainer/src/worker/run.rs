//! One job's training, once its base and data are on disk: the same steps `fine_tune` takes,
//! with the job's settings, the job's seed for the eval split, the job's determinism class,
//! checkpoints in the job's run directory and a stop flag for Ctrl-C.

use super::{dataset::JobData, job::RunPlan, job::PROTOCOL};
use crate::{
	data::{self, Split},
	device,
	events::Events,
	hash,
	kernels::{self, KernelLevel, Kernels},
	lora::{self, LoraConfig},
	model::{BaseModel, LoraSetup, Model},
	train::{Outcome, Trainer},
	Result,
};
use std::{
	path::{Path, PathBuf},
	sync::{atomic::AtomicBool, Arc},
};

/// What training left.
pub struct Trained {
	pub outcome: Outcome,
	/// `sha256:…` of the adapter tensors.
	pub model_hash: String,
	/// adapter_model.safetensors and adapter_config.json.
	pub adapter_dir: PathBuf,
	pub tokens_trained: u64,
	/// Per file of the job data, its tokens in the corpus.
	pub tokens_by_source: Vec<usize>,
	pub dataset_hash: String,
	/// The adapter as trained (target modules resolved).
	pub lora: LoraConfig,
	pub base_config: serde_json::Value,
}

/// Where a run keeps its checkpoint and its adapter.
pub fn checkpoint_dir(run_dir: &Path) -> PathBuf {
	run_dir.join("checkpoint")
}

/// Where a run writes its adapter (PEFT layout).
pub fn adapter_dir(run_dir: &Path) -> PathBuf {
	run_dir.join("adapter")
}

/// One run's inputs and this worker's choices for it.
pub struct Run<'a> {
	/// The base, its hashes checked; its name is recorded in the adapter's config.
	pub base: &'a BaseModel,
	pub data: &'a JobData,
	pub plan: &'a RunPlan,
	/// Cap on the portable kernels' instruction set.
	pub level: Option<KernelLevel>,
	/// Train `fast` runs on the CPU even with a GPU.
	pub prefer_cpu: bool,
	/// Checkpoints and the adapter go here.
	pub run_dir: &'a Path,
}

/// Trains the run, resuming from its directory's checkpoint if there is one.
pub fn train(run: &Run, events: &mut Events, stop: Arc<AtomicBool>) -> Result<Trained> {
	let Run { base, data, plan, level, prefer_cpu, run_dir } = *run;
	let _kernels = kernels::scope(plan.kernels, level);
	// Portable results are defined by the CPU kernels; a GPU would compute other bits.
	let device = device::select(prefer_cpu || plan.kernels == Kernels::Portable);
	let split = Split {
		seq_len: plan.options.seq_len,
		eval_fraction: plan.eval_fraction,
		max_eval_windows: PROTOCOL.max_eval_windows,
		eval_seed: Some(plan.options.seed),
	};
	let dataset = data::from_documents(
		&data.documents,
		data.files.len(),
		data.hash.clone(),
		&base.tokenizer,
		&split,
	)?;
	let lora = base.adapter_for(&plan.lora);
	let model = Model::build(
		base,
		&device,
		plan.precision,
		LoraSetup::Fresh { config: lora.clone(), seed: plan.options.seed },
	)?;
	let mut trainer = Trainer::new(&model, &dataset, &base.weights_hash, plan.options.clone())?;
	trainer.interrupt_on(stop);
	let checkpoint = checkpoint_dir(run_dir);
	trainer.resume_from(&checkpoint)?;
	let outcome = trainer.run(Some(&checkpoint), events)?;
	let tokens_trained = trainer.tokens_trained(outcome.steps);
	let tensors = model.adapter_tensors();
	let adapter_dir = adapter_dir(run_dir);
	lora::save_adapter(&adapter_dir, &lora, &tensors, &base.name, model.fan_in_fan_out())?;
	Ok(Trained {
		outcome,
		model_hash: hash::tensors_hash(&tensors)?,
		adapter_dir,
		tokens_trained,
		tokens_by_source: dataset.tokens_by_source,
		dataset_hash: dataset.hash,
		lora,
		base_config: serde_json::to_value(&base.config).expect("a config serialises"),
	})
}
