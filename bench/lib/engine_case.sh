# shellcheck shell=bash disable=SC2034  # CASE_* are read by bench/run.sh, which sources this
# Helpers for the cases that drive the Docker engine (sourced by bench/cases/*.sh).
# Every such case uses its own project name, bench-<case>, and puts the engine back to
# where it found it with the reference's `down`, so runs and cases do not see each other.

IMAGE=berth-test/busybox:latest
# A sleeper that stops at once on SIGTERM, as a well-behaved service does (a plain
# `sleep` as PID 1 ignores SIGTERM and every stop would wait out the grace period).
TRAP_SLEEP='["sh", "-c", "trap \"exit 0\" TERM; sleep 3600 & wait"]'

# write_sleepers FILE N [COMMAND_JSON]: N services svc-01.. of the busybox image.
write_sleepers() {
    local file="$1" n="$2" cmd="${3:-[\"sleep\", \"3600\"]}" i
    {
        echo "services:"
        for ((i = 1; i <= n; i++)); do
            printf '  svc-%02d:\n    image: %s\n    pull_policy: never\n    command: %s\n' \
                "$i" "$IMAGE" "$cmd"
        done
    } >"$file"
}

# The reference's down for project $1 and file $2, as one simple command line.
ref_down_line() {
    printf '%s -p %s -f %s down -t 0 --remove-orphans' "$REF" "$1" "$2"
}

# Containers of project $1 (any state, or running with $2=running), one ID a line, sorted.
project_containers() {
    local -a filter=(--filter "label=com.docker.compose.project=$1")
    [ "${2:-}" = running ] && filter+=(--filter status=running)
    docker ps -a --no-trunc -q "${filter[@]}" | sort
}

# expect_running PROJECT N: fail unless exactly N containers of PROJECT are running.
expect_running() {
    local got
    got="$(project_containers "$1" running | grep -c . || true)"
    if [ "$got" != "$2" ]; then
        log "expected $2 running containers in project $1, found $got"
        docker ps -a --filter "label=com.docker.compose.project=$1" >&2 || true
        return 1
    fi
}
