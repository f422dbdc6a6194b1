//! Training text → fixed-length token windows, split into train and eval, and hashed.
//!
//! Files are read as UTF-8 (`.jsonl`: one JSON object per line with a `text` field),
//! tokenized, joined with the EOS token and cut into windows of `seq_len + 1` tokens (inputs
//! and next-token targets). Eval windows are spread evenly through the corpus so that every
//! part of it (every play, say) is measured, or, for chain jobs, drawn with the job's seed.
//! Each window also says which source (file) each of its target tokens came from, for the
//! influence attribution (`crate::influence`).

use crate::{hash::hex_digest, tokenizer::TextTokenizer, Error, Result};
use candle_core::{Device, Tensor};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Dataset {
	pub train: Vec<Vec<u32>>,
	pub eval: Vec<Vec<u32>>,
	/// Per train window, the sources of its `seq_len` target tokens (positions 1.. of the
	/// window), in order.
	pub train_sources: Vec<Vec<Span>>,
	/// The same for each eval window.
	pub eval_sources: Vec<Vec<Span>>,
	/// SHA-256 over the files' bytes, in the order given (`u64 length ‖ bytes` each).
	pub hash: String,
	pub tokens: usize,
	/// Per source (file), its tokens in the tokenized corpus (EOS included): what the
	/// token-share attribution splits by. All of them count, whether their window went to
	/// the train or the eval split, so the seed cannot hold a contributor's files out of it.
	pub tokens_by_source: Vec<usize>,
}

/// `len` consecutive target tokens of a window that came from source (file) `source`: a
/// window's sources are a few of these, not one entry per token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
	pub source: u32,
	pub len: u32,
}

/// Each target token's source, one per position, from a window's spans.
pub fn token_sources(spans: &[Span]) -> impl Iterator<Item = u32> + '_ {
	spans.iter().flat_map(|span| std::iter::repeat_n(span.source, span.len as usize))
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
/// splits them; `hash` names the bytes they came from. Also counts each source's tokens and
/// records each window's sources.
pub fn from_documents(
	documents: &[Document],
	sources: usize,
	hash: String,
	tokenizer: &TextTokenizer,
	split: &Split,
) -> Result<Dataset> {
	let stream = Stream::tokenize(documents, sources, tokenizer)?;
	let needed = if split.eval_fraction > 0.0 { 2 } else { 1 };
	let windows = stream.windows(split.seq_len, needed, "the data")?;
	let eval_count = if split.eval_fraction > 0.0 {
		((windows.len() as f64 * split.eval_fraction).round() as usize)
			.clamp(1, split.max_eval_windows.max(1))
			.min(windows.len() - 1)
	} else {
		0
	};
	let held_out = eval_windows(windows.len(), eval_count, split.eval_seed);
	let (mut train, mut eval) = (Windows::default(), Windows::default());
	for (i, window) in windows.into_iter().enumerate() {
		if held_out.binary_search(&i).is_ok() { &mut eval } else { &mut train }.push(window);
	}
	Ok(stream.dataset(train, eval, hash))
}

/// Documents, how many sources (files) they index, and the hash of the files' bytes.
#[derive(Clone, Copy)]
pub struct Corpus<'a> {
	pub documents: &'a [Document],
	pub sources: usize,
	pub hash: &'a str,
}

/// Like [`from_documents`], with the eval split taken from `target` instead: documents
/// held out from training (all of `data` is trained on) that stand for what the model is
/// for. At most `split.max_eval_windows` of its windows, drawn with `split.eval_seed` when it
/// has more; `split.eval_fraction` is not used. The eval windows' sources index `target`'s;
/// the hash covers both corpora.
pub fn with_target(
	data: Corpus,
	target: Corpus,
	tokenizer: &TextTokenizer,
	split: &Split,
) -> Result<Dataset> {
	let stream = Stream::tokenize(data.documents, data.sources, tokenizer)?;
	let train = stream.windows(split.seq_len, 1, "the data")?;
	let pool = Stream::tokenize(target.documents, target.sources, tokenizer)?.windows(
		split.seq_len,
		1,
		"the held-out eval set (a job's eval datanet: its txt and md files)",
	)?;
	let count = pool.len().min(split.max_eval_windows.max(1));
	let chosen = eval_windows(pool.len(), count, split.eval_seed);
	let mut eval = Windows::default();
	for (i, window) in pool.into_iter().enumerate() {
		if chosen.binary_search(&i).is_ok() {
			eval.push(window);
		}
	}
	let mut hasher = Sha256::new();
	hasher.update(format!("data {} held-out target {}", data.hash, target.hash));
	Ok(stream.dataset(train.into_iter().collect(), eval, hex_digest(hasher)))
}

/// Windows and their target tokens' sources, side by side.
#[derive(Default)]
struct Windows {
	tokens: Vec<Vec<u32>>,
	sources: Vec<Vec<Span>>,
}

impl Windows {
	fn push(&mut self, (tokens, sources): (Vec<u32>, Vec<Span>)) {
		self.tokens.push(tokens);
		self.sources.push(sources);
	}
}

impl FromIterator<(Vec<u32>, Vec<Span>)> for Windows {
	fn from_iter<I: IntoIterator<Item = (Vec<u32>, Vec<Span>)>>(windows: I) -> Self {
		let mut all = Windows::default();
		windows.into_iter().for_each(|window| all.push(window));
		all
	}
}

/// Documents tokenized in order, each followed by EOS.
struct Stream {
	tokens: Vec<u32>,
	/// Where each document's tokens end in the stream, and its source.
	ends: Vec<(usize, u32)>,
	tokens_by_source: Vec<usize>,
}

impl Stream {
	fn tokenize(documents: &[Document], sources: usize, tokenizer: &TextTokenizer) -> Result<Self> {
		let mut stream =
			Stream { tokens: Vec::new(), ends: Vec::new(), tokens_by_source: vec![0; sources] };
		for document in documents {
			let before = stream.tokens.len();
			stream.tokens.extend(tokenizer.encode(&document.text)?);
			stream.tokens.extend(tokenizer.eos);
			stream.tokens_by_source[document.source] += stream.tokens.len() - before;
			stream.ends.push((stream.tokens.len(), document.source as u32));
		}
		Ok(stream)
	}

	/// The stream cut into windows of `seq_len + 1` tokens, each with its target tokens'
	/// sources; at least `needed` of them, or an error that names `what`.
	///
	/// When the stream does not divide into whole windows, the last window wraps around to
	/// the stream's start: every token is then in a window. Without it the tail
	/// after the last whole window would be neither, and since the job's creator picks the
	/// sequence length (and the datanets' order), it could leave the newest contributors'
	/// files out of training and so out of the influence credit.
	fn windows(
		&self,
		seq_len: usize,
		needed: usize,
		what: &str,
	) -> Result<Vec<(Vec<u32>, Vec<Span>)>> {
		if seq_len < 2 {
			return Err(Error::Invalid("--seq-len must be at least 2".into()));
		}
		let (tokens, width) = (&self.tokens, seq_len + 1);
		let count = if tokens.len() < width { 0 } else { tokens.len().div_ceil(width) };
		if count < needed {
			return Err(Error::Data(format!(
				"{what} has {} tokens: fewer than {needed} window(s) of --seq-len {seq_len} + 1; \
				 add text or lower --seq-len",
				tokens.len(),
			)));
		}
		Ok((0..count)
			.map(|i| {
				let positions = (i * width..(i + 1) * width).map(|p| p % tokens.len());
				let window = positions.clone().map(|p| tokens[p]).collect();
				(window, spans(&self.ends, positions.skip(1)))
			})
			.collect())
	}

	fn dataset(self, train: Windows, eval: Windows, hash: String) -> Dataset {
		Dataset {
			train: train.tokens,
			eval: eval.tokens,
			train_sources: train.sources,
			eval_sources: eval.sources,
			hash,
			tokens: self.tokens.len(),
			tokens_by_source: self.tokens_by_source,
		}
	}
}

/// The sources of the tokens at `positions` of the stream, run-length encoded; `ends` are
/// the documents' (end, source) in stream order.
fn spans(ends: &[(usize, u32)], positions: impl Iterator<Item = usize>) -> Vec<Span> {
	let mut spans: Vec<Span> = Vec::new();
	for position in positions {
		let source = ends[ends.partition_point(|(end, _)| *end <= position)].1;
		match spans.last_mut() {
			Some(last) if last.source == source => last.len += 1,
			_ => spans.push(Span { source, len: 1 }),
		}
	}
	spans
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
		// 27 whole windows and one that wraps around to the start.
		assert_eq!(data.train.len() + data.eval.len(), data.tokens.div_ceil(17));
		assert_eq!(data.eval.len(), 6);
		assert!(data.train.iter().chain(&data.eval).all(|w| w.len() == 17));
		let again = load(&[a.clone(), b.clone()], &byte_tokenizer(), &split).unwrap();
		assert_eq!(again.hash, data.hash);
		let swapped = load(&[b, a], &byte_tokenizer(), &split).unwrap();
		assert_ne!(swapped.hash, data.hash, "order is part of the dataset");
	}

	#[test]
	fn every_target_token_knows_its_source_and_the_tail_wraps_around() {
		let documents = [
			Document { source: 0, text: "To be, or not to be. ".repeat(20) },
			Document { source: 1, text: "Exit, pursued by a bear.".into() },
			Document { source: 1, text: "All the world's a stage.".into() },
		];
		let split = Split { seq_len: 16, eval_fraction: 0.0, max_eval_windows: 0, eval_seed: None };
		let data = from_documents(&documents, 2, String::new(), &byte_tokenizer(), &split).unwrap();
		// 421 tokens of source 0 (EOS included), then 25 + 25 of source 1: 471 in all.
		assert_eq!(data.tokens_by_source, vec![421, 50]);
		assert_eq!(data.train.len(), 28);
		assert!(data.train_sources.iter().all(|spans| {
			spans.iter().map(|s| s.len).sum::<u32>() == 16 && token_sources(spans).count() == 16
		}));
		// Window 24 holds positions 408..425: targets 409..=420 from source 0, 421..=424 from 1.
		let span = |source, len| Span { source, len };
		assert_eq!(data.train_sources[24], vec![span(0, 12), span(1, 4)]);
		// The last window: 459..=470, then the stream's start again (targets 460..=470, 0..=4).
		assert_eq!(data.train_sources[27], vec![span(1, 11), span(0, 5)]);
		assert_eq!(data.train[27][12..], data.train[0][..5]);
	}

	#[test]
	fn a_held_out_target_is_the_eval_split_and_all_the_data_trains() {
		let text = |n| Document { source: 0, text: "Brevity is the soul of wit. ".repeat(n) };
		let (data, target, short) = ([text(10)], [text(6), text(6)], [text(0)]);
		let data = Corpus { documents: &data, sources: 1, hash: "d" };
		let target = Corpus { documents: &target, sources: 1, hash: "t" };
		let split =
			Split { seq_len: 16, eval_fraction: 0.5, max_eval_windows: 8, eval_seed: Some(3) };
		let dataset = with_target(data, target, &byte_tokenizer(), &split).unwrap();
		// 281 tokens: 17 windows, all trained; the target's 338 tokens make 20, 8 of them eval.
		assert_eq!((dataset.train.len(), dataset.eval.len()), (17, 8));
		assert_eq!(dataset.tokens_by_source, vec![281]);
		let other = Corpus { hash: "u", ..target };
		let again = with_target(data, other, &byte_tokenizer(), &split).unwrap();
		assert_ne!(again.hash, dataset.hash, "the target is part of the run");
		let short = Corpus { documents: &short, ..target };
		let err = with_target(data, short, &byte_tokenizer(), &split).unwrap_err().to_string();
		assert!(err.contains("held-out eval set"), "{err}");
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
