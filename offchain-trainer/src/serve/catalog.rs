//! Which adapted models a server has and where their adapters come from: the chain's
//! verified models on the served base (adapters fetched from IPFS and checked against the
//! chain's model hash, see [`super::chain`]), or, offline, adapter directories named on the
//! command line (`--adapter ID=DIR`: no chain, no payments; for trying a model and for the
//! benchmark).

use super::{api::ApiError, chain::ChainCatalog};
use crate::{
	lora::{self, LoadedAdapter},
	Error,
};
use serde_json::{json, Value};
use std::{collections::BTreeMap, path::PathBuf};

/// Why a model cannot be served.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
	/// No such model (here): 404.
	#[error("{0}")]
	UnknownModel(String),
	/// A model this server will not serve (e.g. a refined one): 400.
	#[error("{0}")]
	Unsupported(String),
	/// Its adapter could not be fetched: 502.
	#[error("{0}")]
	Unavailable(String),
	/// Its adapter was fetched but is not what the chain says (or not an adapter): 502.
	#[error("{0}")]
	Invalid(String),
	/// The chain could not be asked: 502.
	#[error("{0}")]
	Chain(String),
}

impl From<CatalogError> for ApiError {
	fn from(error: CatalogError) -> ApiError {
		match error {
			CatalogError::UnknownModel(message) => ApiError::model_not_found("", message),
			CatalogError::Unsupported(message) => ApiError::model_not_supported(message),
			CatalogError::Unavailable(message) | CatalogError::Invalid(message) => {
				ApiError::adapter_unavailable(message)
			},
			CatalogError::Chain(message) => ApiError::chain_unavailable(message),
		}
	}
}

/// A model `/v1/models` lists: its chain id and what else is known of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
	pub id: u64,
	pub info: Value,
}

pub enum Catalog {
	/// Offline: chain ids → adapter directories (PEFT layout).
	Local(BTreeMap<u64, PathBuf>),
	Chain(Box<ChainCatalog>),
}

impl Catalog {
	/// The models served besides the base, by id.
	pub async fn list(&self) -> Result<Vec<Listed>, CatalogError> {
		match self {
			Catalog::Local(dirs) => Ok(dirs
				.iter()
				.map(|(id, dir)| Listed {
					id: *id,
					info: json!({ "adapter": true, "local": dir.display().to_string() }),
				})
				.collect()),
			Catalog::Chain(chain) => chain.list().await,
		}
	}

	/// Model `id`'s adapter, checked.
	pub async fn load(&self, id: u64) -> Result<LoadedAdapter, CatalogError> {
		match self {
			Catalog::Local(dirs) => {
				let dir = dirs.get(&id).cloned().ok_or_else(|| {
					let known: Vec<String> = dirs.keys().map(u64::to_string).collect();
					CatalogError::UnknownModel(format!(
						"no model {id} on this server (offline, it serves the base and {})",
						if known.is_empty() { "no adapters".into() } else { known.join(", ") }
					))
				})?;
				tokio::task::spawn_blocking(move || {
					lora::load_adapter(&dir, &candle_core::Device::Cpu)
				})
				.await
				.map_err(|e| CatalogError::Invalid(format!("loading the adapter failed: {e}")))?
				.map_err(|e: Error| CatalogError::Invalid(e.to_string()))
			},
			Catalog::Chain(chain) => chain.load(id).await,
		}
	}

	/// Whether payments can be made for the models served (only chain models).
	pub fn is_chain(&self) -> bool {
		matches!(self, Catalog::Chain(_))
	}
}

/// Parses `--adapter ID=DIR`.
pub fn parse_local(spec: &str) -> Result<(u64, PathBuf), String> {
	let (id, dir) = spec
		.split_once('=')
		.ok_or_else(|| format!("`{spec}`: expected ID=DIR (e.g. 7=out/adapter)"))?;
	let id = id
		.trim()
		.parse()
		.map_err(|_| format!("`{spec}`: the id `{id}` is not a model id (a whole number)"))?;
	if dir.is_empty() {
		return Err(format!("`{spec}`: no directory after `=`"));
	}
	Ok((id, PathBuf::from(dir)))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn each_failure_maps_to_its_status() {
		let cases = [
			(CatalogError::UnknownModel("m".into()), 404, Some("model_not_found")),
			(CatalogError::Unsupported("m".into()), 400, Some("model_not_supported")),
			(CatalogError::Unavailable("m".into()), 502, Some("adapter_unavailable")),
			(CatalogError::Invalid("m".into()), 502, Some("adapter_unavailable")),
			(CatalogError::Chain("m".into()), 502, Some("chain_unavailable")),
		];
		for (error, status, code) in cases {
			let api = ApiError::from(error);
			assert_eq!((api.status, api.code, api.message.as_str()), (status, code, "m"));
		}
	}

	#[test]
	fn local_adapters_are_given_as_id_equals_dir() {
		assert_eq!(parse_local("7=out/a=b").unwrap(), (7, PathBuf::from("out/a=b")));
		for bad in ["7", "x=dir", "-1=dir", "7="] {
			assert!(parse_local(bad).is_err(), "{bad}");
		}
	}

	#[tokio::test]
	async fn an_unknown_local_model_is_404_and_names_the_known_ones() {
		let catalog = Catalog::Local(BTreeMap::from([(3, PathBuf::from("a")), (5, "b".into())]));
		let Err(err) = catalog.load(4).await else { panic!("model 4 is not there") };
		assert_eq!(ApiError::from(err.clone()).status, 404);
		assert!(err.to_string().contains("3, 5"), "{err}");
		let Err(err) = catalog.load(3).await else { panic!("directory a is not an adapter") };
		assert!(matches!(err, CatalogError::Invalid(_)), "{err}");
		let listed = catalog.list().await.unwrap();
		assert_eq!(listed.iter().map(|l| l.id).collect::<Vec<_>>(), [3, 5]);
	}
}
