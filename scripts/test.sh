#!/usr/bin/env bash
# The README's test command: prepares what the tests need (reference Compose, a running
# Docker engine, offline test images), then runs every test. Idempotent and safe on a fresh
# Debian bookworm machine; each preparation step is instant when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-}"

step() { printf '==> %s\n' "$*" >&2; }
timed() {
    local start=$SECONDS
    "$@"
    printf '    (%ss)\n' "$((SECONDS - start))" >&2
}

step "reference Docker Compose"
BERTH_REFERENCE_COMPOSE="$(timed bash scripts/reference.sh)"
export BERTH_REFERENCE_COMPOSE

step "Docker engine"
eval "$(timed bash scripts/engine.sh)"

if [ -f scripts/images.sh ]; then
    step "offline test images"
    timed bash scripts/images.sh
fi

step "local registries"
timed bash scripts/registry.sh

# Engine-backed tests fail instead of skipping when no engine answers: CI has one.
export BERTH_REQUIRE_ENGINE=1
step "cargo test"
cargo test --workspace --locked --no-fail-fast
