//! The vector registers the micro-kernel is instantiated with: one type per level, each with
//! lane-wise load, store, broadcast, multiply and add. Multiply and add are the IEEE
//! operations, each rounded on its own (there is no fused multiply–add here, and the compiler
//! never forms one from them), so every lane computes exactly what scalar code would.

/// A vector of `LANES` f32s.
pub trait Lanes: Copy {
	const LANES: usize;

	/// # Safety
	/// `p` addresses LANES floats; the CPU runs the type's instructions.
	unsafe fn load(p: *const f32) -> Self;

	/// # Safety
	/// `p` addresses LANES floats; the CPU runs the type's instructions.
	unsafe fn store(self, p: *mut f32);

	/// # Safety
	/// The CPU runs the type's instructions.
	unsafe fn splat(x: f32) -> Self;

	/// self + a·b, the product rounded, then the sum.
	///
	/// # Safety
	/// The CPU runs the type's instructions.
	unsafe fn add_product(self, a: Self, b: Self) -> Self;
}

#[cfg(target_arch = "x86_64")]
mod x86 {
	use super::Lanes;
	use std::arch::x86_64::*;

	/// AVX-512F: 16 lanes.
	impl Lanes for __m512 {
		const LANES: usize = 16;

		#[inline(always)]
		unsafe fn load(p: *const f32) -> Self {
			unsafe { _mm512_loadu_ps(p) }
		}

		#[inline(always)]
		unsafe fn store(self, p: *mut f32) {
			unsafe { _mm512_storeu_ps(p, self) }
		}

		#[inline(always)]
		unsafe fn splat(x: f32) -> Self {
			unsafe { _mm512_set1_ps(x) }
		}

		#[inline(always)]
		unsafe fn add_product(self, a: Self, b: Self) -> Self {
			unsafe { _mm512_add_ps(self, _mm512_mul_ps(a, b)) }
		}
	}

	/// AVX: 8 lanes.
	impl Lanes for __m256 {
		const LANES: usize = 8;

		#[inline(always)]
		unsafe fn load(p: *const f32) -> Self {
			unsafe { _mm256_loadu_ps(p) }
		}

		#[inline(always)]
		unsafe fn store(self, p: *mut f32) {
			unsafe { _mm256_storeu_ps(p, self) }
		}

		#[inline(always)]
		unsafe fn splat(x: f32) -> Self {
			unsafe { _mm256_set1_ps(x) }
		}

		#[inline(always)]
		unsafe fn add_product(self, a: Self, b: Self) -> Self {
			unsafe { _mm256_add_ps(self, _mm256_mul_ps(a, b)) }
		}
	}

	/// SSE (every x86-64): 4 lanes.
	impl Lanes for __m128 {
		const LANES: usize = 4;

		#[inline(always)]
		unsafe fn load(p: *const f32) -> Self {
			unsafe { _mm_loadu_ps(p) }
		}

		#[inline(always)]
		unsafe fn store(self, p: *mut f32) {
			unsafe { _mm_storeu_ps(p, self) }
		}

		#[inline(always)]
		unsafe fn splat(x: f32) -> Self {
			unsafe { _mm_set1_ps(x) }
		}

		#[inline(always)]
		unsafe fn add_product(self, a: Self, b: Self) -> Self {
			unsafe { _mm_add_ps(self, _mm_mul_ps(a, b)) }
		}
	}
}

/// Four lanes in plain arithmetic (other architectures; the compiler vectorises it).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[derive(Clone, Copy)]
pub struct Four([f32; 4]);

impl Lanes for Four {
	const LANES: usize = 4;

	#[inline(always)]
	unsafe fn load(p: *const f32) -> Self {
		Four(unsafe { std::ptr::read_unaligned(p.cast()) })
	}

	#[inline(always)]
	unsafe fn store(self, p: *mut f32) {
		unsafe { std::ptr::write_unaligned(p.cast(), self.0) }
	}

	#[inline(always)]
	unsafe fn splat(x: f32) -> Self {
		Four([x; 4])
	}

	#[inline(always)]
	unsafe fn add_product(self, a: Self, b: Self) -> Self {
		let mut out = self.0;
		for ((out, a), b) in out.iter_mut().zip(a.0).zip(b.0) {
			*out += a * b;
		}
		Four(out)
	}
}
