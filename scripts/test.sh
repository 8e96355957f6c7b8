#!/usr/bin/env bash
# The README's test command: prepares what the tests need (reference Compose, engine,
# offline images), then runs every test. Idempotent; safe on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-}"
bash scripts/reference.sh
cargo test --workspace --locked
