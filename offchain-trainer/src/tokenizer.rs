//! Text ↔ tokens through the `tokenizers` crate (from `tokenizer.json`, or rebuilt from GGUF
//! metadata), plus the model's chat template rendered with minijinja.
//!
//! Tokenizer hash ([`TextTokenizer::hash`]): `sha256:` + hex SHA-256 of the canonical JSON
//! (keys sorted, no whitespace; `crate::hash::canonical_json`) of
//! `{"chat_template": …, "eos": …, "tokenizer": …}`, where `tokenizer` is the `tokenizers`
//! crate's own serialisation (the `tokenizer.json` layout: normalizer, pre-tokenizer, model
//! with its vocabulary and merges in rank order, post-processor, decoder, added and special
//! tokens, truncation and padding), `eos` the EOS token id or null, and `chat_template` the
//! Jinja source or null: everything that decides which ids a text or a chat becomes. It
//! depends on that serialisation, so a `tokenizers` (or candle GGUF-conversion) upgrade that
//! changes it changes the hash; the pinned values in the tests catch that.

use crate::{Error, Result};
use serde::Serialize;
use std::path::Path;
use tokenizers::Tokenizer;

#[derive(Clone)]
pub struct TextTokenizer {
	inner: Tokenizer,
	/// Ends a document in a packed corpus and stops generation.
	pub eos: Option<u32>,
	/// Jinja source, as in `tokenizer_config.json` or GGUF's `tokenizer.chat_template`.
	pub chat_template: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
	pub role: String,
	pub content: String,
}

impl ChatMessage {
	pub fn new(role: &str, content: &str) -> Self {
		ChatMessage { role: role.into(), content: content.into() }
	}
}

impl TextTokenizer {
	pub fn new(inner: Tokenizer, eos: Option<u32>, chat_template: Option<String>) -> Self {
		TextTokenizer { inner, eos, chat_template }
	}

	/// `tokenizer.json`, with the EOS token and chat template from `tokenizer_config.json` when
	/// present.
	pub fn from_dir(dir: &Path) -> Result<Self> {
		let path = dir.join("tokenizer.json");
		let inner = Tokenizer::from_file(&path).map_err(|e| Error::format(&path, e))?;
		let config_path = dir.join("tokenizer_config.json");
		let config: serde_json::Value = match std::fs::read_to_string(&config_path) {
			Ok(text) => serde_json::from_str(&text).map_err(|e| Error::format(&config_path, e))?,
			Err(_) => serde_json::Value::Null,
		};
		let eos_text = match &config["eos_token"] {
			serde_json::Value::String(s) => Some(s.clone()),
			serde_json::Value::Object(o) => {
				o.get("content").and_then(|c| c.as_str()).map(str::to_string)
			},
			_ => None,
		};
		let eos = eos_text.as_deref().or(Some("<|endoftext|>")).and_then(|t| inner.token_to_id(t));
		let chat_template = config["chat_template"].as_str().map(str::to_string);
		Ok(TextTokenizer { inner, eos, chat_template })
	}

	/// Writes `tokenizer.json` and `tokenizer_config.json` (EOS, chat template).
	pub fn save_to_dir(&self, dir: &Path) -> Result<()> {
		let path = dir.join("tokenizer.json");
		self.inner.save(&path, false).map_err(|e| Error::format(&path, e))?;
		let eos = self.eos.and_then(|id| self.inner.id_to_token(id));
		let config = serde_json::json!({ "eos_token": eos, "chat_template": self.chat_template });
		let path = dir.join("tokenizer_config.json");
		std::fs::write(&path, serde_json::to_string_pretty(&config).expect("json"))
			.map_err(|e| Error::io(&path, e))
	}

	/// The canonical hash of everything that decides tokenization (see the module docs).
	pub fn hash(&self) -> String {
		let tokenizer = serde_json::to_value(&self.inner).expect("a tokenizer serialises");
		crate::hash::json_hash(&serde_json::json!({
			"tokenizer": tokenizer,
			"eos": self.eos,
			"chat_template": self.chat_template,
		}))
	}

	pub fn vocab_size(&self) -> usize {
		self.inner.get_vocab_size(true)
	}

	pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
		Ok(self
			.inner
			.encode(text, false)
			.map_err(|e| Error::Tokenizer(e.to_string()))?
			.get_ids()
			.to_vec())
	}

	pub fn decode(&self, ids: &[u32]) -> Result<String> {
		self.inner.decode(ids, true).map_err(|e| Error::Tokenizer(e.to_string()))
	}

	/// The prompt text for `messages`, ending with the assistant's turn opened.
	pub fn render_chat(&self, messages: &[ChatMessage]) -> Result<String> {
		let Some(template) = &self.chat_template else {
			// No template: plain "role: content" lines, which any base model can continue.
			let mut text: String =
				messages.iter().map(|m| format!("{}: {}\n", m.role, m.content)).collect();
			text.push_str("assistant:");
			return Ok(text);
		};
		let mut env = minijinja::Environment::new();
		env.add_template("chat", template).map_err(|e| Error::Template(e.to_string()))?;
		let eos = self.eos.and_then(|id| self.inner.id_to_token(id)).unwrap_or_default();
		env.get_template("chat")
			.and_then(|t| {
				t.render(minijinja::context! {
					messages => messages,
					add_generation_prompt => true,
					eos_token => eos,
					bos_token => "",
				})
			})
			.map_err(|e| Error::Template(e.to_string()))
	}
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	pub use crate::tiny::byte_tokenizer;

	#[test]
	fn round_trips_text_and_renders_the_chat_template() {
		let tokenizer = byte_tokenizer();
		assert_eq!(tokenizer.vocab_size(), 259);
		let ids = tokenizer.encode("Hath thee, ünïcode!").unwrap();
		assert_eq!(tokenizer.decode(&ids).unwrap(), "Hath thee, ünïcode!");
		let prompt = tokenizer.render_chat(&[ChatMessage::new("user", "Hi")]).unwrap();
		assert_eq!(prompt, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
		let ids = tokenizer.encode(&prompt).unwrap();
		assert_eq!(ids[0], 256, "special tokens stay single tokens");
	}

	#[test]
	fn saves_and_reloads_from_a_directory() {
		let dir = tempfile::tempdir().unwrap();
		let tokenizer = byte_tokenizer();
		tokenizer.save_to_dir(dir.path()).unwrap();
		let again = TextTokenizer::from_dir(dir.path()).unwrap();
		assert_eq!(again.eos, tokenizer.eos);
		assert_eq!(again.chat_template, tokenizer.chat_template);
		assert_eq!(again.encode("abc").unwrap(), tokenizer.encode("abc").unwrap());
	}

	#[test]
	fn hash_survives_a_save_and_reload_and_sees_eos_and_template() {
		let dir = tempfile::tempdir().unwrap();
		let tokenizer = byte_tokenizer();
		tokenizer.save_to_dir(dir.path()).unwrap();
		let hash = tokenizer.hash();
		assert_eq!(TextTokenizer::from_dir(dir.path()).unwrap().hash(), hash);
		// Pinned: a `tokenizers` upgrade that serialises differently shows up here.
		assert_eq!(hash, "sha256:efe18dc52a057dc13ff6fda75d0b2c96fbae84d7f09eb561a5f50f9d6b12079d");
		let mut other = tokenizer.clone();
		other.eos = Some(0);
		assert_ne!(other.hash(), hash);
		let mut other = tokenizer.clone();
		other.chat_template = None;
		assert_ne!(other.hash(), hash);
	}

	#[test]
	fn broken_template_is_a_template_error() {
		let mut tokenizer = byte_tokenizer();
		tokenizer.chat_template = Some("{% for %}".into());
		let err = tokenizer.render_chat(&[ChatMessage::new("user", "x")]).unwrap_err();
		assert!(matches!(err, Error::Template(_)), "{err}");
	}
}
