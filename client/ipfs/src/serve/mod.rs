//! The embedded store on the network (`openledger ipfs serve`): without it a file added on
//! one machine never reaches a validator or trainer on another, since the store has no
//! peer-to-peer side. Two HTTP servers over one `BlockStore`:
//!
//! - an IPFS Trustless Gateway (read-only, verifiable responses only), which any machine may
//!   fetch from and which datanet owners publish;
//! - optionally, on its own port, the subset of Kubo's RPC API that writes (add, pin), so
//!   contributors elsewhere and Kubo's clients can put files into this store.
//!
//! Both speak HTTP/1.1 and HTTP/2 (cleartext). Start them in-process with `Server::start`;
//! they run on the caller's tokio runtime until `Server::stop` or drop.

pub mod car;
mod gateway;
mod http;
mod kubo_api;
mod multipart;

use crate::BlockStore;
use hyper::{body::Incoming, service::service_fn, Request};
use hyper_util::{
	rt::{TokioExecutor, TokioIo, TokioTimer},
	server::conn::auto,
};
use std::{convert::Infallible, io, net::SocketAddr, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// Where `openledger ipfs serve` puts the gateway unless told otherwise: loopback, so
/// nothing is exposed by accident; `0.0.0.0:8080` serves other machines.
pub const DEFAULT_GATEWAY_ADDR: &str = "127.0.0.1:8080";

/// The largest `add` request the Kubo API takes by default (the body is held in memory
/// while it is imported).
pub const DEFAULT_MAX_ADD_BYTES: usize = 256 * 1024 * 1024;

/// How long a client may take to send a request's headers before the connection is closed.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// What to serve where.
#[derive(Clone, Debug)]
pub struct ServeConfig {
	/// The trustless gateway's address; port 0 picks a free one (see `Server::gateway_addr`).
	pub gateway_addr: SocketAddr,
	/// The Kubo RPC API's address; `None` leaves it off.
	pub kubo_api_addr: Option<SocketAddr>,
	/// The largest body the Kubo API's `add` accepts, in bytes.
	pub max_add_bytes: usize,
}

impl Default for ServeConfig {
	fn default() -> ServeConfig {
		ServeConfig {
			gateway_addr: DEFAULT_GATEWAY_ADDR.parse().expect("a socket address"),
			kubo_api_addr: None,
			max_add_bytes: DEFAULT_MAX_ADD_BYTES,
		}
	}
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
	#[error(
		"cannot listen on {addr} for the {what}: {source} (is another server using it? pick \
		 another address{hint})"
	)]
	Bind { what: &'static str, addr: SocketAddr, hint: &'static str, source: io::Error },
}

/// The running servers. Dropping it stops them; `stop` also lets responses in flight end.
pub struct Server {
	gateway: SocketAddr,
	kubo_api: Option<SocketAddr>,
	stop: watch::Sender<bool>,
	tasks: Vec<JoinHandle<()>>,
}

/// Which server a connection belongs to.
enum Service {
	Gateway(BlockStore),
	Kubo(Arc<kubo_api::KuboApi>),
}

impl Server {
	/// Binds both addresses (failing before serving anything if either is taken) and serves
	/// `store` on them from the current tokio runtime.
	pub async fn start(store: BlockStore, config: ServeConfig) -> Result<Server, ServeError> {
		let bind = |what, addr, hint| async move {
			TcpListener::bind(addr).await.map_err(|source| ServeError::Bind {
				what,
				addr,
				hint,
				source,
			})
		};
		let gateway = bind("IPFS gateway", config.gateway_addr, " with --gateway-addr").await?;
		let kubo_api = match config.kubo_api_addr {
			Some(addr) => Some(bind("Kubo RPC API", addr, " with --kubo-api-addr").await?),
			None => None,
		};
		let local = |listener: &TcpListener, what, addr, hint| {
			listener.local_addr().map_err(|source| ServeError::Bind { what, addr, hint, source })
		};
		let gateway_addr = local(&gateway, "IPFS gateway", config.gateway_addr, "")?;
		let kubo_api_addr = match (&kubo_api, config.kubo_api_addr) {
			(Some(listener), Some(addr)) => Some(local(listener, "Kubo RPC API", addr, "")?),
			_ => None,
		};
		let (stop, stopped) = watch::channel(false);
		let mut tasks = vec![tokio::spawn(accept(
			gateway,
			Arc::new(Service::Gateway(store.clone())),
			stopped.clone(),
		))];
		if let Some(listener) = kubo_api {
			let api = kubo_api::KuboApi { store, max_add_bytes: config.max_add_bytes };
			tasks.push(tokio::spawn(accept(
				listener,
				Arc::new(Service::Kubo(Arc::new(api))),
				stopped,
			)));
		}
		Ok(Server { gateway: gateway_addr, kubo_api: kubo_api_addr, stop, tasks })
	}

	/// The gateway's bound address (with the port chosen when port 0 was asked for).
	pub fn gateway_addr(&self) -> SocketAddr {
		self.gateway
	}

	/// The gateway's base URL, e.g. `http://127.0.0.1:8080`; files are under `/ipfs/{cid}`.
	pub fn gateway_url(&self) -> String {
		format!("http://{}", self.gateway)
	}

	/// The Kubo RPC API's bound address, when it is on.
	pub fn kubo_api_addr(&self) -> Option<SocketAddr> {
		self.kubo_api
	}

	/// The Kubo RPC API's base URL (what `--ipfs-api` and `Kubo::connect` take), when on.
	pub fn kubo_api_url(&self) -> Option<String> {
		self.kubo_api.map(|addr| format!("http://{addr}"))
	}

	/// Stops accepting connections, lets responses in flight finish, and returns when the
	/// listeners are closed.
	pub async fn stop(mut self) {
		let _ = self.stop.send(true);
		for task in self.tasks.drain(..) {
			let _ = task.await;
		}
	}

	/// Serves until the process ends (the listeners only stop on `stop` or drop).
	pub async fn wait(mut self) {
		for task in self.tasks.drain(..) {
			let _ = task.await;
		}
	}
}

impl Drop for Server {
	fn drop(&mut self) {
		let _ = self.stop.send(true);
		for task in &self.tasks {
			task.abort();
		}
	}
}

/// Accepts connections until told to stop; each is served on its own task.
async fn accept(listener: TcpListener, service: Arc<Service>, mut stopped: watch::Receiver<bool>) {
	let mut builder = auto::Builder::new(TokioExecutor::new());
	builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
	loop {
		let stream = tokio::select! {
			accepted = listener.accept() => match accepted {
				Ok((stream, _)) => stream,
				// Out of descriptors or a connection reset before accept: try again shortly.
				Err(_) => {
					tokio::time::sleep(Duration::from_millis(50)).await;
					continue;
				},
			},
			() = until_stopped(&mut stopped) => return,
		};
		let _ = stream.set_nodelay(true);
		let (builder, service, mut stopped) = (builder.clone(), service.clone(), stopped.clone());
		tokio::spawn(async move {
			let respond = service_fn(move |request: Request<Incoming>| {
				let service = service.clone();
				async move {
					Ok::<_, Infallible>(match &*service {
						Service::Gateway(store) => gateway::handle(store.clone(), request).await,
						Service::Kubo(api) => kubo_api::handle(api.clone(), request).await,
					})
				}
			});
			let connection = builder.serve_connection(TokioIo::new(stream), respond);
			tokio::pin!(connection);
			let stopping = tokio::select! {
				_ = connection.as_mut() => false,
				() = until_stopped(&mut stopped) => true,
			};
			if stopping {
				connection.as_mut().graceful_shutdown();
				let _ = connection.await;
			}
		});
	}
}

/// Returns once `Server` asks its tasks to stop (or is gone).
async fn until_stopped(stopped: &mut watch::Receiver<bool>) {
	let _ = stopped.wait_for(|stop| *stop).await;
}
