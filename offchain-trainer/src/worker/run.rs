//! One job's training, once its base and data are on disk: the same steps `fine_tune` takes,
//! with the job's settings, the job's seed for the eval split, the job's determinism class,
//! checkpoints in the job's run directory and a stop flag for Ctrl-C; then its attribution,
//! by influence measured over copies of the adapter kept during training, under the same
//! kernels.

use super::{
	attribution::{self, Table},
	dataset::JobData,
	job::RunPlan,
	job::PROTOCOL,
};
use crate::{
	data::{self, Corpus, Split},
	device,
	events::Events,
	hash,
	influence::{self, Tracin},
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
	/// Who is paid for the data, and how it was measured.
	pub table: Table,
	/// Seconds the attribution took (this run's, not agreed between workers).
	pub attribution_seconds: f64,
}

/// Where a run keeps its checkpoint and its adapter.
pub fn checkpoint_dir(run_dir: &Path) -> PathBuf {
	run_dir.join("checkpoint")
}

/// Where a run writes its adapter (PEFT layout).
pub fn adapter_dir(run_dir: &Path) -> PathBuf {
	run_dir.join("adapter")
}

/// Where a run keeps the adapter copies and inner products of its attribution.
pub fn influence_dir(run_dir: &Path) -> PathBuf {
	run_dir.join("influence")
}

/// One run's inputs and this worker's choices for it.
pub struct Run<'a> {
	/// The base, its hashes checked; its name is recorded in the adapter's config.
	pub base: &'a BaseModel,
	pub data: &'a JobData,
	/// The job's held-out eval datanet, which stands for what the model is for: the eval
	/// windows are drawn from it (and the attribution measures influence on it) while all of
	/// `data` is trained on. None: the eval split is drawn from `data`'s windows with the
	/// job's seed (docs/ATTRIBUTION.md, "The target").
	pub target: Option<&'a JobData>,
	pub plan: &'a RunPlan,
	/// Cap on the portable kernels' instruction set.
	pub level: Option<KernelLevel>,
	/// Train `fast` runs on the CPU even with a GPU.
	pub prefer_cpu: bool,
	/// Checkpoints and the adapter go here.
	pub run_dir: &'a Path,
}

/// Trains the run, resuming from its directory's checkpoint if there is one, and measures
/// its attribution.
pub fn train<'a>(run: &Run<'a>, events: &mut Events, stop: Arc<AtomicBool>) -> Result<Trained> {
	let Run { base, data, target, plan, level, prefer_cpu, run_dir } = *run;
	let _kernels = kernels::scope(plan.kernels, level);
	// Portable results are defined by the CPU kernels; a GPU would compute other bits.
	let device = device::select(prefer_cpu || plan.kernels == Kernels::Portable);
	let split = Split {
		seq_len: plan.options.seq_len,
		eval_fraction: plan.eval_fraction,
		max_eval_windows: PROTOCOL.max_eval_windows,
		eval_seed: Some(plan.options.seed),
	};
	let corpus = |data: &'a JobData| Corpus {
		documents: &data.documents,
		sources: data.files.len(),
		hash: &data.hash,
	};
	let dataset = match target {
		None => data::from_documents(
			&data.documents,
			data.files.len(),
			data.hash.clone(),
			&base.tokenizer,
			&split,
		)?,
		Some(target) => data::with_target(corpus(data), corpus(target), &base.tokenizer, &split)?,
	};
	let lora = base.adapter_for(&plan.lora);
	let model = Model::build(
		base,
		&device,
		plan.precision,
		LoraSetup::Fresh { config: lora.clone(), seed: plan.options.seed },
	)?;
	let mut trainer = Trainer::new(&model, &dataset, &base.weights_hash, plan.options.clone())?;
	trainer.interrupt_on(stop.clone());
	let snapshots = influence_dir(run_dir);
	let steps = influence::checkpoint_steps(trainer.total_steps(), PROTOCOL.influence_checkpoints);
	trainer.keep_snapshots(&snapshots, steps.clone());
	let checkpoint = checkpoint_dir(run_dir);
	trainer.resume_from(&checkpoint)?;
	let outcome = trainer.run(Some(&checkpoint), events)?;
	let tokens_trained = trainer.tokens_trained(outcome.steps);
	let tensors = model.adapter_tensors();
	let adapter_dir = adapter_dir(run_dir);
	lora::save_adapter(&adapter_dir, &lora, &tensors, &base.name, model.fan_in_fan_out())?;

	let (contributors, groups) = attribution::contributors(&data.files);
	let checkpoints = influence::checkpoints(&steps, trainer.schedule());
	let measured = Tracin {
		model: &model,
		dataset: &dataset,
		groups: &groups,
		checkpoints: &checkpoints,
		dir: &snapshots,
		batch_size: plan.options.batch_size,
		stop: Some(&stop),
	}
	.run(events)?;
	let table =
		attribution::table(&data.files, &dataset.tokens_by_source, &contributors, &measured)?;
	Ok(Trained {
		outcome,
		model_hash: hash::tensors_hash(&tensors)?,
		adapter_dir,
		tokens_trained,
		tokens_by_source: dataset.tokens_by_source,
		dataset_hash: dataset.hash,
		lora,
		base_config: serde_json::to_value(&base.config).expect("a config serialises"),
		table,
		attribution_seconds: measured.seconds,
	})
}
