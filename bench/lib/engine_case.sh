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

# The reference's down for project $1 and file $2, as one simple command line
# (bench/lib/teardown.sh: tolerates dockerd's stale network endpoints, nothing else).
ref_down_line() {
    printf 'bash %s/lib/teardown.sh %s %s %s' "$BENCH_DIR" "$REF" "$1" "$2"
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

# normalise_ps IN OUT: the `ps --format json` output IN (an array, or one object a line)
# without the fields that depend on the clock (`RunningFor`, `Status`: the health is compared
# in `Health`), labels as a map, sorted by name, written to OUT for `report.py same-json`.
normalise_ps() {
    "$PY" - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read().strip()
items = json.loads(text) if text.startswith("[") else [json.loads(l) for l in text.splitlines() if l.strip()]
for o in items:
    for k in ("RunningFor", "Status"):
        o.pop(k, None)
    o["Labels"] = dict((kv.split("=", 1) + [""])[:2] for kv in o.get("Labels", "").split(",") if kv)
items.sort(key=lambda o: o["Name"])
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(items, f, indent=1, sort_keys=True)
PY
}

# project_state PROJECT OUT: what the engine holds for PROJECT's containers, from
# `docker inspect`, without what differs from one creation to the next (ids, times, addresses)
# and without berth's own `dev.berth.*` labels, sorted by name, written to OUT for
# `report.py same-json`: two tools that did the same thing leave the same state.
project_state() {
    local -a ids
    mapfile -t ids < <(project_containers "$1")
    [ "${#ids[@]}" -gt 0 ] || { echo '[]' >"$2"; return 0; }
    docker inspect "${ids[@]}" | "$PY" -c '
import json, re, sys
out = []
for c in json.load(sys.stdin):
    cfg, host = c["Config"], c["HostConfig"]
    nets = {}
    for name, ep in (c["NetworkSettings"]["Networks"] or {}).items():
        # Docker adds the short container id to the aliases: it differs between runs.
        aliases = sorted(a for a in (ep.get("Aliases") or []) if not re.fullmatch("[0-9a-f]{12}", a))
        nets[name] = aliases
    out.append({
        "Name": c["Name"],
        "Running": c["State"]["Running"],
        "Image": cfg["Image"],
        "Cmd": cfg["Cmd"],
        "Entrypoint": cfg["Entrypoint"],
        "Env": sorted(cfg["Env"] or []),
        "Labels": {k: v for k, v in (cfg["Labels"] or {}).items() if not k.startswith("dev.berth.")},
        "NetworkMode": host["NetworkMode"],
        "RestartPolicy": host["RestartPolicy"],
        "Networks": nets,
    })
out.sort(key=lambda o: o["Name"])
json.dump(out, open(sys.argv[1], "w"), indent=1, sort_keys=True)
' "$2"
}
