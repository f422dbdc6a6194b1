//! openledger-trainer: LoRA and QLoRA fine-tuning of causal language models with candle.
//!
//! candle-transformers' models run their norms, softmax, RoPE and quantized matmuls through
//! fused ops that record no backward pass, so this crate carries model code of its own built
//! from differentiable ops ([`model`]), with custom ops where a composite would waste work
//! ([`ops`]). The frozen base never computes a weight gradient; only adapters train.
//!
//! Layout: [`model`] (configs, loading safetensors/GGUF, LLaMA-family and GPT-2 decoders),
//! [`lora`] (adapters in PEFT layout), [`data`] (corpus → token windows), [`train`] (the loop,
//! with [`optim`] and [`schedule`]), [`fine_tune`] (one job end to end, as the CLI runs it),
//! [`influence`] (TracIn attribution over checkpoints of the run), [`generate`] (sampling,
//! chat), [`merge`], [`hash`] and [`manifest`] (the canonical hashes an attestation is made
//! of), [`events`] (JSON-lines progress for other programs), [`tiny`]
//! (tiny random checkpoints for tests and smoke runs), [`worker`] (the chain worker) and
//! [`serve`] (the OpenAI-compatible server over verified adapters, paying for their use).

pub mod data;
pub mod device;
pub mod error;
pub mod events;
pub mod fine_tune;
pub mod generate;
pub mod hash;
pub mod influence;
pub mod kernels;
pub mod lora;
pub mod manifest;
pub mod merge;
pub mod model;
pub mod ops;
pub mod optim;
pub mod rng;
pub mod schedule;
pub mod serve;
pub mod tiny;
pub mod tokenizer;
pub mod train;
pub mod worker;

pub use error::{Error, Result};
