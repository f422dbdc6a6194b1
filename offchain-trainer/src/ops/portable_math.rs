//! Elementary functions in plain arithmetic, the same bits on every CPU.
//!
//! glibc picks FMA variants of `log`, `exp`, `pow`, `sin` and `cos` at run time (ifuncs), whose
//! last bits can differ from the SSE2 ones; a portable run must not depend on which one a
//! machine loads. These take the f64 route: range reduction with split constants, then a
//! polynomial, every operation a separately rounded IEEE add, multiply or divide (Rust does not
//! contract them into fused multiply–adds). Accurate to a few units in the last place (far below
//! what training notices), and identical everywhere.

use std::f64::consts::{FRAC_1_SQRT_2, LOG2_E};

/// ln 2 in two parts (fdlibm): `n·LN2_HI` is exact for |n| < 2¹¹.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// π/2 in three 33-bit parts (fdlibm's pio2_1, pio2_2, pio2_3): `q·part` is exact for
/// |q| < 2²⁰.
const PIO2_1: f64 = f64::from_bits(0x3ff9_21fb_5440_0000);
const PIO2_2: f64 = f64::from_bits(0x3dd0_b461_1a60_0000);
const PIO2_3: f64 = f64::from_bits(0x3ba3_198a_2e00_0000);
const PIO2_3T: f64 = f64::from_bits(0x397b_839a_2520_49c1);
const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;

/// x rounded to the nearest integer (ties to even), for |x| < 2⁵¹, without a libm call.
#[inline]
fn round_to_integer(x: f64) -> f64 {
	const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5·2⁵²
	(x + MAGIC) - MAGIC
}

/// Natural logarithm: x = 2ᵉ·m with m in [√½, √2), ln m = 2·atanh((m − 1)/(m + 1)) by its
/// series (|s| ≤ 0.172, twelve terms).
pub fn ln(x: f64) -> f64 {
	if x.is_nan() || x < 0.0 {
		return f64::NAN;
	}
	if x == 0.0 {
		return f64::NEG_INFINITY;
	}
	if x.is_infinite() {
		return f64::INFINITY;
	}
	let (mut bits, mut exponent) = (x.to_bits(), 0i64);
	if bits >> 52 == 0 {
		// Subnormal: scale into the normal range first (exactly).
		bits = (x * 18_014_398_509_481_984.0).to_bits(); // 2⁵⁴
		exponent = -54;
	}
	exponent += ((bits >> 52) & 0x7ff) as i64 - 1023;
	let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
	if m > 2.0 * FRAC_1_SQRT_2 {
		m *= 0.5;
		exponent += 1;
	}
	let s = (m - 1.0) / (m + 1.0);
	let s2 = s * s;
	let mut series = 1.0 / 25.0;
	for n in (0..12).rev() {
		series = series * s2 + 1.0 / (2 * n + 1) as f64;
	}
	let e = exponent as f64;
	e * LN2_HI + (e * LN2_LO + 2.0 * s * series)
}

/// ln for f32, through the f64 one (then rounded once).
pub fn ln_f32(x: f32) -> f32 {
	ln(x as f64) as f32
}

/// eˣ: x = n·ln 2 + r, |r| ≤ ½ln 2, e^r by its Taylor series to r¹³, times 2ⁿ.
pub fn exp(x: f64) -> f64 {
	if x.is_nan() {
		return f64::NAN;
	}
	if x > 709.782_712_893_384 {
		return f64::INFINITY;
	}
	if x < -745.2 {
		return 0.0;
	}
	let n = round_to_integer(x * LOG2_E);
	let r = (x - n * LN2_HI) - n * LN2_LO;
	let mut p = 1.0;
	for i in (1..=13).rev() {
		p = 1.0 + p * r / i as f64;
	}
	// 2ⁿ in two halves, so neither leaves the normal range (n is in [−1075, 1024]).
	let n = n as i64;
	let half = n / 2;
	let power = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
	p * power(half) * power(n - half)
}

/// baseˣ for base > 0 (as exp(x·ln base); relative error ~1e-15 for moderate results).
pub fn powf(base: f64, x: f64) -> f64 {
	if base == 1.0 || x == 0.0 {
		return 1.0;
	}
	exp(x * ln(base))
}

/// (sin x, cos x): x = q·π/2 + r by a three-part π/2 (accurate for |x| < 2²⁰·π/2; beyond, still
/// deterministic but losing bits), then the Taylor series of sin and cos on |r| ≤ π/4.
pub fn sin_cos(x: f64) -> (f64, f64) {
	if !x.is_finite() {
		return (f64::NAN, f64::NAN);
	}
	let q = round_to_integer(x * TWO_OVER_PI);
	let r = (((x - q * PIO2_1) - q * PIO2_2) - q * PIO2_3) - q * PIO2_3T;
	let r2 = r * r;
	// sin r = r·(1 − r²/3! + r⁴/5! − …), to r²¹; cos r = 1 − r²/2! + …, to r²⁰.
	let mut sin = 1.0;
	for i in (1..=10).rev() {
		sin = 1.0 - sin * r2 / ((2 * i) * (2 * i + 1)) as f64;
	}
	let sin = r * sin;
	let mut cos = 1.0;
	for i in (1..=10).rev() {
		cos = 1.0 - cos * r2 / ((2 * i - 1) * (2 * i)) as f64;
	}
	match (q as i64).rem_euclid(4) {
		0 => (sin, cos),
		1 => (cos, -sin),
		2 => (-sin, -cos),
		_ => (-cos, sin),
	}
}

pub fn sin(x: f64) -> f64 {
	sin_cos(x).0
}

pub fn cos(x: f64) -> f64 {
	sin_cos(x).1
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::rng::Rng;

	fn relative(got: f64, want: f64) -> f64 {
		if want == 0.0 {
			got.abs()
		} else {
			((got - want) / want).abs()
		}
	}

	/// Points spread over many magnitudes, plus awkward ones.
	fn samples(low: f64, high: f64) -> Vec<f64> {
		let mut rng = Rng::new(17);
		let mut xs: Vec<f64> = (0..20_000)
			.map(|_| low + (high - low) * (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
			.collect();
		xs.extend(
			[low, high, 0.0, 1.0, -1.0, 0.5, 2.0].iter().filter(|x| (low..=high).contains(*x)),
		);
		xs
	}

	#[test]
	fn ln_is_accurate_everywhere() {
		let mut worst = 0f64;
		for e in samples(-1074.0, 1023.9) {
			for m in [1.0, 1.1, 1.41, 1.5, 1.99] {
				let x = m * 2f64.powf(e);
				if x > 0.0 && x.is_finite() {
					worst = worst.max(relative(ln(x), x.ln()));
				}
			}
		}
		for x in samples(0.5, 2.0) {
			worst = worst.max(relative(ln(x), x.ln()));
		}
		assert!(worst < 1e-15, "worst relative error {worst}");
		assert_eq!(ln(1.0), 0.0);
		assert_eq!(ln(0.0), f64::NEG_INFINITY);
		assert_eq!(ln(f64::INFINITY), f64::INFINITY);
		assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan());
		assert_eq!(ln(f64::MIN_POSITIVE / 8.0), (f64::MIN_POSITIVE / 8.0).ln());
		for x in [1e-30f32, 0.3, 1.0, 3.5, 49152.0, 1e30] {
			assert!(relative(ln_f32(x) as f64, (x as f64).ln()) < 1e-7);
		}
	}

	#[test]
	fn exp_and_powf_are_accurate() {
		let mut worst = 0f64;
		for x in samples(-708.0, 709.7) {
			worst = worst.max(relative(exp(x), x.exp()));
		}
		for x in samples(-745.0, -708.0) {
			// Subnormal results: as close as their fewer bits allow.
			assert!((exp(x) - x.exp()).abs() <= 4.0 * f64::from_bits(1), "{x}");
		}
		for x in samples(-1.0, 1.0) {
			worst = worst.max(relative(exp(x), x.exp()));
		}
		assert!(worst < 1e-15, "exp: worst relative error {worst}");
		assert_eq!(exp(0.0), 1.0);
		assert_eq!(exp(710.0), f64::INFINITY);
		assert_eq!(exp(-800.0), 0.0);
		let mut worst = 0f64;
		for theta in [10_000.0, 500_000.0, 1e6] {
			for i in 0..64 {
				let x = 2.0 * i as f64 / 128.0;
				worst = worst.max(relative(powf(theta, x), f64::powf(theta, x)));
			}
		}
		assert!(worst < 1e-14, "powf: worst relative error {worst}");
	}

	#[test]
	fn sin_and_cos_are_accurate() {
		let mut worst = 0f64;
		for x in samples(-10_000.0, 10_000.0).into_iter().chain(samples(-4.0, 4.0)) {
			let (s, c) = sin_cos(x);
			worst = worst.max((s - x.sin()).abs()).max((c - x.cos()).abs());
		}
		assert!(worst < 1e-14, "worst absolute error {worst}");
		assert_eq!(sin_cos(0.0), (0.0, 1.0));
		assert!((cos(std::f64::consts::PI) + 1.0).abs() < 1e-16);
		assert!(sin(f64::NAN).is_nan() && cos(f64::INFINITY).is_nan());
	}
}
