//! The HTTP side: routes, and a request's way from body to answer. Each answer is generated
//! in a task of its own, so that a client that leaves neither frees the model early (the
//! next answer waits until this one's thread is done) nor loses the tokens already computed
//! (they are metered when generation ends, whoever is still listening).

use super::{
	api::{self, AnswerHeader, ApiError, ChatRequest, ModelEntry, ModelName, Usage},
	generation::{Job, Outcome, Ticket},
	App,
};
use crate::{generate::Sampling, model::Model};
use axum::{
	body::{Body, Bytes},
	extract::{Path, State},
	http::{header, HeaderValue, Method, StatusCode, Uri},
	response::{IntoResponse, Response},
	routing::{get, post},
	Router,
};
use serde_json::Value;
use std::{
	convert::Infallible,
	ops::ControlFlow,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::{Instant, SystemTime, UNIX_EPOCH},
};
use tokio::sync::{mpsc, oneshot};

/// The largest request body read (a prompt this long is past any context anyway).
pub const MAX_BODY: usize = 4 << 20;

pub fn router(app: Arc<App>) -> Router {
	Router::new()
		.route("/v1/models", get(list_models))
		.route("/v1/models/{id}", get(get_model))
		.route("/v1/chat/completions", post(chat))
		.fallback(unknown_route)
		.method_not_allowed_fallback(method_not_allowed)
		.with_state(app)
}

fn json_response(status: StatusCode, value: &Value) -> Response {
	([(header::CONTENT_TYPE, "application/json")], value.to_string())
		.into_response()
		.with_status(status)
}

trait WithStatus {
	fn with_status(self, status: StatusCode) -> Self;
}

impl WithStatus for Response {
	fn with_status(mut self, status: StatusCode) -> Self {
		*self.status_mut() = status;
		self
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
		json_response(status, &self.body())
	}
}

async fn unknown_route(method: Method, uri: Uri) -> Response {
	ApiError::unknown_route(method.as_str(), uri.path()).into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
	ApiError::method_not_allowed(method.as_str(), uri.path()).into_response()
}

fn base_entry(app: &App) -> ModelEntry {
	ModelEntry::new(api::BASE_MODEL.into(), app.started, app.base_info.clone())
}

/// Every model served: the base first, then the catalog's, each saying whether its adapter
/// is in memory now.
async fn entries(app: &App) -> Result<Vec<ModelEntry>, ApiError> {
	let listed = app.adapters.catalog().list().await?;
	let loaded = app.adapters.cached();
	let mut entries = vec![base_entry(app)];
	entries.extend(listed.into_iter().map(|mut model| {
		model.info["loaded"] = loaded.contains(&model.id).into();
		ModelEntry::new(model.id.to_string(), app.started, model.info)
	}));
	Ok(entries)
}

async fn list_models(State(app): State<Arc<App>>) -> Response {
	match entries(&app).await {
		Ok(entries) => json_response(StatusCode::OK, &api::model_list(&entries)),
		Err(error) => error.into_response(),
	}
}

async fn get_model(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
	let found = async {
		let name = ModelName::parse(&id)?;
		let entries = entries(&app).await?;
		entries.into_iter().find(|e| e.id == name.id()).ok_or_else(|| {
			ApiError::model_not_found(&id, format!("the model `{id}` is not served here"))
		})
	};
	match found.await {
		Ok(entry) => json_response(StatusCode::OK, &serde_json::to_value(entry).expect("json")),
		Err(error) => error.into_response(),
	}
}

/// A request ready to generate.
struct Prepared {
	request: ChatRequest,
	ticket: Ticket,
	model: Arc<Model>,
	prompt: Vec<u32>,
	sampling: Sampling,
}

async fn prepare(app: &App, body: Body) -> Result<Prepared, ApiError> {
	let bytes =
		axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| ApiError::too_large(MAX_BODY))?;
	let request = api::parse_chat(&bytes)?;
	// A full queue refuses before any work (an adapter fetch) is done.
	let ticket = app.generator.ticket()?;
	let model = match request.model {
		ModelName::Base => app.adapters.base().clone(),
		ModelName::Chain(id) => app.adapters.get(id).await?,
	};
	let tokenizer = app.generator.tokenizer();
	let text = tokenizer
		.render_chat(&request.messages)
		.map_err(|e| ApiError::bad_request(e.to_string(), Some("messages")))?;
	let prompt = tokenizer.encode(&text).map_err(|e| ApiError::internal(e.to_string()))?;
	let context = model.max_positions();
	if prompt.len() >= context {
		return Err(ApiError::context_length(prompt.len(), context));
	}
	let max_new_tokens = request
		.max_tokens
		.unwrap_or(app.max_tokens)
		.min(app.max_tokens)
		.min(context - prompt.len());
	let sampling = Sampling {
		temperature: request.temperature,
		top_p: request.top_p,
		max_new_tokens,
		seed: request.seed.unwrap_or_else(random_u64),
	};
	Ok(Prepared { request, ticket, model, prompt, sampling })
}

fn random_u64() -> u64 {
	let mut bytes = [0u8; 8];
	getrandom::getrandom(&mut bytes).expect("the OS has randomness");
	u64::from_le_bytes(bytes)
}

fn answer_header(model: ModelName) -> AnswerHeader {
	let mut bytes = [0u8; 12];
	getrandom::getrandom(&mut bytes).expect("the OS has randomness");
	let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
	AnswerHeader { id: format!("chatcmpl-{}", hex::encode(bytes)), created, model: model.id() }
}

/// Sets its flag when dropped: the handler of a whole answer is dropped when its client
/// leaves.
struct Gone(Arc<AtomicBool>);

impl Drop for Gone {
	fn drop(&mut self) {
		self.0.store(true, Ordering::SeqCst);
	}
}

async fn chat(State(app): State<Arc<App>>, body: Body) -> Response {
	let started = Instant::now();
	let prepared = match prepare(&app, body).await {
		Ok(prepared) => prepared,
		Err(error) => {
			eprintln!(
				"serve: refused status={} ms={} error={:?}",
				error.status,
				started.elapsed().as_millis(),
				error.message
			);
			return error.into_response();
		},
	};
	let header = answer_header(prepared.request.model);
	if prepared.request.stream {
		stream_answer(app, prepared, header, started)
	} else {
		whole_answer(app, prepared, header, started).await
	}
}

fn job(prepared: &Prepared) -> Job {
	Job {
		model: prepared.model.clone(),
		prompt: prepared.prompt.clone(),
		sampling: prepared.sampling.clone(),
		stop: prepared.request.stop.clone(),
	}
}

async fn whole_answer(
	app: Arc<App>,
	prepared: Prepared,
	header: AnswerHeader,
	started: Instant,
) -> Response {
	let gone = Arc::new(AtomicBool::new(false));
	let _gone_on_drop = Gone(gone.clone());
	let (done, answer) = oneshot::channel();
	let job = job(&prepared);
	let prompt_tokens = prepared.prompt.len();
	let Prepared { request, ticket, .. } = prepared;
	tokio::spawn(async move {
		let left = gone.clone();
		let wanted = move || !left.load(Ordering::SeqCst);
		let on_text = move |_: &str| {
			if gone.load(Ordering::SeqCst) {
				ControlFlow::Break(())
			} else {
				ControlFlow::Continue(())
			}
		};
		let outcome = app.generator.run(ticket, job, wanted, on_text).await;
		account(&app, request.model, prompt_tokens, &outcome, started, false);
		let _ = done.send(outcome);
	});
	match answer.await {
		Ok(Ok(outcome)) => {
			let usage = Usage::new(prompt_tokens, outcome.completion_tokens);
			json_response(StatusCode::OK, &header.completion(&outcome.text, outcome.finish, usage))
		},
		Ok(Err(error)) => error.into_response(),
		Err(_) => {
			ApiError::internal("the generation task ended without an answer".into()).into_response()
		},
	}
}

fn stream_answer(
	app: Arc<App>,
	prepared: Prepared,
	header: AnswerHeader,
	started: Instant,
) -> Response {
	let (events, receiver) = mpsc::unbounded_channel::<String>();
	let _ = events.send(api::sse_event(&header.role_chunk()));
	let job = job(&prepared);
	let Prepared { request, ticket, prompt, .. } = prepared;
	tokio::spawn(async move {
		let (pieces, chunk) = (events.clone(), header.clone());
		let on_text =
			move |text: &str| match pieces.send(api::sse_event(&chunk.content_chunk(text))) {
				Ok(()) => ControlFlow::Continue(()),
				Err(_) => ControlFlow::Break(()),
			};
		let listening = events.clone();
		let wanted = move || !listening.is_closed();
		let outcome = app.generator.run(ticket, job, wanted, on_text).await;
		account(&app, request.model, prompt.len(), &outcome, started, true);
		match outcome {
			Ok(outcome) => {
				let _ = events.send(api::sse_event(&header.finish_chunk(outcome.finish)));
				if request.include_usage {
					let usage = Usage::new(prompt.len(), outcome.completion_tokens);
					let _ = events.send(api::sse_event(&header.usage_chunk(usage)));
				}
			},
			// The status line went out with the first chunk: the error is an event.
			Err(error) => {
				let _ = events.send(api::sse_event(&error.body()));
			},
		}
		let _ = events.send(api::SSE_DONE.into());
	});
	let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
		let event = receiver.recv().await?;
		Some((Ok::<_, Infallible>(Bytes::from(event)), receiver))
	});
	let mut response = Body::from_stream(stream).into_response();
	let headers = response.headers_mut();
	headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
	headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
	response
}

/// Meters a chain model's tokens and writes the request's log line.
fn account(
	app: &App,
	model: ModelName,
	prompt_tokens: usize,
	outcome: &Result<Outcome, ApiError>,
	started: Instant,
	stream: bool,
) {
	let ms = started.elapsed().as_millis();
	let outcome = match outcome {
		Ok(outcome) => outcome,
		Err(error) => {
			eprintln!(
				"serve: model={} status={} ms={ms} error={:?}",
				model.id(),
				error.status,
				error.message
			);
			return;
		},
	};
	let usage = Usage::new(prompt_tokens, outcome.completion_tokens);
	let metered = match (model, &app.meter) {
		(ModelName::Chain(id), Some(meter)) => {
			if let Err(error) = meter.record(id, usage.total_tokens as u64) {
				eprintln!("serve: cannot write the ledger: {error}");
			}
			true
		},
		_ => false,
	};
	let first = outcome
		.first_text
		.map_or_else(|| "-".into(), |at| at.duration_since(started).as_millis().to_string());
	eprintln!(
		"serve: model={} prompt_tokens={} completion_tokens={} ms={ms} first_token_ms={first} \
		 finish={} stream={stream} metered={metered}",
		model.id(),
		usage.prompt_tokens,
		usage.completion_tokens,
		outcome.finish.as_str(),
	);
}
