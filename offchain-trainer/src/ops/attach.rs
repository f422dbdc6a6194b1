//! Hand-written backward passes for values computed outside candle's graph.
//!
//! candle's backward visits every recorded op and, for each, allocates a zero gradient and adds
//! into it, so a layer written as a dozen small ops pays a dozen full-size passes twice. Here a
//! layer computes its output with graph-free (detached) ops and is recorded as one node whose
//! backward is a closure: one node per norm, rotation or adapted linear layer.

use super::cpu;
use candle_core::{
	backend::BackendStorage, bail, CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result,
	Shape, Storage, Tensor,
};
use std::sync::Mutex;

/// (input, output, output gradient) → input gradient.
type Backward1 = Box<dyn Fn(&Tensor, &Tensor, &Tensor) -> Result<Option<Tensor>> + Send + Sync>;
type Backward2 = Box<dyn Fn([&Tensor; 2], &Tensor) -> Result<[Option<Tensor>; 2]> + Send + Sync>;
type Backward3 = Box<dyn Fn([&Tensor; 3], &Tensor) -> Result<[Option<Tensor>; 3]> + Send + Sync>;

/// The precomputed output, handed over once to the forward (then dropped, so the graph does
/// not keep a second copy).
struct Value {
	name: &'static str,
	value: Mutex<Option<Tensor>>,
}

impl Value {
	fn take(&self) -> Result<Tensor> {
		match self.value.lock().expect("no panics while held").take() {
			Some(value) => Ok(value),
			None => bail!("{}: forward ran twice", self.name),
		}
	}

	fn cpu(&self) -> Result<(CpuStorage, Shape)> {
		let value = self.take()?;
		let (storage, layout) = value.storage_and_layout();
		let Storage::Cpu(storage) = &*storage else {
			bail!("{}: value is not on the CPU", self.name)
		};
		let copy = match storage {
			CpuStorage::F32(data) => {
				CpuStorage::F32(cpu::contiguous(data, layout, self.name)?.to_vec())
			},
			CpuStorage::F64(data) => {
				CpuStorage::F64(cpu::contiguous(data, layout, self.name)?.to_vec())
			},
			other => bail!("{}: expects f32 or f64, got {:?}", self.name, other.dtype()),
		};
		Ok((copy, layout.shape().clone()))
	}

	#[cfg(feature = "cuda")]
	fn cuda(&self) -> Result<(candle_core::CudaStorage, Shape)> {
		let value = self.take()?.contiguous()?;
		let (storage, layout) = value.storage_and_layout();
		let Storage::Cuda(storage) = &*storage else {
			bail!("{}: value is not on the GPU", self.name)
		};
		Ok((storage.try_clone(layout)?, layout.shape().clone()))
	}
}

struct Attach1 {
	value: Value,
	backward: Backward1,
}

struct Attach2 {
	value: Value,
	backward: Backward2,
}

struct Attach3 {
	value: Value,
	backward: Backward3,
}

impl CustomOp1 for Attach1 {
	fn name(&self) -> &'static str {
		self.value.name
	}

	fn cpu_fwd(&self, _: &CpuStorage, _: &Layout) -> Result<(CpuStorage, Shape)> {
		self.value.cpu()
	}

	#[cfg(feature = "cuda")]
	fn cuda_fwd(
		&self,
		_: &candle_core::CudaStorage,
		_: &Layout,
	) -> Result<(candle_core::CudaStorage, Shape)> {
		self.value.cuda()
	}

	fn bwd(&self, arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
		(self.backward)(arg, res, grad)
	}
}

impl CustomOp2 for Attach2 {
	fn name(&self) -> &'static str {
		self.value.name
	}

	fn cpu_fwd(
		&self,
		_: &CpuStorage,
		_: &Layout,
		_: &CpuStorage,
		_: &Layout,
	) -> Result<(CpuStorage, Shape)> {
		self.value.cpu()
	}

	#[cfg(feature = "cuda")]
	fn cuda_fwd(
		&self,
		_: &candle_core::CudaStorage,
		_: &Layout,
		_: &candle_core::CudaStorage,
		_: &Layout,
	) -> Result<(candle_core::CudaStorage, Shape)> {
		self.value.cuda()
	}

	fn bwd(
		&self,
		a: &Tensor,
		b: &Tensor,
		_res: &Tensor,
		grad: &Tensor,
	) -> Result<(Option<Tensor>, Option<Tensor>)> {
		let [ga, gb] = (self.backward)([a, b], grad)?;
		Ok((ga, gb))
	}
}

impl CustomOp3 for Attach3 {
	fn name(&self) -> &'static str {
		self.value.name
	}

	fn cpu_fwd(
		&self,
		_: &CpuStorage,
		_: &Layout,
		_: &CpuStorage,
		_: &Layout,
		_: &CpuStorage,
		_: &Layout,
	) -> Result<(CpuStorage, Shape)> {
		self.value.cpu()
	}

	#[cfg(feature = "cuda")]
	fn cuda_fwd(
		&self,
		_: &candle_core::CudaStorage,
		_: &Layout,
		_: &candle_core::CudaStorage,
		_: &Layout,
		_: &candle_core::CudaStorage,
		_: &Layout,
	) -> Result<(candle_core::CudaStorage, Shape)> {
		self.value.cuda()
	}

	fn bwd(
		&self,
		a: &Tensor,
		b: &Tensor,
		c: &Tensor,
		_res: &Tensor,
		grad: &Tensor,
	) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
		let [ga, gb, gc] = (self.backward)([a, b, c], grad)?;
		Ok((ga, gb, gc))
	}
}

fn value(name: &'static str, value: Tensor) -> Value {
	Value { name, value: Mutex::new(Some(value)) }
}

/// `value` (computed from `input` without a graph), recorded as one op of `input` whose
/// backward is `backward(input, output, grad)`. Returns `value` itself when `input` needs no
/// gradient.
pub fn attach1(
	name: &'static str,
	value_of_input: Tensor,
	input: &Tensor,
	backward: impl Fn(&Tensor, &Tensor, &Tensor) -> Result<Option<Tensor>> + Send + Sync + 'static,
) -> Result<Tensor> {
	if !input.track_op() {
		return Ok(value_of_input);
	}
	input.apply_op1(Attach1 { value: value(name, value_of_input), backward: Box::new(backward) })
}

/// As [`attach1`] for two inputs; `backward(inputs, grad)`.
pub fn attach2(
	name: &'static str,
	value_of_inputs: Tensor,
	inputs: [&Tensor; 2],
	backward: impl Fn([&Tensor; 2], &Tensor) -> Result<[Option<Tensor>; 2]> + Send + Sync + 'static,
) -> Result<Tensor> {
	if !inputs.iter().any(|t| t.track_op()) {
		return Ok(value_of_inputs);
	}
	inputs[0].apply_op2(
		inputs[1],
		Attach2 { value: value(name, value_of_inputs), backward: Box::new(backward) },
	)
}

/// As [`attach1`] for three inputs; `backward(inputs, grad)`.
pub fn attach3(
	name: &'static str,
	value_of_inputs: Tensor,
	inputs: [&Tensor; 3],
	backward: impl Fn([&Tensor; 3], &Tensor) -> Result<[Option<Tensor>; 3]> + Send + Sync + 'static,
) -> Result<Tensor> {
	if !inputs.iter().any(|t| t.track_op()) {
		return Ok(value_of_inputs);
	}
	inputs[0].apply_op3(
		inputs[1],
		inputs[2],
		Attach3 { value: value(name, value_of_inputs), backward: Box::new(backward) },
	)
}
