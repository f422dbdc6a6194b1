//! The attribution's cost beside the training it follows, for scripts/bench-attribution.sh:
//! one worker run (`run::train`, portable kernels) of SmolLM2-135M-Instruct, LoRA on the
//! GGUF's weights dequantized to f32, on Hamlet cut into one file per contributor; each
//! phase's seconds and peak RSS. Does nothing unless OPENLEDGER_ATTRIBUTION_BENCH is set (it
//! is minutes of work, and `scripts/test.sh` runs the ignored tests).
//!
//! A phase's peak RSS: the kernel's high-water mark (VmHWM) is reset to the current RSS when
//! the phase begins (writing 5 to /proc/self/clear_refs) and read when it ends. Training runs
//! from its `start` event (the base is loaded) to the attribution's `influence_start`.

mod common;

use common::{data_dir, play, GGUF};
use openledger_client::{models_json as json, AccountId};
use openledger_trainer::{
	events::{Event, Events},
	model::BaseModel,
	worker::{dataset, dataset::SourceFile, job, run},
};
use std::{
	sync::{Arc, Mutex},
	time::Instant,
};

fn setting(name: &str, default: usize) -> usize {
	std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// VmHWM (peak RSS) in MiB.
fn peak_mib() -> f64 {
	let status = std::fs::read_to_string("/proc/self/status").unwrap();
	let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("Linux");
	let kib: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
	kib / 1024.0
}

fn reset_peak() {
	std::fs::write("/proc/self/clear_refs", "5").expect("resetting the peak RSS needs Linux");
}

/// Seconds and peak RSS of each phase, filled in by the events.
#[derive(Default)]
struct Phases {
	started: Option<Instant>,
	training: Option<(f64, f64)>,
	attribution: Option<(f64, f64)>,
	passes: usize,
	parameters: usize,
}

#[test]
#[ignore = "benchmark: scripts/bench-attribution.sh"]
fn attribution_cost_beside_training() {
	if std::env::var_os("OPENLEDGER_ATTRIBUTION_BENCH").is_none() {
		println!("skipped: set OPENLEDGER_ATTRIBUTION_BENCH (scripts/bench-attribution.sh)");
		return;
	}
	let (seq_len, batch, rank) = (setting("SEQ_LEN", 128), setting("BATCH", 4), setting("RANK", 8));
	let (contributors, bytes) = (setting("CONTRIBUTORS", 4), setting("BYTES", 6000));
	let hamlet = play("hamlet");
	let start = hamlet.len() / 10;
	let texts: Vec<Vec<u8>> = (0..contributors)
		.map(|i| hamlet.as_bytes()[start + i * bytes..start + (i + 1) * bytes].to_vec())
		.collect();
	let files = (0..contributors as u32)
		.map(|i| SourceFile {
			datanet: 0,
			index: i,
			submission: u64::from(i),
			cid: format!("file-{i}"),
			contributor: AccountId([i as u8 + 1; 32]),
			weight: 100,
			format: "txt".into(),
			bytes: 0,
		})
		.collect();
	let data = dataset::assemble(files, texts).unwrap();
	let job: json::Job = serde_json::from_value(serde_json::json!({
		"id": 1, "creator": "x", "base": 0, "parent": null, "snapshots": [],
		"method": { "kind": "lora", "rank": rank, "alpha": 2 * rank, "targetModules": [],
			"bits": null },
		"hyper": {
			"learningRate": 0.0005, "batchSize": batch, "gradientAccumulation": 1,
			"steps": null, "epochs": 1, "sequenceLength": seq_len, "warmupSteps": 1,
			"schedule": "cosine", "seed": 3, "evalFraction": 0.1
		},
		"determinism": "portable", "bounty": "10", "attestations": 2, "maxAttesters": 3,
		"createdAt": 1, "commitEnds": 2, "revealEnds": 3, "commits": 0, "reveals": 0,
		"status": "open", "model": null, "phase": "committing", "settled": false,
		"sealed": []
	}))
	.unwrap();
	let plan = job::plan(&job, 0).unwrap();
	let base = BaseModel::load(&data_dir().join(GGUF)).unwrap();
	let dir = tempfile::tempdir().unwrap();
	let phases = Arc::new(Mutex::new(Phases::default()));
	let seen = phases.clone();
	let mut events = Events::to_writer(None, true).observe(move |event| {
		let mut phases = seen.lock().unwrap();
		match event {
			Event::Start { .. } => {
				reset_peak();
				phases.started = Some(Instant::now());
			},
			Event::InfluenceStart { passes, parameters, .. } => {
				let seconds = phases.started.unwrap().elapsed().as_secs_f64();
				phases.training = Some((seconds, peak_mib()));
				(phases.passes, phases.parameters) = (*passes, *parameters);
				reset_peak();
			},
			Event::InfluenceDone { seconds } => phases.attribution = Some((*seconds, peak_mib())),
			_ => {},
		}
	});
	let run = run::Run {
		base: &base,
		data: &data,
		target: None,
		plan: &plan,
		level: None,
		prefer_cpu: true,
		run_dir: dir.path(),
	};
	let trained = run::train(&run, &mut events, Default::default()).unwrap();
	let phases = phases.lock().unwrap();
	let ((train_s, train_mib), (attr_s, attr_mib)) =
		(phases.training.unwrap(), phases.attribution.unwrap());
	let cpu = std::fs::read_to_string("/proc/cpuinfo")
		.ok()
		.and_then(|info| {
			let line = info.lines().find(|l| l.starts_with("model name"))?.to_string();
			Some(line.split_once(':')?.1.trim().to_string())
		})
		.unwrap_or_else(|| "?".into());
	println!(
		"SmolLM2-135M LoRA f32, r {rank} all linear, seq {seq_len}, batch {batch}, 1 epoch: \
		 {} steps; {contributors} contributors of {bytes} bytes; {} influence checkpoints, \
		 {} passes, {} adapter parameters; {} threads; {cpu}",
		trained.outcome.steps,
		job::PROTOCOL.influence_checkpoints,
		phases.passes,
		phases.parameters,
		rayon::current_num_threads(),
	);
	println!("{:<12} {:>9} {:>14}", "phase", "seconds", "peak RSS MiB");
	println!("{:<12} {train_s:>9.1} {train_mib:>14.0}", "training");
	println!("{:<12} {attr_s:>9.1} {attr_mib:>14.0}", "attribution");
	println!("{:<12} {:>8.2}x {:>13.2}x", "ratio", attr_s / train_s, attr_mib / train_mib);
	println!(
		"method {}, table {}",
		trained.table.method,
		serde_json::to_string(&trained.table.rows).unwrap()
	);
}
