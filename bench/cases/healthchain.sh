# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `up -d` of a chain of 20 services, each waiting for the previous one to be healthy: the
# cost of health polling, which dominates the startup of real dependency chains.
CASE_DESC="up -d of 20 services chained by depends_on: service_healthy (fast healthcheck)"
CASE_BERTH_COMMANDS=(up down)
CASE_ENGINE=1
CASE_RUNS=3
CASE_WARMUP=1
# shellcheck source=bench/lib/engine_case.sh
. "$BENCH_DIR/lib/engine_case.sh"
PROJECT=bench-healthchain

case_setup() {
    local i
    {
        echo "services:"
        for ((i = 1; i <= 20; i++)); do
            printf '  svc-%02d:\n    image: %s\n    pull_policy: never\n    command: %s\n' \
                "$i" "$IMAGE" "$TRAP_SLEEP"
            printf '    healthcheck:\n      test: ["CMD", "true"]\n'
            printf '      interval: 200ms\n      timeout: 2s\n      retries: 10\n'
            if [ "$i" -gt 1 ]; then
                printf '    depends_on:\n      svc-%02d:\n        condition: service_healthy\n' "$((i - 1))"
            fi
        done
    } >"$CASE_DIR/compose.yaml"
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}

case_check() {
    local unhealthy
    "$BERTH" -p "$PROJECT" -f "$CASE_DIR/compose.yaml" up -d >/dev/null 2>&1 \
        || { log "berth up -d failed"; return 1; }
    expect_running "$PROJECT" 20 || return 1
    # svc-20 is started last and nothing waits for it; every one before it must be healthy.
    unhealthy="$(docker ps --filter "label=com.docker.compose.project=$PROJECT" \
        --format '{{.Names}} {{.Status}}' | grep -v 'svc-20' | grep -vc '(healthy)' || true)"
    [ "$unhealthy" = 0 ] || { log "$unhealthy services were not healthy after berth up -d"; return 1; }
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}

case_commands() {
    local down
    down="$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")"
    bench_cmd up berth "$BERTH -p $PROJECT -f $CASE_DIR/compose.yaml up -d" "$down"
    bench_cmd up reference "$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d" "$down"
}

case_cleanup() {
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}
