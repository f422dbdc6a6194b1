#!/usr/bin/env bash
# The long form of the fault tests (tests/tests/faults.rs): the kill -9 and two-of-four
# rounds repeated ROUNDS times (default 6: Bob, Charlie and Dave each fail twice, alone and
# in pairs), then the full stop, the wiped validator and the full node; prints each step's
# time since the start.
#
#   scripts/faults.sh              # about 10 minutes on 2 cores
#   ROUNDS=20 scripts/faults.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-node.sh >/dev/null
OPENLEDGER_FAULT_ROUNDS="${ROUNDS:-6}" \
	cargo test -p openledger-e2e --test faults -- --nocapture
