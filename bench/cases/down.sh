# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `down` of 50 running services that stop promptly on SIGTERM (default stop timeout).
CASE_DESC="down of 50 running busybox services"
CASE_BERTH_COMMANDS=(up down)
CASE_ENGINE=1
CASE_RUNS=5
CASE_WARMUP=1
# shellcheck source=bench/lib/engine_case.sh
. "$BENCH_DIR/lib/engine_case.sh"
# Not bench-down: see up-cold.sh (dockerd kept a network of that name with stale endpoints).
PROJECT=bench-teardown

case_setup() {
    write_sleepers "$CASE_DIR/compose.yaml" 50 "$TRAP_SLEEP"
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}

# After berth's down nothing of the project is left: no container, no network.
case_check() {
    run_line "$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d" >/dev/null 2>&1
    "$BERTH" -p "$PROJECT" -f "$CASE_DIR/compose.yaml" down >/dev/null 2>&1 \
        || { log "berth down failed"; return 1; }
    [ -z "$(project_containers "$PROJECT")" ] || { log "containers left after berth down"; return 1; }
    [ -z "$(docker network ls -q --filter "label=com.docker.compose.project=$PROJECT")" ] \
        || { log "network left after berth down"; return 1; }
}

case_commands() {
    # Both start from the same state: the reference's up.
    local up="$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d"
    bench_cmd down berth "$BERTH -p $PROJECT -f $CASE_DIR/compose.yaml down" "$up"
    bench_cmd down reference "$REF -p $PROJECT -f $CASE_DIR/compose.yaml down" "$up"
}

case_cleanup() {
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}
