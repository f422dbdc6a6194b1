//! `openledger base-model list|show`.

use crate::{
	context::Global,
	error::CliResult,
	output::{fields, table},
};
use clap::Subcommand;
use openledger_client::models_json as json;

#[derive(Subcommand, Debug)]
pub enum BaseModelCommand {
	/// Every base model jobs may fine-tune, by id.
	List,
	/// One base model: family, weights CID and hashes, licence.
	Show {
		/// Base model id.
		id: u32,
	},
}

pub fn describe(model: &json::BaseModel) -> String {
	let rows = [
		("id", model.id.to_string()),
		("name", model.name.clone()),
		("family", model.family.clone()),
		("parameters", model.parameters.to_string()),
		("weights CID", model.weights_cid.clone()),
		("weights hash", format!("{:?}", model.weights_hash)),
		("tokenizer hash", format!("{:?}", model.tokenizer_hash)),
		("licence", model.licence.clone()),
		("status", model.status.clone()),
		("registered at block", model.registered_at.to_string()),
	];
	fields(&rows)
}

pub async fn run(global: &Global, command: BaseModelCommand) -> CliResult<()> {
	let output = global.output();
	let chain = global.chain().await?;
	match command {
		BaseModelCommand::List => {
			let models = chain.base_models().await?;
			output.print(&models, || {
				let rows: Vec<Vec<String>> = models
					.iter()
					.map(|m| {
						vec![
							m.id.to_string(),
							m.name.clone(),
							m.family.clone(),
							m.parameters.to_string(),
							m.status.clone(),
						]
					})
					.collect();
				table(&["id", "name", "family", "parameters", "status"], &rows)
			});
		},
		BaseModelCommand::Show { id } => {
			let model = chain.base_model(id).await?;
			output.print(&model, || describe(&model));
		},
	}
	Ok(())
}
