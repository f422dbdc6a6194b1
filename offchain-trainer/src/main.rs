//! `openledger-trainer`: fine-tune, evaluate, chat with and merge LoRA/QLoRA adapters.

use clap::{builder::TypedValueParser, Args, Parser, Subcommand, ValueEnum};
use openledger_trainer::{
	data::{self, Split},
	events::Events,
	fine_tune::{self, FineTune},
	generate::{generate, Sampling},
	kernels::{self, KernelLevel, Kernels},
	lora::{self, LoraConfig},
	merge,
	model::{BaseModel, Precision},
	schedule::Decay,
	tokenizer::ChatMessage,
	train::{self, TrainOptions},
	Result,
};
use std::{io::Write, path::PathBuf, process::ExitCode};

#[derive(Parser)]
#[command(
	name = "openledger-trainer",
	version,
	about = "LoRA and QLoRA fine-tuning of LLaMA-family and GPT-2 models on the CPU (or a GPU with --features cuda).",
	after_help = "A base is a .gguf file (LLaMA family, quantized or not) or a Hugging Face directory \
	              (config.json, *.safetensors, tokenizer.json).\n\
	              Threads: RAYON_NUM_THREADS (default: all cores). Results on the CPU do not depend on it.\n\
	              Exit status: 0 done, 1 error (the message says what to change), 2 bad usage."
)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Train an adapter; writes adapter_model.safetensors, adapter_config.json (PEFT layout) and
	/// openledger.json (model, base, dataset and config hashes) into --out.
	Train(TrainArgs),
	/// Loss and perplexity of a base (with an optional adapter) on text files.
	Eval(EvalArgs),
	/// Talk to a base (with an optional adapter) through its chat template.
	Chat(ChatArgs),
	/// Fold an adapter into its base and write a dense Hugging Face checkpoint (without
	/// --adapter: export the base, e.g. a GGUF dequantized to safetensors).
	Merge(MergeArgs),
	/// Take training jobs from the chain: follow finalized blocks, train open jobs this
	/// trainer can serve, publish the adapter to IPFS, commit and reveal the result.
	#[command(
		after_help = "Jobs are taken oldest first, one at a time. Everything is fetched by \
	              CID and checked (base weights hash, dataset snapshot head, every block).\n\
	              Progress lives in --state: after a crash or kill, run the same command again; \
	              it resumes from the last checkpoint and never commits or reveals twice.\n\
	              Ctrl-C stops after the current step."
	)]
	Work(WorkArgs),
	/// Re-run a chain job's training from files on this machine and print the result a
	/// worker would attest (nothing is sent): audit a verified model, or see what other data
	/// gives.
	Replay(ReplayArgs),
	/// Serve an OpenAI-compatible chat API over one base model and the chain's verified
	/// adapters of it (loaded on demand, the most recently used kept in memory), metering
	/// tokens per model and paying for their use on chain.
	#[command(
		after_help = "Routes: GET /v1/models, GET /v1/models/ID, POST /v1/chat/completions \
	              (stream: true for Server-Sent Events). A request names a model by its chain id \
	              (\"model\": \"7\"), or \"base\" for the base without an adapter; temperature \
	              defaults to 0 (greedy: the same answer every time).\n\
	              With --node, the --base file must be a base model registered on that chain (its \
	              weights and tokenizer hashes are checked); each adapter is fetched by its CID and \
	              checked against the chain's model hash. Answers of chain models are metered at \
	              --price per 1000 tokens (prompt + completion) and paid for with \
	              Attribution.pay_for_use every --pay-every finalized blocks, once a model owes at \
	              least the chain's minimum payment; fractions of a planck carry over. The ledger \
	              lives in --state and survives restarts.\n\
	              Without --node the server is offline: the base and any --adapter ID=DIR, nothing \
	              metered or paid.\n\
	              One answer is generated at a time; others wait in order (up to --queue, then \
	              503). Ctrl-C stops taking requests, finishes those in flight and pays what is due. \
	              Details: docs/SERVE.md."
	)]
	Serve(ServeArgs),
}

#[derive(Args)]
struct ServeArgs {
	/// WebSocket RPC URL of a node: serve its verified models on --base and pay for their use
	/// with --key or --suri, a key that signs for this server alone (a payment whose outcome
	/// was lost is told apart by the key's nonce). Without it, serve offline (the base and
	/// any --adapter).
	#[arg(long, value_name = "URL")]
	node: Option<String>,
	/// Pays for use (needed with --node unless --price is 0).
	#[command(flatten)]
	signer: SignerArgs,
	#[command(flatten)]
	base: BaseArgs,
	#[command(flatten)]
	precision: PrecisionArgs,
	/// Address to listen on (0.0.0.0: every interface).
	#[arg(long, default_value = "127.0.0.1")]
	host: std::net::IpAddr,
	/// Port to listen on (0: any free one; the log says which).
	#[arg(long, default_value_t = 8000)]
	port: u16,
	/// Offline: serve the adapter in DIR (PEFT layout) as model ID; repeat for more.
	#[arg(long, value_name = "ID=DIR", conflicts_with = "node",
		value_parser = openledger_trainer::serve::catalog::parse_local)]
	adapter: Vec<(u64, PathBuf)>,
	#[command(flatten)]
	content: ContentArgs,
	/// Where the ledger of metered tokens and the fetched adapters are kept [default:
	/// ~/.local/share/openledger/serve].
	#[arg(long, value_name = "DIR")]
	state: Option<PathBuf>,
	/// Price of 1000 tokens (prompt + completion) of a chain model, in OPEN (0.01 = 10^16
	/// plancks; 0: nothing is paid).
	#[arg(long, value_name = "OPEN", default_value = "0.01",
		value_parser = |text: &str| openledger_client::amount::parse(text))]
	price: u128,
	/// Pay what is due every this many finalized blocks.
	#[arg(long, value_name = "BLOCKS", default_value_t = 10,
		value_parser = clap::value_parser!(u64).range(1..))]
	pay_every: u64,
	/// Adapted models kept in memory (least recently used evicted first).
	#[arg(long, value_name = "N", default_value_t = 16,
		value_parser = clap::value_parser!(u64).range(1..))]
	max_adapters: u64,
	/// Default and largest answer length, in tokens (a request's max_tokens above it is
	/// lowered to it).
	#[arg(long, value_name = "N", default_value_t = 512,
		value_parser = clap::value_parser!(u64).range(1..))]
	max_tokens: u64,
	/// Requests waiting for (or holding) the model at once; more get 503.
	#[arg(long, value_name = "N", default_value_t = 64,
		value_parser = clap::value_parser!(u64).range(1..))]
	queue: u64,
}

#[derive(Args)]
struct ReplayArgs {
	/// The job's id.
	job: u64,
	/// WebSocket RPC URL of a node.
	#[arg(long, default_value = "ws://127.0.0.1:9944", env = "OPENLEDGER_NODE")]
	node: String,
	/// The base model's file (checked against the chain's weights and tokenizer hashes).
	#[arg(long, value_name = "FILE.gguf")]
	base: PathBuf,
	/// A directory holding each of the job's files under its CID (`openledger ipfs get CID
	/// -o DIR/CID`).
	#[arg(long, value_name = "DIR")]
	files: PathBuf,
	/// Where to train and write the adapter and manifest.
	#[arg(long, value_name = "DIR")]
	out: PathBuf,
	/// Cap the portable kernels' instruction set (the result is the same at every level).
	#[arg(long, value_enum, env = "OPENLEDGER_KERNEL_LEVEL")]
	kernel_level: Option<openledger_trainer::kernels::KernelLevel>,
	/// No progress bar.
	#[arg(long)]
	quiet: bool,
}

/// The account a command signs with, as the `openledger` CLI takes it.
/// Where `work` and `serve` fetch content (bases, datasets, adapters) and `work` publishes
/// its results: the operator's own sources, asked before the datanets' published gateways.
#[derive(Args)]
struct ContentArgs {
	/// A Kubo RPC API (or `openledger ipfs serve --kubo-api`) to fetch from (`work` also
	/// publishes to it).
	#[arg(long, value_name = "URL")]
	ipfs_api: Option<String>,
	/// IPFS trustless gateways to fetch from (before the datanets' own).
	#[arg(long, value_name = "URL")]
	gateway: Vec<String>,
	/// A block store to keep fetched (and, for `work`, published) content in.
	#[arg(long, value_name = "DIR")]
	store: Option<PathBuf>,
}

impl ContentArgs {
	fn options(self) -> openledger_trainer::worker::ipfs::IpfsOptions {
		openledger_trainer::worker::ipfs::IpfsOptions {
			store: self.store,
			gateways: self.gateway,
			ipfs_api: self.ipfs_api,
		}
	}
}

#[derive(Args)]
struct SignerArgs {
	/// Sign with this keystore key (password from OPENLEDGER_PASSWORD).
	#[arg(long, env = "OPENLEDGER_KEY", conflicts_with = "suri")]
	key: Option<String>,
	/// Sign with this secret URI (e.g. //Eve on a dev chain).
	#[arg(long, env = "OPENLEDGER_SURI", hide_env_values = true)]
	suri: Option<String>,
	/// The keystore of --key [default: the openledger CLI's].
	#[arg(long, value_name = "DIR")]
	keystore: Option<PathBuf>,
}

impl SignerArgs {
	/// The key given, if any.
	fn keypair(&self) -> Result<Option<openledger_client::signer::Keypair>> {
		use openledger_client::{keystore::Keystore, signer};
		use openledger_trainer::Error;
		Ok(Some(match (&self.suri, &self.key) {
			(Some(suri), _) => {
				signer::keypair_from_suri(suri).map_err(|e| Error::Invalid(e.to_string()))?
			},
			(None, Some(name)) => {
				let keystore =
					Keystore::open(self.keystore.clone().unwrap_or_else(Keystore::default_dir))
						.map_err(|e| Error::Invalid(e.to_string()))?;
				let password = std::env::var("OPENLEDGER_PASSWORD").map_err(|_| {
					Error::Invalid(format!("set OPENLEDGER_PASSWORD to unlock key `{name}`"))
				})?;
				keystore.unlock(name, &password).map_err(|e| Error::Invalid(e.to_string()))?
			},
			(None, None) => return Ok(None),
		}))
	}
}

#[derive(Args)]
struct WorkArgs {
	/// WebSocket RPC URL of a node.
	#[arg(long, default_value = "ws://127.0.0.1:9944", env = "OPENLEDGER_NODE")]
	node: String,
	#[command(flatten)]
	signer: SignerArgs,
	#[command(flatten)]
	content: ContentArgs,
	/// Where the worker records its jobs, salts, checkpoints and fetched bases.
	#[arg(long, value_name = "DIR")]
	state: PathBuf,
	/// Device for `fast` jobs (`portable` jobs always run on the CPU kernels).
	#[arg(long, value_enum, default_value = "cpu")]
	device: WorkDevice,
	/// Register as a trainer with this bond in OPEN (e.g. 100) if not registered yet, for the
	/// `portable` class (register `fast` with `openledger trainer register`).
	#[arg(long, value_name = "OPEN")]
	register: Option<String>,
	/// With --register: the largest base to take, in parameters.
	#[arg(long, default_value_t = 2_000_000_000)]
	max_parameters: u64,
	/// Cap the portable kernels' instruction set (default: the CPU's best; results are the
	/// same at every level). Also OPENLEDGER_KERNEL_LEVEL.
	#[arg(long, value_enum, env = "OPENLEDGER_KERNEL_LEVEL")]
	kernel_level: Option<openledger_trainer::kernels::KernelLevel>,
	/// Checkpoint every N steps (a restart resumes from the last one).
	#[arg(long, default_value_t = 10)]
	checkpoint_every: usize,
	/// See one job through (trained, committed, revealed, published once verified), then
	/// exit: 0 revealed, 1 not.
	#[arg(long)]
	once: bool,
	/// Serve Prometheus metrics on this port (/metrics).
	#[arg(long)]
	metrics_port: Option<u16>,
	/// Write JSON-lines events here ("-": stdout).
	#[arg(long, value_name = "FILE|-")]
	events: Option<PathBuf>,
	/// No progress bar.
	#[arg(long)]
	quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum WorkDevice {
	Cpu,
	Cuda,
}

#[derive(Clone, Copy, ValueEnum)]
enum Method {
	/// f32 frozen base.
	Lora,
	/// Frozen base kept quantized (--bits 4 or 8).
	Qlora,
}

#[derive(Args)]
struct BaseArgs {
	/// Base model: FILE.gguf or a Hugging Face directory.
	#[arg(long, value_name = "FILE.gguf|DIR")]
	base: PathBuf,
	/// Run on the CPU even when built with CUDA.
	#[arg(long)]
	cpu: bool,
}

#[derive(Args)]
struct PrecisionArgs {
	#[arg(long, value_enum, default_value = "lora")]
	method: Method,
	/// Bits of the quantized base with --method qlora: 4 (Q4_0; a GGUF's Q4_0/Q4_1/Q4_K is
	/// kept as stored) or 8 (Q8_0).
	#[arg(long, default_value = "4", value_parser = clap::builder::PossibleValuesParser::new(["4", "8"]).map(|b| b.parse::<u8>().expect("listed values")))]
	bits: u8,
}

impl PrecisionArgs {
	fn precision(&self) -> Result<Precision> {
		Ok(match self.method {
			Method::Lora => Precision::Full,
			Method::Qlora => Precision::Quantized { bits: self.bits },
		})
	}
}

#[derive(Args)]
struct TrainArgs {
	#[command(flatten)]
	base: BaseArgs,
	/// Training text: .txt (one document per file) or .jsonl (one {"text": …} per line).
	#[arg(long, required = true, num_args = 1.., value_name = "FILE")]
	data: Vec<PathBuf>,
	#[command(flatten)]
	precision: PrecisionArgs,
	/// Output directory for the adapter, manifest and checkpoints.
	#[arg(long, value_name = "DIR")]
	out: PathBuf,
	/// Continue from --out's checkpoint (same base, data and settings).
	#[arg(long)]
	resume: bool,
	/// Peak learning rate.
	#[arg(long, default_value_t = 2e-4)]
	lr: f64,
	/// Sequences per micro-batch.
	#[arg(long, default_value_t = 4)]
	batch_size: usize,
	/// Micro-batches per optimizer step.
	#[arg(long, default_value_t = 1)]
	grad_accum: usize,
	#[arg(long, default_value_t = 1)]
	epochs: usize,
	/// Stop after this many optimizer steps.
	#[arg(long)]
	max_steps: Option<usize>,
	/// Tokens per training sequence.
	#[arg(long, default_value_t = 256)]
	seq_len: usize,
	/// LoRA rank r.
	#[arg(long, default_value_t = 8)]
	rank: usize,
	/// LoRA alpha (the update is scaled by alpha/r).
	#[arg(long, default_value_t = 16.0)]
	alpha: f64,
	#[arg(long, default_value_t = 0.0)]
	lora_dropout: f64,
	/// Scale by alpha/sqrt(r) (rank-stabilised LoRA).
	#[arg(long)]
	rslora: bool,
	/// Modules to adapt: "all-linear" or a comma list (q_proj,v_proj / c_attn,…).
	#[arg(long, default_value = "all-linear")]
	target: String,
	/// Decoupled AdamW weight decay.
	#[arg(long, default_value_t = 0.0)]
	weight_decay: f64,
	#[arg(long, default_value_t = 0)]
	warmup_steps: usize,
	#[arg(long, value_enum, default_value = "cosine")]
	schedule: Decay,
	/// Clip the gradient norm to this (0: no clipping).
	#[arg(long, default_value_t = 1.0)]
	max_grad_norm: f64,
	/// Share of the data held out for evaluation.
	#[arg(long, default_value_t = 0.05)]
	eval_fraction: f64,
	#[arg(long, default_value_t = 32)]
	max_eval_windows: usize,
	/// Evaluate every N steps (0: before and after only).
	#[arg(long, default_value_t = 0)]
	eval_every: usize,
	/// Checkpoint every N steps (0: never).
	#[arg(long, default_value_t = 50)]
	checkpoint_every: usize,
	#[arg(long, default_value_t = 42)]
	seed: u64,
	#[command(flatten)]
	kernels: KernelArgs,
	/// Write JSON-lines events (start, step, eval, checkpoint, done) here; "-" for stdout.
	#[arg(long, value_name = "FILE|-")]
	events: Option<PathBuf>,
	/// No progress bar.
	#[arg(long)]
	quiet: bool,
}

#[derive(Args)]
struct KernelArgs {
	/// CPU kernels: `fast` (candle's; the same result only on the same hardware) or `portable`
	/// (the same bits on every CPU and thread count, what chain jobs use; always on the CPU).
	#[arg(long, value_enum, default_value = "fast")]
	kernels: Kernels,
	/// Cap the portable kernels' instruction set (default: the CPU's best; the result is the
	/// same at every level).
	#[arg(long, value_enum, env = "OPENLEDGER_KERNEL_LEVEL")]
	kernel_level: Option<KernelLevel>,
}

/// A base, an optional adapter and the base's precision: what `eval` and `chat` load.
#[derive(Args)]
struct ModelArgs {
	#[command(flatten)]
	base: BaseArgs,
	/// An adapter directory (PEFT layout).
	#[arg(long, value_name = "DIR")]
	adapter: Option<PathBuf>,
	#[command(flatten)]
	precision: PrecisionArgs,
}

impl ModelArgs {
	fn load(&self) -> Result<(BaseModel, openledger_trainer::model::Model)> {
		fine_tune::load_model(
			&self.base.base,
			self.adapter.as_deref(),
			self.precision.precision()?,
			self.base.cpu,
		)
	}
}

#[derive(Args)]
struct EvalArgs {
	#[command(flatten)]
	model: ModelArgs,
	#[arg(long, required = true, num_args = 1.., value_name = "FILE")]
	data: Vec<PathBuf>,
	#[arg(long, default_value_t = 256)]
	seq_len: usize,
	#[arg(long, default_value_t = 4)]
	batch_size: usize,
	/// Evaluate at most this many windows, spread evenly through the data.
	#[arg(long, default_value_t = 32)]
	max_windows: usize,
	#[command(flatten)]
	kernels: KernelArgs,
	/// Print JSON.
	#[arg(long)]
	json: bool,
}

#[derive(Args)]
struct ChatArgs {
	#[command(flatten)]
	model: ModelArgs,
	/// One prompt, answered once; without it, an interactive session on stdin.
	#[arg(long)]
	prompt: Option<String>,
	/// A system message placed before the conversation.
	#[arg(long)]
	system: Option<String>,
	/// Continue the prompt as plain text instead of using the chat template.
	#[arg(long)]
	raw: bool,
	/// 0 is greedy.
	#[arg(long, default_value_t = 0.7)]
	temperature: f64,
	#[arg(long, default_value_t = 0.9)]
	top_p: f64,
	#[arg(long, default_value_t = 128)]
	max_new_tokens: usize,
	#[arg(long, default_value_t = 42)]
	seed: u64,
}

#[derive(Args)]
struct MergeArgs {
	#[command(flatten)]
	base: BaseArgs,
	#[arg(long, value_name = "DIR")]
	adapter: Option<PathBuf>,
	#[arg(long, value_name = "DIR")]
	out: PathBuf,
}

/// Empty for "all-linear" (resolved against the base once it is loaded).
fn targets(spec: &str) -> Vec<String> {
	if spec == "all-linear" {
		Vec::new()
	} else {
		spec.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
	}
}

fn train(args: TrainArgs) -> Result<()> {
	let job = FineTune {
		base: args.base.base.clone(),
		data: args.data.clone(),
		precision: args.precision.precision()?,
		lora: LoraConfig {
			rank: args.rank,
			alpha: args.alpha,
			dropout: args.lora_dropout,
			use_rslora: args.rslora,
			target_modules: targets(&args.target),
		},
		options: TrainOptions {
			seq_len: args.seq_len,
			batch_size: args.batch_size,
			grad_accum: args.grad_accum,
			epochs: args.epochs,
			max_steps: args.max_steps,
			learning_rate: args.lr,
			weight_decay: args.weight_decay,
			warmup_steps: args.warmup_steps,
			decay: args.schedule,
			max_grad_norm: args.max_grad_norm,
			eval_every: args.eval_every,
			checkpoint_every: args.checkpoint_every,
			seed: args.seed,
		},
		eval_fraction: args.eval_fraction,
		max_eval_windows: args.max_eval_windows,
		out: args.out.clone(),
		resume: args.resume,
		force_cpu: args.base.cpu,
		kernels: args.kernels.kernels,
		kernel_level: args.kernels.kernel_level,
	};
	let mut events = Events::new(args.events.as_deref(), args.quiet)?;
	let report = fine_tune::run(&job, &mut events)?;
	let to_stderr = args.events.as_deref() == Some(std::path::Path::new("-"));
	let say = |line: String| if to_stderr { eprintln!("{line}") } else { println!("{line}") };
	if report.resumed_from > 0 {
		say(format!("resumed from step {}", report.resumed_from));
	}
	let o = &report.outcome;
	if let (Some(before), Some(after)) = (o.eval_before, o.eval_after) {
		say(format!(
			"eval loss {:.4} -> {:.4} (perplexity {:.2} -> {:.2})",
			before.loss, after.loss, before.perplexity, after.perplexity
		));
	} else if let Some(after) = o.eval_after {
		say(format!("eval loss {:.4} (perplexity {:.2})", after.loss, after.perplexity));
	}
	say(format!("{} steps, {:.1} tokens/s", o.steps, o.tokens_per_second));
	say(format!("model hash {}", report.manifest.model_hash));
	say(format!("adapter written to {}", args.out.display()));
	Ok(())
}

fn eval(args: EvalArgs) -> Result<()> {
	let _kernels = kernels::scope(args.kernels.kernels, args.kernels.kernel_level);
	let (base, model) = fine_tune::load_model(
		&args.model.base.base,
		args.model.adapter.as_deref(),
		args.model.precision.precision()?,
		args.model.base.cpu || args.kernels.kernels == Kernels::Portable,
	)?;
	let split =
		Split { seq_len: args.seq_len, eval_fraction: 0.0, max_eval_windows: 0, eval_seed: None };
	let dataset = data::load(&args.data, &base.tokenizer, &split)?;
	let step = (dataset.train.len() / args.max_windows.max(1)).max(1);
	let windows: Vec<Vec<u32>> =
		dataset.train.into_iter().step_by(step).take(args.max_windows).collect();
	let result = train::evaluate(&model, &windows, args.batch_size)?.expect("at least one window");
	if args.json {
		println!("{}", serde_json::to_string(&result).expect("json"));
	} else {
		println!(
			"loss {:.4}, perplexity {:.2} over {} tokens",
			result.loss, result.perplexity, result.tokens
		);
	}
	Ok(())
}

fn chat(args: ChatArgs) -> Result<()> {
	let (base, model) = args.model.load()?;
	let tokenizer = &base.tokenizer;
	let sampling = Sampling {
		temperature: args.temperature,
		top_p: args.top_p,
		max_new_tokens: args.max_new_tokens,
		seed: args.seed,
	};
	let mut history: Vec<ChatMessage> =
		args.system.iter().map(|s| ChatMessage::new("system", s)).collect();
	let answer = |history: &mut Vec<ChatMessage>, text: &str| -> Result<()> {
		let prompt = if args.raw {
			text.to_string()
		} else {
			history.push(ChatMessage::new("user", text));
			tokenizer.render_chat(history)?
		};
		let ids = tokenizer.encode(&prompt)?;
		let mut stdout = std::io::stdout();
		let reply = generate(&model, tokenizer, &ids, &sampling, |piece| {
			let _ = stdout.write_all(piece.as_bytes());
			let _ = stdout.flush();
		})?;
		println!();
		if !args.raw {
			history.push(ChatMessage::new("assistant", tokenizer.decode(&reply)?.trim()));
		}
		Ok(())
	};
	if let Some(prompt) = &args.prompt {
		return answer(&mut history, prompt);
	}
	eprintln!("chatting with {} (an empty line or Ctrl-D ends)", base.name);
	loop {
		eprint!("> ");
		let mut line = String::new();
		if std::io::stdin().read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
			return Ok(());
		}
		answer(&mut history, line.trim())?;
	}
}

fn work(args: WorkArgs) -> Result<()> {
	use openledger_trainer::{worker, Error};
	let signer = args.signer.keypair()?.ok_or_else(|| {
		Error::Invalid("the worker signs its attestations: pass --key NAME or --suri".into())
	})?;
	let register = args
		.register
		.as_deref()
		.map(openledger_client::amount::parse)
		.transpose()
		.map_err(|e| Error::Invalid(format!("--register: {e}")))?;
	let options = worker::WorkOptions {
		node: args.node,
		signer,
		ipfs: args.content.options(),
		state: args.state,
		prefer_cpu: matches!(args.device, WorkDevice::Cpu),
		register,
		max_parameters: args.max_parameters,
		kernel_level: args.kernel_level,
		checkpoint_every: args.checkpoint_every,
		once: args.once,
		metrics_port: args.metrics_port,
		events: args.events,
		quiet: args.quiet,
	};
	async_runtime()?.block_on(worker::work(options))
}

fn serve(args: ServeArgs) -> Result<()> {
	use openledger_client::keystore::Keystore;
	use openledger_trainer::{
		serve::{ChainOptions, ServeOptions, Server, Source},
		Error,
	};
	let source = match args.node {
		None => Source::Local(args.adapter.into_iter().collect()),
		Some(node) => {
			let signer = args.signer.keypair()?;
			if signer.is_none() && args.price > 0 {
				return Err(Error::Invalid(
					"serve pays for the use of chain models: pass --key NAME or --suri (or \
					 --price 0)"
						.into(),
				));
			}
			let state = args.state.unwrap_or_else(|| {
				let keys = Keystore::default_dir();
				keys.parent().map_or_else(|| keys.clone(), |data| data.join("serve"))
			});
			Source::Chain(Box::new(ChainOptions {
				node,
				signer,
				ipfs: args.content.options(),
				state,
				price: args.price,
				pay_every: args.pay_every,
			}))
		},
	};
	let as_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
	let options = ServeOptions {
		base: args.base.base,
		precision: args.precision.precision()?,
		force_cpu: args.base.cpu,
		addr: (args.host, args.port).into(),
		source,
		max_adapters: as_usize(args.max_adapters),
		max_tokens: as_usize(args.max_tokens),
		queue: as_usize(args.queue),
	};
	async_runtime()?.block_on(async {
		let server = Server::start(options).await?;
		eprintln!("serve: listening on http://{}/v1 (Ctrl-C stops)", server.addr());
		stop_signal().await;
		eprintln!("serve: stopping (answers in flight finish, then what is due is paid)");
		server.stop().await
	})
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn stop_signal() {
	#[cfg(unix)]
	{
		use tokio::signal::unix::{signal, SignalKind};
		if let Ok(mut term) = signal(SignalKind::terminate()) {
			tokio::select! {
				_ = tokio::signal::ctrl_c() => {},
				_ = term.recv() => {},
			}
			return;
		}
	}
	let _ = tokio::signal::ctrl_c().await;
}

fn async_runtime() -> Result<tokio::runtime::Runtime> {
	tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(
		|e| openledger_trainer::Error::Invalid(format!("cannot start the async runtime: {e}")),
	)
}

fn replay(args: ReplayArgs) -> Result<()> {
	use openledger_trainer::worker::{pipeline, replay, Log};
	let options = replay::ReplayOptions {
		node: args.node,
		job: args.job,
		base: args.base,
		files: args.files,
		out: args.out,
		settings: pipeline::Settings {
			kernel_level: args.kernel_level,
			prefer_cpu: true,
			quiet: args.quiet,
			checkpoint_every: 0,
		},
	};
	let produced = async_runtime()?.block_on(replay::replay(options, &Log::open(None)?))?;
	let mut report = pipeline::result_fields(&produced.result);
	report["manifest"] = produced.manifest;
	println!("{}", serde_json::to_string_pretty(&report).expect("json"));
	Ok(())
}

fn merge(args: MergeArgs) -> Result<()> {
	let base = BaseModel::load(&args.base.base)?;
	let adapter = args
		.adapter
		.as_deref()
		.map(|dir| lora::load_adapter(dir, &candle_core::Device::Cpu))
		.transpose()?;
	let hash = merge::merge(&base, adapter.as_ref(), &args.out)?;
	println!("merged model written to {} (hash {hash})", args.out.display());
	Ok(())
}

/// Training allocates and frees activation-sized buffers (megabytes) thousands of times a step.
/// glibc serves those with fresh mmaps by default, so every step page-faults its whole working
/// set again; keeping them on the heap and not trimming it makes steps ~1.4x faster.
fn keep_freed_memory_for_reuse() {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	// SAFETY: mallopt only adjusts allocator thresholds; called before any other thread starts.
	unsafe {
		libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
		libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
		libc::mallopt(libc::M_TOP_PAD, 256 << 20);
	}
}

fn main() -> ExitCode {
	keep_freed_memory_for_reuse();
	let cli = Cli::parse();
	let result = match cli.command {
		Command::Train(args) => train(args),
		Command::Eval(args) => eval(args),
		Command::Chat(args) => chat(args),
		Command::Merge(args) => merge(args),
		Command::Work(args) => work(args),
		Command::Replay(args) => replay(args),
		Command::Serve(args) => serve(args),
	};
	match result {
		Ok(()) => ExitCode::SUCCESS,
		Err(err) => {
			eprintln!("openledger-trainer: {err}");
			ExitCode::FAILURE
		},
	}
}
