# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `up -d` of 50 services from nothing, against the reference and a baseline of the same
# 50 containers started by plain `docker run`, 16 at a time.
CASE_DESC="up -d of 50 busybox services from scratch (baseline: 16 parallel docker run)"
CASE_BERTH_COMMANDS=(up down)
CASE_ENGINE=1
CASE_RUNS=5
CASE_WARMUP=1
# shellcheck source=bench/lib/engine_case.sh
. "$BENCH_DIR/lib/engine_case.sh"
# Not bench-up-cold: dockerd 20.10 kept a network of that name with a stale endpoint after
# a run under heavy load, and it can be neither used nor removed.
PROJECT=bench-upcold
BASE=bench-up-cold-base

case_setup() {
    write_sleepers "$CASE_DIR/compose.yaml" 50
    seq -f 'svc-%02g' 1 50 >"$CASE_DIR/names"
    # The baseline does what compose does for this file: a network, then the containers.
    cat >"$CASE_DIR/baseline-up.sh" <<SH
set -e
# Reused when a stale endpoint kept the previous run's network (bench/lib/teardown.sh).
docker network inspect $BASE >/dev/null 2>&1 || docker network create --label bench=$BASE $BASE >/dev/null
xargs -P 16 -I{} docker run -d --name $BASE-{} --network $BASE --label bench=$BASE \\
    $IMAGE sleep 3600 <"$CASE_DIR/names" >/dev/null
SH
    cat >"$CASE_DIR/baseline-down.sh" <<SH
docker ps -aq --filter label=bench=$BASE | xargs -r docker rm -f >/dev/null
docker network ls -q --filter label=bench=$BASE | xargs -r docker network rm >/dev/null
true
SH
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
    bash "$CASE_DIR/baseline-down.sh"
}

# berth's up leaves the same containers as the reference's: names, images, commands, labels
# (config hashes included), networks and aliases, all running.
case_check() {
    local down
    down="$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")"
    "$BERTH" -p "$PROJECT" -f "$CASE_DIR/compose.yaml" up -d >/dev/null 2>&1 \
        || { log "berth up -d failed"; return 1; }
    expect_running "$PROJECT" 50 || return 1
    project_state "$PROJECT" "$CASE_DIR/state-berth.json"
    run_line "$down" >/dev/null 2>&1
    run_line "$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d" >/dev/null 2>&1
    project_state "$PROJECT" "$CASE_DIR/state-reference.json"
    "$PY" "$BENCH_DIR/lib/report.py" same-json "$CASE_DIR/state-berth.json" "$CASE_DIR/state-reference.json" \
        || { log "berth's up -d and the reference's leave different containers"; return 1; }
    run_line "$down" >/dev/null 2>&1
    bash "$CASE_DIR/baseline-up.sh" && bash "$CASE_DIR/baseline-down.sh"
}

case_commands() {
    local down
    down="$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")"
    bench_cmd up berth "$BERTH -p $PROJECT -f $CASE_DIR/compose.yaml up -d" "$down"
    bench_cmd up reference "$REF -p $PROJECT -f $CASE_DIR/compose.yaml up -d" "$down"
    bench_cmd up baseline "bash $CASE_DIR/baseline-up.sh" "bash $CASE_DIR/baseline-down.sh"
}

case_cleanup() {
    run_line "$(ref_down_line "$PROJECT" "$CASE_DIR/compose.yaml")" >/dev/null 2>&1
    bash "$CASE_DIR/baseline-down.sh"
}
