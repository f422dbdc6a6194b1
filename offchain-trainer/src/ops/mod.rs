//! Differentiable building blocks. candle's fused `softmax_last_dim`, `rms_norm`,
//! `layer_norm` and `rope` record no backward op, so models here use these instead: custom
//! ops with a hand-written backward where a composite would be slow (softmax, cross-entropy,
//! frozen matmul), composites of differentiable ops elsewhere.

mod attach;
mod cpu;
pub mod cross_entropy;
pub mod frozen;
pub mod norm;
pub mod rope;
pub mod softmax;
pub mod swiglu;

#[cfg(test)]
pub(crate) mod gradcheck;

pub use attach::{attach1, attach2, attach3};
pub use cross_entropy::masked_cross_entropy;
pub use frozen::FrozenWeight;
pub use norm::{layer_norm, rms_norm};
pub use rope::Rope;
pub use softmax::{scaled_masked_softmax, softmax_last_dim};
pub use swiglu::swiglu;
