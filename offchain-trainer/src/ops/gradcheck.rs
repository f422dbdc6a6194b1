//! Finite-difference checks for the custom ops' backward passes (f64, central differences).

use crate::rng::Rng;
use candle_core::{DType, Device, Result, Tensor, Var};

pub fn random_tensor(shape: &[usize], seed: u64) -> Result<Tensor> {
	let count = shape.iter().product();
	let values: Vec<f64> =
		Rng::new(seed).uniform(-1.0, 1.0, count).into_iter().map(f64::from).collect();
	Tensor::from_vec(values, shape, &Device::Cpu)
}

/// Compares the backward pass of `f` (scalar output) at `x` with central differences on every
/// element; fails when the largest absolute difference exceeds `tolerance`.
pub fn check_gradient(
	x: &Tensor,
	f: impl Fn(&Tensor) -> Result<Tensor>,
	tolerance: f64,
) -> Result<()> {
	assert_eq!(x.dtype(), DType::F64, "finite differences need f64");
	let var = Var::from_tensor(x)?;
	let analytic = f(var.as_tensor())?.backward()?;
	let analytic = analytic.get(var.as_tensor()).expect("no gradient reached the input");
	let analytic = analytic.flatten_all()?.to_vec1::<f64>()?;
	let base = x.flatten_all()?.to_vec1::<f64>()?;
	let step = 1e-5;
	for (i, &want) in analytic.iter().enumerate() {
		let mut shifted = base.clone();
		shifted[i] += step;
		let up = f(&Tensor::from_vec(shifted.clone(), x.shape(), x.device())?)?;
		shifted[i] -= 2.0 * step;
		let down = f(&Tensor::from_vec(shifted, x.shape(), x.device())?)?;
		let numeric = (up.to_scalar::<f64>()? - down.to_scalar::<f64>()?) / (2.0 * step);
		assert!(
			(numeric - want).abs() <= tolerance,
			"element {i}: backward gives {want}, finite differences {numeric}"
		);
	}
	Ok(())
}
