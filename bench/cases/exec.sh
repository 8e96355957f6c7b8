# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `exec -T SERVICE true` in a running busybox container: the overhead of berth's exec (engine
# connection, container lookup by labels, exec create/start/inspect) against the reference's
# `docker compose exec -T` and a baseline of plain `docker exec CONTAINER true`.
CASE_DESC="exec -T of 'true' in a running container (baseline: docker exec)"
CASE_BERTH_COMMANDS=(exec)
CASE_ENGINE=1
CASE_RUNS=20
CASE_WARMUP=3
PROJECT=bench-exec

# shellcheck source=../lib/engine_case.sh
source "$BENCH_DIR/lib/engine_case.sh"

case_setup() {
    write_sleepers "$CASE_DIR/compose.yaml" 1 "$TRAP_SLEEP"
    "$REF" -p "$PROJECT" -f "$CASE_DIR/compose.yaml" up -d >/dev/null 2>&1 || die "up of $PROJECT failed"
    expect_running "$PROJECT" 1 || die "$PROJECT is not running"
}

case_check() {
    local ours theirs rc=0
    # shellcheck disable=SC2016  # expanded by the container's shell
    ours="$("$BERTH" -p "$PROJECT" exec -T svc-01 sh -c 'echo $((6*7)); exit 3' </dev/null)" || rc=$?
    [ "$rc" -eq 3 ] || { log "berth exec exited $rc, not the command's 3"; return 1; }
    # shellcheck disable=SC2016
    theirs="$("$REF" -p "$PROJECT" exec -T svc-01 sh -c 'echo $((6*7)); exit 3' </dev/null)" || true
    [ "$ours" = "$theirs" ] || { log "berth exec printed '$ours', the reference '$theirs'"; return 1; }
}

case_commands() {
    bench_cmd exec berth "$BERTH -p $PROJECT exec -T svc-01 true"
    bench_cmd exec reference "$REF -p $PROJECT exec -T svc-01 true"
    bench_cmd exec baseline "docker exec $PROJECT-svc-01-1 true"
}

case_cleanup() {
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1 || true
}
