//! The influence attribution on real text (issue #16): SmolLM2-135M-Instruct trained in the
//! worker's way (`run::train`: the job's plan, portable kernels, TracIn over the protocol's
//! checkpoints) on one datanet of three contributors of about the same size:
//! - A: a passage of Hamlet;
//! - B: A's words shuffled (noise of A's kind of words);
//! - C: half another Hamlet passage, half another passage's words shuffled;
//!
//! measured on a held-out target of passages from two other plays (Macbeth, Othello): the
//! domain the model is for. A's parts must be clearly the largest and B's the smallest.
//! Why a held-out target and not the eval split drawn from the data: docs/ATTRIBUTION.md.
//! Ignored by a plain `cargo test`; scripts/test.sh runs it (release, `--include-ignored`).

mod common;

use common::{data_dir, passage, play, shuffled, GGUF};
use openledger_client::{models_json as json, AccountId};
use openledger_trainer::{
	events::Events,
	model::BaseModel,
	worker::{
		attribution,
		dataset::{self, JobData, SourceFile},
		job, run,
	},
};
use std::time::Instant;

/// Each contributor's text, in bytes.
const SIZE: usize = 4000;

fn file(index: u32, who: u8) -> SourceFile {
	SourceFile {
		datanet: 0,
		index,
		submission: u64::from(index),
		cid: format!("file-{index}"),
		contributor: AccountId([who; 32]),
		weight: 100,
		format: "txt".into(),
		bytes: 0,
	}
}

fn job_data(texts: Vec<String>) -> JobData {
	let files = (0..texts.len() as u32).map(|i| file(i, i as u8 + 1)).collect();
	dataset::assemble(files, texts.into_iter().map(String::into_bytes).collect()).unwrap()
}

/// A LoRA job (the GGUF's weights dequantized to f32) of one epoch, as the chain lists it.
fn chain_job() -> json::Job {
	serde_json::from_value(serde_json::json!({
		"id": 1, "creator": "x", "base": 0, "parent": null, "snapshots": [],
		"method": { "kind": "lora", "rank": 8, "alpha": 16, "targetModules": [], "bits": null },
		"hyper": {
			"learningRate": 0.001, "batchSize": 4, "gradientAccumulation": 1,
			"steps": null, "epochs": 1, "sequenceLength": 64, "warmupSteps": 1,
			"schedule": "linear", "seed": 5, "evalFraction": 0.2
		},
		"determinism": "portable", "bounty": "10", "attestations": 2, "maxAttesters": 3,
		"createdAt": 1, "commitEnds": 2, "revealEnds": 3, "commits": 0, "reveals": 0,
		"status": "open", "model": null, "phase": "committing", "settled": false,
		"sealed": []
	}))
	.unwrap()
}

#[test]
#[ignore = "needs scripts/fetch-trainer-data.sh; run by scripts/test.sh"]
fn shakespeare_earns_the_most_and_shuffled_words_the_least() {
	let hamlet = play("hamlet");
	let a = passage(&hamlet, 0.3, SIZE);
	let b = shuffled(&a, 11);
	let c = passage(&hamlet, 0.6, SIZE / 2) + &shuffled(&passage(&hamlet, 0.45, SIZE / 2), 12);
	let data = job_data(vec![a, b, c]);
	let target =
		job_data(vec![passage(&play("macbeth"), 0.3, 3000), passage(&play("othello"), 0.5, 3000)]);
	let base = BaseModel::load(&data_dir().join(GGUF)).unwrap();
	let plan = job::plan(&chain_job(), 0).unwrap();
	let dir = tempfile::tempdir().unwrap();
	let run = run::Run {
		base: &base,
		data: &data,
		target: Some(&target),
		plan: &plan,
		level: None,
		prefer_cpu: true,
		run_dir: dir.path(),
	};
	let started = Instant::now();
	let trained = run::train(&run, &mut Events::silent(), Default::default()).unwrap();
	let seconds = started.elapsed().as_secs_f64();

	let table = &trained.table;
	let share = attribution::token_share(&data.files, &trained.tokens_by_source).unwrap();
	let measured = table.influence.as_ref().expect("the influence is published");
	let parts = |rows: &[attribution::Row], i: usize| {
		let who = AccountId([i as u8 + 1; 32]).to_string();
		rows.iter().find(|r| r.contributor == who).map_or(0, |r| r.parts)
	};
	println!(
		"{} steps, eval loss {:.3} -> {:.3}; {seconds:.0} s in all, attribution {:.0} s",
		trained.outcome.steps,
		trained.outcome.eval_before.unwrap().loss,
		trained.outcome.eval_after.unwrap().loss,
		trained.attribution_seconds,
	);
	println!(
		"{:<26} {:>7} {:>16} {:>12} {:>16}",
		"contributor", "tokens", "token share ppb", "TracIn", "influence ppb"
	);
	let names = ["A: Hamlet", "B: A's words shuffled", "C: half and half"];
	for (i, name) in names.iter().enumerate() {
		println!(
			"{name:<26} {:>7} {:>16} {:>12.4e} {:>16}",
			trained.tokens_by_source[i],
			parts(&share.rows, i),
			measured.scores[i].score,
			parts(&table.rows, i),
		);
	}
	println!("{}", serde_json::to_string_pretty(table).unwrap());
	assert_eq!(table.method, attribution::TRACIN);
	assert_eq!(table.rows.iter().map(|r| u64::from(r.parts)).sum::<u64>(), 1_000_000_000);
	let [a, b, c] = [0, 1, 2].map(|i| parts(&table.rows, i));
	assert!(a > c + c / 10, "A's parts ({a}) are not clearly the largest (C: {c})");
	assert!(b < c, "B's parts ({b}) are not the smallest (A {a}, C {c})");
}
