# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `logs` of one container that has written 100 MB (1 M lines of 100 bytes), written to
# /dev/null and through a pipe.
CASE_DESC="logs of a container that wrote 100 MB (to /dev/null and to a pipe)"
CASE_BERTH_COMMANDS=(logs)
CASE_ENGINE=1
CASE_RUNS=5
CASE_WARMUP=1
# shellcheck source=bench/lib/engine_case.sh
. "$BENCH_DIR/lib/engine_case.sh"
PROJECT=bench-logs

case_setup() {
    cat >"$CASE_DIR/compose.yaml" <<YAML
services:
  writer:
    image: $IMAGE
    pull_policy: never
    command: ["sh", "-c", "yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 | head -n 1000000"]
YAML
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
    run_line "$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d" >/dev/null 2>&1
    docker wait "$PROJECT-writer-1" >/dev/null
    printf 'bin="$1"; shift; "$bin" -p %s logs "$@" | cat >/dev/null\n' "$PROJECT" >"$CASE_DIR/pipe.sh"
}

# Both print the same million lines.
case_check() {
    local b r
    b="$("$BERTH" -p "$PROJECT" logs --no-color | sed 's/\x1b\[2K//' | cksum)" || { log "berth logs failed"; return 1; }
    r="$("$REF" -p "$PROJECT" logs --no-color | sed 's/\x1b\[2K//' | cksum)"
    [ "$b" = "$r" ] || { log "berth logs and the reference's differ ($b vs $r)"; return 1; }
}

case_commands() {
    bench_cmd devnull berth "$BERTH -p $PROJECT logs"
    bench_cmd devnull reference "$REF -p $PROJECT logs"
    bench_cmd pipe berth "bash $CASE_DIR/pipe.sh $BERTH"
    bench_cmd pipe reference "bash $CASE_DIR/pipe.sh $REF"
}

case_cleanup() {
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
}
