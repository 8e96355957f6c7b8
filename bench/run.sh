#!/usr/bin/env bash
# Benchmarks berth side by side with the reference Docker Compose.
#
#   bench/run.sh [options] CASE...      run the named cases (bench/cases/CASE.sh)
#   bench/run.sh --list                 list the cases
#
# Options:
#   --runs N        timed runs per command (default: the case's CASE_RUNS)
#   --warmup N      untimed runs first (default: the case's CASE_WARMUP)
#   --mem-runs N    runs under /usr/bin/time for peak RSS (default 5; the median is reported)
#   --no-build      use the berth binary as it is (default: cargo build --release -p berth-cli)
#   --keep          keep each case's temporary directory
#
# Environment: BERTH (berth binary; default <repo>/target/release/berth, built unless
# --no-build), BERTH_REFERENCE_COMPOSE (default /usr/local/lib/berth-reference/docker-compose).
#
# For each case it times every command with hyperfine (results in bench/results/CASE.json,
# with the peak RSS figures and the machine's load added), then prints a table of medians
# and ratios: reference/berth for time (above 1: berth is faster), berth/reference for
# peak RSS (below 1: berth uses less). Speed is only ever judged by these ratios, measured
# side by side on one machine, never by wall-clock limits in tests.
#
# A case whose berth command does not exist yet is skipped with the reason; a case whose
# correctness check fails (berth and the reference disagree) fails the whole run: a fast
# wrong answer is no result. See bench/cases/README.md for how to write a case.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$BENCH_DIR")"
BERTH_LOG_TAG=bench
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"
PY=/usr/bin/python3
REPORT="$BENCH_DIR/lib/report.py"
RESULTS="$BENCH_DIR/results"

runs="" warmup="" mem_runs=5 build=1 keep=0 list=0
cases=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --mem-runs) mem_runs="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        --list) list=1; shift ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) cases+=("$1"); shift ;;
    esac
done

all_cases() {
    local f
    for f in "$BENCH_DIR"/cases/*.sh; do basename "$f" .sh; done
}

if [ "$list" -eq 1 ]; then
    for c in $(all_cases); do
        # Each case file sets CASE_DESC at the top; read it without running the case.
        printf '%-12s %s\n' "$c" "$(CASE_DESC='' bash -c '. "$1" >/dev/null 2>&1; printf %s "$CASE_DESC"' _ "$BENCH_DIR/cases/$c.sh")"
    done
    exit 0
fi
[ "${#cases[@]}" -gt 0 ] || die "name at least one case (bench/run.sh --list shows them)"
for c in "${cases[@]}"; do
    [ -f "$BENCH_DIR/cases/$c.sh" ] || die "no case named '$c' (bench/run.sh --list shows them)"
done
for n in "$runs" "$warmup" "$mem_runs"; do
    [ -z "$n" ] || [[ "$n" =~ ^[0-9]+$ ]] || die "--runs, --warmup and --mem-runs take a number, not '$n'"
done

# Tools: hyperfine and PyYAML (for the YAML equality checks) from Debian, GNU time.
if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ] \
    || ! "$PY" -c 'import yaml' 2>/dev/null; then
    need_root
    apt_install hyperfine time python3 python3-yaml
fi

REF="${BERTH_REFERENCE_COMPOSE:-/usr/local/lib/berth-reference/docker-compose}"
if [ ! -x "$REF" ]; then
    log "reference Compose missing; installing it with scripts/reference.sh"
    REF="$(bash "$REPO/scripts/reference.sh")"
fi
if [ -n "${BERTH:-}" ]; then
    build=0
else
    BERTH="$REPO/target/release/berth"
fi
if [ "$build" -eq 1 ]; then
    log "building berth (cargo build --release -p berth-cli)"
    (cd "$REPO" && cargo build --release --quiet -p berth-cli)
fi
[ -x "$BERTH" ] || die "no berth binary at $BERTH (build it, or set BERTH)"
export BERTH REF REPO BENCH_DIR

engine_ready=0
ensure_engine() {
    [ "$engine_ready" -eq 1 ] && return 0
    eval "$(bash "$REPO/scripts/engine.sh")"
    bash "$REPO/scripts/images.sh" >/dev/null
    # dockerd 20.10 as a swarm manager can leave stale endpoints in a bridge network after
    # many removals at once, and the next `down` then fails (docs/benchmarks.md).
    if [ "$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ]; then
        log "warning: the engine is in swarm mode; engine cases may fail with 'has active endpoints'" \
            "(leave it with: docker swarm leave --force)"
    fi
    engine_ready=1
}

# --- the API a case uses -------------------------------------------------------------
# bench_cmd VARIANT TOOL COMMAND [PREPARE]
#   TOOL is berth, reference or baseline. COMMAND and PREPARE are simple commands (no
#   pipes, redirections or shell syntax: hyperfine runs them without a shell, and the
#   peak RSS is that of the command itself); put anything more in a script in $CASE_DIR
#   and run that. PREPARE runs before every timed run and every memory run, untimed.
cmd_variant=() cmd_tool=() cmd_line=() cmd_prepare=()
bench_cmd() {
    [ $# -ge 3 ] || die "bench_cmd VARIANT TOOL COMMAND [PREPARE]"
    case "$2" in berth|reference|baseline) ;; *) die "bench_cmd: tool must be berth, reference or baseline, not '$2'" ;; esac
    cmd_variant+=("$1") cmd_tool+=("$2") cmd_line+=("$3") cmd_prepare+=("${4:-}")
}

# Run a simple command line (word-split with shell quoting rules, nothing expanded).
run_line() {
    local -a argv
    eval "argv=($1)"
    "${argv[@]}"
}

# Peak RSS in KiB of one run of a simple command line (GNU time's %M: the largest
# resident set of the process or of any child it waited for).
peak_rss() {
    local -a argv
    local out
    eval "argv=($1)"
    out="$(mktemp)"
    if ! /usr/bin/time -f %M -o "$out" "${argv[@]}" >/dev/null 2>"$out.err"; then
        cat "$out.err" >&2
        rm -f "$out" "$out.err"
        die "failed: $1"
    fi
    tail -n1 "$out"
    rm -f "$out" "$out.err"
}

# --- running one case --------------------------------------------------------------------
reset_case() {
    unset CASE_DESC CASE_RUNS CASE_WARMUP CASE_ENGINE CASE_BERTH_COMMANDS
    unset -f case_setup case_check case_commands case_cleanup
    cmd_variant=() cmd_tool=() cmd_line=() cmd_prepare=()
}

current_cleanup=""
on_exit() {
    local rc=$?
    if [ -n "$current_cleanup" ]; then
        (cd "$CASE_DIR" 2>/dev/null && case_cleanup) >/dev/null 2>&1 || true
        [ "$keep" -eq 1 ] || rm -rf "$CASE_DIR"
    fi
    exit "$rc"
}
trap on_exit EXIT

summaries=()
skipped=()
run_case() {
    local name="$1"
    reset_case
    CASE_RUNS=10 CASE_WARMUP=2 CASE_ENGINE=0 CASE_BERTH_COMMANDS=()
    # shellcheck source=/dev/null
    . "$BENCH_DIR/cases/$name.sh"
    declare -F case_commands >/dev/null || die "case $name defines no case_commands"

    local sub
    for sub in "${CASE_BERTH_COMMANDS[@]}"; do
        if ! "$BERTH" "$sub" --help >/dev/null 2>&1; then
            log "skipping $name: berth has no '$sub' command yet ($BERTH $sub --help fails)"
            skipped+=("$name (berth $sub missing)")
            return 0
        fi
    done
    [ "$CASE_ENGINE" -eq 1 ] && ensure_engine

    CASE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-$name.XXXXXX")"
    export CASE_DIR
    current_cleanup=1
    cd "$CASE_DIR"
    log "$name: $CASE_DESC (in $CASE_DIR)"
    if declare -F case_setup >/dev/null; then case_setup; fi
    if declare -F case_check >/dev/null; then
        log "$name: checking berth against the reference"
        case_check || die "$name: berth and the reference disagree; not benchmarking a wrong answer"
    fi
    case_commands
    [ "${#cmd_line[@]}" -gt 0 ] || die "case $name declared no commands"

    local n_runs="${runs:-$CASE_RUNS}" n_warm="${warmup:-$CASE_WARMUP}" i
    local -a hf=(hyperfine -N --warmup "$n_warm" --runs "$n_runs" --style basic
        --export-json "$RESULTS/$name.json")
    local any_prepare=0
    for i in "${!cmd_line[@]}"; do [ -n "${cmd_prepare[$i]}" ] && any_prepare=1; done
    for i in "${!cmd_line[@]}"; do
        if [ "$any_prepare" -eq 1 ]; then
            # hyperfine pairs the n-th --prepare with the n-th command; `true` when none.
            hf+=(--prepare "${cmd_prepare[$i]:-true}")
        fi
        hf+=(--command-name "${cmd_tool[$i]} ${cmd_variant[$i]}" "${cmd_line[$i]}")
    done
    mkdir -p "$RESULTS"
    log "$name: timing ${#cmd_line[@]} commands, $n_warm warmup + $n_runs runs each"
    local load_before load_after
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    "${hf[@]}"

    # Peak memory: berth and the reference only (a baseline is for time).
    local memfile="$CASE_DIR/.rss.tsv" r
    : >"$memfile"
    for i in "${!cmd_line[@]}"; do
        [ "${cmd_tool[$i]}" = baseline ] && continue
        log "$name: peak RSS of ${cmd_tool[$i]} ${cmd_variant[$i]} ($mem_runs runs)"
        for ((r = 0; r < mem_runs; r++)); do
            # A cleanup can fail once on a busy engine (a removal still in progress); a
            # second try decides.
            if [ -n "${cmd_prepare[$i]}" ]; then run_line "${cmd_prepare[$i]}" >/dev/null 2>&1 \
                || run_line "${cmd_prepare[$i]}" >/dev/null 2>&1 \
                || die "prepare failed: ${cmd_prepare[$i]}"; fi
            printf '%s %s\t%s\n' "${cmd_tool[$i]}" "${cmd_variant[$i]}" "$(peak_rss "${cmd_line[$i]}")" >>"$memfile"
        done
    done

    load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
    "$PY" "$REPORT" annotate "$RESULTS/$name.json" "$memfile" "$name" "$CASE_DESC" \
        "$load_before" "$load_after" "$BERTH" "$REF"
    summaries+=("$RESULTS/$name.json")

    if declare -F case_cleanup >/dev/null; then case_cleanup; fi
    current_cleanup=""
    cd "$REPO"
    [ "$keep" -eq 1 ] || rm -rf "$CASE_DIR"
}

for c in "${cases[@]}"; do run_case "$c"; done

echo
if [ "${#summaries[@]}" -gt 0 ]; then
    "$PY" "$REPORT" table "${summaries[@]}"
fi
for s in "${skipped[@]}"; do echo "skipped: $s"; done
