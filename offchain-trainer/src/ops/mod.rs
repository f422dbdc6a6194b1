//! Differentiable building blocks. candle's fused `softmax_last_dim`, `rms_norm`,
//! `layer_norm` and `rope` record no backward op, so models here use these instead: custom
//! ops with a hand-written backward where a composite would be slow (softmax, cross-entropy,
//! frozen matmul), composites of differentiable ops elsewhere.
//!
//! Every product of training and evaluation goes through [`matmul()`] (candle's gemm with
//! `Kernels::Fast`, a fixed-order kernel with `Kernels::Portable`, see [`crate::kernels`]);
//! every sum through [`reduce`] (sequential, the same bits on any CPU in both classes); and the
//! elementary functions libm would give through [`portable_math`] or the crate's own exp.

mod attach;
mod cpu;
pub mod cross_entropy;
pub mod frozen;
pub mod gelu;
pub mod matmul;
pub mod norm;
pub mod portable_math;
pub mod reduce;
pub mod rope;
pub mod softmax;
pub mod swiglu;

#[cfg(test)]
pub(crate) mod gradcheck;

pub use attach::{attach1, attach2, attach3};
pub use cross_entropy::masked_cross_entropy;
pub use frozen::FrozenWeight;
pub use gelu::gelu;
pub use matmul::matmul;
pub use norm::{layer_norm, rms_norm};
pub use rope::Rope;
pub use softmax::{scaled_masked_softmax, softmax_last_dim};
pub use swiglu::swiglu;
