//! A seedable PRNG of our own: candle's CPU randomness cannot be seeded, and a trainer must
//! reproduce initialisation, shuffling and dropout bit for bit from one seed.

/// xoshiro256** seeded through SplitMix64.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
	state: [u64; 4],
}

impl Rng {
	pub fn new(seed: u64) -> Self {
		let mut x = seed;
		let mut split_mix = || {
			x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
			let mut z = x;
			z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
			z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
			z ^ (z >> 31)
		};
		Rng { state: [split_mix(), split_mix(), split_mix(), split_mix()] }
	}

	/// The full state, for checkpoints.
	pub fn state(&self) -> [u64; 4] {
		self.state
	}

	pub fn from_state(state: [u64; 4]) -> Self {
		Rng { state }
	}

	pub fn next_u64(&mut self) -> u64 {
		let s = &mut self.state;
		let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
		let t = s[1] << 17;
		s[2] ^= s[0];
		s[3] ^= s[1];
		s[1] ^= s[2];
		s[0] ^= s[3];
		s[2] ^= t;
		s[3] = s[3].rotate_left(45);
		result
	}

	/// Uniform in [0, 1), 24 bits of precision.
	pub fn next_f32(&mut self) -> f32 {
		(self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
	}

	/// Uniform in [0, n).
	pub fn below(&mut self, n: usize) -> usize {
		// Multiply-shift: unbiased enough for shuffling data windows (n ≪ 2^64).
		((self.next_u64() as u128 * n as u128) >> 64) as usize
	}

	pub fn uniform(&mut self, low: f32, high: f32, count: usize) -> Vec<f32> {
		(0..count).map(|_| low + (high - low) * self.next_f32()).collect()
	}

	/// Fisher–Yates.
	pub fn shuffle<T>(&mut self, items: &mut [T]) {
		for i in (1..items.len()).rev() {
			items.swap(i, self.below(i + 1));
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn same_seed_same_stream_different_seed_different_stream() {
		let (mut a, mut b, mut c) = (Rng::new(7), Rng::new(7), Rng::new(8));
		let xs: Vec<u64> = (0..16).map(|_| a.next_u64()).collect();
		assert_eq!(xs, (0..16).map(|_| b.next_u64()).collect::<Vec<_>>());
		assert_ne!(xs, (0..16).map(|_| c.next_u64()).collect::<Vec<_>>());
	}

	#[test]
	fn uniform_stays_in_range_and_is_roughly_centred() {
		let values = Rng::new(1).uniform(-2.0, 2.0, 10_000);
		assert!(values.iter().all(|v| (-2.0..2.0).contains(v)));
		let mean = values.iter().sum::<f32>() / values.len() as f32;
		assert!(mean.abs() < 0.1, "mean {mean}");
	}

	#[test]
	fn shuffle_is_a_permutation_and_resumes_from_state() {
		let mut rng = Rng::new(3);
		let mut items: Vec<u32> = (0..100).collect();
		rng.shuffle(&mut items);
		let mut sorted = items.clone();
		sorted.sort();
		assert_eq!(sorted, (0..100).collect::<Vec<_>>());
		assert_ne!(items, sorted);
		let mut resumed = Rng::from_state(rng.state());
		assert_eq!(resumed.next_u64(), rng.next_u64());
	}
}
