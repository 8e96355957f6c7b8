#!/usr/bin/env bash
# Makes a container engine answer on this machine, starting it ourselves (no systemd here).
#
#   scripts/engine.sh            Docker Engine (Debian bookworm's docker.io 20.10, API 1.41) on
#                                unix:///var/run/docker.sock; also provides the docker CLI.
#   scripts/engine.sh --podman   Podman 4.3's Docker-compatible API on
#                                unix:///run/podman/podman.sock, with our containers.conf.
#   scripts/engine.sh --swarm    the Docker Engine above, made a single-node swarm manager
#                                (undo with `docker swarm leave --force`).
#
# Prints the environment the caller must use as `export ...` lines on stdout, so
# `eval "$(bash scripts/engine.sh --podman)"` selects that engine. Everything else goes to
# stderr. Idempotent: returns at once when the engine already answers.
set -euo pipefail
BERTH_LOG_TAG=engine
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

DOCKER_SOCK=/var/run/docker.sock
DOCKER_LOG=/var/log/dockerd.log
DOCKER_PID=/var/run/docker.pid
PODMAN_SOCK=/run/podman/podman.sock
PODMAN_LOG=/var/log/podman-service.log
PODMAN_PID=/run/podman/service.pid
PODMAN_CONF_DIR="${BERTH_PODMAN_CONF_DIR:-/etc/berth/podman}"
PODMAN_CONF="$PODMAN_CONF_DIR/containers.conf"
PODMAN_REGISTRIES="$PODMAN_CONF_DIR/registries.conf"
START_TIMEOUT="${BERTH_ENGINE_TIMEOUT:-90}"

mode=docker
for arg in "$@"; do
    case "$arg" in
        --docker) mode=docker ;;
        --podman) mode=podman ;;
        --swarm) mode=swarm ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) die "unknown argument: $arg (expected --docker, --podman or --swarm)" ;;
    esac
done

ping_socket() {
    [ -S "$1" ] && curl -fsS --max-time 5 --unix-socket "$1" http://localhost/_ping 2>/dev/null \
        | grep -q OK
}

# Docker's bridge driver programs iptables. Both the nf_tables and the legacy backends may
# be available; use nft (Debian's default) unless this kernel cannot do NAT with it.
choose_iptables() {
    command -v iptables-nft >/dev/null || return 0
    local chain="BERTH-PROBE-$$" backend=""
    for candidate in iptables-nft iptables-legacy; do
        if "$candidate" -t nat -N "$chain" 2>/dev/null; then
            "$candidate" -t nat -X "$chain" 2>/dev/null || true
            backend="$candidate"
            break
        fi
    done
    [ -n "$backend" ] || die "neither iptables-nft nor iptables-legacy can create a NAT chain"
    local current
    current="$(readlink -f "$(command -v iptables)")"
    if [ "$current" != "$(readlink -f "/usr/sbin/$backend")" ]; then
        log "selecting $backend for iptables"
        update-alternatives --set iptables "/usr/sbin/$backend" >/dev/null
        update-alternatives --set ip6tables "/usr/sbin/${backend/iptables/ip6tables}" >/dev/null
    fi
}

ensure_docker() {
    unset DOCKER_HOST DOCKER_CONTEXT
    if command -v docker >/dev/null && ping_socket "$DOCKER_SOCK" \
        && docker version >/dev/null 2>&1; then
        return 0
    fi
    need_root
    # docker.io also brings the docker CLI (/usr/bin/docker) for machines without one.
    apt_install docker.io iptables curl
    if ping_socket "$DOCKER_SOCK"; then
        return 0
    fi
    choose_iptables
    # A dockerd may already be on its way up: ours from a concurrent run, or one started by
    # the package's init script (where no policy-rc.d forbids it).
    if pid_alive "$DOCKER_PID" || pgrep -x dockerd >/dev/null; then
        log "dockerd is already starting; waiting for it"
    else
        rm -f "$DOCKER_PID"
        log "starting dockerd (log: $DOCKER_LOG)"
        mkdir -p "$(dirname "$DOCKER_LOG")"
        # setsid: the daemon outlives this script and the caller's session.
        # From /: a daemon keeps its starting directory, which may be a checkout deleted later.
        (cd / && exec setsid dockerd --pidfile "$DOCKER_PID" --host "unix://$DOCKER_SOCK") \
            >>"$DOCKER_LOG" 2>&1 </dev/null &
    fi
    if ! wait_for "$START_TIMEOUT" ping_socket "$DOCKER_SOCK"; then
        tail -n 30 "$DOCKER_LOG" >&2 || true
        die "dockerd did not answer on $DOCKER_SOCK within ${START_TIMEOUT}s (see $DOCKER_LOG)"
    fi
    docker version --format 'docker engine {{.Server.Version}} (API {{.Server.APIVersion}})' >&2
}

podman_conf() {
    # The machine's hard nofile limit is 20000; Podman's default ulimits ask for more and
    # every container would fail to start. No systemd: cgroupfs and file-based events.
    # catatonit is what Podman runs for `init: true`. crun refuses this kernel's hybrid
    # cgroup v1/v2 layout ("cgroups in hybrid mode not supported"); runc copes.
    cat <<'EOF'
# Written by berth's scripts/engine.sh --podman; select it with CONTAINERS_CONF.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
init_path = "/usr/bin/catatonit"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
EOF
}

podman_registries() {
    # Docker treats registries on 127.0.0.0/8 as insecure (plain http); Podman needs to be
    # told. These are the local registries scripts/registry.sh serves for the tests.
    cat <<'EOF'
# Written by berth's scripts/engine.sh --podman; select it with CONTAINERS_REGISTRIES_CONF.
unqualified-search-registries = []

[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "127.0.0.1:5001"
insecure = true

[[registry]]
location = "localhost:5000"
insecure = true

[[registry]]
location = "localhost:5001"
insecure = true
EOF
}

# Writes the output of the function $1 to the file $2 unless the file already has it;
# returns 1 when nothing changed.
write_conf() {
    if "$1" | cmp -s - "$2"; then
        return 1
    fi
    mkdir -p "$(dirname "$2")"
    "$1" >"$2.tmp"
    mv -f "$2.tmp" "$2"
}

# The podman services whose working directory was deleted since they started (a checkout of
# this project, removed and cloned again). conmon inherits that directory and then fails every
# container start ("write child: broken pipe"), so such a service is restarted.
stale_podman_services() {
    local pid
    for pid in $(pgrep -f '^podman system service' || true); do
        case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in
            *" (deleted)") echo "$pid" ;;
        esac
    done
}

ensure_podman() {
    export CONTAINERS_CONF="$PODMAN_CONF"
    export CONTAINERS_REGISTRIES_CONF="$PODMAN_REGISTRIES"
    local stale
    stale="$(stale_podman_services)"
    if [ -z "$stale" ] && ping_socket "$PODMAN_SOCK" && podman_conf | cmp -s - "$PODMAN_CONF" \
        && podman_registries | cmp -s - "$PODMAN_REGISTRIES"; then
        return 0
    fi
    need_root
    apt_install podman catatonit runc netavark aardvark-dns curl
    local conf_changed=0
    if write_conf podman_conf "$PODMAN_CONF"; then conf_changed=1; fi
    if write_conf podman_registries "$PODMAN_REGISTRIES"; then conf_changed=1; fi
    if [ -n "$stale" ]; then
        log "the podman service runs in a deleted directory; restarting it"
        local pid
        for pid in $stale; do
            kill "$pid" 2>/dev/null || true
            wait_for 30 bash -c "! kill -0 $pid" || true
        done
    fi
    if pid_alive "$PODMAN_PID"; then
        if [ "$conf_changed" -eq 1 ]; then
            log "containers.conf or registries.conf changed; restarting the podman service"
            local old
            old="$(cat "$PODMAN_PID")"
            kill "$old" 2>/dev/null || true
            wait_for 30 bash -c "! kill -0 $old" || true
        else
            log "podman service (pid $(cat "$PODMAN_PID")) is starting; waiting"
        fi
    fi
    if ! pid_alive "$PODMAN_PID"; then
        mkdir -p "$(dirname "$PODMAN_SOCK")"
        rm -f "$PODMAN_SOCK"
        log "starting podman system service (log: $PODMAN_LOG)"
        # shellcheck disable=SC2016 # expanded by the inner shell
        (cd / && exec setsid bash -c 'echo $$ >"$1"; exec podman system service --time=0 "unix://$2"' \
            _ "$PODMAN_PID" "$PODMAN_SOCK") >>"$PODMAN_LOG" 2>&1 </dev/null &
    fi
    if ! wait_for "$START_TIMEOUT" ping_socket "$PODMAN_SOCK"; then
        tail -n 30 "$PODMAN_LOG" >&2 || true
        die "podman service did not answer on $PODMAN_SOCK within ${START_TIMEOUT}s"
    fi
    log "podman $(podman version --format '{{.Server.Version}}' 2>/dev/null || echo '?') answers on $PODMAN_SOCK"
}

ensure_swarm() {
    ensure_docker
    local state
    state="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')"
    case "$state" in
        "active true") ;;
        "inactive "*)
            log "initialising a single-node swarm (undo: docker swarm leave --force)"
            docker swarm init --advertise-addr 127.0.0.1 >/dev/null
            ;;
        *) die "this engine is in swarm state '$state', not a manager; run: docker swarm leave --force" ;;
    esac
}

case "$mode" in
    docker)
        ensure_docker
        printf 'export DOCKER_HOST=unix://%s\n' "$DOCKER_SOCK"
        ;;
    swarm)
        ensure_swarm
        printf 'export DOCKER_HOST=unix://%s\n' "$DOCKER_SOCK"
        ;;
    podman)
        ensure_podman
        printf 'export DOCKER_HOST=unix://%s\n' "$PODMAN_SOCK"
        printf 'export CONTAINERS_CONF=%s\n' "$PODMAN_CONF"
        printf 'export CONTAINERS_REGISTRIES_CONF=%s\n' "$PODMAN_REGISTRIES"
        ;;
esac
