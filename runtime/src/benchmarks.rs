//! The pallets benchmarked against this runtime (frame-omni-bencher reads this list).

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_utility, Utility]
	[pallet_datanets, Datanets]
	[pallet_models, Models]
	[pallet_attribution, Attribution]
);
