#!/usr/bin/env bash
# Long runs of the pallets' random call sequences, optimised, with try-runtime: every
# `try_state` invariant and the conservation of funds checked after each block, and the
# storage root after each failed call. Seeds are reproducible. The drivers:
#   pallet-datanets     src/tests/property.rs  DATANETS_FUZZ_CALLS / DATANETS_FUZZ_SEED
#   pallet-models       src/tests/fuzz.rs      MODELS_FUZZ_CALLS / MODELS_FUZZ_SEED
#   pallet-attribution  src/fuzz.rs            ATTRIBUTION_FUZZ_CALLS / ATTRIBUTION_FUZZ_SEED
# (datanets counts its block ends among its calls; the others count dispatched calls only).
#
#   scripts/fuzz-pallets.sh                                # 100 000 calls a pallet, seed 1
#   CALLS=400000 SEED=7 scripts/fuzz-pallets.sh
#   PALLETS="models attribution" CALLS=20000 scripts/fuzz-pallets.sh
#
# Prints each pallet's outcome counts, then a summary: calls, seed, wall time, result.
# Exits non-zero if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export SKIP_WASM_BUILD=1
calls="${CALLS:-100000}"
seed="${SEED:-1}"
pallets="${PALLETS:-datanets models attribution}"

# One package set and feature set for the build and every run, so that no run rebuilds.
packages=(-p pallet-datanets -p pallet-models -p pallet-attribution)
features="pallet-datanets/try-runtime,pallet-models/try-runtime,pallet-attribution/try-runtime"
cargo test --release "${packages[@]}" --features "$features" --lib --no-run || exit 1

summary=()
failed=0
for pallet in $pallets; do
	case "$pallet" in
		datanets) test=tests::property::random_call_sequences_keep_every_invariant ;;
		models) test=tests::fuzz::random_call_sequences_keep_every_invariant ;;
		attribution) test=fuzz::random_payments_and_claims_keep_every_invariant ;;
		*) echo "unknown pallet: $pallet (datanets, models, attribution)" >&2; exit 2 ;;
	esac
	prefix=$(echo "$pallet" | tr '[:lower:]' '[:upper:]')
	echo "== pallet-$pallet: $calls calls, seed $seed"
	started=$(date +%s.%N)
	env "${prefix}_FUZZ_CALLS=$calls" "${prefix}_FUZZ_SEED=$seed" \
		cargo test --release "${packages[@]}" --features "$features" --lib "$test" \
		-- --exact --nocapture
	status=$?
	elapsed=$(awk "BEGIN { print $(date +%s.%N) - $started }")
	if [ "$status" -eq 0 ]; then result=passed; else result="FAILED (exit $status)"; failed=1; fi
	summary+=("$(printf 'pallet-%-12s %9s calls  seed %-6s %8.1f s  %s' \
		"$pallet" "$calls" "$seed" "$elapsed" "$result")")
done
echo "== summary ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores)"
printf '%s\n' "${summary[@]}"
exit "$failed"
