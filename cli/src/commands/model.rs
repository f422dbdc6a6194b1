//! `openledger model list|show|pay`.

use crate::{
	context::Global,
	error::{CliError, CliResult},
	output::{fields, table},
};
use clap::Subcommand;
use openledger_client::{amount, models::ModelsOf, models_json as json};

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
	/// Pay for a model's use: 70% accrues to the contributors of its data (claimed with
	/// `openledger attribution claim`), 20% to its trainers, the rest to its job's creator.
	Pay {
		/// Model id.
		id: u64,
		/// OPEN to pay, e.g. 0.5 (at least the chain's minimum payment, 0.1 OPEN on the dev
		/// chain).
		amount: String,
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
	// A zero eval fraction means the job named an eval datanet (`job show` gives it).
	let eval = match hyper.eval_fraction {
		f if f > 0.0 => format!("eval split {}%", f * 100.0),
		_ => "eval on a held-out eval datanet".into(),
	};
	format!(
		"lr {} ({}, {} warm-up steps), batch {} x {}, {length}, sequence {}, seed {}, {eval}",
		hyper.learning_rate,
		hyper.schedule,
		hyper.warmup_steps,
		hyper.batch_size,
		hyper.gradient_accumulation,
		hyper.sequence_length,
		hyper.seed,
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
	if let ModelCommand::Pay { id, amount: text } = command {
		return pay(global, id, &text).await;
	}
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
		ModelCommand::Pay { .. } => unreachable!("handled above"),
	}
	Ok(())
}

async fn pay(global: &Global, model: u64, text: &str) -> CliResult<()> {
	let value = amount::parse(text).map_err(CliError::input)?;
	let signer = global.signer()?;
	let chain = global.chain().await?;
	// A model that is not verified is refused by the chain too; asking first says so
	// without spending a fee.
	chain.attribution_model(model).await?;
	let paid = chain.pay_for_use(&signer, model, value).await?;
	let json = serde_json::json!({
		"model": paid.model, "amount": paid.amount.to_string(),
		"toContributors": paid.to_contributors.to_string(),
		"toEachTrainer": paid.to_each_trainer.to_string(), "trainersPaid": paid.trainers_paid,
		"toCreator": paid.to_creator.to_string(),
	});
	global.output().print(&json, || {
		format!(
			"paid {} for model {model}: {} to its contributors, {} to each of {} trainers, {} \
			 to its job's creator",
			amount::format(paid.amount),
			amount::format(paid.to_contributors),
			amount::format(paid.to_each_trainer),
			paid.trainers_paid,
			amount::format(paid.to_creator)
		)
	});
	Ok(())
}
