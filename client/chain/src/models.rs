//! The node's `models_*` queries (ModelFactory: base models, trainers, jobs, models).

use crate::{Chain, ChainError};
use pallet_models_rpc::json;
use subxt::rpcs::rpc_params;

/// Which verified models `models` lists.
#[derive(Clone, Debug, Default)]
pub enum ModelsOf {
	/// Every model.
	#[default]
	All,
	/// Models of a base model.
	Base(u32),
	/// Models trained on a datanet.
	Datanet(u32),
	/// Models a trainer attested.
	Trainer(String),
}

impl Chain {
	pub async fn base_model(&self, id: u32) -> Result<json::BaseModel, ChainError> {
		self.query("models_baseModel", rpc_params![id]).await
	}

	/// Every base model, by id.
	pub async fn base_models(&self) -> Result<Vec<json::BaseModel>, ChainError> {
		self.all_pages("models_baseModels", |offset, limit| rpc_params![offset, limit]).await
	}

	pub async fn trainer(&self, account: &str) -> Result<json::Trainer, ChainError> {
		self.query("models_trainer", rpc_params![account]).await
	}

	pub async fn job(&self, id: u64) -> Result<json::Job, ChainError> {
		self.query("models_job", rpc_params![id]).await
	}

	/// Every job, or every job of one status (`open`, `verified`, …), by id.
	pub async fn jobs(&self, status: Option<&str>) -> Result<Vec<json::Job>, ChainError> {
		self.all_pages("models_jobs", |offset, limit| rpc_params![status, offset, limit]).await
	}

	pub async fn model(&self, id: u64) -> Result<json::Model, ChainError> {
		self.query("models_model", rpc_params![id]).await
	}

	/// Every verified model of `filter`, by id.
	pub async fn models(&self, filter: &ModelsOf) -> Result<Vec<json::Model>, ChainError> {
		let (base, datanet, trainer) = match filter {
			ModelsOf::All => (None, None, None),
			ModelsOf::Base(base) => (Some(*base), None, None),
			ModelsOf::Datanet(datanet) => (None, Some(*datanet), None),
			ModelsOf::Trainer(trainer) => (None, None, Some(trainer.clone())),
		};
		self.all_pages("models_models", |offset, limit| {
			rpc_params![base, datanet, trainer.clone(), offset, limit]
		})
		.await
	}
}

/// The generated (metadata) form of a result, for `reveal_result`.
pub fn attested_result(
	result: &pallet_models::AttestedResult,
) -> crate::runtime::runtime_types::pallet_models::types::AttestedResult {
	use crate::runtime::runtime_types::{
		bounded_collections::bounded_vec::BoundedVec, pallet_models::types::AttestedResult,
		sp_arithmetic::fixed_point::FixedU64,
	};
	AttestedResult {
		adapter_cid: BoundedVec(result.adapter_cid.to_vec()),
		model_hash: result.model_hash,
		attribution_root: result.attribution_root,
		eval_loss_before: FixedU64(result.eval_loss_before.into_inner()),
		eval_loss_after: FixedU64(result.eval_loss_after.into_inner()),
		tokens_trained: result.tokens_trained,
		manifest_cid: BoundedVec(result.manifest_cid.to_vec()),
	}
}
