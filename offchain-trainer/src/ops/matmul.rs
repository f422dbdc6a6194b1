//! Matrix products in the run's determinism class ([`crate::kernels`]).
//!
//! `Fast` is candle's matmul (gemm, whose kernels and their fused multiply–adds are picked at
//! run time). `Portable` (CPU, f32) computes every output element in one fixed order,
//!
//! ```text
//! c[i,j] = (…((0 + a[i,0]·b[0,j]) + a[i,1]·b[1,j]) + …) + a[i,k−1]·b[k−1,j]
//! ```
//!
//! each product and each sum rounded on its own (Rust never contracts `x*y + z` into a fused
//! multiply–add, and nothing here asks for one). SIMD lanes run across outputs (j), never across
//! k, so the AVX-512, AVX2 and baseline instantiations of the one micro-kernel, and any number of
//! threads, give the same bits. k is walked in blocks for the caches, but sequentially: a block
//! continues from the value the previous one stored, which is the same f32.

mod lanes;

use super::attach2;
use crate::kernels::{self, KernelLevel, Kernels};
use candle_core::{bail, CpuStorage, DType, Layout, Result, Storage, Tensor};
use lanes::Lanes;
use rayon::prelude::*;

/// The kernels and level in force on this thread (read at op entry; backward passes reuse the
/// forward's, since rayon's workers do not see the thread-local).
pub type Mode = (Kernels, KernelLevel);

/// a (…, m, k) · b (…, k, n) → (…, m, n), recorded for backward. Portable on the CPU in f32:
/// dA = g·Bᵀ and dB = Aᵀ·g through the same kernel; otherwise candle's matmul and autograd.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
	let mode = kernels::current();
	if !portable(mode, a, b) {
		return a.matmul(b);
	}
	let level = mode.1;
	let value = portable_product(a, b, level)?;
	attach2("portable-matmul", value, [a, b], move |[a, b], grad| {
		let d_a = match a.track_op() {
			true => Some(portable_product(grad, &b.t()?, level)?),
			false => None,
		};
		let d_b = match b.track_op() {
			true => Some(portable_product(&a.t()?, grad, level)?),
			false => None,
		};
		Ok([d_a, d_b])
	})
}

/// a · b without a graph, in this thread's mode.
pub fn product(a: &Tensor, b: &Tensor) -> Result<Tensor> {
	product_in(kernels::current(), a, b)
}

/// a · b without a graph, in `mode` (captured by a custom op's forward for its backward).
pub fn product_in(mode: Mode, a: &Tensor, b: &Tensor) -> Result<Tensor> {
	if portable(mode, a, b) {
		portable_product(a, b, mode.1)
	} else {
		a.detach().matmul(&b.detach())
	}
}

fn portable(mode: Mode, a: &Tensor, b: &Tensor) -> bool {
	mode.0 == Kernels::Portable
		&& a.device().is_cpu()
		&& a.dtype() == DType::F32
		&& b.dtype() == DType::F32
		&& b.device().is_cpu()
}

/// A batch of strided matrices inside one storage.
struct View<'a> {
	data: &'a [f32],
	/// Start of each matrix of the batch.
	offsets: Vec<usize>,
	/// Row and column strides.
	rs: usize,
	cs: usize,
}

fn view<'a>(data: &'a [f32], layout: &Layout) -> View<'a> {
	let dims = layout.dims();
	let stride = layout.stride();
	let rank = dims.len();
	let (lead_dims, lead_strides) = (&dims[..rank - 2], &stride[..rank - 2]);
	let count: usize = lead_dims.iter().product();
	let mut offsets = Vec::with_capacity(count);
	let mut index = vec![0usize; lead_dims.len()];
	for _ in 0..count {
		let offset: usize = index.iter().zip(lead_strides).map(|(i, s)| i * s).sum();
		offsets.push(layout.start_offset() + offset);
		for d in (0..index.len()).rev() {
			index[d] += 1;
			if index[d] < lead_dims[d] {
				break;
			}
			index[d] = 0;
		}
	}
	View { data, offsets, rs: stride[rank - 2], cs: stride[rank - 1] }
}

fn f32_data<'a>(storage: &'a Storage, op: &str) -> Result<&'a [f32]> {
	match storage {
		Storage::Cpu(CpuStorage::F32(data)) => Ok(data),
		_ => bail!("{op}: expects f32 on the CPU"),
	}
}

/// The portable product of a (…, m, k) and b (…, k, n) with equal batch counts.
fn portable_product(a: &Tensor, b: &Tensor, level: KernelLevel) -> Result<Tensor> {
	let (a_dims, b_dims) = (a.dims(), b.dims());
	let rank = a_dims.len();
	if rank < 2 || b_dims.len() != rank {
		bail!("matmul: cannot multiply {:?} by {:?}", a.shape(), b.shape());
	}
	let (m, k, k2, n) = (a_dims[rank - 2], a_dims[rank - 1], b_dims[rank - 2], b_dims[rank - 1]);
	let batch: usize = a_dims[..rank - 2].iter().product();
	if k != k2 || batch != b_dims[..rank - 2].iter().product::<usize>() {
		bail!("matmul: cannot multiply {:?} by {:?}", a.shape(), b.shape());
	}
	let len = batch * m * n;
	let out = if len > 0 && k > 0 {
		let (a_storage, a_layout) = a.storage_and_layout();
		let (b_storage, b_layout) = b.storage_and_layout();
		let a_view = view(f32_data(&a_storage, "matmul")?, a_layout);
		let b_view = view(f32_data(&b_storage, "matmul")?, b_layout);
		let mut out = Vec::<f32>::with_capacity(len);
		// SAFETY: `gemm` writes every element (the first k block stores each tile without
		// reading it), and nothing reads the buffer before.
		unsafe {
			gemm(level, &a_view, &b_view, out.as_mut_ptr(), (m, n, k));
			out.set_len(len);
		}
		out
	} else {
		vec![0f32; len]
	};
	let mut shape = a_dims[..rank - 2].to_vec();
	shape.extend([m, n]);
	Tensor::from_vec(out, shape, a.device())
}

/// Rows of C per row block.
const BLOCK_ROWS: usize = 256;
/// Row blocks of at most this many elements of A (rows × k) go through all of k in one
/// micro-kernel call per tile; larger ones are walked in k blocks.
const WHOLE_K_UP_TO: usize = 1 << 20;
/// The k block of the blocked walk: the block of A (BLOCK_ROWS × KC) stays in cache while the
/// threads stream their column panels past it.
const KC: usize = 256;
/// Column blocks are whole multiples of this (a multiple of every level's NR).
const COLUMN_STEP: usize = 32;
/// Tasks per thread to aim for (load balance).
const TASKS_PER_THREAD: usize = 4;
/// Below this many multiply–adds a product runs on the calling thread.
const PARALLEL_FROM: usize = 1 << 18;

/// Micro-kernel shapes (MR rows × NR columns of accumulators) per level, NR two vectors.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const AVX512: (usize, usize) = (8, 32);
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const AVX2: (usize, usize) = (6, 16);
const BASELINE: (usize, usize) = (4, 8);

#[cfg(not(target_arch = "x86_64"))]
use lanes::Four as BaselineLanes;
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{__m128 as BaselineLanes, __m256, __m512};

struct Job<'a> {
	a: &'a View<'a>,
	b: &'a View<'a>,
	c: *mut f32,
	m: usize,
	n: usize,
}

// SAFETY: tasks write disjoint tiles of `c`, which outlives the parallel loop.
unsafe impl Sync for Job<'_> {}

/// A tile of C: rows and columns of one matrix of the batch.
#[derive(Clone, Copy)]
struct Task {
	batch: usize,
	rows: (usize, usize),
	columns: (usize, usize),
}

/// `n` columns cut into about `parts` blocks of whole COLUMN_STEPs.
fn column_blocks(n: usize, parts: usize) -> Vec<(usize, usize)> {
	let width = n.div_ceil(parts.max(1)).next_multiple_of(COLUMN_STEP);
	(0..n).step_by(width).map(|j0| (j0, (j0 + width).min(n))).collect()
}

/// c (batch, m, n), contiguous, ← a · b. How C is cut into tasks and k into blocks changes only
/// which thread computes an element and when, never the order of its sum.
///
/// # Safety
/// `c` addresses batch·m·n writable floats (which need not be initialised), and k > 0.
unsafe fn gemm(
	level: KernelLevel,
	a: &View,
	b: &View,
	c: *mut f32,
	(m, n, k): (usize, usize, usize),
) {
	let level = level.min(kernels::detected_level());
	let job = Job { a, b, c, m, n };
	let parallel = a.offsets.len() * m * n * k >= PARALLEL_FROM;
	let wanted = if parallel { rayon::current_num_threads() * TASKS_PER_THREAD } else { 1 };
	let row_blocks: Vec<(usize, (usize, usize))> = (0..a.offsets.len())
		.flat_map(|batch| {
			(0..m).step_by(BLOCK_ROWS).map(move |i0| (batch, (i0, (i0 + BLOCK_ROWS).min(m))))
		})
		.collect();
	if BLOCK_ROWS.min(m) * k <= WHOLE_K_UP_TO {
		// Tasks over row and column blocks, each through all of k.
		let columns = column_blocks(n, wanted.div_ceil(row_blocks.len()));
		let tasks: Vec<Task> = row_blocks
			.iter()
			.flat_map(|&(batch, rows)| {
				columns.iter().map(move |&columns| Task { batch, rows, columns })
			})
			.collect();
		let run = |task: &Task| run_panels(level, &job, *task, (0, k));
		if parallel && tasks.len() > 1 {
			tasks.par_iter().for_each(run);
		} else {
			tasks.iter().for_each(run);
		}
		return;
	}
	// Long k (the output head's backward, A tens of megabytes): the threads walk the k blocks
	// of one row block in step, splitting the columns, so each block of A is fetched from
	// memory once for all of them rather than once per column task.
	let columns = column_blocks(n, wanted);
	for &(batch, rows) in &row_blocks {
		for k0 in (0..k).step_by(KC) {
			let span = (k0, KC.min(k - k0));
			let run = |&columns: &(usize, usize)| {
				run_panels(level, &job, Task { batch, rows, columns }, span);
			};
			if parallel && columns.len() > 1 {
				columns.par_iter().for_each(run);
			} else {
				columns.iter().for_each(run);
			}
		}
	}
}

fn run_panels(level: KernelLevel, job: &Job, task: Task, span: (usize, usize)) {
	#[cfg(target_arch = "x86_64")]
	match level {
		// SAFETY: `gemm` lowered the level to what this CPU runs.
		KernelLevel::Avx512 => return unsafe { panels_avx512(job, task, span) },
		KernelLevel::Avx2 => return unsafe { panels_avx2(job, task, span) },
		KernelLevel::Baseline => {},
	}
	let _ = level;
	panels::<BaselineLanes, { BASELINE.0 }, { BASELINE.1 }>(job, task, span)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn panels_avx512(job: &Job, task: Task, span: (usize, usize)) {
	panels::<__m512, { AVX512.0 }, { AVX512.1 }>(job, task, span)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn panels_avx2(job: &Job, task: Task, span: (usize, usize)) {
	panels::<__m256, { AVX2.0 }, { AVX2.1 }>(job, task, span)
}

/// C's tile of `task` ← (k0 = 0 ? 0 : C) + A·B over k0..k0 + kc, panel by panel of NR columns,
/// each passed over by every sliver of MR rows of A. Full slivers of A, and full panels of a B
/// with unit column stride, are read where they lie; the rest (transposed B, ragged edges) are
/// first packed into zero-padded buffers.
#[inline(always)]
fn panels<V: Lanes, const MR: usize, const NR: usize>(
	job: &Job,
	task: Task,
	(k0, kc): (usize, usize),
) {
	let (i0, i1) = task.rows;
	let (j0, j1) = task.columns;
	let first = k0 == 0;
	let (a, b) = (job.a, job.b);
	let a_start = a.offsets[task.batch] + k0 * a.cs;
	let b_start = b.offsets[task.batch] + k0 * b.rs;
	let c_base = task.batch * job.m * job.n;
	// The last, short sliver of rows, packed once for all panels.
	let short = (i1 - i0) % MR;
	let mut edge_a = Vec::new();
	if short > 0 {
		edge_a = vec![0f32; MR * kc];
		let start = a_start + (i1 - short) * a.rs;
		pack::<MR>(&mut edge_a, a.data, start, (a.rs, a.cs), (short, kc));
	}
	let mut packed_b = Vec::new();
	let mut edge_c = [[0f32; NR]; MR];
	for c0 in (j0..j1).step_by(NR) {
		let width = NR.min(j1 - c0);
		let b_panel = if width == NR && b.cs == 1 {
			// SAFETY: rows k0..k0 + kc, columns c0..c0 + NR of this matrix of B.
			Operand { ptr: unsafe { b.data.as_ptr().add(b_start + c0) }, rs: b.rs, cs: 1 }
		} else {
			packed_b.resize(NR * kc, 0.0);
			pack::<NR>(&mut packed_b, b.data, b_start + c0 * b.cs, (b.cs, b.rs), (width, kc));
			Operand { ptr: packed_b.as_ptr(), rs: NR, cs: 1 }
		};
		for r0 in (i0..i1).step_by(MR) {
			let height = MR.min(i1 - r0);
			let a_sliver = if height == MR {
				// SAFETY: rows r0..r0 + MR, columns k0..k0 + kc of this matrix of A.
				Operand {
					ptr: unsafe { a.data.as_ptr().add(a_start + r0 * a.rs) },
					rs: a.rs,
					cs: a.cs,
				}
			} else {
				Operand { ptr: edge_a.as_ptr(), rs: 1, cs: MR }
			};
			// SAFETY: the tile lies inside c, and no other task writes it.
			let c = unsafe { job.c.add(c_base + r0 * job.n + c0) };
			if height == MR && width == NR {
				unsafe { micro::<V, MR, NR>(kc, a_sliver, b_panel, c, job.n, first) };
				continue;
			}
			if !first {
				for (i, row) in edge_c.iter_mut().enumerate().take(height) {
					for (j, value) in row.iter_mut().enumerate().take(width) {
						*value = unsafe { *c.add(i * job.n + j) };
					}
				}
			}
			let edge = edge_c.as_mut_ptr().cast();
			unsafe { micro::<V, MR, NR>(kc, a_sliver, b_panel, edge, NR, first) };
			for (i, row) in edge_c.iter().enumerate().take(height) {
				for (j, value) in row.iter().enumerate().take(width) {
					unsafe { *c.add(i * job.n + j) = *value };
				}
			}
		}
	}
}

/// Where a micro-kernel reads an operand: element (r, c) at `ptr + r·rs + c·cs`.
#[derive(Clone, Copy)]
struct Operand {
	ptr: *const f32,
	rs: usize,
	cs: usize,
}

/// Packs `count` lines (rows of A or columns of B, zero beyond `count` up to W) of `depth`
/// elements into `out[p·W + line]`. `line_stride` steps between lines, `depth_stride` along
/// one. Kept out of line, so it is compiled for the baseline instruction set even when called
/// from an AVX-512 kernel (whose compiler would vectorise the strided stores into scatters).
#[inline(never)]
fn pack<const W: usize>(
	out: &mut [f32],
	data: &[f32],
	start: usize,
	(line_stride, depth_stride): (usize, usize),
	(count, depth): (usize, usize),
) {
	if count < W {
		out.fill(0.0);
	}
	if depth_stride == 1 {
		for line in 0..count {
			let src = &data[start + line * line_stride..][..depth];
			for (p, &v) in src.iter().enumerate() {
				out[p * W + line] = v;
			}
		}
	} else if line_stride == 1 {
		for p in 0..depth {
			let src = &data[start + p * depth_stride..][..count];
			out[p * W..p * W + count].copy_from_slice(src);
		}
	} else {
		for p in 0..depth {
			for line in 0..count {
				out[p * W + line] = data[start + line * line_stride + p * depth_stride];
			}
		}
	}
}

/// c[i][j] ← (first ? 0 : c[i][j]) + Σ_p a[i][p]·b[p][j], p in order, each product and sum
/// rounded separately: MR × 2 vectors of accumulators, lanes across j (NR = 2 lanes).
///
/// # Safety
/// `a` addresses MR rows of `kc` floats and `b` (unit column stride) `kc` rows of NR; `c`
/// addresses MR rows of NR floats, `ldc` apart; the CPU runs `V`'s instructions.
#[inline(always)]
unsafe fn micro<V: Lanes, const MR: usize, const NR: usize>(
	kc: usize,
	a: Operand,
	b: Operand,
	c: *mut f32,
	ldc: usize,
	first: bool,
) {
	let l = V::LANES;
	debug_assert!(NR == 2 * l && b.cs == 1);
	unsafe {
		let mut acc = [[V::splat(0.0); 2]; MR];
		if !first {
			for (i, row) in acc.iter_mut().enumerate() {
				for (v, lanes) in row.iter_mut().enumerate() {
					*lanes = V::load(c.add(i * ldc + v * l));
				}
			}
		}
		let rows: [*const f32; MR] = std::array::from_fn(|i| a.ptr.add(i * a.rs));
		let mut b_row = b.ptr;
		for p in 0..kc {
			let b_lanes = [V::load(b_row), V::load(b_row.add(l))];
			b_row = b_row.add(b.rs);
			let column = p * a.cs;
			for (row, a_row) in acc.iter_mut().zip(rows) {
				let a = V::splat(*a_row.add(column));
				for (lanes, &b) in row.iter_mut().zip(&b_lanes) {
					*lanes = lanes.add_product(a, b);
				}
			}
		}
		for (i, row) in acc.iter().enumerate() {
			for (v, lanes) in row.iter().enumerate() {
				lanes.store(c.add(i * ldc + v * l));
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::rng::Rng;
	use candle_core::Device;

	fn random(shape: &[usize], seed: u64) -> Tensor {
		let count = shape.iter().product();
		Tensor::from_vec(Rng::new(seed).uniform(-1.0, 1.0, count), shape, &Device::Cpu).unwrap()
	}

	const LEVELS: [KernelLevel; 3] =
		[KernelLevel::Baseline, KernelLevel::Avx2, KernelLevel::Avx512];

	/// Values spread over magnitudes, so any other summation order would round differently.
	fn spread(shape: &[usize], seed: u64) -> Tensor {
		let count: usize = shape.iter().product();
		let values: Vec<f32> = Rng::new(seed)
			.uniform(-1.0, 1.0, count)
			.iter()
			.enumerate()
			.map(|(i, v)| v * [1e-3, 1.0, 7.0, 300.0][i % 4])
			.collect();
		Tensor::from_vec(values, shape, &Device::Cpu).unwrap()
	}

	/// (batch, rows, cols) values of a (…, rows, cols) tensor in logical order.
	fn matrices(t: &Tensor) -> Vec<Vec<f32>> {
		let dims = t.dims();
		let (rows, cols) = (dims[dims.len() - 2], dims[dims.len() - 1]);
		let flat = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
		flat.chunks(rows * cols).map(<[f32]>::to_vec).collect()
	}

	/// Every output of the (batched) product, each summed over k in order by `sum`.
	fn reference<T>(
		a: &Tensor,
		b: &Tensor,
		sum: impl Fn(&mut dyn Iterator<Item = (f32, f32)>) -> T,
	) -> Vec<T> {
		let (ad, bd) = (a.dims(), b.dims());
		let (m, k, n) = (ad[ad.len() - 2], ad[ad.len() - 1], bd[bd.len() - 1]);
		let mut out = Vec::new();
		for (a, b) in matrices(a).iter().zip(matrices(b)) {
			for i in 0..m {
				for j in 0..n {
					out.push(sum(&mut (0..k).map(|p| (a[i * k + p], b[p * n + j]))));
				}
			}
		}
		out
	}

	/// The rule itself: c[i,j] = (((0 + a[i,0]·b[0,j]) + a[i,1]·b[1,j]) + …), in f32.
	fn scalar_reference(a: &Tensor, b: &Tensor) -> Vec<u32> {
		reference(a, b, |terms| terms.fold(0f32, |acc, (x, y)| acc + x * y).to_bits())
	}

	fn f64_reference(a: &Tensor, b: &Tensor) -> Vec<f64> {
		reference(a, b, |terms| terms.map(|(x, y)| x as f64 * y as f64).sum())
	}

	fn bits(t: &Tensor) -> Vec<u32> {
		t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|v| v.to_bits()).collect()
	}

	/// Pairs of operands: odd sizes (ragged tiles everywhere), k = 1, k long enough to be
	/// walked in blocks, several tasks (parallel), transposed views on either side, batches.
	fn cases() -> Vec<(String, Tensor, Tensor)> {
		let mut cases = Vec::new();
		for (m, k, n) in [
			(1, 1, 1),
			(3, 1, 5),
			(7, 13, 33),
			(17, 300, 45),
			(9, 600, 70),
			(33, 5, 17),
			(130, 40, 300),
			(4, 64, 8),
			(300, 19, 3),
			// Long k: walked in k blocks, the threads sharing each packed A block.
			(260, 4100, 10),
		] {
			let name = format!("{m}x{k}x{n}");
			cases.push((name.clone(), spread(&[m, k], 1), spread(&[k, n], 2)));
			cases.push((format!("{name} bT"), spread(&[m, k], 3), spread(&[n, k], 4).t().unwrap()));
			cases.push((format!("{name} aT"), spread(&[k, m], 5).t().unwrap(), spread(&[k, n], 6)));
		}
		// Attention: (b, h, t, d) · (b, h, t, d)ᵀ and (b, h, t, t) · (b, h, t, d).
		let (q, k) = (spread(&[2, 3, 37, 16], 7), spread(&[2, 3, 37, 16], 8));
		cases.push(("q·kᵀ".into(), q, k.t().unwrap()));
		cases.push(("p·v".into(), spread(&[2, 3, 37, 37], 9), spread(&[2, 3, 37, 16], 10)));
		// A batch whose matrices are not laid out one after another.
		let wide = spread(&[5, 4, 24], 11);
		cases.push((
			"strided batch".into(),
			wide.narrow(2, 3, 11).unwrap(),
			spread(&[5, 11, 6], 12),
		));
		cases
	}

	#[test]
	fn every_level_is_bit_identical_to_the_scalar_rule() {
		for (name, a, b) in cases() {
			let want = scalar_reference(&a, &b);
			for level in LEVELS {
				let _scope = kernels::scope(Kernels::Portable, Some(level));
				let got = matmul(&a, &b).unwrap();
				assert_eq!(got.dims()[..got.rank() - 2], a.dims()[..a.rank() - 2], "{name}");
				assert!(bits(&got) == want, "{name}: {level:?} differs from the scalar rule");
			}
		}
	}

	#[test]
	fn portable_products_are_accurate() {
		for (name, a, b) in cases() {
			let _scope = kernels::scope(Kernels::Portable, None);
			let got = matmul(&a, &b).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
			let want = f64_reference(&a, &b);
			// Relative to the size of the terms (|a|·|b| summed), as the rounding error is.
			let (aa, ba) = (a.abs().unwrap(), b.abs().unwrap());
			let scale = f64_reference(&aa, &ba);
			for ((got, want), scale) in got.iter().zip(&want).zip(&scale) {
				let error = (*got as f64 - want).abs();
				assert!(error <= 1e-6 * scale.max(1e-30), "{name}: {got} vs {want}");
			}
		}
	}

	#[test]
	fn fast_kernels_and_other_dtypes_use_candle() -> Result<()> {
		let (a, b) = (spread(&[5, 7], 1), spread(&[7, 3], 2));
		let candle = a.matmul(&b)?;
		let _fast = kernels::scope(Kernels::Fast, None);
		assert_eq!(bits(&matmul(&a, &b)?), bits(&candle));
		let _portable = kernels::scope(Kernels::Portable, None);
		let (a64, b64) = (a.to_dtype(DType::F64)?, b.to_dtype(DType::F64)?);
		let got = matmul(&a64, &b64)?.to_vec2::<f64>()?;
		assert_eq!(got, a64.matmul(&b64)?.to_vec2::<f64>()?);
		// f64 therefore differentiates through candle's matmul: finite differences hold.
		use crate::ops::gradcheck::{check_gradient, random_tensor};
		let (x, w, r) =
			(random_tensor(&[5, 7], 3)?, random_tensor(&[7, 3], 4)?, random_tensor(&[5, 3], 5)?);
		check_gradient(&x, |x| (matmul(x, &w)? * &r)?.sum_all(), 1e-8)
	}

	/// The portable backward (dA = g·Bᵀ, dB = Aᵀ·g) against the exact gradients in f64 and a
	/// directional finite difference, for a plain pair and a batched, transposed one.
	#[test]
	fn portable_gradients_are_right() -> Result<()> {
		for (a, b, transposed) in [
			(spread(&[6, 45], 1), spread(&[45, 21], 2), false),
			(spread(&[2, 3, 37, 16], 3), spread(&[2, 3, 37, 16], 4), true),
		] {
			let (a, b) = (candle_core::Var::from_tensor(&a)?, candle_core::Var::from_tensor(&b)?);
			let rhs = |b: &Tensor| if transposed { b.t() } else { Ok(b.clone()) };
			let out_shape = a.as_tensor().matmul(&rhs(b.as_tensor())?)?.shape().clone();
			let r = spread(out_shape.dims(), 5);
			let _scope = kernels::scope(Kernels::Portable, Some(KernelLevel::Baseline));
			let loss = |a: &Tensor, b: &Tensor| -> Result<Tensor> {
				crate::ops::reduce::sum_all(&(matmul(a, &rhs(b)?)? * &r)?)
			};
			let grads = loss(a.as_tensor(), b.as_tensor())?.backward()?;
			let (ga, gb) = (grads.get(a.as_tensor()).unwrap(), grads.get(b.as_tensor()).unwrap());
			// Exact: dA = r·Bᵀ, dB = (Aᵀ·r) (transposed back when B entered as a view).
			let f64s = |t: &Tensor| t.to_dtype(DType::F64);
			let (a64, b64, r64) = (f64s(a.as_tensor())?, f64s(&rhs(b.as_tensor())?)?, f64s(&r)?);
			let want_a = r64.matmul(&b64.t()?)?;
			let mut want_b = a64.t()?.matmul(&r64)?;
			if transposed {
				want_b = want_b.t()?;
			}
			for (got, want) in [(ga, want_a), (gb, want_b)] {
				let error = (f64s(got)? - &want)?.abs()?.max_all()?.to_scalar::<f64>()?;
				let size = want.abs()?.max_all()?.to_scalar::<f64>()?;
				assert!(error <= 1e-5 * size, "gradient off by {error} (of {size})");
			}
			let mut rng = Rng::new(6);
			let mut direction = |t: &Tensor| {
				Tensor::from_vec(rng.uniform(-1.0, 1.0, t.elem_count()), t.shape(), t.device())
			};
			let (da, db) = (direction(a.as_tensor())?, direction(b.as_tensor())?);
			let analytic = ((ga * &da)?.sum_all()? + (gb * &db)?.sum_all()?)?
				.to_dtype(DType::F64)?
				.to_scalar::<f64>()?;
			let at = |h: f64| -> Result<f64> {
				let (a, b) = ((a.as_tensor() + (&da * h)?)?, (b.as_tensor() + (&db * h)?)?);
				loss(&a, &b)?.to_dtype(DType::F64)?.to_scalar::<f64>()
			};
			let step = 1e-2;
			let numeric = (at(step)? - at(-step)?) / (2.0 * step);
			assert!(
				(numeric - analytic).abs() <= 1e-3 * analytic.abs(),
				"backward {analytic}, finite differences {numeric}"
			);
		}
		Ok(())
	}

	/// One training step of SmolLM2-135M (30 layers, hidden 576, 9/3 heads, MLP 1536, vocab
	/// 49152) at 2 × 128 tokens, LoRA r = 8 on every linear: each product's shape and count.
	fn smollm2_step() -> Vec<(&'static str, Tensor, Tensor, usize)> {
		let (rows, r, layers) = (256, 8, 30);
		let linears = [(576, 576, 2), (576, 192, 2), (576, 1536, 2), (1536, 576, 1)];
		let mut shapes = Vec::new();
		for (inp, out, count) in linears {
			let n = count * layers;
			shapes.push(("x·Wᵀ", random(&[rows, inp], 1), random(&[out, inp], 2).t().unwrap(), n));
			shapes.push(("g·W", random(&[rows, out], 3), random(&[out, inp], 4), n));
			shapes.push(("x·Aᵀ", random(&[rows, inp], 5), random(&[r, inp], 6).t().unwrap(), n));
			shapes.push(("d·Bᵀ", random(&[rows, r], 7), random(&[out, r], 8).t().unwrap(), n));
			shapes.push(("g·B", random(&[rows, out], 9), random(&[out, r], 10), n));
			shapes.push((
				"gBᵀ·x",
				random(&[rows, r], 11).t().unwrap(),
				random(&[rows, inp], 12),
				n,
			));
			shapes.push(("gᵀ·d", random(&[rows, out], 13).t().unwrap(), random(&[rows, r], 14), n));
			shapes.push(("gB·A", random(&[rows, r], 15), random(&[r, inp], 16), n));
		}
		let q = random(&[2, 3, 384, 64], 17);
		let k = random(&[2, 3, 128, 64], 18);
		let p = random(&[2, 3, 384, 128], 19);
		shapes.push(("q·kᵀ", q.clone(), k.t().unwrap(), layers));
		shapes.push(("p·v", p.clone(), k.clone(), layers));
		shapes.push(("dS·k", p.clone(), k.clone(), layers));
		shapes.push(("dSᵀ·q", p.t().unwrap(), q.clone(), layers));
		shapes.push(("dO·vᵀ", q.clone(), k.t().unwrap(), layers));
		shapes.push(("pᵀ·dO", p.t().unwrap(), q, layers));
		shapes.push(("head", random(&[rows, 576], 20), random(&[49152, 576], 21).t().unwrap(), 1));
		shapes.push(("head g·W", random(&[rows, 49152], 22), random(&[49152, 576], 23), 1));
		shapes
	}

	/// The products of one SmolLM2 step timed with candle's kernels and the portable ones at
	/// each level: `OPENLEDGER_MATMUL_BENCH=1 cargo test --release -p openledger-trainer --lib
	/// matmul::tests::speed -- --ignored --nocapture` (a no-op without the variable).
	#[test]
	#[ignore = "benchmark (set OPENLEDGER_MATMUL_BENCH=1)"]
	fn speed() {
		if std::env::var_os("OPENLEDGER_MATMUL_BENCH").is_none() {
			return;
		}
		let modes = [
			(Kernels::Fast, KernelLevel::Avx512),
			(Kernels::Portable, KernelLevel::Avx512),
			(Kernels::Portable, KernelLevel::Avx2),
			(Kernels::Portable, KernelLevel::Baseline),
		];
		let mut totals = [0f64; 4];
		println!("{:10} {:>18} {:>18} {:>3} | ms: fast, avx512, avx2, baseline", "", "a", "b", "n");
		for (name, a, b, count) in smollm2_step() {
			let dims = |t: &Tensor| format!("{:?}", t.dims());
			let mut line = format!("{name:10} {:>18} {:>18} {count:3} |", dims(&a), dims(&b));
			// The best of interleaved rounds (the machine may be shared).
			let mut best = [f64::INFINITY; 4];
			for _ in 0..5 {
				for (best, mode) in best.iter_mut().zip(modes) {
					let _scope = kernels::scope(mode.0, Some(mode.1));
					let start = std::time::Instant::now();
					let mut runs = 0;
					while runs < 1 || start.elapsed().as_secs_f64() < 0.02 {
						product(&a, &b).unwrap();
						runs += 1;
					}
					*best = best.min(start.elapsed().as_secs_f64() / runs as f64);
				}
			}
			for ((total, best), _) in totals.iter_mut().zip(best).zip(modes) {
				*total += best * count as f64;
				line += &format!(" {:8.3}", best * 1e3);
			}
			println!("{line}");
		}
		let [fast, avx512, avx2, baseline] = totals;
		println!(
			"s per step: fast {fast:.3}, avx512 {avx512:.3}, avx2 {avx2:.3}, base {baseline:.3}"
		);
	}
}
