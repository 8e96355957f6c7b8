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
status=0
step "cargo test"
cargo test --workspace --locked --no-fail-fast || status=$?

# The end-to-end scenarios again, against Podman's Docker-compatible API (docs/engines.md).
# A subshell, so that DOCKER_HOST points at Podman only there. Scenarios Podman cannot run
# say why they skip; a missing Podman fails (BERTH_REQUIRE_ENGINE).
if [ "${BERTH_SKIP_PODMAN:-}" != 1 ]; then
    (
        step "Podman engine"
        eval "$(timed bash scripts/engine.sh --podman)"
        step "offline test images (Podman)"
        timed bash scripts/images.sh
        step "cargo test: end-to-end scenarios on Podman"
        # Every suite that drives the real engine and needs no Swarm.
        # e2e_build runs the reference's builds with the classic builder there (Podman has no
        # BuildKit); e2e_build and e2e_pull run their scenarios one at a time there (Podman 4.3
        # loses image names given concurrently, and removing an image can remove another
        # test's).
        podman_status=0
        podman_suites=(e2e_attach e2e_attached e2e_build e2e_containers e2e_cp e2e_demo e2e_down
            e2e_dry_run e2e_exec e2e_interop e2e_logs e2e_publish e2e_pull e2e_registry_tls e2e_run e2e_scale e2e_sweep e2e_tls e2e_up
            e2e_verbose e2e_wait e2e_watch lifecycle_flags read_commands read_plugin)
        BERTH_TEST_ENGINE=podman cargo test -p berth-cli --locked --no-fail-fast \
            "${podman_suites[@]/#/--test=}" || podman_status=$?
        core_suites=(e2e_attach e2e_interop e2e_podman e2e_up)
        BERTH_TEST_ENGINE=podman cargo test -p berth-core --locked --no-fail-fast \
            "${core_suites[@]/#/--test=}" || podman_status=$?
        # The engine contract: berth-engine's calls against the real engine (and the fake).
        BERTH_TEST_ENGINE=podman cargo test -p berth-engine --locked --no-fail-fast \
            --test=contract || podman_status=$?
        exit "$podman_status"
    ) || status=$?
fi
exit "$status"
