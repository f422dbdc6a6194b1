//! Which CPU kernels a run uses: the determinism class of the job and the instruction-set
//! level the portable kernels are compiled for.
//!
//! `Fast` is candle's own CPU path (gemm, SIMD reductions picked at run time): one machine
//! gives one result, but AVX2 and AVX-512 round differently. `Portable` routes every matmul
//! and reduction through this crate's kernels, whose per-output summation order is fixed and
//! whose multiply–adds are never fused, so any x86-64 level, aarch64 and any thread count give
//! the same bits.
//!
//! The choice is per thread (the thread that builds and runs the graph), set with [`scope`].

use serde::{Deserialize, Serialize};
use std::cell::Cell;

/// The determinism class a run uses (the chain's `DeterminismClass`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Kernels {
	/// Bit-identical on every CPU: fixed reduction order, unfused multiply–adds.
	Portable,
	/// candle's fastest CPU kernels: identical only on identical hardware.
	Fast,
}

/// The instruction-set level the portable kernels run at (at most what the CPU has).
#[derive(
	Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum KernelLevel {
	/// x86-64 baseline (SSE2) or aarch64 NEON.
	Baseline,
	/// x86-64-v3 (AVX2).
	Avx2,
	/// x86-64-v4 (AVX-512F).
	Avx512,
}

thread_local! {
	static CURRENT: Cell<(Kernels, KernelLevel)> = Cell::new((Kernels::Fast, detected_level()));
}

/// The best level this CPU runs.
pub fn detected_level() -> KernelLevel {
	#[cfg(target_arch = "x86_64")]
	{
		if std::arch::is_x86_feature_detected!("avx512f") {
			return KernelLevel::Avx512;
		}
		if std::arch::is_x86_feature_detected!("avx2") {
			return KernelLevel::Avx2;
		}
	}
	KernelLevel::Baseline
}

/// This thread's kernels and level.
pub fn current() -> (Kernels, KernelLevel) {
	CURRENT.with(Cell::get)
}

/// Restores the previous kernels when dropped.
pub struct ScopeGuard {
	previous: (Kernels, KernelLevel),
}

impl Drop for ScopeGuard {
	fn drop(&mut self) {
		CURRENT.with(|c| c.set(self.previous));
	}
}

/// Uses `kernels` on this thread until the guard drops; `level` caps the portable kernels'
/// instruction set (None: the CPU's best). A level above the CPU's is lowered to it.
pub fn scope(kernels: Kernels, level: Option<KernelLevel>) -> ScopeGuard {
	let detected = detected_level();
	let level = level.map_or(detected, |l| l.min(detected));
	let previous = current();
	CURRENT.with(|c| c.set((kernels, level)));
	ScopeGuard { previous }
}
