#!/usr/bin/env bash
# The README's first command: builds berth, prepares a Docker engine and the offline images,
# then brings the demo stack up with berth and waits until every service is healthy.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '==> %s\n' "$*" >&2; }

step "building berth (release)"
cargo build --release --locked -p berth-cli
step "Docker engine"
eval "$(bash scripts/engine.sh)"
step "offline images"
bash scripts/images.sh
step "bringing the demo up"
./target/release/berth -f examples/demo/compose.yaml up -d --wait
port="${DEMO_PORT:-8080}"
printf '\nThe demo is up: open http://127.0.0.1:%s/\n' "$port"
printf 'Stop it with: ./target/release/berth -f examples/demo/compose.yaml down -v\n'
