//! `serve`'s side of the chain: which registered base the served file is, the verified
//! models on it, their adapters (fetched by CID and checked against the chain's model hash),
//! and paying for their use.
//!
//! Everything that decides an adapted model's answers is checked against the chain: the
//! base file's weights and tokenizer hashes against the registered base; the adapter's
//! tensors against the model hash its trainers agreed on; its LoRA settings (rank, alpha,
//! target modules) come from the chain's record of the job, through the same
//! [`job::plan`] the trainers trained with. No file's own say-so (an adapter config, a
//! manifest: one trainer's) is taken.

use super::{
	catalog::{CatalogError, Listed},
	meter::{Payer, Unpaid},
};
use crate::{
	hash,
	lora::{LoadedAdapter, LoraConfig},
	model::{BaseModel, ModelConfig},
	worker::{
		ipfs::{Ipfs, IpfsOptions},
		job,
	},
	Error, Result,
};
use openledger_client::{
	models::ModelsOf, models_json as json, signer::Keypair, AccountId, Chain, ChainError, Landing,
	Sent,
};
use serde_json::json;
use std::{
	path::{Path, PathBuf},
	sync::Arc,
};

/// The `models_*` error code of an unknown model.
const UNKNOWN_MODEL: i32 = 4104;

/// The registered base model whose weights and tokenizer are `base`'s.
pub async fn find_base(chain: &Chain, base: &BaseModel) -> Result<json::BaseModel> {
	let registered = chain.base_models().await.map_err(|e| Error::Chain(e.to_string()))?;
	let tokenizer = base.tokenizer.hash();
	let same_weights =
		registered.iter().find(|b| hash::sha256_text(&b.weights_hash.0) == base.weights_hash);
	match same_weights {
		Some(found) if hash::sha256_text(&found.tokenizer_hash.0) == tokenizer => Ok(found.clone()),
		Some(found) => Err(Error::Invalid(format!(
			"--base has the weights of base model {} ({}) but another tokenizer ({tokenizer}, \
			 registered {})",
			found.id,
			found.name,
			hash::sha256_text(&found.tokenizer_hash.0)
		))),
		None => Err(Error::Invalid(format!(
			"--base (weights {}) is no base model registered on the chain; registered: {}",
			base.weights_hash,
			if registered.is_empty() {
				"none".to_string()
			} else {
				registered
					.iter()
					.map(|b| format!("{} {} ({})", b.id, b.name, b.weights_cid))
					.collect::<Vec<_>>()
					.join(", ")
			}
		))),
	}
}

/// The chain's verified models on one base, and their adapters.
pub struct ChainCatalog {
	chain: Arc<Chain>,
	ipfs: Arc<Ipfs>,
	base: json::BaseModel,
	config: ModelConfig,
	/// Fetched adapters, by CID (re-checked at every load).
	cache: PathBuf,
}

impl ChainCatalog {
	/// `config`: the served base's; `cache`: a directory for fetched adapters.
	pub async fn open(
		chain: Arc<Chain>,
		ipfs: &IpfsOptions,
		base: json::BaseModel,
		config: ModelConfig,
		cache: PathBuf,
	) -> Result<ChainCatalog> {
		let ipfs = Arc::new(Ipfs::open(ipfs).await?);
		std::fs::create_dir_all(&cache).map_err(|e| Error::io(&cache, e))?;
		Ok(ChainCatalog { chain, ipfs, base, config, cache })
	}

	/// The chain's record of the served base.
	pub fn base(&self) -> &json::BaseModel {
		&self.base
	}

	/// Verified models on this base that are served (refined ones are not, yet).
	pub async fn list(&self) -> std::result::Result<Vec<Listed>, CatalogError> {
		let models = self
			.chain
			.models(&ModelsOf::Base(self.base.id))
			.await
			.map_err(|e| CatalogError::Chain(e.to_string()))?;
		Ok(models
			.into_iter()
			.filter(|m| m.parent.is_none())
			.map(|m| Listed {
				id: m.id,
				info: json!({
					"adapter": true,
					"base": m.base,
					"job": m.job,
					"method": m.method.kind,
					"verifiedAt": m.verified_at,
					"adapterCid": m.result.adapter_cid,
					"modelHash": m.result.model_hash,
					"attesters": m.attesters,
				}),
			})
			.collect())
	}

	/// Model `id`'s adapter: its settings from the chain's job, its tensors from IPFS (or the
	/// cache), checked against the chain's model hash.
	pub async fn load(&self, id: u64) -> std::result::Result<LoadedAdapter, CatalogError> {
		let chain_error = |e: ChainError| CatalogError::Chain(e.to_string());
		let model = match self.chain.model(id).await {
			Ok(model) => model,
			Err(ChainError::Query { code: UNKNOWN_MODEL, .. }) => {
				return Err(CatalogError::UnknownModel(format!(
					"there is no verified model {id} on the chain"
				)))
			},
			Err(other) => return Err(chain_error(other)),
		};
		if model.base != self.base.id {
			return Err(CatalogError::UnknownModel(format!(
				"model {id} is trained on base model {}; this server serves base model {} ({})",
				model.base, self.base.id, self.base.name
			)));
		}
		if let Some(parent) = model.parent {
			return Err(CatalogError::Unsupported(format!(
				"model {id} refines model {parent}; refined models are not served yet"
			)));
		}
		let job = self.chain.job(model.job).await.map_err(chain_error)?;
		let plan = job::plan(&job, 0).map_err(|e| CatalogError::Invalid(e.to_string()))?;
		let lora = self.config.adapter_for(&plan.lora);
		let (path, bytes) = self.adapter_file(&model).await?;
		let expected = hash::sha256_text(&model.result.model_hash.0);
		tokio::task::spawn_blocking(move || check_adapter(id, &bytes, &expected, lora, &path))
			.await
			.map_err(|e| CatalogError::Invalid(format!("checking the adapter: {e}")))?
	}

	/// The adapter's bytes from the cache, or fetched from IPFS (the operator's sources, then
	/// the gateways of the datanets the model was trained on) and cached.
	async fn adapter_file(
		&self,
		model: &json::Model,
	) -> std::result::Result<(PathBuf, Vec<u8>), CatalogError> {
		let cid: openledger_ipfs::Cid = model.result.adapter_cid.parse().map_err(|e| {
			CatalogError::Invalid(format!("model {}: bad adapter CID ({e})", model.id))
		})?;
		let path = self.cache.join(format!("{cid}.safetensors"));
		if let Ok(bytes) = std::fs::read(&path) {
			return Ok((path, bytes));
		}
		let mut gateways = Vec::new();
		for snapshot in &model.snapshots {
			if let Ok(datanet) = self.chain.datanet(snapshot.datanet).await {
				gateways.extend(datanet.gateways);
			}
		}
		// An adapter is smaller than its base in f32 (a rank that large would be absurd).
		let limit = self.base.parameters.saturating_mul(4).saturating_add(1 << 20);
		let what = format!("model {}'s adapter", model.id);
		// The Kubo client's fetch is not `Send`, so it cannot run in a request's task: it
		// runs on a blocking thread of its own, driven by the same runtime.
		let (ipfs, runtime, cid_text) =
			(self.ipfs.clone(), tokio::runtime::Handle::current(), cid.to_string());
		let fetch_what = what.clone();
		let bytes = tokio::task::spawn_blocking(move || {
			runtime.block_on(async {
				ipfs.fetch(&ipfs.fetcher(&gateways), &fetch_what, &cid_text, limit).await
			})
		})
		.await
		.map_err(|e| CatalogError::Unavailable(format!("fetching {what}: {e}")))?
		.map_err(|e| CatalogError::Unavailable(e.to_string()))?;
		let partial = path.with_extension("partial");
		let stored =
			std::fs::write(&partial, &bytes).and_then(|()| std::fs::rename(&partial, &path));
		if let Err(error) = stored {
			// Served all the same; fetched again next time.
			eprintln!("serve: cannot cache {what} in {}: {error}", self.cache.display());
		}
		Ok((path, bytes))
	}
}

/// Model `id`'s adapter from the `bytes` of its safetensors file (cached at `path`), if their
/// canonical tensor hash is `expected`; otherwise the cached file is removed.
fn check_adapter(
	id: u64,
	bytes: &[u8],
	expected: &str,
	lora: LoraConfig,
	path: &Path,
) -> std::result::Result<LoadedAdapter, CatalogError> {
	let invalid = |e: candle_core::Error| {
		CatalogError::Invalid(format!("{} is not a safetensors file: {e}", path.display()))
	};
	let tensors =
		candle_core::safetensors::load_buffer(bytes, &candle_core::Device::Cpu).map_err(invalid)?;
	let found = hash::tensors_hash(&tensors).map_err(invalid)?;
	if found != expected {
		// Not what the trainers attested: never keep it.
		let _ = std::fs::remove_file(path);
		return Err(CatalogError::Invalid(format!(
			"model {id}'s adapter hashes to {found}, the chain's model hash is {expected}"
		)));
	}
	LoadedAdapter::from_tensors(lora, tensors, path)
		.map_err(|e| CatalogError::Invalid(e.to_string()))
}

/// Pays on chain, signed by the server's key.
pub struct ChainPayer {
	chain: Arc<Chain>,
	signer: Keypair,
}

impl ChainPayer {
	pub fn new(chain: Arc<Chain>, signer: Keypair) -> ChainPayer {
		ChainPayer { chain, signer }
	}
}

impl Payer for ChainPayer {
	async fn min_payment(&self) -> std::result::Result<u128, String> {
		self.chain.attribution_min_payment().await.map_err(|e| e.to_string())
	}

	async fn landing(&self, sent: &Sent) -> std::result::Result<Landing, String> {
		let account = AccountId(self.signer.public_key().0);
		self.chain.landing(&account, sent).await.map_err(|e| e.to_string())
	}

	async fn pay(&self, model: u64, amount: u128) -> std::result::Result<String, Unpaid> {
		let paid = match self.chain.pay_for_use(&self.signer, model, amount).await {
			Ok(paid) => paid,
			Err(error @ ChainError::ChangedEvent { .. }) => {
				// Finalized with success; only its event could not be read: paid.
				return Ok(format!("finalized ({error})"));
			},
			Err(error @ ChainError::OutcomeUnknown { sent: Some(sent), .. }) => {
				return Err(Unpaid::Unknown { why: error.to_string(), sent });
			},
			// `Chain::submit` gives every transaction it sent a `sent`: without one, the
			// payment was not sent.
			Err(error) => return Err(Unpaid::Refused(error.to_string())),
		};
		Ok(format!(
			"finalized: {} to contributors, {} to each of {} trainers, {} to the job's creator",
			paid.to_contributors, paid.to_each_trainer, paid.trainers_paid, paid.to_creator
		))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{lora, rng::Rng};
	use candle_core::{Device, Tensor};
	use std::collections::HashMap;

	fn adapter() -> (LoraConfig, Vec<u8>) {
		let config = LoraConfig {
			rank: 2,
			alpha: 4.0,
			dropout: 0.0,
			use_rslora: false,
			target_modules: vec!["q_proj".into()],
		};
		let layer = lora::LoraLayer::fresh(&config, 8, 4, &mut Rng::new(1), &Device::Cpu).unwrap();
		let tensors: HashMap<String, Tensor> =
			lora::adapter_tensors([("model.layers.0.self_attn.q_proj", &layer)]);
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("a.safetensors");
		candle_core::safetensors::save(&tensors, &path).unwrap();
		(config, std::fs::read(path).unwrap())
	}

	#[test]
	fn an_adapter_is_taken_only_with_the_chains_model_hash() {
		let (config, bytes) = adapter();
		let tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu).unwrap();
		let right = hash::tensors_hash(&tensors).unwrap();
		let dir = tempfile::tempdir().unwrap();
		let cached = dir.path().join("cid.safetensors");
		std::fs::write(&cached, &bytes).unwrap();

		let loaded = check_adapter(3, &bytes, &right, config.clone(), &cached).unwrap();
		assert_eq!(loaded.layers.len(), 1);
		assert!(cached.exists());

		let wrong = hash::sha256_text(&[7; 32]);
		let Err(err) = check_adapter(3, &bytes, &wrong, config.clone(), &cached) else {
			panic!("a wrong hash is refused")
		};
		assert!(
			matches!(&err, CatalogError::Invalid(m) if m.contains(&wrong) && m.contains(&right))
		);
		assert!(!cached.exists(), "a file with the wrong hash is not kept");

		let Err(err) = check_adapter(3, b"not safetensors", &right, config, &cached) else {
			panic!("not an adapter")
		};
		assert!(matches!(err, CatalogError::Invalid(_)));
	}
}
