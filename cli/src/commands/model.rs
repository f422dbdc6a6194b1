//! `openledger model list|show`.

use crate::{
	context::Global,
	error::CliResult,
	output::{fields, table},
};
use clap::Subcommand;
use openledger_client::{models::ModelsOf, models_json as json};

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
	/// Verified models by id: all, or of one base model, datanet or trainer.
	List {
		#[arg(long, conflicts_with_all = ["datanet", "trainer"])]
		base: Option<u32>,
		#[arg(long, conflicts_with = "trainer")]
		datanet: Option<u32>,
		/// A trainer's address.
		#[arg(long)]
		trainer: Option<String>,
	},
	/// One verified model: its result, attesters and lineage.
	Show {
		/// Model id.
		id: u64,
	},
}

fn snapshots(snapshots: &[json::Snapshot]) -> String {
	snapshots
		.iter()
		.map(|s| format!("datanet {} first {} files (head {:?})", s.datanet, s.count, s.head))
		.collect::<Vec<_>>()
		.join("; ")
}

pub fn method(method: &json::Method) -> String {
	let targets = if method.target_modules.is_empty() {
		"all linear layers".to_string()
	} else {
		method.target_modules.join(",")
	};
	let bits = method.bits.map(|b| format!(" over a {b}-bit base")).unwrap_or_default();
	format!("{} rank {} alpha {}{bits}, on {targets}", method.kind, method.rank, method.alpha)
}

pub fn hyper(hyper: &json::Hyper) -> String {
	let length = match (hyper.steps, hyper.epochs) {
		(Some(steps), _) => format!("{steps} steps"),
		(_, Some(epochs)) => format!("{epochs} epochs"),
		_ => String::new(),
	};
	format!(
		"lr {} ({}, {} warm-up steps), batch {} x {}, {length}, sequence {}, seed {}, eval {}%",
		hyper.learning_rate,
		hyper.schedule,
		hyper.warmup_steps,
		hyper.batch_size,
		hyper.gradient_accumulation,
		hyper.sequence_length,
		hyper.seed,
		hyper.eval_fraction * 100.0
	)
}

fn describe(model: &json::Model) -> String {
	let parent = model.parent.map(|p| format!("model {p}")).unwrap_or_else(|| "none".into());
	let rows = [
		("id", model.id.to_string()),
		("job", model.job.to_string()),
		("base model", model.base.to_string()),
		("refines", parent),
		("data", snapshots(&model.snapshots)),
		("method", method(&model.method)),
		("hyper-parameters", hyper(&model.hyper)),
		("model hash", format!("{:?}", model.result.model_hash)),
		("attribution root", format!("{:?}", model.result.attribution_root)),
		("adapter CID", model.result.adapter_cid.clone()),
		("manifest CID", model.result.manifest_cid.clone()),
		(
			"eval loss",
			format!("{} -> {}", model.result.eval_loss_before, model.result.eval_loss_after),
		),
		("tokens trained", model.result.tokens_trained.to_string()),
		("attesters", model.attesters.join(", ")),
		("verified at block", model.verified_at.to_string()),
	];
	fields(&rows)
}

pub async fn run(global: &Global, command: ModelCommand) -> CliResult<()> {
	let output = global.output();
	let chain = global.chain().await?;
	match command {
		ModelCommand::List { base, datanet, trainer } => {
			let filter = match (base, datanet, trainer) {
				(Some(base), _, _) => ModelsOf::Base(base),
				(_, Some(datanet), _) => ModelsOf::Datanet(datanet),
				(_, _, Some(trainer)) => ModelsOf::Trainer(trainer),
				_ => ModelsOf::All,
			};
			let models = chain.models(&filter).await?;
			output.print(&models, || {
				let rows: Vec<Vec<String>> = models
					.iter()
					.map(|m| {
						vec![
							m.id.to_string(),
							m.job.to_string(),
							m.base.to_string(),
							format!("{:?}", m.result.model_hash),
							m.result.eval_loss_after.to_string(),
						]
					})
					.collect();
				table(&["id", "job", "base", "model hash", "eval loss"], &rows)
			});
		},
		ModelCommand::Show { id } => {
			let model = chain.model(id).await?;
			output.print(&model, || describe(&model));
		},
	}
	Ok(())
}
