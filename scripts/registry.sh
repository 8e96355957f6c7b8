#!/usr/bin/env bash
# Local container registries for the pull/push tests and the `pull` benchmark (no internet).
#
#   127.0.0.1:5000  open registry (Distribution API v2, plain http: Docker treats registries on
#                   127.0.0.0/8 as insecure, so no TLS and no daemon configuration is needed)
#   127.0.0.1:5001  the same, requiring basic auth (htpasswd, bcrypt):
#                   user "berthtest", password "berthtest-secret"
#
# Both come from Debian's docker-registry package (htpasswd from apache2-utils) and keep their
# data under $BERTH_STATE_DIR/registry. Each is seeded with 127.0.0.1:PORT/berth-test/busybox
# (tags latest and 1.0, from scripts/images.sh's berth-test/busybox:latest) when that image
# exists locally. Idempotent: returns at once when both answer and are seeded.
set -euo pipefail
BERTH_LOG_TAG=registry
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

OPEN_ADDR=127.0.0.1:5000
AUTH_ADDR=127.0.0.1:5001
AUTH_USER=berthtest
AUTH_PASSWORD=berthtest-secret
DIR="$BERTH_STATE_DIR/registry"
SEED_SOURCE=berth-test/busybox:latest
START_TIMEOUT="${BERTH_REGISTRY_TIMEOUT:-30}"

case "${1:-}" in
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    "") ;;
    *) die "unknown argument: $1" ;;
esac

# The API root answers 200 (open) or 401 (auth required) once the registry serves.
answers() {
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$1/v2/" || true)"
    [ "$code" = "$2" ]
}

config() { # name addr [auth]
    cat <<EOF
# Written by berth's scripts/registry.sh.
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/$1/data
  delete:
    enabled: true
http:
  addr: $2
EOF
    if [ "${3:-}" = auth ]; then
        cat <<EOF
auth:
  htpasswd:
    realm: berth-registry
    path: $DIR/htpasswd
EOF
    fi
}

start() { # name addr expected-code [auth]
    local name="$1" addr="$2" code="$3" pidfile="$DIR/$1/registry.pid"
    mkdir -p "$DIR/$name/data"
    config "$name" "$addr" "${4:-}" >"$DIR/$name/config.yml.tmp"
    local changed=0
    if ! cmp -s "$DIR/$name/config.yml.tmp" "$DIR/$name/config.yml"; then
        mv -f "$DIR/$name/config.yml.tmp" "$DIR/$name/config.yml"
        changed=1
    else
        rm -f "$DIR/$name/config.yml.tmp"
    fi
    if [ "$changed" = 0 ] && answers "$addr" "$code"; then
        return 0
    fi
    if pid_alive "$pidfile"; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
        wait_for 10 bash -c "! kill -0 $(cat "$pidfile") 2>/dev/null" || true
    fi
    log "starting the $name registry on $addr (log: $DIR/$name/registry.log)"
    # setsid: the registry outlives this script and the caller's session.
    setsid /usr/bin/docker-registry serve "$DIR/$name/config.yml" \
        >>"$DIR/$name/registry.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    if ! wait_for "$START_TIMEOUT" answers "$addr" "$code"; then
        tail -n 20 "$DIR/$name/registry.log" >&2 || true
        die "the $name registry did not answer on $addr within ${START_TIMEOUT}s"
    fi
}

seeded() { # addr
    curl -fsS --max-time 3 -u "$AUTH_USER:$AUTH_PASSWORD" \
        "http://$1/v2/berth-test/busybox/tags/list" 2>/dev/null | grep -q '"1.0"'
}

seed() { # addr
    local addr="$1" tag
    seeded "$addr" && return 0
    docker image inspect "$SEED_SOURCE" >/dev/null 2>&1 || {
        log "$SEED_SOURCE is missing (scripts/images.sh builds it); $addr is not seeded"
        return 0
    }
    # A private docker config holds the credentials, so the user's own is left alone.
    local cfg
    cfg="$(mktemp -d)"
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$addr" \
        "$(printf '%s:%s' "$AUTH_USER" "$AUTH_PASSWORD" | base64 -w0)" >"$cfg/config.json"
    for tag in latest 1.0; do
        docker tag "$SEED_SOURCE" "$addr/berth-test/busybox:$tag"
        DOCKER_CONFIG="$cfg" docker push -q "$addr/berth-test/busybox:$tag" >/dev/null
        docker rmi "$addr/berth-test/busybox:$tag" >/dev/null
    done
    rm -rf "$cfg"
    log "seeded $addr with berth-test/busybox:latest and :1.0"
}

if ! { answers "$OPEN_ADDR" 200 && answers "$AUTH_ADDR" 401 && seeded "$OPEN_ADDR" && seeded "$AUTH_ADDR"; }; then
    need_root
    apt_install docker-registry apache2-utils curl
    mkdir -p "$DIR"
    # bcrypt (-B): the only hash Distribution's htpasswd controller accepts.
    if ! { [ -f "$DIR/htpasswd" ] && htpasswd -vb "$DIR/htpasswd" "$AUTH_USER" "$AUTH_PASSWORD" >/dev/null 2>&1; }; then
        htpasswd -cbB "$DIR/htpasswd" "$AUTH_USER" "$AUTH_PASSWORD" 2>/dev/null
    fi
    start open "$OPEN_ADDR" 200
    start auth "$AUTH_ADDR" 401 auth
    seed "$OPEN_ADDR"
    seed "$AUTH_ADDR"
fi
log "registries on $OPEN_ADDR (open) and $AUTH_ADDR ($AUTH_USER:$AUTH_PASSWORD)"
