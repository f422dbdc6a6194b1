//! Training text → fixed-length token windows, split into train and eval, and hashed.
//!
//! Files are read as UTF-8 (`.jsonl`: one JSON object per line with a `text` field),
//! tokenized, joined with the EOS token and cut into windows of `seq_len + 1` tokens (inputs
//! and next-token targets). Eval windows are spread evenly through the corpus so that every
//! part of it (every play, say) is measured, or, for chain jobs, drawn with the job's seed.

use crate::{hash::hex_digest, tokenizer::TextTokenizer, Error, Result};
use candle_core::{Device, Tensor};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Dataset {
	pub train: Vec<Vec<u32>>,
	pub eval: Vec<Vec<u32>>,
	/// SHA-256 over the files' bytes, in the order given (`u64 length ‖ bytes` each).
	pub hash: String,
	pub tokens: usize,
	/// Per source (file), its tokens in the tokenized corpus (EOS included): what the
	/// token-share attribution splits by. All of them count, whether their window went to
	/// the train or the eval split or was the tail after the last whole window, so neither
	/// the seed nor the sequence length can hold a contributor's files out of the credit.
	pub tokens_by_source: Vec<usize>,
}

pub struct Split {
	pub seq_len: usize,
	/// Share of windows held out for evaluation.
	pub eval_fraction: f64,
	/// At most this many eval windows (evaluation is a forward pass over each).
	pub max_eval_windows: usize,
	/// Draw the eval windows with this seed (chain jobs); None: evenly spaced.
	pub eval_seed: Option<u64>,
}

fn documents(path: &Path, bytes: &[u8]) -> Result<Vec<String>> {
	let text = std::str::from_utf8(bytes).map_err(|e| {
		Error::Data(format!("{}: not UTF-8 text ({e}); convert it first", path.display()))
	})?;
	if path.extension().is_some_and(|e| e == "jsonl") {
		text.lines()
			.enumerate()
			.filter(|(_, line)| !line.trim().is_empty())
			.map(|(i, line)| {
				let value: serde_json::Value = serde_json::from_str(line)
					.map_err(|e| Error::Data(format!("{}:{}: {e}", path.display(), i + 1)))?;
				value["text"].as_str().map(str::to_string).ok_or_else(|| {
					Error::Data(format!(
						"{}:{}: expected an object with a string `text`",
						path.display(),
						i + 1
					))
				})
			})
			.collect()
	} else {
		Ok(vec![text.to_string()])
	}
}

pub fn load(files: &[PathBuf], tokenizer: &TextTokenizer, split: &Split) -> Result<Dataset> {
	if files.is_empty() {
		return Err(Error::Data("no training files given (--data FILE...)".into()));
	}
	let mut hasher = Sha256::new();
	let mut texts = Vec::new();
	for (source, path) in files.iter().enumerate() {
		let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
		hasher.update((bytes.len() as u64).to_le_bytes());
		hasher.update(&bytes);
		texts.extend(documents(path, &bytes)?.into_iter().map(|text| Document { source, text }));
	}
	from_documents(&texts, files.len(), hex_digest(hasher), tokenizer, split)
}

/// A document of the corpus and the file (source) it came from.
pub struct Document {
	pub source: usize,
	pub text: String,
}

/// Tokenizes `documents` in order, each followed by EOS, cuts the stream into windows and
/// splits them; `hash` names the bytes they came from. Also counts each source's tokens.
pub fn from_documents(
	documents: &[Document],
	sources: usize,
	hash: String,
	tokenizer: &TextTokenizer,
	split: &Split,
) -> Result<Dataset> {
	if split.seq_len < 2 {
		return Err(Error::Invalid("--seq-len must be at least 2".into()));
	}
	let mut tokens = Vec::new();
	let mut tokens_by_source = vec![0usize; sources];
	for document in documents {
		let before = tokens.len();
		tokens.extend(tokenizer.encode(&document.text)?);
		tokens.extend(tokenizer.eos);
		tokens_by_source[document.source] += tokens.len() - before;
	}
	let width = split.seq_len + 1;
	let windows: Vec<Vec<u32>> = tokens.chunks_exact(width).map(<[u32]>::to_vec).collect();
	let needed = if split.eval_fraction > 0.0 { 2 } else { 1 };
	if windows.len() < needed {
		return Err(Error::Data(format!(
			"the data has {} tokens: fewer than {needed} window(s) of --seq-len {} + 1; add text or lower --seq-len",
			tokens.len(),
			split.seq_len
		)));
	}
	let eval_count = if split.eval_fraction > 0.0 {
		((windows.len() as f64 * split.eval_fraction).round() as usize)
			.clamp(1, split.max_eval_windows.max(1))
			.min(windows.len() - 1)
	} else {
		0
	};
	let held_out = eval_windows(windows.len(), eval_count, split.eval_seed);
	let (mut train, mut eval) = (Vec::new(), Vec::new());
	for (i, window) in windows.into_iter().enumerate() {
		if held_out.binary_search(&i).is_ok() {
			eval.push(window);
		} else {
			train.push(window);
		}
	}
	Ok(Dataset { train, eval, hash, tokens: tokens.len(), tokens_by_source })
}

/// The (sorted) indices of the eval windows: evenly spaced through the corpus, so every part
/// of it (every play, say) is measured; or, with a seed, drawn at random from it.
fn eval_windows(windows: usize, count: usize, seed: Option<u64>) -> Vec<usize> {
	if count == 0 {
		return Vec::new();
	}
	let mut chosen: Vec<usize> = match seed {
		None => {
			let stride = windows / count;
			(0..count).map(|k| k * stride + stride / 2).collect()
		},
		Some(seed) => {
			let mut all: Vec<usize> = (0..windows).collect();
			crate::rng::Rng::new(seed ^ 0xE7A1_5EED_0000_0000).shuffle(&mut all);
			all.truncate(count);
			all
		},
	};
	chosen.sort_unstable();
	chosen
}

/// Inputs, next-token targets and loss mask, each (batch, seq_len).
pub struct Batch {
	pub inputs: Tensor,
	pub targets: Tensor,
	pub mask: Tensor,
	pub tokens: usize,
}

pub fn batch(windows: &[&Vec<u32>], device: &Device) -> Result<Batch> {
	let rows = windows.len();
	let seq_len = windows[0].len() - 1;
	let inputs: Vec<u32> = windows.iter().flat_map(|w| w[..seq_len].iter().copied()).collect();
	let targets: Vec<u32> = windows.iter().flat_map(|w| w[1..].iter().copied()).collect();
	Ok(Batch {
		inputs: Tensor::from_vec(inputs, (rows, seq_len), device)?,
		targets: Tensor::from_vec(targets, (rows, seq_len), device)?,
		mask: Tensor::ones((rows, seq_len), candle_core::DType::F32, device)?,
		tokens: rows * seq_len,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tokenizer::tests::byte_tokenizer;

	fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
		let path = dir.join(name);
		std::fs::write(&path, text).unwrap();
		path
	}

	#[test]
	fn windows_split_evenly_and_hash_the_bytes() {
		let dir = tempfile::tempdir().unwrap();
		let a = write(dir.path(), "a.txt", &"To be, or not to be. ".repeat(20));
		let b = write(dir.path(), "b.jsonl", "{\"text\": \"Exit, pursued by a bear.\"}\n\n{\"text\": \"All the world's a stage.\"}\n");
		let split =
			Split { seq_len: 16, eval_fraction: 0.2, max_eval_windows: 100, eval_seed: None };
		let data = load(&[a.clone(), b.clone()], &byte_tokenizer(), &split).unwrap();
		// 420 + 24 + 24 bytes, one token each, plus three EOS tokens.
		assert_eq!(data.tokens, 420 + 24 + 24 + 3);
		assert_eq!(data.train.len() + data.eval.len(), data.tokens / 17);
		assert_eq!(data.eval.len(), 5);
		assert!(data.train.iter().chain(&data.eval).all(|w| w.len() == 17));
		let again = load(&[a.clone(), b.clone()], &byte_tokenizer(), &split).unwrap();
		assert_eq!(again.hash, data.hash);
		let swapped = load(&[b, a], &byte_tokenizer(), &split).unwrap();
		assert_ne!(swapped.hash, data.hash, "order is part of the dataset");
	}

	#[test]
	fn too_little_data_and_bad_jsonl_are_explained() {
		let dir = tempfile::tempdir().unwrap();
		let split = Split { seq_len: 64, eval_fraction: 0.1, max_eval_windows: 8, eval_seed: None };
		let short = write(dir.path(), "short.txt", "Brevity is the soul of wit.");
		let err = load(&[short], &byte_tokenizer(), &split).unwrap_err().to_string();
		assert!(err.contains("lower --seq-len"), "{err}");
		let bad = write(dir.path(), "bad.jsonl", "{\"title\": 1}\n");
		let err = load(&[bad], &byte_tokenizer(), &split).unwrap_err().to_string();
		assert!(err.contains("bad.jsonl:1") && err.contains("`text`"), "{err}");
		let binary = write(dir.path(), "x.bin", "");
		std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
		let err = load(&[binary], &byte_tokenizer(), &split).unwrap_err().to_string();
		assert!(err.contains("not UTF-8"), "{err}");
	}

	#[test]
	fn batch_shifts_targets_by_one() {
		let windows = [vec![1u32, 2, 3, 4], vec![5, 6, 7, 8]];
		let b = batch(&windows.iter().collect::<Vec<_>>(), &Device::Cpu).unwrap();
		assert_eq!(b.inputs.to_vec2::<u32>().unwrap(), vec![vec![1, 2, 3], vec![5, 6, 7]]);
		assert_eq!(b.targets.to_vec2::<u32>().unwrap(), vec![vec![2, 3, 4], vec![6, 7, 8]]);
		assert_eq!(b.tokens, 6);
	}
}
