//! What the pallets' random call-sequence drivers share (std only): a small reproducible
//! random number generator and the reading of their seed and length from the environment.

/// xorshift64*: enough randomness for choosing calls, and reproducible for a seed.
pub struct Rng(u64);

impl Rng {
	/// Distinct seeds give distinct streams (splitmix64's finaliser is a bijection, and the
	/// state is never zero).
	pub fn new(seed: u64) -> Self {
		let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		Rng((z ^ (z >> 31)).max(1))
	}

	/// The next 64 random bits.
	#[allow(clippy::should_implement_trait)] // not an iterator: it never ends
	pub fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}

	/// A number below `n` (0 when `n` is 0).
	pub fn below(&mut self, n: u64) -> u64 {
		self.next() % n.max(1)
	}

	/// True once in `n`.
	pub fn one_in(&mut self, n: u64) -> bool {
		self.below(n) == 0
	}

	/// One of `items` (not empty).
	pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
		items[self.below(items.len() as u64) as usize]
	}
}

/// A number from the environment, decimal or `0x` hex; `default` when unset. A value that is
/// not a number stops the run rather than being ignored.
pub fn env_u64(name: &str, default: u64) -> u64 {
	let Ok(text) = std::env::var(name) else { return default };
	let parsed = match text.strip_prefix("0x") {
		Some(hex) => u64::from_str_radix(hex, 16),
		None => text.parse(),
	};
	parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number"))
}

/// What a run did: each call's outcomes (`Ok` or an error's name) with their counts, and the
/// deep states it reached, by name.
pub type Outcomes = std::collections::BTreeMap<(&'static str, String), u64>;
/// Deep states reached (a model verified, a row claimed in full…), by name.
pub type Reached = std::collections::BTreeMap<&'static str, u64>;

/// Prints `outcomes` grouped by call, then `reached`.
pub fn print_report(outcomes: &Outcomes, reached: &Reached) {
	let mut last = "";
	for ((call, outcome), count) in outcomes {
		if *call != last {
			println!("  {call}:");
			last = call;
		}
		println!("    {outcome}: {count}");
	}
	println!("  what the successful calls did: {reached:#?}");
}

/// Fails unless the run reached each of `needed`: a run that never gets deep proves little.
pub fn require(reached: &Reached, needed: &[&str]) {
	for name in needed {
		let count = reached.get(name).copied().unwrap_or_default();
		assert!(count > 0, "no {name}: too short a run to prove much");
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn seeds_next_to_each_other_give_different_streams() {
		let first: Vec<u64> = (0..4)
			.map({
				let mut rng = Rng::new(6);
				move |_| rng.next()
			})
			.collect();
		let second: Vec<u64> = (0..4)
			.map({
				let mut rng = Rng::new(7);
				move |_| rng.next()
			})
			.collect();
		assert_ne!(first, second);
		assert_eq!(Rng::new(6).next(), first[0], "reproducible");
	}
}
