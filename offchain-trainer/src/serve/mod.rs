//! `openledger-trainer serve`: an OpenAI-compatible chat server over one base model and the
//! chain's verified adapters of it, paying for their use on chain.
//!
//! - [`api`]: the wire format (requests checked, answers, SSE chunks, errors);
//! - [`http`]: routes and a request's way to its answer;
//! - [`generation`]: the queue in front of the model (one answer at a time) and stop
//!   sequences;
//! - [`adapters`] and [`catalog`]: adapted models on demand over the one base, kept in an LRU;
//!   where adapters come from (the chain and IPFS, or local directories offline);
//! - [`chain`]: the served base and models checked against the chain, and the payer;
//! - [`meter`]: tokens metered per model and paid for in batches, to the planck.
//!
//! Requests name a model by its chain id (`"7"`) or `"base"` for the base alone. Answers of
//! chain models are metered at `--price` per 1000 tokens (prompt and completion); every
//! `--pay-every` finalized blocks each model owed at least the chain's minimum payment is paid
//! for with `Attribution::pay_for_use`. See docs/SERVE.md.

pub mod adapters;
pub mod api;
pub mod catalog;
pub mod chain;
pub mod generation;
pub mod http;
pub mod meter;

use crate::{
	device,
	model::{BaseModel, LoraSetup, Model, Precision},
	worker::ipfs::IpfsOptions,
	Error, Result,
};
use adapters::Adapters;
use catalog::Catalog;
use chain::{ChainCatalog, ChainPayer};
use generation::Generator;
use meter::{Meter, Payer};
use openledger_client::{amount, signer::Keypair, Chain};
use serde_json::{json, Value};
use std::{
	collections::BTreeMap,
	net::SocketAddr,
	path::{Path, PathBuf},
	sync::Arc,
	time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// Where the ledger is kept in the state directory.
pub const LEDGER_FILE: &str = "ledger.json";
/// Where fetched adapters are kept in the state directory.
pub const ADAPTERS_DIR: &str = "adapters";

/// What `serve` is told.
pub struct ServeOptions {
	/// The base model's file or directory.
	pub base: PathBuf,
	pub precision: Precision,
	/// Stay on the CPU even when built with CUDA.
	pub force_cpu: bool,
	/// Where to listen; port 0 picks a free one ([`Server::addr`]).
	pub addr: SocketAddr,
	pub source: Source,
	/// Adapted models kept in memory.
	pub max_adapters: usize,
	/// An answer's default and largest length, in tokens.
	pub max_tokens: usize,
	/// Requests that may wait for (or hold) the model at once; more are refused with 503.
	pub queue: usize,
}

/// Where adapters come from.
pub enum Source {
	/// Offline: model ids → adapter directories; nothing metered or paid.
	Local(BTreeMap<u64, PathBuf>),
	/// The chain's verified models.
	Chain(Box<ChainOptions>),
}

/// The chain, IPFS and payment settings.
pub struct ChainOptions {
	/// WebSocket URL of a node.
	pub node: String,
	/// Signs payments; `None` only with a price of 0.
	pub signer: Option<Keypair>,
	pub ipfs: IpfsOptions,
	/// The ledger and fetched adapters.
	pub state: PathBuf,
	/// Plancks per 1000 tokens.
	pub price: u128,
	/// Pay every this many finalized blocks.
	pub pay_every: u64,
}

/// What the routes share.
pub struct App {
	pub adapters: Adapters,
	pub generator: Generator,
	/// Chain models only.
	pub meter: Option<Arc<Meter>>,
	pub max_tokens: usize,
	/// Unix seconds, for `created` in `/v1/models`.
	pub started: u64,
	/// What `/v1/models` says of the base.
	pub base_info: Value,
}

/// A running server.
pub struct Server {
	addr: SocketAddr,
	stop: watch::Sender<bool>,
	http: JoinHandle<std::io::Result<()>>,
	payments: Option<JoinHandle<()>>,
}

/// The base as stored (for its hashes, config and tokenizer) and built without an adapter.
fn load_base(path: &Path, precision: Precision, force_cpu: bool) -> Result<(BaseModel, Model)> {
	let base = BaseModel::load(path)?;
	let model = Model::build(&base, &device::select(force_cpu), precision, LoraSetup::None)?;
	Ok((base, model))
}

impl Server {
	/// Loads the base, checks it against the chain (if any), and starts serving on the
	/// current tokio runtime.
	pub async fn start(options: ServeOptions) -> Result<Server> {
		let started = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
		let (base, model) = {
			let (path, precision, force_cpu) =
				(options.base.clone(), options.precision, options.force_cpu);
			tokio::task::spawn_blocking(move || load_base(&path, precision, force_cpu))
				.await
				.map_err(|e| Error::Invalid(format!("loading the base failed: {e}")))??
		};
		let mut base_info = json!({
			"adapter": false,
			"name": base.name,
			"weightsHash": base.weights_hash,
			"contextLength": model.max_positions(),
		});
		let (stop, stopped) = watch::channel(false);
		let (catalog, meter, payments) = match options.source {
			Source::Local(dirs) => (Catalog::Local(dirs), None, None),
			Source::Chain(chain_options) => {
				let chain_options = *chain_options;
				let chain = Arc::new(
					Chain::connect(&chain_options.node)
						.await
						.map_err(|e| Error::Chain(e.to_string()))?,
				);
				let registered = chain::find_base(&chain, &base).await?;
				base_info["chainBase"] = registered.id.into();
				let state = &chain_options.state;
				std::fs::create_dir_all(state).map_err(|e| Error::io(state, e))?;
				let catalog = ChainCatalog::open(
					chain.clone(),
					&chain_options.ipfs,
					registered.clone(),
					base.config.clone(),
					state.join(ADAPTERS_DIR),
				)
				.await?;
				let meter =
					Arc::new(Meter::open(chain_options.price, Some(state.join(LEDGER_FILE)))?);
				let payments = match chain_options.signer {
					Some(signer) if chain_options.price > 0 => {
						let payer = ChainPayer::new(chain.clone(), signer);
						let min = payer.min_payment().await.map_err(Error::Chain)?;
						eprintln!(
							"serve: base model {} ({}); {} per 1000 tokens, paid every {} \
							 blocks once a model owes at least {}",
							registered.id,
							registered.name,
							amount::format(chain_options.price),
							chain_options.pay_every,
							amount::format(min)
						);
						let every = chain_options.pay_every.max(1);
						Some(tokio::spawn(pay_loop(chain, meter.clone(), payer, every, stopped)))
					},
					_ if chain_options.price == 0 => {
						eprintln!(
							"serve: base model {} ({}); price 0: nothing is metered for payment",
							registered.id, registered.name
						);
						None
					},
					_ => {
						return Err(Error::Invalid(
							"a price above 0 needs an account to pay with (a signer)".into(),
						))
					},
				};
				(Catalog::Chain(Box::new(catalog)), Some(meter), payments)
			},
		};
		let tokenizer = Arc::new(base.tokenizer.clone());
		drop(base);
		let app = Arc::new(App {
			adapters: Adapters::new(Arc::new(model), catalog, options.max_adapters),
			generator: Generator::new(tokenizer, options.queue),
			meter,
			max_tokens: options.max_tokens,
			started,
			base_info,
		});
		let listener = TcpListener::bind(options.addr).await.map_err(|e| {
			Error::Invalid(format!(
				"cannot listen on {}: {e} (is another server using it? pick another --port)",
				options.addr
			))
		})?;
		let addr = listener.local_addr().map_err(|e| Error::Invalid(e.to_string()))?;
		let mut until_stopped = stop.subscribe();
		let http = tokio::spawn(async move {
			axum::serve(listener, http::router(app))
				.with_graceful_shutdown(async move {
					let _ = until_stopped.wait_for(|stop| *stop).await;
				})
				.await
		});
		Ok(Server { addr, stop, http, payments })
	}

	pub fn addr(&self) -> SocketAddr {
		self.addr
	}

	/// Stops taking requests, lets answers in flight finish, and makes a last payment round.
	pub async fn stop(self) -> Result<()> {
		let _ = self.stop.send(true);
		let served = self.http.await.map_err(|e| Error::Invalid(e.to_string()))?;
		if let Some(payments) = self.payments {
			let _ = payments.await;
		}
		served.map_err(|e| Error::Invalid(format!("the HTTP server failed: {e}")))
	}
}

/// How long to wait before following blocks again after the node went away.
const RECONNECT: Duration = Duration::from_secs(10);

/// Pays what is due at the first finalized block and then every `every` blocks, until
/// stopped; then once more.
async fn pay_loop(
	chain: Arc<Chain>,
	meter: Arc<Meter>,
	payer: ChainPayer,
	every: u64,
	mut stop: watch::Receiver<bool>,
) {
	let mut last: Option<u64> = None;
	'follow: while !*stop.borrow() {
		let mut blocks = match chain.finalized_blocks().await {
			Ok(blocks) => blocks,
			Err(error) => {
				eprintln!("serve: cannot follow blocks ({error}); trying again shortly");
				tokio::select! {
					_ = stop.wait_for(|stop| *stop) => break 'follow,
					_ = tokio::time::sleep(RECONNECT) => continue 'follow,
				}
			},
		};
		loop {
			let block = tokio::select! {
				_ = stop.wait_for(|stop| *stop) => break 'follow,
				block = blocks.next() => block,
			};
			match block {
				Some(Ok(number))
					if last.is_none_or(|last| number >= last.saturating_add(every)) =>
				{
					last = Some(number);
					pay(&meter, &payer, Some(number)).await;
				},
				Some(Ok(_)) => {},
				Some(Err(error)) => eprintln!("serve: following blocks: {error}"),
				None => {
					eprintln!("serve: the node closed the block subscription; following again");
					tokio::time::sleep(RECONNECT).await;
					continue 'follow;
				},
			}
		}
	}
	pay(&meter, &payer, None).await;
}

/// One payment round, logged: a line per model paid or failed.
async fn pay(meter: &Meter, payer: &impl Payer, block: Option<u64>) {
	let at = block.map_or_else(|| "on shutdown".to_string(), |b| format!("at block {b}"));
	match meter.pay_due(payer).await {
		Err(error) => eprintln!("serve: no payments {at}: {error}"),
		Ok(payments) => {
			for payment in payments {
				match payment.outcome {
					Ok(receipt) => eprintln!(
						"serve: paid model={} amount={} ({}) {at}: {receipt}",
						payment.model,
						payment.amount,
						amount::format(payment.amount)
					),
					Err(error) if payment.pending => eprintln!(
						"serve: payment model={} amount={} {at} pending (not sent again, and no \
						 other payment sent, until the chain tells): {error}",
						payment.model, payment.amount
					),
					Err(error) => eprintln!(
						"serve: payment model={} amount={} {at} failed (kept, tried again next \
						 time): {error}",
						payment.model, payment.amount
					),
				}
			}
		},
	}
}
