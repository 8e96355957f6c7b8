# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `ps` of 50 running services, as a table and as JSON.
CASE_DESC="ps of 50 running busybox services (table and --format json)"
CASE_BERTH_COMMANDS=(ps)
CASE_ENGINE=1
CASE_RUNS=10
CASE_WARMUP=2
# shellcheck source=bench/lib/engine_case.sh
. "$BENCH_DIR/lib/engine_case.sh"
PROJECT=bench-ps

case_setup() {
    write_sleepers "$CASE_DIR/compose.yaml" 50
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
    run_line "$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d" >/dev/null 2>&1
    expect_running "$PROJECT" 50
}

# Both list the same containers with the same fields (`--format json`, without the fields
# that move with the clock), so a faster ps is not one that left something out.
case_check() {
    local args="-p $PROJECT -f $CASE_DIR/compose.yaml ps --format json"
    run_line "$BERTH $args" >"$CASE_DIR/ps-berth.txt" || { log "berth ps failed"; return 1; }
    run_line "$REF $args" >"$CASE_DIR/ps-reference.txt"
    normalise_ps "$CASE_DIR/ps-berth.txt" "$CASE_DIR/ps-berth.json"
    normalise_ps "$CASE_DIR/ps-reference.txt" "$CASE_DIR/ps-reference.json"
    "$PY" "$BENCH_DIR/lib/report.py" same-json "$CASE_DIR/ps-berth.json" "$CASE_DIR/ps-reference.json" \
        || { log "berth ps and the reference's differ"; return 1; }
}

case_commands() {
    local args="-p $PROJECT -f $CASE_DIR/compose.yaml ps"
    bench_cmd table berth "$BERTH $args"
    bench_cmd table reference "$REF $args"
    bench_cmd json berth "$BERTH $args --format json"
    bench_cmd json reference "$REF $args --format json"
}

case_cleanup() {
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}
