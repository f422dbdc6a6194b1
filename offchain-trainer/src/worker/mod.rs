//! `openledger-trainer work`: the process a node operator runs beside a node. It follows
//! finalized blocks, takes open jobs it can serve, trains them, publishes the adapter and
//! attests through commit and reveal.
//!
//! For each job the worker:
//! 1. checks the base and the data against the chain (see [`dataset`]);
//! 2. trains with the job's settings ([`job`], [`run`]);
//! 3. publishes the adapter, its PEFT config and an `openledger.json` manifest to IPFS
//!    ([`ipfs`]);
//! 4. commits `commitment((job, result), salt, account)`;
//! 5. reveals once the chain opens reveals (every attester committed, or the commit window
//!    closed).
//!
//! The commitment binds the result, so training comes before the commit. Every phase is
//! recorded in `--state` ([`state`]) before the next is sent, and the chain is asked before
//! each send, so a worker killed at any point resumes without attesting twice.
//!
//! **Which jobs, in which order.** The worker takes open jobs in the committing phase by
//! ascending id (oldest first). It skips:
//! - a job it already recorded;
//! - a job whose attester slots are full;
//! - a job outside its on-chain capabilities (family, parameters, device, determinism
//!   class);
//! - a refine job (not yet supported).
//!
//! It trains one job at a time. Workers never talk to each other: each trains the same run
//! and the chain compares their sealed results.

pub mod attribution;
pub mod dataset;
pub mod ipfs;
pub mod job;
pub mod metrics;
pub mod pipeline;
pub mod replay;
pub mod run;
pub mod state;

#[cfg(test)]
mod red_team;

use crate::{kernels::KernelLevel, Error, Result};
use ipfs::{Ipfs, IpfsOptions};
use metrics::Metrics;
use openledger_client::{
	models::attested_result, models_json as json, runtime, signer::Keypair, AccountId, Chain,
	ChainError,
};
use pallet_models::AttestedResult;
use serde_json::{json, Value};
use state::{JobState, Phase, StateDir};
use std::{
	io::Write,
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	time::Duration,
};

/// What `work` is told.
pub struct WorkOptions {
	/// WebSocket URL of a node.
	pub node: String,
	pub signer: Keypair,
	pub ipfs: IpfsOptions,
	/// The worker's state directory.
	pub state: PathBuf,
	/// Train `fast` jobs on the CPU even when a GPU is there.
	pub prefer_cpu: bool,
	/// Register as a trainer with this bond (plancks) if not registered (`portable` only).
	pub register: Option<u128>,
	/// Capabilities to register with: the largest base, in parameters.
	pub max_parameters: u64,
	/// Cap the portable kernels' instruction set (tests, comparisons).
	pub kernel_level: Option<KernelLevel>,
	/// Checkpoint every this many steps.
	pub checkpoint_every: usize,
	/// See one job through, then exit.
	pub once: bool,
	pub metrics_port: Option<u16>,
	/// JSON-lines events ("-": stdout).
	pub events: Option<PathBuf>,
	/// No progress bar.
	pub quiet: bool,
}

/// JSON lines shared by the worker's own events and training's.
#[derive(Clone)]
pub struct SharedSink(Arc<Mutex<Box<dyn Write + Send>>>);

impl Write for SharedSink {
	fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
		self.0.lock().expect("events sink").write(bytes)
	}

	fn flush(&mut self) -> std::io::Result<()> {
		self.0.lock().expect("events sink").flush()
	}
}

/// Human lines on stderr and JSON events for programs.
#[derive(Clone)]
pub struct Log {
	sink: Option<SharedSink>,
}

impl Log {
	/// JSON lines to `sink` ("-": stdout), appended; None: human lines only.
	pub fn open(sink: Option<&std::path::Path>) -> Result<Log> {
		let sink: Option<Box<dyn Write + Send>> = match sink {
			None => None,
			Some(path) if path.as_os_str() == "-" => Some(Box::new(std::io::stdout())),
			Some(path) => {
				use std::os::unix::fs::OpenOptionsExt;
				// Private: it names the jobs this worker holds and their progress.
				Some(Box::new(
					std::fs::OpenOptions::new()
						.create(true)
						.append(true)
						.mode(0o600)
						.open(path)
						.map_err(|e| Error::io(path, e))?,
				))
			},
		};
		Ok(Log { sink: sink.map(|s| SharedSink(Arc::new(Mutex::new(s)))) })
	}

	pub fn event(&self, job: u64, event: &str, message: String, fields: Value) {
		eprintln!("job {job}: {message}");
		if let Some(sink) = &self.sink {
			let mut line = json!({ "event": event, "job": job, "message": message });
			if let (Some(line), Value::Object(extra)) = (line.as_object_mut(), fields) {
				line.extend(extra);
			}
			let mut sink = sink.clone();
			let _ = writeln!(sink, "{line}");
			let _ = sink.flush();
		}
	}
}

/// Why the loop should keep going (or not) after a job step.
enum Step {
	/// Nothing more to do until a later block.
	Wait,
	/// The job is over for this worker (revealed or abandoned).
	Finished,
}

struct Worker {
	options: WorkOptions,
	chain: Arc<Chain>,
	me: AccountId,
	states: StateDir,
	ipfs: Arc<Ipfs>,
	metrics: Arc<Metrics>,
	log: Log,
	stop: Arc<AtomicBool>,
	/// The job being trained, in the background: the loop keeps committing and revealing
	/// other jobs meanwhile, so a long training run never makes another job miss its reveal.
	training: Option<Training>,
}

/// A training run on its own thread (with its own async runtime: the IPFS client's futures
/// stay on one thread).
struct Training {
	job: u64,
	/// Set to stop it at its next step boundary (Ctrl-C, or the job closed).
	stop: Arc<AtomicBool>,
	thread: std::thread::JoinHandle<Result<AttestedResult>>,
}

impl Training {
	/// Asks the run to stop at its next step boundary and lets it go: a long step or a slow
	/// fetch must not hold up the loop's commits and reveals for other jobs.
	fn stop(self) {
		self.stop.store(true, Ordering::SeqCst);
	}

	/// Stops the run and waits for its checkpoint (the worker is exiting).
	fn stop_and_wait(self) -> Result<AttestedResult> {
		self.stop.store(true, Ordering::SeqCst);
		self.join()
	}

	fn join(self) -> Result<AttestedResult> {
		self.thread.join().map_err(|_| Error::Invalid("the training thread panicked".into()))?
	}
}

fn chain_error(error: ChainError) -> Error {
	Error::Chain(error.to_string())
}

/// Runs the worker until Ctrl-C (or, with `once`, until one job is over).
pub async fn work(options: WorkOptions) -> Result<()> {
	let stop = Arc::new(AtomicBool::new(false));
	{
		let stop = stop.clone();
		tokio::spawn(async move {
			while tokio::signal::ctrl_c().await.is_ok() {
				if stop.swap(true, Ordering::SeqCst) {
					eprintln!("openledger-trainer: stopping now");
					std::process::exit(130);
				}
				eprintln!(
					"openledger-trainer: stopping after the current step (Ctrl-C again to stop now)"
				);
			}
		});
	}
	let chain = Arc::new(Chain::connect(&options.node).await.map_err(chain_error)?);
	let me = AccountId(options.signer.public_key().0);
	let states = StateDir::open(&options.state)?;
	let ipfs = Arc::new(Ipfs::open(&options.ipfs).await?);
	let metrics = Arc::new(Metrics::default());
	if let Some(port) = options.metrics_port {
		let addr = metrics
			.serve(([0, 0, 0, 0], port).into())
			.map_err(|e| Error::Invalid(format!("--metrics-port {port}: {e}")))?;
		eprintln!("openledger-trainer: metrics on http://{addr}/metrics");
	}
	let log = Log::open(options.events.as_deref())?;
	let mut worker =
		Worker { options, chain, me, states, ipfs, metrics, log, stop, training: None };
	worker.ensure_registered().await?;
	worker.run().await
}

impl Worker {
	async fn ensure_registered(&self) -> Result<json::Trainer> {
		let address = self.me.to_string();
		if let Ok(trainer) = self.chain.trainer(&address).await {
			return Ok(trainer);
		}
		let Some(bond) = self.options.register else {
			return Err(Error::Chain(format!(
				"{address} is not a registered trainer: pass --register BOND (in OPEN) or run \
				 `openledger trainer register`"
			)));
		};
		use runtime::runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			pallet_models::types::{Capabilities, DeterminismClass, Device, ModelFamily},
		};
		let mut devices = vec![Device::Cpu];
		if cfg!(feature = "cuda") && !self.options.prefer_cpu {
			devices.push(Device::Cuda);
		}
		let capabilities = Capabilities {
			families: BoundedVec(vec![ModelFamily::Llama, ModelFamily::Smollm2, ModelFamily::Gpt2]),
			max_parameters: self.options.max_parameters,
			devices: BoundedVec(devices),
			// `fast` results differ between CPUs, so an honest worker in the minority is
			// slashed: it is opt-in (`openledger trainer register --determinism`).
			determinism: BoundedVec(vec![DeterminismClass::Portable]),
		};
		let call = runtime::transactions().models().register_trainer(bond, capabilities);
		self.chain.submit(&call, &self.options.signer).await.map_err(chain_error)?;
		eprintln!("openledger-trainer: registered {address} as a trainer");
		self.chain.trainer(&address).await.map_err(chain_error)
	}

	async fn run(&mut self) -> Result<()> {
		let mut blocks = self.chain.finalized_blocks().await.map_err(chain_error)?;
		let mut finished_once = None;
		loop {
			if self.stop.load(Ordering::SeqCst) {
				if let Some(training) = self.training.take() {
					// It stops at its next step boundary, with a checkpoint.
					let _ = training.stop_and_wait();
				}
				eprintln!("openledger-trainer: stopped; run again with the same --state to resume");
				return Ok(());
			}
			let mut busy = false;
			// Whether a job is still being trained or awaits its commit: no new job until not.
			let mut training = false;
			for mut state in self.states.all()?.into_iter().filter(JobState::is_open) {
				let step = self.advance(&mut state).await;
				training |= matches!(state.phase, Phase::Training | Phase::Trained);
				match step {
					Ok(Step::Wait) => busy = true,
					Ok(Step::Finished) => finished_once = Some(state.phase),
					Err(Error::Interrupted { .. }) => continue,
					Err(error) => {
						// A step that failed is tried again at the next block; the state keeps
						// the error for the operator.
						busy = true;
						Metrics::bump(&self.metrics.failures);
						self.log.event(state.job, "error", format!("{error}"), json!({}));
						state.note = Some(error.to_string());
						self.states.save(&state)?;
					},
				}
			}
			if self.options.once {
				match finished_once {
					Some(Phase::Revealed) if !busy => return Ok(()),
					Some(_) if !busy => {
						return Err(Error::Chain("the job was abandoned (see above)".into()))
					},
					_ => {},
				}
			}
			if !training && !(self.options.once && (busy || finished_once.is_some())) {
				if let Some(job) = self.next_job().await? {
					let state = JobState::taken(job.id)?;
					self.states.save(&state)?;
					Metrics::bump(&self.metrics.jobs_taken);
					self.log.event(
						job.id,
						"taken",
						format!(
							"taken ({} of {} attesters committed)",
							job.commits, job.max_attesters
						),
						json!({}),
					);
					continue;
				}
			}
			// Wait for the next finalized block (checking for Ctrl-C and the end of training
			// meanwhile).
			loop {
				let trained = self.training.as_ref().is_some_and(|t| t.thread.is_finished());
				if trained || self.stop.load(Ordering::SeqCst) {
					break;
				}
				match tokio::time::timeout(Duration::from_secs(1), blocks.next()).await {
					Err(_) => continue,
					Ok(Some(Ok(_))) => break,
					Ok(Some(Err(error))) => return Err(chain_error(error)),
					Ok(None) => {
						return Err(Error::Chain("the node closed the block subscription".into()))
					},
				}
			}
		}
	}

	/// The first open job this worker can take (see the module docs for the order).
	async fn next_job(&self) -> Result<Option<json::Job>> {
		let trainer = self.chain.trainer(&self.me.to_string()).await.map_err(chain_error)?;
		let mut jobs = self.chain.jobs(Some("open")).await.map_err(chain_error)?;
		jobs.sort_by_key(|job| job.id);
		for job in jobs {
			if job.phase != "committing"
				|| job.commits >= job.max_attesters
				|| job.parent.is_some()
				|| self.states.is_recorded(job.id)
			{
				continue;
			}
			let base = self.chain.base_model(job.base).await.map_err(chain_error)?;
			let serves = trainer.families.contains(&base.family)
				&& base.parameters <= trainer.max_parameters
				&& trainer.devices.iter().any(|d| d == "cpu")
				&& trainer.determinism.contains(&job.determinism);
			if serves {
				return Ok(Some(job));
			}
		}
		Ok(None)
	}

	fn abandon(&self, state: &mut JobState, reason: String) -> Result<Step> {
		self.log.event(state.job, "abandoned", format!("abandoned: {reason}"), json!({}));
		Metrics::bump(&self.metrics.failures);
		state.phase = Phase::Abandoned;
		state.note = Some(reason);
		self.states.save(state)?;
		Ok(Step::Finished)
	}

	/// Moves one job as far as the chain lets it now.
	async fn advance(&mut self, state: &mut JobState) -> Result<Step> {
		let job = self.chain.job(state.job).await.map_err(chain_error)?;
		let me = self.me.to_string();
		let mine = job.sealed.iter().find(|a| a.trainer == me);
		if state.phase == Phase::Training {
			if job.phase != "committing" || job.commits >= job.max_attesters {
				if let Some(training) = self.training.take_if(|t| t.job == state.job) {
					training.stop();
				}
				return self.abandon(
					state,
					format!(
						"the commit window closed before training finished (job {})",
						job.phase
					),
				);
			}
			let finished = match &self.training {
				Some(training) if training.job == state.job => training.thread.is_finished(),
				// Another job trains (one at a time); this one waits its turn.
				Some(_) => return Ok(Step::Wait),
				None => {
					self.training = Some(self.spawn_training(&job)?);
					return Ok(Step::Wait);
				},
			};
			if !finished {
				return Ok(Step::Wait);
			}
			let training = self.training.take().expect("checked above");
			let result = match training.join() {
				Ok(result) => result,
				// The data or the job itself is wrong: no retry can help.
				Err(error @ (Error::Data(_) | Error::Invalid(_) | Error::UnsupportedModel(_))) => {
					return self.abandon(state, error.to_string())
				},
				Err(error @ Error::Interrupted { .. }) => return Err(error),
				// Unavailable content, an unreachable node: try again at a later block, a few
				// times.
				Err(error) => {
					state.attempts += 1;
					if state.attempts >= state::MAX_TRAINING_ATTEMPTS {
						return self.abandon(
							state,
							format!("{error} (gave up after {} attempts)", state.attempts),
						);
					}
					return Err(error);
				},
			};
			state.result = Some(result);
			state.phase = Phase::Trained;
			state.note = None;
			self.states.save(state)?;
			// Training took a while: read the job again.
			return Box::pin(self.advance(state)).await;
		}
		if state.phase == Phase::Trained {
			if mine.is_some() {
				state.phase = Phase::Committed;
				self.states.save(state)?;
			} else if job.phase == "committing" && job.commits < job.max_attesters {
				let result = state.result.as_ref().expect("a trained job has its result");
				let sealed = pallet_models::commitment(
					job.id,
					result,
					&state.salt,
					&self.options.signer.public_key().0,
				);
				let call = runtime::transactions().models().commit_result(job.id, sealed);
				if let Err(refused) = self.send(&call).await? {
					// An earlier send whose outcome was unknown may have landed meanwhile.
					let again = self.chain.job(job.id).await.map_err(chain_error)?;
					if !again.sealed.iter().any(|a| a.trainer == me) {
						return self.abandon(state, format!("the commit was refused: {refused}"));
					}
				}
				Metrics::bump(&self.metrics.commits);
				state.phase = Phase::Committed;
				self.states.save(state)?;
				self.log.event(
					job.id,
					"committed",
					"committed the sealed result".into(),
					json!({}),
				);
				return Ok(Step::Wait);
			} else {
				return self.abandon(state, "the commit window closed before the commit".into());
			}
		}
		if state.phase == Phase::Committed {
			if mine.is_some_and(|a| a.revealed.is_some()) {
				return self.revealed(state);
			}
			match job.phase.as_str() {
				"committing" => return Ok(Step::Wait),
				"revealing" => {
					let result = state.result.as_ref().expect("a committed job has its result");
					let call = runtime::transactions().models().reveal_result(
						job.id,
						attested_result(result),
						state.salt,
					);
					if let Err(refused) = self.send(&call).await? {
						let again = self.chain.job(job.id).await.map_err(chain_error)?;
						let revealed =
							again.sealed.iter().any(|a| a.trainer == me && a.revealed.is_some());
						if !revealed {
							return self
								.abandon(state, format!("the reveal was refused: {refused}"));
						}
					}
					Metrics::bump(&self.metrics.reveals);
					return self.revealed(state);
				},
				other => return self.abandon(state, format!("the reveal window closed ({other})")),
			}
		}
		if state.phase == Phase::Revealed && !state.published {
			return self.publish_when_verified(state, &job).await;
		}
		Ok(Step::Finished)
	}

	/// Publishes the run once the chain verified the job with this worker's result. Not
	/// before: a creator whose sybils force a tie gets the bounty back, and must not get the
	/// honest trainers' adapter for free.
	async fn publish_when_verified(&self, state: &mut JobState, job: &json::Job) -> Result<Step> {
		let result = state.result.as_ref().expect("revealed jobs have a result");
		let outcome = match (job.status.as_str(), job.model) {
			("verified", Some(model)) => {
				let model = self.chain.model(model).await.map_err(chain_error)?;
				let ours = model.result.model_hash.0 == result.model_hash;
				if ours {
					pipeline::publish(&self.ipfs, &self.states.run_dir(job.id)).await?;
					"published the adapter, its config, the attribution table and the manifest"
				} else {
					"not published: the job verified another result"
				}
			},
			("open", _) => return Ok(Step::Wait),
			_ => "not published: the job was not verified",
		};
		state.published = true;
		self.states.save(state)?;
		self.log.event(job.id, "published", outcome.into(), json!({}));
		Ok(Step::Finished)
	}

	/// Sends `call`: `Ok(Err(why))` when the chain refused it (final: retrying cannot help);
	/// `Err` when its fate is unknown or the node failed (the phase stays; the next block
	/// checks the chain and tries again).
	async fn send<Call: subxt::transactions::Payload>(
		&self,
		call: &Call,
	) -> Result<std::result::Result<(), String>> {
		match self.chain.submit(call, &self.options.signer).await {
			Ok(_) => Ok(Ok(())),
			Err(refused @ ChainError::Refused { .. }) => Ok(Err(refused.to_string())),
			Err(other) => Err(chain_error(other)),
		}
	}

	/// Records the reveal; the result is public from here on, so the event carries it.
	fn revealed(&self, state: &mut JobState) -> Result<Step> {
		state.phase = Phase::Revealed;
		self.states.save(state)?;
		Metrics::bump(&self.metrics.jobs_done);
		let result = state.result.as_ref().expect("revealed jobs have a result");
		self.log.event(
			state.job,
			"revealed",
			format!("revealed model 0x{}", hex::encode(result.model_hash)),
			pipeline::result_fields(result),
		);
		// Publishing waits for the verification, at a later block.
		Ok(Step::Wait)
	}

	/// Fetches, checks and trains `job` on a thread of its own: the result to attest.
	fn spawn_training(&self, job: &json::Job) -> Result<Training> {
		let stop = Arc::new(AtomicBool::new(false));
		let (chain, ipfs, log, metrics, training_stop) = (
			self.chain.clone(),
			self.ipfs.clone(),
			self.log.clone(),
			self.metrics.clone(),
			stop.clone(),
		);
		let (job, root, run_dir, me) =
			(job.clone(), self.states.root().to_path_buf(), self.states.run_dir(job.id), self.me);
		let settings = pipeline::Settings {
			kernel_level: self.options.kernel_level,
			prefer_cpu: self.options.prefer_cpu,
			quiet: self.options.quiet,
			checkpoint_every: self.options.checkpoint_every,
		};
		let runtime = tokio::runtime::Builder::new_current_thread()
			.enable_all()
			.build()
			.map_err(|e| Error::Invalid(format!("cannot start the training runtime: {e}")))?;
		let id = job.id;
		let thread = std::thread::Builder::new()
			.name(format!("train-job-{id}"))
			.spawn(move || {
				runtime.block_on(async move {
					let inputs = pipeline::fetch_inputs(&chain, &ipfs, &root, &job, &log).await?;
					let produced = pipeline::produce(
						&job,
						inputs,
						&settings,
						&run_dir,
						&log,
						Some(metrics),
						training_stop,
						Some(&me),
					)
					.await?;
					Ok(produced.result)
				})
			})
			.map_err(|e| Error::Invalid(format!("cannot start the training thread: {e}")))?;
		Ok(Training { job: id, stop, thread })
	}
}

/// `sha256:<hex>` → the 32 bytes.
fn hash_bytes(text: &str) -> Result<[u8; 32]> {
	let hex_part = text.strip_prefix("sha256:").unwrap_or(text);
	let bytes = hex::decode(hex_part).map_err(|e| Error::Invalid(format!("hash {text}: {e}")))?;
	bytes.try_into().map_err(|_| Error::Invalid(format!("hash {text} is not 32 bytes")))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::hash;

	#[test]
	fn model_hashes_convert_to_their_bytes() {
		let text = format!("sha256:{}", "ab".repeat(32));
		assert_eq!(hash_bytes(&text).unwrap(), [0xab; 32]);
		assert!(hash_bytes("sha256:abcd").is_err());
	}

	#[test]
	fn hash_helpers_agree_with_the_manifest_form() {
		let digest = hash::json_hash(&json!({"a": 1}));
		assert_eq!(hash_bytes(&digest).unwrap().len(), 32);
	}
}
