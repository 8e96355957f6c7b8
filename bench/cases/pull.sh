# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# `pull` of one multi-layer image (6 layers of random data on the busybox test image, 24 MB)
# from the local registry of scripts/registry.sh, against the reference and a baseline of
# plain `docker pull`. The image is removed (untimed) before every run; the busybox base layer
# stays, so every tool downloads and extracts the same six layers.
CASE_DESC="pull of a 6-layer 24 MB image from the local registry (baseline: docker pull)"
CASE_BERTH_COMMANDS=(pull)
CASE_ENGINE=1
CASE_RUNS=5
CASE_WARMUP=1
PROJECT=bench-pull
BENCH_IMAGE=127.0.0.1:5000/bench-pull/layers:1

case_setup() {
    bash "$REPO/scripts/registry.sh" >/dev/null
    mkdir -p "$CASE_DIR/image"
    {
        echo "FROM berth-test/busybox:latest"
        for i in 1 2 3 4 5 6; do
            echo "RUN dd if=/dev/urandom of=/layer$i bs=1M count=4 2>/dev/null"
        done
    } >"$CASE_DIR/image/Dockerfile"
    docker build -q -t "$BENCH_IMAGE" "$CASE_DIR/image" >/dev/null 2>&1 \
        || die "building $BENCH_IMAGE failed"
    docker push -q "$BENCH_IMAGE" >/dev/null || die "pushing $BENCH_IMAGE failed"
    printf 'services:\n  app:\n    image: %s\n' "$BENCH_IMAGE" >"$CASE_DIR/compose.yaml"
    printf 'docker rmi -f %s >/dev/null 2>&1\ntrue\n' "$BENCH_IMAGE" >"$CASE_DIR/rmi.sh"
    bash "$CASE_DIR/rmi.sh"
}

case_check() {
    "$BERTH" -p "$PROJECT" -f "$CASE_DIR/compose.yaml" pull >/dev/null 2>&1 \
        || { log "berth pull failed"; return 1; }
    docker image inspect "$BENCH_IMAGE" >/dev/null 2>&1 \
        || { log "berth pull did not leave $BENCH_IMAGE"; return 1; }
    bash "$CASE_DIR/rmi.sh"
}

case_commands() {
    bench_cmd pull berth "$BERTH -p $PROJECT -f $CASE_DIR/compose.yaml pull" "bash $CASE_DIR/rmi.sh"
    bench_cmd pull reference "$REF -p $PROJECT -f $CASE_DIR/compose.yaml pull" "bash $CASE_DIR/rmi.sh"
    bench_cmd pull baseline "docker pull -q $BENCH_IMAGE" "bash $CASE_DIR/rmi.sh"
}

case_cleanup() {
    bash "$CASE_DIR/rmi.sh"
}
