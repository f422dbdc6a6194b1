//! The OpenAI wire format `serve` speaks: the chat-completions request, the answer (whole or
//! as Server-Sent Events `chat.completion.chunk`s), the model list and errors. Requests are
//! parsed and checked here, in one place, so every refusal is a 400 with the parameter named
//! before any work is queued. Fields OpenAI defines that change nothing here (`user`,
//! `logit_bias`, `presence_penalty`, …) are accepted and ignored; fields that would change
//! the answer and are not supported (`n` > 1, tools, images) are refused, never ignored.

use crate::tokenizer::ChatMessage;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The name of the base model without an adapter in `/v1/models` and requests.
pub const BASE_MODEL: &str = "base";

/// Stop sequences a request may give (OpenAI's limit).
pub const MAX_STOP_SEQUENCES: usize = 4;

/// Longest stop sequence, in bytes: each generated token is checked against every prefix of
/// every sequence while the model is held, so an unbounded one would stall every request.
pub const MAX_STOP_BYTES: usize = 64;

/// What a request's `model` names: the base alone, or a chain model (its adapter on the base)
/// by its decimal chain id, `"7"`. Only those two spellings: one name per model keeps logs
/// and metering unambiguous.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelName {
	Base,
	Chain(u64),
}

impl ModelName {
	pub fn parse(name: &str) -> Result<ModelName, ApiError> {
		if name == BASE_MODEL {
			return Ok(ModelName::Base);
		}
		// `u64::from_str` takes a leading `+`; a chain id is written in plain digits.
		match name.parse() {
			Ok(id) if name.bytes().all(|b| b.is_ascii_digit()) => Ok(ModelName::Chain(id)),
			_ => Err(ApiError::model_not_found(
				name,
				format!(
					"the model `{name}` does not exist: name a verified chain model by its id \
					 (e.g. \"7\"), or \"{BASE_MODEL}\" for the base model without an adapter; \
					 GET /v1/models lists them"
				),
			)),
		}
	}

	/// The name as `/v1/models` lists it and answers echo it.
	pub fn id(&self) -> String {
		match self {
			ModelName::Base => BASE_MODEL.to_string(),
			ModelName::Chain(id) => id.to_string(),
		}
	}
}

/// A checked chat-completions request.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
	pub model: ModelName,
	pub messages: Vec<ChatMessage>,
	/// `max_completion_tokens` or `max_tokens`; the server's default when absent.
	pub max_tokens: Option<usize>,
	/// 0 (the default here, unlike OpenAI's 1) is greedy: the same answer every time.
	pub temperature: f64,
	pub top_p: f64,
	/// Sampling seed; a random one when absent (only matters with a temperature above 0).
	pub seed: Option<u64>,
	pub stream: bool,
	/// `stream_options.include_usage`: a last chunk with `usage` and no choices.
	pub include_usage: bool,
	pub stop: Vec<String>,
}

#[derive(Deserialize)]
struct RawRequest {
	model: Option<String>,
	messages: Option<Vec<RawMessage>>,
	max_tokens: Option<u64>,
	max_completion_tokens: Option<u64>,
	temperature: Option<f64>,
	top_p: Option<f64>,
	seed: Option<i64>,
	stream: Option<bool>,
	stream_options: Option<RawStreamOptions>,
	n: Option<u64>,
	stop: Option<RawStop>,
	tools: Option<Value>,
}

#[derive(Deserialize)]
struct RawStreamOptions {
	include_usage: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawStop {
	One(String),
	Many(Vec<String>),
}

#[derive(Deserialize)]
struct RawMessage {
	role: String,
	#[serde(default)]
	content: Value,
}

/// Parses and checks a `/v1/chat/completions` body.
pub fn parse_chat(body: &[u8]) -> Result<ChatRequest, ApiError> {
	let raw: RawRequest = serde_json::from_slice(body).map_err(|e| {
		ApiError::bad_request(format!("the body is not a valid request: {e}"), None)
	})?;
	let model =
		raw.model.ok_or_else(|| ApiError::bad_request("`model` is required", Some("model")))?;
	let model = ModelName::parse(&model)?;
	let messages = raw
		.messages
		.ok_or_else(|| ApiError::bad_request("`messages` is required", Some("messages")))?;
	if messages.is_empty() {
		return Err(ApiError::bad_request("`messages` is empty", Some("messages")));
	}
	let messages = messages
		.into_iter()
		.enumerate()
		.map(|(i, m)| message(i, m))
		.collect::<Result<Vec<_>, _>>()?;
	if raw
		.tools
		.as_ref()
		.is_some_and(|t| !t.is_null() && t.as_array().is_none_or(|a| !a.is_empty()))
	{
		return Err(ApiError::bad_request("tools are not supported", Some("tools")));
	}
	if raw.n.is_some_and(|n| n != 1) {
		return Err(ApiError::bad_request("only one choice (`n`: 1) is supported", Some("n")));
	}
	let max_tokens = match raw.max_completion_tokens.or(raw.max_tokens) {
		Some(0) => {
			return Err(ApiError::bad_request(
				"`max_tokens` must be at least 1",
				Some("max_tokens"),
			))
		},
		other => other.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
	};
	let temperature = raw.temperature.unwrap_or(0.0);
	if !(0.0..=2.0).contains(&temperature) {
		return Err(ApiError::bad_request(
			format!("`temperature` {temperature} is outside [0, 2]"),
			Some("temperature"),
		));
	}
	let top_p = raw.top_p.unwrap_or(1.0);
	if !(top_p > 0.0 && top_p <= 1.0) {
		return Err(ApiError::bad_request(
			format!("`top_p` {top_p} is outside (0, 1]"),
			Some("top_p"),
		));
	}
	let stop = match raw.stop {
		None => Vec::new(),
		Some(RawStop::One(one)) => vec![one],
		Some(RawStop::Many(many)) => many,
	};
	if stop.len() > MAX_STOP_SEQUENCES
		|| stop.iter().any(|s| s.is_empty() || s.len() > MAX_STOP_BYTES)
	{
		return Err(ApiError::bad_request(
			format!(
				"`stop` takes at most {MAX_STOP_SEQUENCES} non-empty sequences of at most \
				 {MAX_STOP_BYTES} bytes"
			),
			Some("stop"),
		));
	}
	let stream = raw.stream.unwrap_or(false);
	Ok(ChatRequest {
		model,
		messages,
		max_tokens,
		temperature,
		top_p,
		// OpenAI's seed is any 64-bit integer; its bits seed the generator.
		seed: raw.seed.map(|s| s as u64),
		stream,
		include_usage: stream && raw.stream_options.and_then(|o| o.include_usage).unwrap_or(false),
		stop,
	})
}

/// A message's role and text. `developer` is OpenAI's newer name for `system`. Content is a
/// string or a list of text parts (joined); other parts (images, audio) are refused.
fn message(index: usize, raw: RawMessage) -> Result<ChatMessage, ApiError> {
	let param = Some("messages");
	let role = match raw.role.as_str() {
		"system" | "developer" => "system",
		"user" => "user",
		"assistant" => "assistant",
		other => {
			return Err(ApiError::bad_request(
				format!(
					"messages[{index}]: role `{other}` is not supported (system, developer, \
					 user, assistant)"
				),
				param,
			))
		},
	};
	let content = match raw.content {
		Value::String(text) => text,
		Value::Null => String::new(),
		Value::Array(parts) => {
			let mut text = String::new();
			for part in parts {
				match (part["type"].as_str(), part["text"].as_str()) {
					(Some("text"), Some(piece)) => text.push_str(piece),
					(kind, _) => {
						return Err(ApiError::bad_request(
							format!(
								"messages[{index}]: content part `{}` is not supported (text \
								 only)",
								kind.unwrap_or("?")
							),
							param,
						))
					},
				}
			}
			text
		},
		_ => {
			return Err(ApiError::bad_request(
				format!("messages[{index}]: `content` must be a string or a list of text parts"),
				param,
			))
		},
	};
	Ok(ChatMessage::new(role, &content))
}

/// Why an answer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
	/// The model ended its turn, or a stop sequence came.
	Stop,
	/// `max_tokens` (or the context) ran out.
	Length,
}

impl FinishReason {
	pub fn as_str(&self) -> &'static str {
		match self {
			FinishReason::Stop => "stop",
			FinishReason::Length => "length",
		}
	}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Usage {
	pub prompt_tokens: usize,
	pub completion_tokens: usize,
	pub total_tokens: usize,
}

impl Usage {
	pub fn new(prompt_tokens: usize, completion_tokens: usize) -> Usage {
		Usage { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens }
	}
}

/// What every object of one answer shares.
#[derive(Clone, Debug)]
pub struct AnswerHeader {
	/// `chatcmpl-…`
	pub id: String,
	/// Unix seconds.
	pub created: u64,
	pub model: String,
}

impl AnswerHeader {
	/// The whole answer (`chat.completion`).
	pub fn completion(&self, content: &str, finish: FinishReason, usage: Usage) -> Value {
		json!({
			"id": self.id,
			"object": "chat.completion",
			"created": self.created,
			"model": self.model,
			"choices": [{
				"index": 0,
				"message": { "role": "assistant", "content": content },
				"logprobs": null,
				"finish_reason": finish,
			}],
			"usage": usage,
		})
	}

	/// One streamed `chat.completion.chunk` with `delta` (`{"role": …}`, `{"content": …}` or
	/// `{}` with the finish reason).
	pub fn chunk(&self, delta: Value, finish: Option<FinishReason>) -> Value {
		json!({
			"id": self.id,
			"object": "chat.completion.chunk",
			"created": self.created,
			"model": self.model,
			"choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish }],
		})
	}

	/// The first chunk: the assistant's role, no text yet.
	pub fn role_chunk(&self) -> Value {
		self.chunk(json!({ "role": "assistant", "content": "" }), None)
	}

	pub fn content_chunk(&self, text: &str) -> Value {
		self.chunk(json!({ "content": text }), None)
	}

	pub fn finish_chunk(&self, finish: FinishReason) -> Value {
		self.chunk(json!({}), Some(finish))
	}

	/// The chunk `stream_options.include_usage` asks for, after the last choice.
	pub fn usage_chunk(&self, usage: Usage) -> Value {
		json!({
			"id": self.id,
			"object": "chat.completion.chunk",
			"created": self.created,
			"model": self.model,
			"choices": [],
			"usage": usage,
		})
	}
}

/// One Server-Sent Event carrying `value` as its data (JSON has no raw newlines, so one
/// `data:` line holds it).
pub fn sse_event(value: &Value) -> String {
	format!("data: {value}\n\n")
}

/// The event that ends an OpenAI stream.
pub const SSE_DONE: &str = "data: [DONE]\n\n";

/// A model as `/v1/models` lists it; `openledger` adds what the chain says of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelEntry {
	pub id: String,
	pub object: &'static str,
	/// Unix seconds (the chain records blocks, not times: the server's start for chain
	/// models; `openledger.verifiedAt` has the block).
	pub created: u64,
	pub owned_by: &'static str,
	pub openledger: Value,
}

impl ModelEntry {
	pub fn new(id: String, created: u64, openledger: Value) -> ModelEntry {
		ModelEntry { id, object: "model", created, owned_by: "openledger", openledger }
	}
}

pub fn model_list(entries: &[ModelEntry]) -> Value {
	json!({ "object": "list", "data": entries })
}

/// An OpenAI-shaped error: `{"error": {"message", "type", "param", "code"}}` with its HTTP
/// status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
	pub status: u16,
	/// `invalid_request_error` (the client's to fix) or `server_error`.
	pub kind: &'static str,
	pub code: Option<&'static str>,
	pub param: Option<&'static str>,
	pub message: String,
}

impl ApiError {
	fn new(status: u16, kind: &'static str, code: Option<&'static str>, message: String) -> Self {
		ApiError { status, kind, code, param: None, message }
	}

	/// 400: a malformed or unsupported request.
	pub fn bad_request(message: impl Into<String>, param: Option<&'static str>) -> ApiError {
		ApiError { param, ..Self::new(400, "invalid_request_error", None, message.into()) }
	}

	/// 404: no such model on this server.
	pub fn model_not_found(_name: &str, message: String) -> ApiError {
		ApiError {
			param: Some("model"),
			..Self::new(404, "invalid_request_error", Some("model_not_found"), message)
		}
	}

	/// 400: a model this server knows but cannot serve (e.g. a refined model).
	pub fn model_not_supported(message: String) -> ApiError {
		ApiError {
			param: Some("model"),
			..Self::new(400, "invalid_request_error", Some("model_not_supported"), message)
		}
	}

	/// 400: prompt and answer do not fit the model's context.
	pub fn context_length(prompt: usize, context: usize) -> ApiError {
		ApiError {
			param: Some("messages"),
			..Self::new(
				400,
				"invalid_request_error",
				Some("context_length_exceeded"),
				format!(
					"the prompt is {prompt} tokens; this model's context is {context} tokens, \
					 with room for at least one answer token"
				),
			)
		}
	}

	/// 404 for a path the API does not have.
	pub fn unknown_route(method: &str, path: &str) -> ApiError {
		Self::new(
			404,
			"invalid_request_error",
			Some("unknown_url"),
			format!(
				"no route {method} {path}: this server has GET /v1/models, GET /v1/models/ID \
				 and POST /v1/chat/completions"
			),
		)
	}

	/// 405 for a known path and another method.
	pub fn method_not_allowed(method: &str, path: &str) -> ApiError {
		Self::new(
			405,
			"invalid_request_error",
			Some("method_not_allowed"),
			format!("{path} does not take {method}"),
		)
	}

	/// 413: the body is over the server's limit.
	pub fn too_large(limit: usize) -> ApiError {
		Self::new(
			413,
			"invalid_request_error",
			Some("request_too_large"),
			format!("the request body is over {limit} bytes"),
		)
	}

	/// 503: the generation queue is full; try again later.
	pub fn overloaded(waiting: usize) -> ApiError {
		Self::new(
			503,
			"server_error",
			Some("overloaded"),
			format!("{waiting} requests are already waiting; try again shortly"),
		)
	}

	/// 502: the adapter could not be fetched or did not check out (IPFS, a wrong hash).
	pub fn adapter_unavailable(message: String) -> ApiError {
		Self::new(502, "server_error", Some("adapter_unavailable"), message)
	}

	/// 502: the chain could not be asked.
	pub fn chain_unavailable(message: String) -> ApiError {
		Self::new(502, "server_error", Some("chain_unavailable"), message)
	}

	/// 500: this server failed.
	pub fn internal(message: String) -> ApiError {
		Self::new(500, "server_error", None, message)
	}

	/// 499 (nginx's "client closed request"): the client left while its request waited for
	/// the model. Nothing was generated or metered; only the log sees it.
	pub fn client_gone() -> ApiError {
		Self::new(499, "client_closed_request", None, "the client left before its turn".into())
	}

	pub fn body(&self) -> Value {
		json!({
			"error": {
				"message": self.message,
				"type": self.kind,
				"param": self.param,
				"code": self.code,
			}
		})
	}
}

impl std::fmt::Display for ApiError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "{} {}", self.status, self.message)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn parse(body: Value) -> Result<ChatRequest, ApiError> {
		parse_chat(body.to_string().as_bytes())
	}

	#[test]
	fn a_minimal_request_takes_the_documented_defaults() {
		let request =
			parse(json!({"model": "7", "messages": [{"role": "user", "content": "Hi"}]})).unwrap();
		assert_eq!(
			request,
			ChatRequest {
				model: ModelName::Chain(7),
				messages: vec![ChatMessage::new("user", "Hi")],
				max_tokens: None,
				temperature: 0.0,
				top_p: 1.0,
				seed: None,
				stream: false,
				include_usage: false,
				stop: vec![],
			}
		);
	}

	#[test]
	fn every_supported_field_is_read() {
		let request = parse(json!({
			"model": "base",
			"messages": [
				{"role": "developer", "content": "Be brief."},
				{"role": "user", "content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]},
				{"role": "assistant", "content": null},
			],
			"max_tokens": 5, "max_completion_tokens": 9, "temperature": 0.7, "top_p": 0.9,
			"seed": -1, "stream": true, "stream_options": {"include_usage": true}, "n": 1,
			"stop": "\n", "user": "ignored", "presence_penalty": 0, "tools": [],
		}))
		.unwrap();
		assert_eq!(request.model, ModelName::Base);
		assert_eq!(
			request.messages,
			vec![
				ChatMessage::new("system", "Be brief."),
				ChatMessage::new("user", "Hello"),
				ChatMessage::new("assistant", "")
			]
		);
		assert_eq!(request.max_tokens, Some(9), "max_completion_tokens wins");
		assert_eq!((request.temperature, request.top_p, request.seed), (0.7, 0.9, Some(u64::MAX)));
		assert!(request.stream && request.include_usage);
		assert_eq!(request.stop, vec!["\n".to_string()]);
	}

	#[test]
	fn refusals_name_the_parameter() {
		let user = json!([{"role": "user", "content": "x"}]);
		let cases = [
			(json!({"messages": user}), Some("model")),
			(json!({"model": "7"}), Some("messages")),
			(json!({"model": "7", "messages": []}), Some("messages")),
			(json!({"model": "7", "messages": user, "n": 2}), Some("n")),
			(json!({"model": "7", "messages": user, "temperature": 2.5}), Some("temperature")),
			(json!({"model": "7", "messages": user, "top_p": 0}), Some("top_p")),
			(json!({"model": "7", "messages": user, "max_tokens": 0}), Some("max_tokens")),
			(
				json!({"model": "7", "messages": user, "stop": ["a", "b", "c", "d", "e"]}),
				Some("stop"),
			),
			(json!({"model": "7", "messages": user, "stop": [""]}), Some("stop")),
			(json!({"model": "7", "messages": user, "stop": ["x".repeat(65)]}), Some("stop")),
			(
				json!({"model": "7", "messages": user, "tools": [{"type": "function"}]}),
				Some("tools"),
			),
			(
				json!({"model": "7", "messages": [{"role": "tool", "content": "x"}]}),
				Some("messages"),
			),
			(
				json!({"model": "7", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}),
				Some("messages"),
			),
			(json!({"model": "7", "messages": [{"role": "user", "content": 3}]}), Some("messages")),
			(json!({"model": "7", "messages": user, "max_tokens": "many"}), None),
		];
		for (body, param) in cases {
			let err = parse(body.clone()).unwrap_err();
			assert_eq!(
				(err.status, err.kind, err.param),
				(400, "invalid_request_error", param),
				"{body}"
			);
		}
		let err = parse_chat(b"{not json").unwrap_err();
		assert_eq!(err.status, 400);
		assert!(err.message.contains("not a valid request"), "{}", err.message);
	}

	#[test]
	fn models_are_named_by_chain_id_or_base_only() {
		assert_eq!(ModelName::parse("base").unwrap(), ModelName::Base);
		assert_eq!(ModelName::parse("0").unwrap(), ModelName::Chain(0));
		assert_eq!(ModelName::parse("18446744073709551615").unwrap(), ModelName::Chain(u64::MAX));
		for name in ["model-7", "+7", " 7", "gpt-4o", "", "18446744073709551616"] {
			let err = ModelName::parse(name).unwrap_err();
			assert_eq!(
				(err.status, err.code, err.param),
				(404, Some("model_not_found"), Some("model"))
			);
			assert!(err.message.contains("GET /v1/models"), "{}", err.message);
		}
		assert_eq!(ModelName::Chain(7).id(), "7");
		assert_eq!(ModelName::Base.id(), "base");
	}

	fn header() -> AnswerHeader {
		AnswerHeader { id: "chatcmpl-1".into(), created: 1_700_000_000, model: "7".into() }
	}

	#[test]
	fn a_whole_answer_is_a_chat_completion_with_usage() {
		let value = header().completion("Paris.", FinishReason::Stop, Usage::new(12, 3));
		assert_eq!(
			value,
			json!({
				"id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000u64,
				"model": "7",
				"choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris."},
					"logprobs": null, "finish_reason": "stop"}],
				"usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
			})
		);
	}

	#[test]
	fn streamed_chunks_are_sse_data_lines_of_chat_completion_chunks() {
		let h = header();
		let first = sse_event(&h.role_chunk());
		let data: Value = serde_json::from_str(first.strip_prefix("data: ").unwrap()).unwrap();
		assert_eq!(
			data,
			json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000u64,
				"model": "7", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
				"logprobs": null, "finish_reason": null}]})
		);
		let text = sse_event(&h.content_chunk("line one\nline \"two\""));
		assert!(text.starts_with("data: {") && text.ends_with("}\n\n"));
		assert_eq!(text.matches('\n').count(), 2, "a newline in the text stays escaped");
		let data: Value = serde_json::from_str(&text["data: ".len()..]).unwrap();
		assert_eq!(data["choices"][0]["delta"], json!({"content": "line one\nline \"two\""}));
		assert_eq!(json!(FinishReason::Length), FinishReason::Length.as_str());
		let last = h.finish_chunk(FinishReason::Length);
		assert_eq!(last["choices"][0]["delta"], json!({}));
		assert_eq!(last["choices"][0]["finish_reason"], "length");
		let usage = h.usage_chunk(Usage::new(4, 5));
		assert_eq!(usage["choices"], json!([]));
		assert_eq!(usage["usage"]["total_tokens"], 9);
		assert_eq!(SSE_DONE, "data: [DONE]\n\n");
	}

	#[test]
	fn errors_have_openai_shape_and_status() {
		let err = ApiError::bad_request("bad", Some("top_p"));
		assert_eq!(
			err.body(),
			json!({"error": {"message": "bad", "type": "invalid_request_error", "param": "top_p", "code": null}})
		);
		let cases = [
			(ApiError::context_length(9000, 8192), 400, Some("context_length_exceeded")),
			(ApiError::model_not_supported("refined".into()), 400, Some("model_not_supported")),
			(ApiError::unknown_route("GET", "/v2"), 404, Some("unknown_url")),
			(
				ApiError::method_not_allowed("GET", "/v1/chat/completions"),
				405,
				Some("method_not_allowed"),
			),
			(ApiError::too_large(10), 413, Some("request_too_large")),
			(ApiError::internal("x".into()), 500, None),
			(ApiError::adapter_unavailable("x".into()), 502, Some("adapter_unavailable")),
			(ApiError::chain_unavailable("x".into()), 502, Some("chain_unavailable")),
			(ApiError::overloaded(3), 503, Some("overloaded")),
		];
		for (err, status, code) in cases {
			assert_eq!((err.status, err.code), (status, code), "{err}");
			let kind = if status >= 500 { "server_error" } else { "invalid_request_error" };
			assert_eq!(err.body()["error"]["type"], kind);
		}
	}

	#[test]
	fn the_model_list_has_openai_shape() {
		let list = model_list(&[ModelEntry::new("base".into(), 5, json!({"adapter": false}))]);
		assert_eq!(
			list,
			json!({"object": "list", "data": [{"id": "base", "object": "model", "created": 5,
				"owned_by": "openledger", "openledger": {"adapter": false}}]})
		);
	}
}
