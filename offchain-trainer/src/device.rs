//! Where training runs: CPU unless built with `cuda` and a GPU answers.

use candle_core::Device;

/// The best device this build can use; with `cuda` but no GPU, the CPU, with a message.
pub fn select(prefer_cpu: bool) -> Device {
	if prefer_cpu {
		return Device::Cpu;
	}
	#[cfg(feature = "cuda")]
	match Device::new_cuda(0) {
		Ok(device) => return device,
		Err(err) => {
			eprintln!("openledger-trainer: no usable CUDA GPU ({err}); training on the CPU")
		},
	}
	Device::Cpu
}

pub fn describe(device: &Device) -> String {
	match device {
		Device::Cpu => format!("cpu ({} threads)", rayon::current_num_threads()),
		other => format!("{other:?}"),
	}
}
