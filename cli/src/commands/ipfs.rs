//! `openledger ipfs serve|add|cat|get|pin|unpin|ls|gc|stat`: the content store for people.
//! `serve` is how files leave this machine: the embedded store has no peer-to-peer side, so a
//! validator or trainer elsewhere fetches through this host's gateway, and a contributor
//! elsewhere can add through its Kubo-compatible API (`--ipfs-api http://HOST:PORT`).
//!
//! `add`, `cat`, `get` and `pin` work on whichever store the global options name (the
//! embedded one, or a Kubo API with `--ipfs-api`); the others administer the embedded store
//! and refuse `--ipfs-api`, which they cannot act on.

use crate::{
	context::Global,
	error::{CliError, CliResult, Exit},
	output::fields,
};
use clap::Subcommand;
use openledger_ipfs::{
	serve::{ServeConfig, Server, DEFAULT_GATEWAY_ADDR, DEFAULT_MAX_ADD_BYTES},
	BlockStore, Cid, IpfsError, Layout, StoreError,
};
use serde_json::json;
use std::{
	io::Write,
	net::SocketAddr,
	path::{Path, PathBuf},
};

const EXAMPLES: &str = "\
Examples:
  Add a file and pin it; prints its CID (CIDv1, as `ipfs add --cid-version=1` gives):
    openledger ipfs add notes.txt
  Let other machines fetch (http://THIS-HOST:8080/ipfs/CID?format=car):
    openledger ipfs serve --gateway-addr 0.0.0.0:8080
  Also take files added elsewhere (`openledger --ipfs-api http://THIS-HOST:5001 submit ...`):
    openledger ipfs serve --gateway-addr 0.0.0.0:8080 --kubo-api-addr 10.0.0.5:5001
  Save a file, checked against its CID:
    openledger ipfs get CID -o notes.txt
  Drop a file's blocks:
    openledger ipfs unpin CID && openledger ipfs gc

The embedded store is --store (default: <data dir>/openledger/ipfs).";

#[derive(Subcommand, Debug)]
#[command(after_help = EXAMPLES)]
pub enum IpfsCommand {
	/// Serve the embedded store to other machines: an IPFS Trustless Gateway (read-only,
	/// every response verifiable against its CID) and, if asked, a Kubo-compatible RPC API
	/// to add files through. Runs until interrupted (Ctrl-C).
	Serve(ServeArgs),
	/// Add files and pin them; prints each one's CID, the one `ipfs add` gives.
	Add {
		/// Files to add.
		#[arg(required = true)]
		files: Vec<PathBuf>,
		/// CID version: 1 (`ipfs add --cid-version=1`, raw leaves: the form the chain takes)
		/// or 0 (`ipfs add` with Kubo's defaults, Qm… CIDs).
		#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
		cid_version: u8,
	},
	/// Print a file to stdout, checked against its CID.
	Cat {
		/// The file's CID.
		cid: String,
	},
	/// Save a file, checked against its CID.
	Get {
		/// The file's CID.
		cid: String,
		/// Where to save it [default: ./CID].
		#[arg(short, long)]
		output: Option<PathBuf>,
	},
	/// Pin a file whose blocks are all in the store, so `gc` keeps it.
	Pin {
		/// The file's CID.
		cid: String,
	},
	/// Unpin a file; `gc` then removes its blocks (unless another pin needs them).
	Unpin {
		/// The file's CID, as it was pinned (CIDv0 and CIDv1 pins are separate).
		cid: String,
	},
	/// List the pinned files.
	Ls,
	/// Remove every block no pinned file needs; prints what was freed.
	Gc,
	/// How many pins, blocks and bytes the embedded store holds.
	Stat,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
	/// Address of the trustless gateway (`GET /ipfs/CID?format=raw|car`). The default is
	/// reachable from this machine only: use 0.0.0.0:8080 to serve others. Port 0 picks a
	/// free port (printed).
	#[arg(long, default_value = DEFAULT_GATEWAY_ADDR)]
	gateway_addr: SocketAddr,
	/// Also serve Kubo's RPC API (add, cat, pin, block get) on this address, e.g.
	/// 127.0.0.1:5001. It writes to the store: keep it on loopback or a trusted network.
	#[arg(long)]
	kubo_api_addr: Option<SocketAddr>,
	/// The largest file (request body, in bytes) the Kubo API's add takes.
	#[arg(long, default_value_t = DEFAULT_MAX_ADD_BYTES)]
	max_add_bytes: usize,
}

fn store_error(error: StoreError) -> CliError {
	IpfsError::from(error).into()
}

fn parse_cid(text: &str) -> CliResult<Cid> {
	text.parse()
		.map_err(|why| CliError::input(format!("`{text}` is not a CID this store can name: {why}")))
}

/// The embedded store, for the commands that only it supports.
fn embedded(global: &Global, command: &str) -> CliResult<BlockStore> {
	if let Some(url) = &global.ipfs_api {
		return Err(CliError::input(format!(
			"`openledger ipfs {command}` works on the embedded store, not a Kubo API ({url}): \
			 leave out --ipfs-api (and OPENLEDGER_IPFS_API), or run it on the machine that \
			 serves that API"
		)));
	}
	global.block_store()
}

fn blocks(count: u64) -> String {
	format!("{count} block{}", if count == 1 { "" } else { "s" })
}

/// `1536` as `1.5 KiB`.
fn size(bytes: u64) -> String {
	const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
	let mut value = bytes as f64;
	let mut unit = 0;
	while value >= 1024.0 && unit + 1 < UNITS.len() {
		value /= 1024.0;
		unit += 1;
	}
	if unit == 0 {
		format!("{bytes} bytes")
	} else {
		format!("{value:.1} {} ({bytes} bytes)", UNITS[unit])
	}
}

pub async fn run(global: &Global, command: IpfsCommand) -> CliResult<()> {
	let output = global.output();
	match command {
		IpfsCommand::Serve(args) => serve(global, args).await,
		IpfsCommand::Add { files, cid_version } => {
			let layout = if cid_version == 0 { Layout::KUBO_V0 } else { Layout::KUBO_V1 };
			let store = global.content_store().await?;
			let mut added = Vec::new();
			for path in &files {
				let content = std::fs::read(path).map_err(|error| {
					CliError::input(format!("cannot read {}: {error}", path.display()))
				})?;
				let bytes = content.len() as u64;
				let cid = store.add(content, layout).await?;
				added.push(
					json!({ "file": path.display().to_string(), "cid": cid.to_string(), "bytes": bytes }),
				);
			}
			output.print(&added, || {
				added
					.iter()
					.map(|file| {
						format!(
							"added {} {}\n",
							file["cid"].as_str().unwrap_or(""),
							file["file"].as_str().unwrap_or("")
						)
					})
					.collect()
			});
			Ok(())
		},
		IpfsCommand::Cat { cid } => {
			let cid = parse_cid(&cid)?;
			let content = global.content_store().await?.cat(&cid).await?;
			let mut stdout = std::io::stdout().lock();
			match stdout.write_all(&content).and_then(|()| stdout.flush()) {
				Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
					Err(CliError::new(Exit::Failure, format!("cannot write to stdout: {error}")))
				},
				_ => Ok(()),
			}
		},
		IpfsCommand::Get { cid, output: path } => {
			let cid = parse_cid(&cid)?;
			let content = global.content_store().await?.cat(&cid).await?;
			let path = path.unwrap_or_else(|| PathBuf::from(cid.to_string()));
			save(&path, &content)?;
			let saved = json!({ "cid": cid.to_string(), "path": path.display().to_string(), "bytes": content.len() });
			output.print(&saved, || {
				format!("saved {cid} to {} ({})", path.display(), size(content.len() as u64))
			});
			Ok(())
		},
		IpfsCommand::Pin { cid } => {
			let cid = parse_cid(&cid)?;
			global.content_store().await?.pin(&cid).await?;
			output.print(&json!({ "cid": cid.to_string(), "pinned": true }), || {
				format!("pinned {cid}")
			});
			Ok(())
		},
		IpfsCommand::Unpin { cid } => {
			let store = embedded(global, "unpin")?;
			let cid = parse_cid(&cid)?;
			if !store.unpin(&cid).map_err(store_error)? {
				return Err(CliError::input(format!(
					"{cid} is not pinned in {} (see `openledger ipfs ls`; a CIDv0 and a CIDv1 \
					 of one file are separate pins)",
					store.path().display()
				)));
			}
			output.print(&json!({ "cid": cid.to_string(), "pinned": false }), || {
				format!("unpinned {cid}; `openledger ipfs gc` removes its blocks")
			});
			Ok(())
		},
		IpfsCommand::Ls => {
			let store = embedded(global, "ls")?;
			let pins: Vec<String> =
				store.pins().map_err(store_error)?.iter().map(Cid::to_string).collect();
			let listed: Vec<_> = pins.iter().map(|cid| json!({ "cid": cid })).collect();
			output.print(&listed, || {
				if pins.is_empty() {
					return format!("no pinned files in {}", store.path().display());
				}
				pins.iter().map(|cid| format!("{cid}\n")).collect()
			});
			Ok(())
		},
		IpfsCommand::Gc => {
			let store = embedded(global, "gc")?;
			let report = store.gc().map_err(store_error)?;
			let value = json!({
				"removed_blocks": report.removed_blocks,
				"freed_bytes": report.freed_bytes,
				"kept_blocks": report.kept_blocks,
				"kept_bytes": report.kept_bytes,
			});
			output.print(&value, || {
				fields(&[
					("removed", blocks(report.removed_blocks)),
					("freed", size(report.freed_bytes)),
					(
						"kept",
						format!("{}, {}", blocks(report.kept_blocks), size(report.kept_bytes)),
					),
				])
			});
			Ok(())
		},
		IpfsCommand::Stat => {
			let store = embedded(global, "stat")?;
			let stat = store.stat().map_err(store_error)?;
			let value = json!({
				"store": store.path().display().to_string(),
				"pins": stat.pins,
				"blocks": stat.blocks,
				"bytes": stat.bytes,
			});
			output.print(&value, || {
				fields(&[
					("store", store.path().display().to_string()),
					("pins", stat.pins.to_string()),
					("blocks", stat.blocks.to_string()),
					("size", size(stat.bytes)),
				])
			});
			Ok(())
		},
	}
}

/// Writes `content` to `path` through a temporary file beside it, so an interrupted `get`
/// never leaves a partial file under the name asked for.
fn save(path: &Path, content: &[u8]) -> CliResult<()> {
	let failed = |error: std::io::Error| {
		CliError::new(Exit::Failure, format!("cannot write {}: {error}", path.display()))
	};
	let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
	let name = path.file_name().ok_or_else(|| {
		CliError::input(format!("{} is not a file name to save to", path.display()))
	})?;
	let temporary = dir.join(format!(".{}.partial-{}", name.to_string_lossy(), std::process::id()));
	std::fs::write(&temporary, content).map_err(failed)?;
	std::fs::rename(&temporary, path).map_err(|error| {
		let _ = std::fs::remove_file(&temporary);
		failed(error)
	})
}

async fn serve(global: &Global, args: ServeArgs) -> CliResult<()> {
	let output = global.output();
	let store = embedded(global, "serve")?;
	let config = ServeConfig {
		gateway_addr: args.gateway_addr,
		kubo_api_addr: args.kubo_api_addr,
		max_add_bytes: args.max_add_bytes,
	};
	let server = Server::start(store.clone(), config)
		.await
		.map_err(|error| CliError::new(Exit::Ipfs, error.to_string()))?;
	let gateway = server.gateway_url();
	let kubo_api = server.kubo_api_url();
	let value = json!({
		"gateway": gateway,
		"kubo_api": kubo_api,
		"store": store.path().display().to_string(),
	});
	output.print(&value, || {
		let mut rows = vec![
			("IPFS gateway", format!("{gateway}/ipfs/CID?format=raw|car")),
			("store", store.path().display().to_string()),
		];
		if let Some(url) = &kubo_api {
			rows.insert(1, ("Kubo RPC API", format!("{url} (clients: --ipfs-api {url})")));
		}
		fields(&rows)
	});
	if server.gateway_addr().ip().is_loopback() {
		output.note(
			"The gateway is reachable from this machine only; --gateway-addr 0.0.0.0:8080 \
			 serves other machines.",
		);
	}
	if server.kubo_api_addr().is_some_and(|addr| !addr.ip().is_loopback()) {
		output.note(
			"warning: anyone who can reach the Kubo RPC API can add and unpin files in this \
			 store; keep it behind a firewall.",
		);
	}
	output.note("Serving until interrupted (Ctrl-C).");
	server.wait().await;
	Ok(())
}
