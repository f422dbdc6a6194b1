//! The node's JSON-RPC methods beyond Substrate's defaults.

use futures::channel::mpsc;
use jsonrpsee::RpcModule;
use openledger_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use sc_consensus_manual_seal::{
	rpc::{ManualSeal, ManualSealApiServer},
	EngineCommand,
};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_core::H256;
use std::sync::Arc;

pub struct FullDeps<C, P> {
	pub client: Arc<C>,
	pub pool: Arc<P>,
	/// On the development chain: where `engine_createBlock` sends its seal commands.
	pub manual_seal: Option<mpsc::Sender<EngineCommand<H256>>>,
}

pub fn create_full<C, P>(
	FullDeps { client, pool, manual_seal }: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ pallet_datanets_rpc::DatanetsRuntimeApi<Block, AccountId, Balance, BlockNumber>
		+ pallet_models_rpc::ModelsRuntimeApi<Block, AccountId, Balance, BlockNumber>
		+ pallet_attribution_rpc::AttributionRuntimeApi<Block, AccountId, Balance>
		+ BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_attribution_rpc::{Attribution, AttributionApiServer};
	use pallet_datanets_rpc::{Datanets, DatanetsApiServer};
	use pallet_models_rpc::{Models, ModelsApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(
		Datanets::<_, Block, AccountId, Balance, BlockNumber>::new(
			client.clone(),
			openledger_runtime::SS58_PREFIX,
		)
		.into_rpc(),
	)?;
	module.merge(
		Models::<_, Block, AccountId, Balance, BlockNumber>::new(
			client.clone(),
			openledger_runtime::SS58_PREFIX,
		)
		.into_rpc(),
	)?;
	module.merge(
		Attribution::<_, Block, AccountId, Balance>::new(client, openledger_runtime::SS58_PREFIX)
			.into_rpc(),
	)?;
	if let Some(commands) = manual_seal {
		module.merge(ManualSeal::new(commands).into_rpc())?;
	}
	Ok(module)
}
