//! Measured influence of training data on a trained adapter: which sources (a contributor's
//! files) lowered the held-out loss, by TracIn over checkpoints kept during training. The
//! worker turns the scores into its attribution table (`worker::attribution`); the method,
//! its costs and its limits are in docs/ATTRIBUTION.md.

pub mod snapshots;
pub mod tracin;

pub use snapshots::{checkpoint_steps, checkpoints, Checkpoint};
pub use tracin::{Groups, Influence, Tracin};
