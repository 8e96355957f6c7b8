# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# A second `up -d` on 50 running services: nothing to do, so this is the cost of reading
# the project, listing the containers and comparing config hashes.
CASE_DESC="up -d again on 50 running busybox services (nothing to change)"
CASE_BERTH_COMMANDS=(up down)
CASE_ENGINE=1
CASE_RUNS=10
CASE_WARMUP=1
# shellcheck source=bench/lib/engine_case.sh
. "$BENCH_DIR/lib/engine_case.sh"
PROJECT=bench-up-noop

case_setup() {
    write_sleepers "$CASE_DIR/compose.yaml" 50
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}

# berth's second up must leave every container as it was (same IDs, still running), and the
# reference must agree that berth's state is up to date (its up -d replaces nothing either).
case_check() {
    local before after
    "$BERTH" -p "$PROJECT" -f "$CASE_DIR/compose.yaml" up -d >/dev/null 2>&1 \
        || { log "berth up -d failed"; return 1; }
    expect_running "$PROJECT" 50 || return 1
    before="$(project_containers "$PROJECT")"
    "$BERTH" -p "$PROJECT" -f "$CASE_DIR/compose.yaml" up -d >/dev/null 2>&1 \
        || { log "second berth up -d failed"; return 1; }
    after="$(project_containers "$PROJECT")"
    [ "$before" = "$after" ] || { log "berth's second up -d replaced containers"; return 1; }
    run_line "$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d" >/dev/null 2>&1 \
        || { log "the reference's up -d after berth's failed"; return 1; }
    [ "$before" = "$(project_containers "$PROJECT")" ] \
        || { log "the reference's up -d replaced containers berth created"; return 1; }
    expect_running "$PROJECT" 50
}

case_commands() {
    # Each tool's own up first (untimed, a no-op after the first run), so each is timed in
    # the state it considers up to date.
    local berth_up="$BERTH -p $PROJECT -f $CASE_DIR/compose.yaml up -d"
    local ref_up="$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d"
    bench_cmd up-noop berth "$berth_up" "$berth_up"
    bench_cmd up-noop reference "$ref_up" "$ref_up"
}

case_cleanup() {
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}
