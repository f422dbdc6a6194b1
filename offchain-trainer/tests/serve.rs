//! `serve` offline: an in-process server on a free port with one local adapter, asked over
//! plain HTTP/1.1 as any OpenAI client would. On a tiny random checkpoint (the protocol:
//! shapes, usage, streaming, limits, errors) and on the real base model (SmolLM2-135M-Instruct,
//! fetched by `scripts/fetch-trainer-data.sh`: a right answer, and an adapter that changes it;
//! ignored by a plain `cargo test`, scripts/test.sh runs it).

use candle_core::{Device, Tensor};
use openledger_trainer::{
	lora::{self, LoraConfig},
	model::{BaseModel, LoraSetup, Model, Precision},
	rng::Rng,
	serve::{ServeOptions, Server, Source},
	tiny,
	tokenizer::ChatMessage,
};
use serde_json::{json, Value};
use std::{
	collections::BTreeMap,
	io::{Read, Write},
	net::{SocketAddr, TcpStream},
	path::{Path, PathBuf},
};

const GGUF: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
const QUESTION: &str = "What is the capital of France?";

fn data_dir() -> PathBuf {
	let dir = std::env::var_os("OPENLEDGER_TRAINER_DATA").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/openledger/trainer")
	});
	assert!(dir.join(GGUF).exists(), "run scripts/fetch-trainer-data.sh first");
	dir
}

/// An adapter on every attention projection with random B: far enough from the base to
/// change its answers.
fn write_adapter(base: &BaseModel, precision: Precision, dir: &Path) {
	let config = LoraConfig {
		rank: 8,
		alpha: 16.0,
		dropout: 0.0,
		use_rslora: false,
		target_modules: ["q_proj", "k_proj", "v_proj", "o_proj"].map(String::from).to_vec(),
	};
	let model = Model::build(
		base,
		&Device::Cpu,
		precision,
		LoraSetup::Fresh { config: config.clone(), seed: 5 },
	)
	.unwrap();
	let mut rng = Rng::new(9);
	for (_, layer) in model.lora_layers() {
		let shape = layer.b.shape().clone();
		let values = rng.uniform(-0.5, 0.5, shape.elem_count());
		layer.b.set(&Tensor::from_vec(values, shape, &Device::Cpu).unwrap()).unwrap();
	}
	lora::save_adapter(dir, &config, &model.adapter_tensors(), "smollm2", false).unwrap();
}

/// One HTTP/1.1 exchange on its own connection: the status and the (de-chunked) body.
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
	let mut stream = TcpStream::connect(addr).unwrap();
	let body = body.map(Value::to_string).unwrap_or_default();
	write!(
		stream,
		"{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: \
		 application/json\r\nContent-Length: {}\r\n\r\n{body}",
		body.len()
	)
	.unwrap();
	let mut response = Vec::new();
	stream.read_to_end(&mut response).unwrap();
	let response = String::from_utf8(response).unwrap();
	let (head, rest) = response.split_once("\r\n\r\n").unwrap();
	let status = head.split(' ').nth(1).unwrap().parse().unwrap();
	let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
	(status, if chunked { dechunk(rest) } else { rest.to_string() })
}

fn dechunk(mut rest: &str) -> String {
	let mut body = String::new();
	loop {
		let (size, after) = rest.split_once("\r\n").unwrap();
		let size = usize::from_str_radix(size.trim(), 16).unwrap();
		if size == 0 {
			return body;
		}
		body.push_str(&after[..size]);
		rest = &after[size + 2..];
	}
}

fn chat(addr: SocketAddr, request: Value) -> (u16, Value) {
	let (status, body) = http(addr, "POST", "/v1/chat/completions", Some(&request));
	(status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
}

fn question(model: &str) -> Value {
	json!({"model": model, "messages": [{"role": "user", "content": QUESTION}], "max_tokens": 12})
}

/// An offline server over `base` with `adapter` as model 7.
fn start(
	runtime: &tokio::runtime::Runtime,
	base: PathBuf,
	adapter: PathBuf,
	max_tokens: usize,
) -> Server {
	runtime
		.block_on(Server::start(ServeOptions {
			base,
			// `serve`'s default: on the CPU, f32 generates ~10x faster than the 4-bit kernels.
			precision: Precision::Full,
			force_cpu: true,
			addr: ([127, 0, 0, 1], 0).into(),
			source: Source::Local(BTreeMap::from([(7, adapter)])),
			max_adapters: 2,
			max_tokens,
			queue: 4,
		}))
		.unwrap()
}

/// The data of an SSE body's events, `[DONE]` checked last and left out.
fn sse_chunks(events: &str) -> Vec<Value> {
	let data: Vec<&str> = events
		.split("\n\n")
		.filter(|e| !e.is_empty())
		.map(|e| e.strip_prefix("data: ").unwrap_or_else(|| panic!("not an SSE data event: {e:?}")))
		.collect();
	assert_eq!(data.last(), Some(&"[DONE]"));
	data[..data.len() - 1].iter().map(|d| serde_json::from_str(d).unwrap()).collect()
}

fn content(chunks: &[Value]) -> String {
	chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect()
}

#[test]
fn serve_speaks_openai_over_a_tiny_model() {
	let dir = tempfile::tempdir().unwrap();
	let base_dir = dir.path().join("base");
	tiny::write_random_checkpoint(&base_dir, &tiny::tiny_llama(), 3).unwrap();
	let base = BaseModel::load(&base_dir).unwrap();
	let adapter = dir.path().join("adapter");
	write_adapter(&base, Precision::Full, &adapter);
	let runtime = tokio::runtime::Runtime::new().unwrap();
	let server = start(&runtime, base_dir, adapter, 8);
	let addr = server.addr();

	// A request's max_tokens above the server's is lowered to it.
	let mut request = question("7");
	request["max_tokens"] = 1000.into();
	let (status, whole) = chat(addr, request.clone());
	assert_eq!(status, 200, "{whole}");
	let usage = &whole["usage"];
	assert_eq!(usage["completion_tokens"], 8, "random weights rarely say EOS: {usage}");
	assert_eq!(whole["choices"][0]["finish_reason"], "length");
	let total = usage["prompt_tokens"].as_u64().unwrap() + 8;
	assert_eq!(usage["total_tokens"], total);

	// Streamed, the same greedy answer in pieces, with the same usage.
	request["stream"] = true.into();
	request["stream_options"] = json!({"include_usage": true});
	let (status, events) = http(addr, "POST", "/v1/chat/completions", Some(&request));
	assert_eq!(status, 200, "{events}");
	let chunks = sse_chunks(&events);
	assert_eq!(content(&chunks), whole["choices"][0]["message"]["content"].as_str().unwrap());
	assert_eq!(chunks[chunks.len() - 2]["choices"][0]["finish_reason"], "length");
	assert_eq!(chunks[chunks.len() - 1]["usage"], *usage);
	// Without include_usage: no usage chunk.
	request["stream_options"] = Value::Null;
	let chunks = sse_chunks(&http(addr, "POST", "/v1/chat/completions", Some(&request)).1);
	assert!(chunks.iter().all(|c| c.get("usage").is_none()));

	// A prompt longer than the context (256 positions) is refused before any work.
	let long = "x".repeat(300);
	let (status, error) =
		chat(addr, json!({"model": "base", "messages": [{"role": "user", "content": long}]}));
	assert_eq!(status, 400, "{error}");
	assert_eq!(error["error"]["code"], "context_length_exceeded");
	let (status, error) = chat(addr, json!({"model": "model-7", "messages": []}));
	assert_eq!((status, &error["error"]["code"]), (404, &json!("model_not_found")), "{error}");

	runtime.block_on(server.stop()).unwrap();
}

#[test]
#[ignore = "needs scripts/fetch-trainer-data.sh; run by scripts/test.sh"]
fn serve_answers_openai_requests_with_and_without_an_adapter() {
	let dir = tempfile::tempdir().unwrap();
	let gguf = data_dir().join(GGUF);
	let base = BaseModel::load(&gguf).unwrap();
	let adapter = dir.path().join("adapter");
	write_adapter(&base, Precision::Quantized { bits: 4 }, &adapter);
	let prompt = base.tokenizer.render_chat(&[ChatMessage::new("user", QUESTION)]).unwrap();
	let prompt_tokens = base.tokenizer.encode(&prompt).unwrap().len() as u64;
	drop(base);

	let runtime = tokio::runtime::Runtime::new().unwrap();
	let server = start(&runtime, gguf, adapter, 64);
	let addr = server.addr();

	let (status, body) = http(addr, "GET", "/v1/models", None);
	assert_eq!(status, 200, "{body}");
	let models: Value = serde_json::from_str(&body).unwrap();
	assert_eq!(models["object"], "list");
	let ids: Vec<&str> =
		models["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
	assert_eq!(ids, ["base", "7"]);
	assert_eq!(models["data"][1]["openledger"]["loaded"], false);

	// The base alone, whole.
	let (status, answer) = chat(addr, question("base"));
	assert_eq!(status, 200, "{answer}");
	assert_eq!(answer["object"], "chat.completion");
	assert_eq!(answer["model"], "base");
	let base_text = answer["choices"][0]["message"]["content"].as_str().unwrap().to_string();
	assert!(base_text.contains("Paris"), "{base_text}");
	let usage = &answer["usage"];
	assert_eq!(usage["prompt_tokens"], prompt_tokens);
	let completion = usage["completion_tokens"].as_u64().unwrap();
	assert!((1..=12).contains(&completion), "{usage}");
	assert_eq!(usage["total_tokens"], prompt_tokens + completion);

	// The adapter, streamed.
	let mut streamed = question("7");
	streamed["stream"] = true.into();
	streamed["stream_options"] = json!({"include_usage": true});
	let (status, events) = http(addr, "POST", "/v1/chat/completions", Some(&streamed));
	assert_eq!(status, 200, "{events}");
	let chunks = sse_chunks(&events);
	assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk" && c["model"] == "7"));
	assert!(chunks.iter().all(|c| c["id"] == chunks[0]["id"]), "one id per answer");
	assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
	let streamed_text = content(&chunks);
	let finish = &chunks[chunks.len() - 2]["choices"][0];
	assert!(["stop", "length"].contains(&finish["finish_reason"].as_str().unwrap()), "{finish}");
	let usage = &chunks[chunks.len() - 1];
	assert_eq!(usage["choices"], json!([]));
	assert_eq!(usage["usage"]["prompt_tokens"], prompt_tokens);

	// The adapter, whole: greedy, so the same text as streamed, and not the base's.
	let (status, answer) = chat(addr, question("7"));
	assert_eq!(status, 200, "{answer}");
	let adapted_text = answer["choices"][0]["message"]["content"].as_str().unwrap();
	assert_eq!(adapted_text, streamed_text);
	assert_eq!(answer["usage"], usage["usage"]);
	assert_ne!(adapted_text, base_text, "the adapter changes the answer");
	let (_, body) = http(addr, "GET", "/v1/models/7", None);
	assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["openledger"]["loaded"], true);

	// Errors, OpenAI-shaped.
	let (status, error) = chat(addr, question("8"));
	assert_eq!((status, &error["error"]["code"]), (404, &json!("model_not_found")), "{error}");
	let (status, error) = chat(addr, json!({"model": "base", "messages": []}));
	assert_eq!((status, &error["error"]["param"]), (400, &json!("messages")), "{error}");
	let (status, body) = http(addr, "GET", "/v1/chat/completions", None);
	assert_eq!(status, 405, "{body}");
	let (status, body) = http(addr, "GET", "/v2/anything", None);
	assert_eq!(status, 404, "{body}");
	assert!(body.contains("\"unknown_url\""), "{body}");

	runtime.block_on(server.stop()).unwrap();
}
