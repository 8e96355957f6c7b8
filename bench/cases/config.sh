# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `config` on a generated 1000-service project (bench/gen_compose.py), JSON and YAML output.
# Goal: berth at least 10x faster than the reference, at most 1/4 of its peak RSS.
CASE_DESC="config --format json|yaml on a generated ${BENCH_CONFIG_SERVICES:-1000}-service project"
CASE_BERTH_COMMANDS=(config)
CASE_RUNS=10
CASE_WARMUP=2

case_setup() {
    "$PY" "$BENCH_DIR/gen_compose.py" "$CASE_DIR" --services "${BENCH_CONFIG_SERVICES:-1000}" >/dev/null
}

# Both tools must print the same model (compared as parsed values, not bytes).
case_check() {
    local fmt
    for fmt in json yaml; do
        "$BERTH" -f "$CASE_DIR/compose.yaml" config --format "$fmt" >"$CASE_DIR/berth.$fmt" \
            || { log "berth config --format $fmt failed"; return 1; }
        "$REF" -f "$CASE_DIR/compose.yaml" config --format "$fmt" >"$CASE_DIR/reference.$fmt" \
            || { log "reference config --format $fmt failed"; return 1; }
        "$PY" "$BENCH_DIR/lib/report.py" "same-$fmt" "$CASE_DIR/reference.$fmt" "$CASE_DIR/berth.$fmt" \
            || return 1
    done
}

case_commands() {
    local fmt
    for fmt in json yaml; do
        bench_cmd "$fmt" berth "$BERTH -f $CASE_DIR/compose.yaml config --format $fmt"
        bench_cmd "$fmt" reference "$REF -f $CASE_DIR/compose.yaml config --format $fmt"
    done
}
