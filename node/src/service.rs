//! Assembly of the node: the development chain (sealing on demand, final at once) or a
//! network node (Aura block production, GRANDPA finality).

use crate::sealing::{self, Sealing};
use futures::channel::mpsc;
use openledger_runtime::{apis::RuntimeApi, opaque::Block};
use sc_client_api::BlockBackend;
use sc_consensus::{BoxBlockImport, DefaultImportQueue};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_consensus_manual_seal::consensus::aura::AuraConsensusDataProvider;
use sc_network::NetworkBackend;
use sc_service::{
	error::Error as ServiceError, ChainType, Configuration, KeystoreContainer, TaskManager,
	WarpSyncConfig,
};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::{OffchainTransactionPoolFactory, TransactionPool};
use sp_blockchain::HeaderBackend;
use sp_consensus_aura::sr25519::{AuthorityId as AuraId, AuthorityPair as AuraPair};
use sp_core::H256;
use std::{sync::Arc, time::Duration};

pub type FullClient = sc_service::TFullClient<
	Block,
	RuntimeApi,
	sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type FullPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;
type GrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;
type GrandpaLink = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;

/// Blocks between GRANDPA justifications kept for light sync.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The parts every node and subcommand needs.
pub struct Partial {
	client: Arc<FullClient>,
	backend: Arc<FullBackend>,
	keystore_container: KeystoreContainer,
	task_manager: TaskManager,
	select_chain: FullSelectChain,
	transaction_pool: Arc<FullPool>,
	telemetry: Option<Telemetry>,
	import_queue: DefaultImportQueue<Block>,
	/// Networks only: GRANDPA's block import and the link to its voter.
	grandpa: Option<(GrandpaBlockImport, GrandpaLink)>,
}

/// The development chain seals blocks itself; every other chain type is a network.
fn is_development(config: &Configuration) -> bool {
	config.chain_spec.chain_type() == ChainType::Development
}

pub fn new_partial(config: &Configuration) -> Result<Partial, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|endpoints| !endpoints.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);
	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});
	let select_chain = sc_consensus::LongestChain::new(backend.clone());
	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (import_queue, grandpa) = if is_development(config) {
		let block_import: BoxBlockImport<Block> = Box::new(client.clone());
		let queue = sc_consensus_manual_seal::import_queue(
			block_import,
			&task_manager.spawn_essential_handle(),
			config.prometheus_registry(),
		);
		(queue, None)
	} else {
		let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
			client.clone(),
			GRANDPA_JUSTIFICATION_PERIOD,
			&client,
			select_chain.clone(),
			telemetry.as_ref().map(|telemetry| telemetry.handle()),
		)?;
		let inherents_client = client.clone();
		let queue = sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(
			ImportQueueParams {
				block_import: grandpa_block_import.clone(),
				justification_import: Some(Box::new(grandpa_block_import.clone())),
				client: client.clone(),
				create_inherent_data_providers: move |parent_hash, _| {
					let client = inherents_client.clone();
					async move {
						let slot_duration =
							sc_consensus_aura::standalone::slot_duration_at(&*client, parent_hash)?;
						let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
						let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
						*timestamp,
						slot_duration,
					);
						Ok((slot, timestamp))
					}
				},
				spawner: &task_manager.spawn_essential_handle(),
				registry: config.prometheus_registry(),
				check_for_equivocation: Default::default(),
				telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
				compatibility_mode: Default::default(),
			},
		)?;
		(queue, Some((grandpa_block_import, grandpa_link)))
	};

	Ok(Partial {
		client,
		backend,
		keystore_container,
		task_manager,
		select_chain,
		transaction_pool,
		telemetry,
		import_queue,
		grandpa,
	})
}

/// What the chain-operation subcommands (check, import, export, revert) need.
pub type ChainOps = (Arc<FullClient>, Arc<FullBackend>, DefaultImportQueue<Block>, TaskManager);

pub fn chain_ops(config: &Configuration) -> Result<ChainOps, ServiceError> {
	let Partial { client, backend, import_queue, task_manager, .. } = new_partial(config)?;
	Ok((client, backend, import_queue, task_manager))
}

/// Starts the node with the networking backend the configuration asks for.
/// Whether the development chain serves `engine_*` (sealing) RPC: anyone who can call it can
/// make and finalize blocks, so only when every RPC listen address is loopback, or when the
/// operator asked for unsafe methods.
fn engine_rpc_allowed(config: &Configuration) -> bool {
	let loopback = config.rpc.addr.as_ref().is_none_or(|endpoints| {
		endpoints.iter().all(|endpoint| endpoint.listen_addr.ip().is_loopback())
	});
	loopback || matches!(config.rpc.methods, sc_service::config::RpcMethods::Unsafe)
}

pub fn new_full(config: Configuration, sealing: Sealing) -> Result<TaskManager, ServiceError> {
	match config.network.network_backend {
		sc_network::config::NetworkBackendType::Libp2p => {
			new_full_with::<sc_network::NetworkWorker<Block, H256>>(config, sealing)
		},
		sc_network::config::NetworkBackendType::Litep2p => {
			new_full_with::<sc_network::Litep2pNetworkBackend>(config, sealing)
		},
	}
}

fn new_full_with<N: NetworkBackend<Block, H256>>(
	config: Configuration,
	sealing: Sealing,
) -> Result<TaskManager, ServiceError> {
	let Partial {
		client,
		backend,
		keystore_container,
		mut task_manager,
		select_chain,
		transaction_pool,
		mut telemetry,
		import_queue,
		grandpa,
	} = new_partial(&config)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<Block, H256, N>::new(
		&config.network,
		config.prometheus_registry().cloned(),
	);
	let metrics = N::register_notification_metrics(config.prometheus_registry());
	let grandpa_protocol_name = sc_consensus_grandpa::protocol_standard_name(
		&client.block_hash(0).ok().flatten().expect("the genesis block exists"),
		&config.chain_spec,
	);
	let mut grandpa_notifications = None;
	let mut warp_sync_config = None;
	if let Some((_, link)) = &grandpa {
		let (protocol_config, notification_service) =
			sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
				grandpa_protocol_name.clone(),
				metrics.clone(),
				net_config.peer_store_handle(),
			);
		net_config.add_notification_protocol(protocol_config);
		grandpa_notifications = Some(notification_service);
		warp_sync_config = Some(WarpSyncConfig::WithProvider(Arc::new(
			sc_consensus_grandpa::warp_proof::NetworkProvider::new(
				backend.clone(),
				link.shared_authority_set().clone(),
				Vec::new(),
			),
		)));
	}

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	let development = grandpa.is_none();
	let engine_rpc = development && engine_rpc_allowed(&config);
	if development && !engine_rpc {
		log::warn!(
			"engine_* (block sealing) RPC is off: RPC listens beyond loopback; pass \
			 --rpc-methods unsafe to serve it there"
		);
	}
	let (seal_rpc_sender, seal_rpc_commands) = mpsc::channel(1024);
	let rpc_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				manual_seal: engine_rpc.then(|| seal_rpc_sender.clone()),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	let role = config.role;
	let force_authoring = config.force_authoring;
	let node_name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let proposer_factory = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry.as_ref(),
		telemetry.as_ref().map(|telemetry| telemetry.handle()),
	);

	let Some((block_import, grandpa_link)) = grandpa else {
		log::info!("development chain: sealing {sealing:?}, every block final at once");
		let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;
		let clock_client = client.clone();
		let slot_ms = slot_duration.as_millis();
		let commands = sealing::commands(
			sealing,
			transaction_pool.import_notification_stream(),
			seal_rpc_commands,
			move || sealing::ahead_of_clock(&clock_client, clock_client.info().best_hash, slot_ms),
		);
		let timestamp_client = client.clone();
		let authorship =
			sc_consensus_manual_seal::run_manual_seal(sc_consensus_manual_seal::ManualSealParams {
				block_import: client.clone(),
				env: proposer_factory,
				client: client.clone(),
				pool: transaction_pool,
				commands_stream: commands,
				select_chain,
				consensus_data_provider: Some(Box::new(AuraConsensusDataProvider::new(client))),
				create_inherent_data_providers: move |parent, ()| {
					let timestamp = sealing::next_timestamp(
						&timestamp_client,
						parent,
						slot_duration.as_millis(),
					);
					async move { Ok(sp_timestamp::InherentDataProvider::new(timestamp)) }
				},
			});
		task_manager.spawn_essential_handle().spawn_blocking("dev-seal", None, authorship);
		return Ok(task_manager);
	};

	if role.is_authority() {
		let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;
		let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
			StartAuraParams {
				slot_duration,
				client,
				select_chain,
				block_import,
				proposer_factory,
				create_inherent_data_providers: move |_, ()| async move {
					let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
					let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
						*timestamp,
						slot_duration,
					);
					Ok((slot, timestamp))
				},
				force_authoring,
				backoff_authoring_blocks: Option::<()>::None,
				keystore: keystore_container.keystore(),
				sync_oracle: sync_service.clone(),
				justification_sync_link: sync_service.clone(),
				block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
				max_block_proposal_slot_portion: None,
				telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
				compatibility_mode: Default::default(),
			},
		)?;
		task_manager.spawn_essential_handle().spawn_blocking("aura", Some("block-authoring"), aura);
	}

	if enable_grandpa {
		let keystore = role.is_authority().then(|| keystore_container.keystore());
		let grandpa_params = sc_consensus_grandpa::GrandpaParams {
			config: sc_consensus_grandpa::Config {
				gossip_duration: Duration::from_millis(333),
				justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
				name: Some(node_name),
				observer_enabled: false,
				keystore,
				local_role: role,
				telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
				protocol_name: grandpa_protocol_name,
			},
			link: grandpa_link,
			network,
			sync: sync_service,
			notification_service: grandpa_notifications
				.expect("set up with the GRANDPA link above"),
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state: SharedVoterState::empty(),
			telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
		};
		task_manager.spawn_essential_handle().spawn_blocking(
			"grandpa-voter",
			None,
			sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
		);
	}

	Ok(task_manager)
}
