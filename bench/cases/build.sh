# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `build` of the demo (examples/demo: the web image, FROM berth-test/debian:bookworm, COPY
# app.py) with a warm cache: the cost of sending the context, the builder finding every step
# in its cache, and tagging. berth builds with the engine's classic builder; the reference
# with BuildKit (its default), and with the classic builder too (DOCKER_BUILDKIT=0), which
# does the same work as berth.
CASE_DESC="build of the demo's web image with a warm cache"
CASE_BERTH_COMMANDS=(build)
CASE_ENGINE=1
CASE_RUNS=10
CASE_WARMUP=2
PROJECT=bench-build

case_setup() {
    cp -r "$REPO/examples/demo" "$CASE_DIR/demo"
    # Warm each builder's cache (untimed).
    "$BERTH" -p "$PROJECT-berth" -f "$CASE_DIR/demo/compose.yaml" build >/dev/null
    "$REF" -p "$PROJECT-ref" -f "$CASE_DIR/demo/compose.yaml" build >/dev/null 2>&1
    DOCKER_BUILDKIT=0 "$REF" -p "$PROJECT-classic" -f "$CASE_DIR/demo/compose.yaml" build >/dev/null 2>&1
}

# berth's image holds what the reference's holds: the app, and nothing else, in /app.
case_check() {
    local b r
    b="$(docker run --rm --network none "$PROJECT-berth-web" ls -A /app)" || { log "cannot run berth's image"; return 1; }
    r="$(docker run --rm --network none "$PROJECT-ref-web" ls -A /app)" || { log "cannot run the reference's image"; return 1; }
    [ "$b" = "$r" ] || { log "berth's image has [$b] in /app, the reference's [$r]"; return 1; }
}

case_commands() {
    local file="$CASE_DIR/demo/compose.yaml"
    bench_cmd build berth "$BERTH -p $PROJECT-berth -f $file build"
    bench_cmd build reference "$REF -p $PROJECT-ref -f $file build"
    bench_cmd classic berth "$BERTH -p $PROJECT-berth -f $file build"
    bench_cmd classic reference "env DOCKER_BUILDKIT=0 $REF -p $PROJECT-classic -f $file build"
}

case_cleanup() {
    docker rmi -f "$PROJECT-berth-web" "$PROJECT-ref-web" "$PROJECT-classic-web" >/dev/null 2>&1 || true
}
