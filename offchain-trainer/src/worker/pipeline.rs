//! A job's result from its inputs: fetch and check the base and the data, train, build the
//! attribution table and the manifest, and assemble the result to attest; publish at reveal. `work`
//! runs it for the jobs it takes; `replay` runs the same steps on local files.

use super::{
	dataset::{self, JobData, SnapshotRef, SourceFile},
	ipfs::Ipfs,
	job::{self, PROTOCOL},
	metrics::Metrics,
	run, Log,
};
use crate::{
	events::{Event, Events},
	kernels::KernelLevel,
	manifest::Manifest,
	model::BaseModel,
	train::EvalResult,
	Error, Result,
};
use openledger_client::{models_json as json, AccountId, Chain};
use pallet_models::AttestedResult;
use serde_json::{json, Value};
use sp_arithmetic::FixedU64;
use std::{
	io::Write,
	path::{Path, PathBuf},
	sync::{atomic::AtomicBool, Arc},
};

/// What a job trains on, checked.
pub struct Inputs {
	pub base: json::BaseModel,
	/// The base's file, its weights and tokenizer hashes not yet checked (`produce` does).
	pub base_path: PathBuf,
	/// Whether `base_path` is the worker's cached copy (removed if its hashes are wrong).
	pub base_cached: bool,
	pub data: JobData,
	/// The job's held-out eval datanet's files, when it names one.
	pub eval: Option<JobData>,
}

/// This worker's own choices, which do not change the result.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
	pub kernel_level: Option<KernelLevel>,
	pub prefer_cpu: bool,
	pub quiet: bool,
	pub checkpoint_every: usize,
}

/// What `produce` made.
pub struct Produced {
	pub result: AttestedResult,
	pub manifest: Value,
}

fn snapshot_ref(s: &json::Snapshot) -> SnapshotRef {
	SnapshotRef { datanet: s.datanet, count: s.count, head: s.head.0 }
}

/// The snapshots a job trains on.
pub fn snapshots(job: &json::Job) -> Vec<SnapshotRef> {
	job.snapshots.iter().map(snapshot_ref).collect()
}

/// The snapshot of the job's held-out eval datanet, if it names one.
pub fn eval_snapshot(job: &json::Job) -> Option<SnapshotRef> {
	job.eval.as_ref().map(snapshot_ref)
}

/// The base (kept under `state_root/bases/` by CID across jobs) and the job's dataset, from
/// IPFS, checked against the chain.
pub async fn fetch_inputs(
	chain: &Chain,
	ipfs: &Ipfs,
	state_root: &Path,
	job: &json::Job,
	log: &Log,
) -> Result<Inputs> {
	let id = job.id;
	let chain_error = |e: openledger_client::ChainError| Error::Chain(e.to_string());
	let base = chain.base_model(job.base).await.map_err(chain_error)?;
	let mut gateways = Vec::new();
	for snapshot in job.snapshots.iter().chain(&job.eval) {
		gateways.extend(chain.datanet(snapshot.datanet).await.map_err(chain_error)?.gateways);
	}
	let sources = ipfs.fetcher(&gateways);
	let bases = state_root.join("bases");
	std::fs::create_dir_all(&bases).map_err(|e| Error::io(&bases, e))?;
	let base_path = bases.join(format!("{}.gguf", base.weights_cid));
	if !base_path.exists() {
		log.event(
			id,
			"fetching",
			format!("fetching base {} ({})", base.name, base.weights_cid),
			json!({}),
		);
		let limit = base.parameters.saturating_mul(8).saturating_add(64 << 20);
		let bytes = ipfs.fetch(&sources, "the base model", &base.weights_cid, limit).await?;
		let partial = base_path.with_extension("partial");
		std::fs::write(&partial, bytes).map_err(|e| Error::io(&partial, e))?;
		std::fs::rename(&partial, &base_path).map_err(|e| Error::io(&base_path, e))?;
	}
	let progress = |what: &'static str| {
		move |done: usize, total: usize, file: &SourceFile| {
			log.event(
				id,
				"fetched",
				format!(
					"{what} file {done}/{total}: datanet {} #{} ({} bytes)",
					file.datanet, file.index, file.bytes
				),
				json!({ "cid": file.cid }),
			)
		}
	};
	let data = dataset::fetch(chain, &sources, &snapshots(job), progress("data")).await?;
	let eval = match eval_snapshot(job) {
		Some(held_out) => {
			Some(dataset::fetch(chain, &sources, &[held_out], progress("eval")).await?)
		},
		None => None,
	};
	Ok(Inputs { base, base_path, base_cached: true, data, eval })
}

/// Checks the base file against the chain's hashes, trains, writes the adapter, its config,
/// the attribution table and the manifest into `run_dir`, and returns the result to attest
/// (with their CIDs; `publish` puts them on IPFS later).
#[allow(clippy::too_many_arguments)]
pub async fn produce(
	job: &json::Job,
	inputs: Inputs,
	settings: &Settings,
	run_dir: &Path,
	log: &Log,
	metrics: Option<Arc<Metrics>>,
	stop: Arc<AtomicBool>,
	account: Option<&AccountId>,
) -> Result<Produced> {
	let id = job.id;
	let plan = job::plan(job, settings.checkpoint_every)?;
	log.event(id, "training", format!("training ({:?} kernels)", plan.kernels), json!({}));
	std::fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
	let expected_weights = crate::hash::sha256_text(&inputs.base.weights_hash.0);
	let expected_tokenizer = crate::hash::sha256_text(&inputs.base.tokenizer_hash.0);
	let Inputs { base, base_path, base_cached, data, eval } = inputs;
	let blocking = {
		let (plan, run_dir, settings) = (plan.clone(), run_dir.to_path_buf(), *settings);
		let (expected_weights, sink, log) =
			(expected_weights.clone(), log.sink.clone(), log.clone());
		move || -> Result<(run::Trained, JobData)> {
			let mut loaded = BaseModel::load(&base_path)?;
			let tokenizer_hash = loaded.tokenizer.hash();
			if loaded.weights_hash != expected_weights || tokenizer_hash != expected_tokenizer {
				if base_cached {
					let _ = std::fs::remove_file(&base_path);
				}
				return Err(Error::Data(format!(
					"the base's weights or tokenizer hash ({}, {tokenizer_hash}) is not the \
					 registered one ({expected_weights}, {expected_tokenizer})",
					loaded.weights_hash
				)));
			}
			loaded.name = base.name.clone();
			let writer = sink.map(|s| Box::new(s) as Box<dyn Write>);
			let mut events = Events::to_writer(writer, settings.quiet).observe(move |event| {
				match (event, &metrics) {
					(Event::Step { tokens_per_second, .. }, Some(metrics)) => {
						Metrics::bump(&metrics.steps);
						metrics.set_tokens_per_second(*tokens_per_second);
					},
					// The attribution is long work of its own: a line for it.
					(Event::InfluenceStart { checkpoints, contributors, passes, .. }, _) => log
						.event(
							id,
							"attributing",
							format!(
								"attribution: influence of {contributors} contributor(s) at \
								 {checkpoints} checkpoint(s), {passes} passes"
							),
							json!({}),
						),
					(Event::InfluenceDone { seconds }, _) => log.event(
						id,
						"attributed",
						format!("attribution done in {seconds:.0} s"),
						json!({ "seconds": seconds }),
					),
					_ => {},
				}
			});
			let run = run::Run {
				base: &loaded,
				data: &data,
				target: eval.as_ref(),
				plan: &plan,
				level: settings.kernel_level,
				prefer_cpu: settings.prefer_cpu,
				run_dir: &run_dir,
			};
			let trained = run::train(&run, &mut events, stop)?;
			events.emit(&Event::Done {
				steps: trained.outcome.steps,
				model_hash: trained.model_hash.clone(),
				out: trained.adapter_dir.display().to_string(),
			})?;
			Ok((trained, data))
		}
	};
	let (trained, data) = tokio::task::spawn_blocking(blocking)
		.await
		.map_err(|e| Error::Invalid(format!("the training thread failed: {e}")))??;

	let table = &trained.table;
	let read = |name: &str| {
		let path = trained.adapter_dir.join(name);
		std::fs::read(&path).map_err(|e| Error::io(&path, e))
	};
	// CIDs only: the content is published at reveal time (`publish`), once no one can
	// commit any more, so that no trainer can attest another's work as its own.
	let adapter_cid = cid_of(&read(crate::lora::ADAPTER_WEIGHTS)?);
	let config_cid = cid_of(&read(crate::lora::ADAPTER_CONFIG)?);
	let table_text = serde_json::to_vec_pretty(table).expect("a table serialises");
	let table_path = run_dir.join(ATTRIBUTION_FILE);
	std::fs::write(&table_path, &table_text).map_err(|e| Error::io(&table_path, e))?;
	let table_cid = cid_of(&table_text);
	let config = json!({
		"base": trained.base_config,
		"adapter": trained.lora,
		"method": job.method,
		"training": plan.options,
		"eval_fraction": plan.eval_fraction,
		"kernels": plan.kernels,
		"protocol": PROTOCOL,
	});
	let mut manifest = serde_json::to_value(Manifest::new(
		trained.model_hash.clone(),
		expected_weights,
		trained.dataset_hash.clone(),
		config,
		serde_json::to_value(&trained.outcome).expect("plain struct"),
	))
	.expect("a manifest serialises");
	let files: Vec<Value> = data
		.files
		.iter()
		.zip(&trained.tokens_by_source)
		.map(|(f, tokens)| {
			json!({
				"datanet": f.datanet, "index": f.index, "cid": f.cid,
				"contributor": f.contributor.to_string(), "weight": f.weight,
				"format": f.format, "trained_on": f.is_text(),
				"tokens": tokens,
			})
		})
		.collect();
	manifest["job"] = json!(id);
	manifest["chain_base"] = json!(job.base);
	manifest["snapshots"] = json!(job.snapshots);
	manifest["eval"] = json!(job.eval);
	manifest["files"] = json!(files);
	manifest["adapter_cid"] = json!(adapter_cid.to_string());
	manifest["adapter_config_cid"] = json!(config_cid.to_string());
	manifest["tokens_trained"] = json!(trained.tokens_trained);
	manifest["attribution"] = serde_json::to_value(table).expect("a table serialises");
	manifest["attribution_cid"] = json!(table_cid.to_string());
	manifest["attribution_seconds"] = json!(trained.attribution_seconds);
	manifest["worker"] = json!({
		"account": account.map(AccountId::to_string),
		"kernel_level": settings.kernel_level,
		"threads": rayon::current_num_threads(),
	});
	let manifest_text = serde_json::to_vec_pretty(&manifest).expect("json");
	let manifest_path = run_dir.join(crate::manifest::MANIFEST_FILE);
	std::fs::write(&manifest_path, &manifest_text).map_err(|e| Error::io(&manifest_path, e))?;
	let manifest_cid = cid_of(&manifest_text);

	let too_long = |_| Error::Invalid("a CID longer than the chain stores".into());
	let result = AttestedResult {
		adapter_cid: adapter_cid.to_bytes().try_into().map_err(too_long)?,
		model_hash: super::hash_bytes(&trained.model_hash)?,
		attribution_root: table.root,
		eval_loss_before: fixed_loss(trained.outcome.eval_before),
		eval_loss_after: fixed_loss(trained.outcome.eval_after),
		tokens_trained: trained.tokens_trained,
		manifest_cid: manifest_cid.to_bytes().try_into().map_err(too_long)?,
	};
	// Nothing of the result before reveals open: whoever reads the events could commit it.
	log.event(
		id,
		"trained",
		format!(
			"trained {} steps (eval loss {:.4} -> {:.4}); the result is sealed until reveals open",
			trained.outcome.steps,
			trained.outcome.eval_before.map_or(f64::NAN, |e| e.loss),
			trained.outcome.eval_after.map_or(f64::NAN, |e| e.loss),
		),
		json!({ "steps": trained.outcome.steps }),
	);
	Ok(Produced { result, manifest })
}

/// The attribution table's file in a run directory.
pub const ATTRIBUTION_FILE: &str = "attribution.json";

/// The CID the chain stores for `content` (CIDv1, raw leaves), computed here.
fn cid_of(content: &[u8]) -> openledger_ipfs::Cid {
	openledger_ipfs::add(content, openledger_ipfs::Layout::KUBO_V1).root
}

/// Adds a run's adapter, PEFT config, attribution table and manifest to `ipfs`; run at
/// reveal time. Idempotent (a restart publishes again).
pub async fn publish(ipfs: &Ipfs, run_dir: &Path) -> Result<()> {
	let adapter = run::adapter_dir(run_dir);
	let files = [
		("the adapter", adapter.join(crate::lora::ADAPTER_WEIGHTS)),
		("the adapter config", adapter.join(crate::lora::ADAPTER_CONFIG)),
		("the attribution table", run_dir.join(ATTRIBUTION_FILE)),
		("the manifest", run_dir.join(crate::manifest::MANIFEST_FILE)),
	];
	for (what, path) in files {
		let content = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
		ipfs.publish(what, content).await?;
	}
	Ok(())
}

/// A loss as the chain stores it (10⁻⁹ units, rounded); 0 without an eval split.
fn fixed_loss(eval: Option<EvalResult>) -> FixedU64 {
	FixedU64::from_inner(eval.map_or(0, |e| (e.loss * 1e9).round() as u64))
}

/// A result as JSON fields (hex hashes, text CIDs, losses in 10⁻⁹ units).
pub fn result_fields(result: &AttestedResult) -> Value {
	let cid = |binary: &[u8]| {
		String::from_utf8_lossy(&openledger_primitives::cid::to_text(binary)).into_owned()
	};
	json!({
		"model_hash": format!("0x{}", hex::encode(result.model_hash)),
		"attribution_root": format!("0x{}", hex::encode(result.attribution_root)),
		"adapter_cid": cid(&result.adapter_cid),
		"manifest_cid": cid(&result.manifest_cid),
		"eval_loss_before": result.eval_loss_before.into_inner(),
		"eval_loss_after": result.eval_loss_after.into_inner(),
		"tokens_trained": result.tokens_trained,
	})
}
