//! `openledger job create|list|show|cancel`.

use crate::{
	commands::{
		event,
		model::{hyper, method},
		trainer::DeterminismArg,
	},
	context::Global,
	error::{CliError, CliResult},
	output::{fields, table},
};
use clap::{builder::TypedValueParser, Subcommand, ValueEnum};
use openledger_client::{
	amount, models_json as json,
	runtime::{
		self,
		models::events,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			pallet_models::types::{
				HyperParameters, JobSpec, LoraSettings, LrSchedule, ModelSource, TrainingLength,
				TrainingMethod,
			},
			sp_arithmetic::{fixed_point::FixedU64, per_things::Perbill},
		},
	},
};

#[derive(Subcommand, Debug)]
pub enum JobCommand {
	/// Ask for a fine-tune: the chain snapshots the datanets and holds the bounty until k
	/// trainers agree on the result (or refunds it).
	Create(Box<CreateArgs>),
	/// Jobs by id, all or of one status.
	List {
		#[arg(long, value_enum)]
		status: Option<StatusArg>,
	},
	/// One job: its phase, snapshots, settings and attestations.
	Show {
		/// Job id.
		id: u64,
	},
	/// Cancel the signer's job before any trainer committed; refunds the bounty.
	Cancel {
		/// Job id.
		id: u64,
	},
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StatusArg {
	Open,
	Verified,
	Failed,
	Expired,
	Cancelled,
}

impl StatusArg {
	fn name(self) -> &'static str {
		match self {
			StatusArg::Open => "open",
			StatusArg::Verified => "verified",
			StatusArg::Failed => "failed",
			StatusArg::Expired => "expired",
			StatusArg::Cancelled => "cancelled",
		}
	}
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MethodArg {
	/// LoRA over the full-precision base.
	Lora,
	/// LoRA over a quantised base (--bits).
	Qlora,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ScheduleArg {
	Constant,
	Linear,
	Cosine,
}

/// Defaults are openledger-trainer's (`openledger-trainer train --help`).
#[derive(clap::Args, Debug)]
pub struct CreateArgs {
	/// Base model id to fine-tune (see `openledger base-model list`).
	#[arg(long, required_unless_present = "refine", conflicts_with = "refine")]
	base: Option<u32>,
	/// Verified model id whose adapter to keep training (see `openledger model list`).
	#[arg(long)]
	refine: Option<u64>,
	/// Datanet(s) to train on; the chain snapshots their accepted files now.
	#[arg(long = "datanet", required = true, value_delimiter = ',')]
	datanets: Vec<u32>,
	/// OPEN paid to the trainers whose agreeing results win (split exactly), held until then.
	#[arg(long)]
	bounty: String,
	/// k: trainers whose results must agree.
	#[arg(long, default_value_t = 2)]
	attestations: u32,
	/// Most trainers that may commit (above k) [default: k + 1].
	#[arg(long)]
	max_attesters: Option<u32>,
	/// Blocks during which trainers commit sealed results (600 = 1 hour).
	#[arg(long, default_value_t = 600)]
	commit_period: u32,
	/// Blocks after the commit period during which they reveal.
	#[arg(long, default_value_t = 600)]
	reveal_period: u32,
	#[arg(long, value_enum, default_value = "lora")]
	method: MethodArg,
	/// QLoRA: bits per base weight.
	#[arg(long, default_value_t = 4, value_parser = clap::builder::PossibleValuesParser::new(["4", "8"]).map(|b| b.parse::<u8>().expect("listed values")))]
	bits: u8,
	/// LoRA rank r.
	#[arg(long, default_value_t = 8)]
	rank: u16,
	/// LoRA alpha (the update is scaled by alpha/r).
	#[arg(long, default_value_t = 16)]
	alpha: u16,
	/// Modules to adapt: "all-linear" or a comma list (q_proj,v_proj).
	#[arg(long, default_value = "all-linear")]
	target: String,
	/// Peak learning rate (0 < lr <= 1).
	#[arg(long, default_value_t = 2e-4)]
	lr: f64,
	/// Sequences per micro-batch.
	#[arg(long, default_value_t = 4)]
	batch_size: u32,
	/// Micro-batches per optimizer step.
	#[arg(long, default_value_t = 1)]
	grad_accum: u32,
	/// Passes over the training split (ignored with --steps).
	#[arg(long, default_value_t = 1)]
	epochs: u32,
	/// Train exactly this many optimizer steps instead of --epochs.
	#[arg(long)]
	steps: Option<u32>,
	/// Tokens per training sequence.
	#[arg(long, default_value_t = 256)]
	seq_len: u32,
	#[arg(long, default_value_t = 0)]
	warmup_steps: u32,
	#[arg(long, value_enum, default_value = "cosine")]
	schedule: ScheduleArg,
	#[arg(long, default_value_t = 42)]
	seed: u64,
	/// Share of the data held out for the eval losses and the attribution (0 < f <= 0.5).
	/// Held-out windows earn their contributors nothing, and the influence is measured on
	/// the data itself: prefer --eval-datanet [default: 0.05, none with --eval-datanet].
	#[arg(long, conflicts_with = "eval_datanet")]
	eval_fraction: Option<f64>,
	/// A datanet held out of training whose accepted files are the eval set: what the model
	/// is for. The losses and each contributor's influence (its share of usage fees) are
	/// measured on it; without it, on a split of the training data.
	#[arg(long)]
	eval_datanet: Option<u32>,
	/// How reproducible the runs must be: trainers agree only within one class.
	#[arg(long, value_enum, default_value = "portable")]
	determinism: DeterminismArg,
}

/// `value` in billionths, refused outside `(0, max]`.
fn billionths(name: &str, value: f64, max: f64) -> CliResult<u64> {
	if !(value > 0.0 && value <= max) {
		return Err(CliError::input(format!("--{name} must be above 0 and at most {max}")));
	}
	Ok((value * 1e9).round() as u64)
}

fn spec(args: CreateArgs) -> CliResult<JobSpec<u128, u32>> {
	if let Some(eval) = args.eval_datanet.filter(|eval| args.datanets.contains(eval)) {
		return Err(CliError::input(format!(
			"--eval-datanet {eval} is also a --datanet: the eval set must be held out of training"
		)));
	}
	let source = match (args.base, args.refine) {
		(_, Some(model)) => ModelSource::Refine(model),
		(Some(base), None) => ModelSource::Base(base),
		(None, None) => return Err(CliError::input("give --base or --refine")),
	};
	let target_modules = if args.target == "all-linear" {
		Vec::new()
	} else {
		args.target.split(',').map(|m| BoundedVec(m.trim().as_bytes().to_vec())).collect()
	};
	let lora = LoraSettings {
		rank: args.rank,
		alpha: args.alpha,
		target_modules: BoundedVec(target_modules),
	};
	let method = match args.method {
		MethodArg::Lora => TrainingMethod::Lora(lora),
		MethodArg::Qlora => TrainingMethod::Qlora { lora, bits: args.bits },
	};
	let hyper = HyperParameters {
		learning_rate: FixedU64(billionths("lr", args.lr, 1.0)?),
		batch_size: args.batch_size,
		gradient_accumulation: args.grad_accum,
		length: match args.steps {
			Some(steps) => TrainingLength::Steps(steps),
			None => TrainingLength::Epochs(args.epochs),
		},
		sequence_length: args.seq_len,
		warmup_steps: args.warmup_steps,
		schedule: match args.schedule {
			ScheduleArg::Constant => LrSchedule::Constant,
			ScheduleArg::Linear => LrSchedule::Linear,
			ScheduleArg::Cosine => LrSchedule::Cosine,
		},
		seed: args.seed,
		eval_fraction: match args.eval_datanet {
			Some(_) => Perbill(0),
			None => {
				Perbill(billionths("eval-fraction", args.eval_fraction.unwrap_or(0.05), 0.5)? as u32)
			},
		},
	};
	Ok(JobSpec {
		source,
		datanets: BoundedVec(args.datanets),
		method,
		hyper,
		determinism: args.determinism.to_chain(),
		bounty: amount::parse(&args.bounty).map_err(CliError::input)?,
		attestations: args.attestations,
		max_attesters: args.max_attesters.unwrap_or(args.attestations + 1),
		commit_period: args.commit_period,
		reveal_period: args.reveal_period,
		eval_datanet: args.eval_datanet,
	})
}

fn describe(job: &json::Job) -> String {
	let source = match job.parent {
		Some(parent) => format!("refine model {parent} (base {})", job.base),
		None => format!("base model {}", job.base),
	};
	let data = job
		.snapshots
		.iter()
		.map(|s| format!("datanet {} first {} files (head {:?})", s.datanet, s.count, s.head))
		.collect::<Vec<_>>()
		.join("; ");
	let status = match job.model {
		Some(model) => format!("{} (model {model})", job.status),
		None => job.status.clone(),
	};
	let mut rows = vec![
		("id", job.id.to_string()),
		("creator", job.creator.clone()),
		("status", format!("{status}, {}", job.phase)),
		("trains", source),
		("data", data),
		(
			"eval set",
			match &job.eval {
				Some(s) => format!(
					"datanet {} first {} files (head {:?}), held out",
					s.datanet, s.count, s.head
				),
				None => format!("{:.1}% of the data", job.hyper.eval_fraction * 100.0),
			},
		),
		("method", method(&job.method)),
		("hyper-parameters", hyper(&job.hyper)),
		("determinism", job.determinism.clone()),
		("bounty", amount::format_text(&job.bounty)),
		(
			"attestations",
			format!(
				"{} agreeing of at most {}; {} committed, {} revealed",
				job.attestations, job.max_attesters, job.commits, job.reveals
			),
		),
		(
			"deadlines",
			format!("commit by block {}, reveal by block {}", job.commit_ends, job.reveal_ends),
		),
	];
	for attestation in &job.sealed {
		let result = match &attestation.revealed {
			Some(result) => format!(
				"model hash {:?}, attribution root {:?}",
				result.model_hash, result.attribution_root
			),
			None => "sealed".into(),
		};
		rows.push(("attestation", format!("{}: {result}", attestation.trainer)));
	}
	fields(&rows)
}

pub async fn run(global: &Global, command: JobCommand) -> CliResult<()> {
	let output = global.output();
	match command {
		JobCommand::List { status } => {
			let jobs = global.chain().await?.jobs(status.map(StatusArg::name)).await?;
			output.print(&jobs, || {
				let rows: Vec<Vec<String>> = jobs
					.iter()
					.map(|j| {
						vec![
							j.id.to_string(),
							j.status.clone(),
							j.phase.clone(),
							j.base.to_string(),
							amount::format_text(&j.bounty),
							format!("{}/{}", j.commits, j.attestations),
						]
					})
					.collect();
				table(&["id", "status", "phase", "base", "bounty", "commits/k"], &rows)
			});
		},
		JobCommand::Show { id } => {
			let job = global.chain().await?.job(id).await?;
			output.print(&job, || describe(&job));
		},
		JobCommand::Create(args) => {
			let spec = spec(*args)?;
			let signer = global.signer()?;
			let chain = global.chain().await?;
			let call = runtime::transactions().models().create_job(spec);
			let created: events::JobCreated = event(&chain.submit(&call, &signer).await?)?;
			let job = chain.job(created.job).await?;
			output.print(&job, || {
				format!(
					"created job {} (bounty {} held); trainers commit until block {}",
					job.id,
					amount::format(created.bounty),
					job.commit_ends
				)
			});
		},
		JobCommand::Cancel { id } => {
			let signer = global.signer()?;
			let chain = global.chain().await?;
			let call = runtime::transactions().models().cancel_job(id);
			let _: events::JobCancelled = event(&chain.submit(&call, &signer).await?)?;
			let report = serde_json::json!({ "job": id, "result": "cancelled; bounty refunded" });
			output.print(&report, || format!("job {id}: cancelled; bounty refunded"));
		},
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;

	#[derive(Parser)]
	struct Line {
		#[command(flatten)]
		args: CreateArgs,
	}

	fn parsed(line: &str) -> Result<CreateArgs, clap::Error> {
		let words = ["job"].into_iter().chain(line.split_whitespace());
		Line::try_parse_from(words).map(|line| line.args)
	}

	#[test]
	fn an_eval_datanet_replaces_the_eval_split() {
		let held_out = spec(parsed("--base 0 --datanet 0 --bounty 1 --eval-datanet 3").unwrap());
		let held_out = held_out.unwrap();
		assert_eq!((held_out.eval_datanet, held_out.hyper.eval_fraction.0), (Some(3), 0));
		let split = spec(parsed("--base 0 --datanet 0 --bounty 1").unwrap()).unwrap();
		assert_eq!((split.eval_datanet, split.hyper.eval_fraction.0), (None, 50_000_000));
	}

	#[test]
	fn an_eval_datanet_must_be_held_out_and_alone() {
		let Err(error) =
			spec(parsed("--base 0 --datanet 0,3 --bounty 1 --eval-datanet 3").unwrap())
		else {
			panic!("an eval datanet that is trained on is refused")
		};
		let message = error.message;
		assert!(message.contains("--eval-datanet 3 is also a --datanet"), "{message}");
		let conflict =
			parsed("--base 0 --datanet 0 --bounty 1 --eval-datanet 3 --eval-fraction 0.1");
		assert_eq!(
			conflict.err().map(|e| e.kind()),
			Some(clap::error::ErrorKind::ArgumentConflict)
		);
	}
}
