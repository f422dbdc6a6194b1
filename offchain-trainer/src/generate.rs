//! Sampling text from a model: temperature, nucleus (top-p), a key/value cache, stop on EOS.

use crate::{model::Model, rng::Rng, tokenizer::TextTokenizer, Error, Result};
use candle_core::Tensor;
use std::ops::ControlFlow;

#[derive(Clone, Debug)]
pub struct Sampling {
	/// 0 picks the most likely token every time.
	pub temperature: f64,
	pub top_p: f64,
	pub max_new_tokens: usize,
	pub seed: u64,
}

/// Picks a token from `logits` (vocab,).
pub fn sample(logits: &[f32], sampling: &Sampling, rng: &mut Rng) -> u32 {
	let argmax =
		|| logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i as u32);
	if sampling.temperature <= 0.0 {
		return argmax();
	}
	let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
	let mut probs: Vec<(u32, f64)> = logits
		.iter()
		.enumerate()
		.map(|(i, &l)| (i as u32, (((l - max) as f64) / sampling.temperature).exp()))
		.collect();
	let total: f64 = probs.iter().map(|p| p.1).sum();
	probs.iter_mut().for_each(|p| p.1 /= total);
	probs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
	let mut kept = 0.0;
	let cut = probs
		.iter()
		.position(|p| {
			kept += p.1;
			kept >= sampling.top_p
		})
		.map_or(probs.len(), |i| i + 1);
	let nucleus = &probs[..cut];
	let mass: f64 = nucleus.iter().map(|p| p.1).sum();
	let mut draw = rng.next_f32() as f64 * mass;
	for (token, p) in nucleus {
		draw -= p;
		if draw <= 0.0 {
			return *token;
		}
	}
	nucleus.last().map_or_else(argmax, |p| p.0)
}

/// Continues `prompt` token by token, calling `on_text` with each newly decoded piece.
/// Returns the generated tokens (without the prompt).
pub fn generate(
	model: &Model,
	tokenizer: &TextTokenizer,
	prompt: &[u32],
	sampling: &Sampling,
	mut on_text: impl FnMut(&str),
) -> Result<Vec<u32>> {
	generate_until(model, tokenizer, prompt, sampling, |piece| {
		on_text(piece);
		ControlFlow::Continue(())
	})
}

/// [`generate`], stopped early when `on_text` breaks (a stop sequence seen, a client gone):
/// the tokens generated until then are returned.
pub fn generate_until(
	model: &Model,
	tokenizer: &TextTokenizer,
	prompt: &[u32],
	sampling: &Sampling,
	mut on_text: impl FnMut(&str) -> ControlFlow<()>,
) -> Result<Vec<u32>> {
	if prompt.is_empty() {
		return Err(Error::Invalid("the prompt is empty".into()));
	}
	if prompt.len() + sampling.max_new_tokens > model.max_positions() {
		return Err(Error::Invalid(format!(
			"prompt ({} tokens) + --max-new-tokens {} exceed the model's {} positions",
			prompt.len(),
			sampling.max_new_tokens,
			model.max_positions()
		)));
	}
	let mut rng = Rng::new(sampling.seed);
	let mut cache = model.new_cache();
	let mut generated: Vec<u32> = Vec::new();
	let mut printed = 0;
	let mut input = Tensor::new(prompt, model.device())?.unsqueeze(0)?;
	for _ in 0..sampling.max_new_tokens {
		let logits = model.forward(&input, Some(&mut cache), None)?;
		let last = logits.squeeze(0)?.get(input.dims()[1] - 1)?.detach();
		let token = sample(&last.to_vec1::<f32>()?, sampling, &mut rng);
		if Some(token) == tokenizer.eos {
			break;
		}
		generated.push(token);
		let text = tokenizer.decode(&generated)?;
		// A multi-byte character may need more tokens: print once it decodes cleanly.
		if text.len() > printed && !text.ends_with('\u{FFFD}') {
			let flow = on_text(&text[printed..]);
			printed = text.len();
			if flow.is_break() {
				break;
			}
		}
		input = Tensor::new(&[token], model.device())?.unsqueeze(0)?;
	}
	Ok(generated)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn sampling(temperature: f64, top_p: f64) -> Sampling {
		Sampling { temperature, top_p, max_new_tokens: 1, seed: 0 }
	}

	#[test]
	fn zero_temperature_is_greedy() {
		assert_eq!(sample(&[0.1, 3.0, -1.0], &sampling(0.0, 1.0), &mut Rng::new(1)), 1);
	}

	#[test]
	fn top_p_keeps_only_the_nucleus() {
		// p ≈ [0.71, 0.26, 0.03]: top-p 0.5 leaves only token 0.
		let logits = [3.0, 2.0, 0.0];
		let mut rng = Rng::new(2);
		assert!((0..200).all(|_| sample(&logits, &sampling(1.0, 0.5), &mut rng) == 0));
		let drawn: std::collections::HashSet<u32> =
			(0..500).map(|_| sample(&logits, &sampling(1.0, 1.0), &mut rng)).collect();
		assert_eq!(drawn.len(), 3);
	}
}
