# shellcheck shell=bash
# Shared helpers for the machine-preparation scripts (sourced, never run).
#
# Every script built on these is idempotent: it checks for the finished state first and
# returns quickly when it is already there. None of them edits /etc/apt/sources.list*;
# anything fetched from a suite the machine is not configured for goes through a private
# apt configuration under $BERTH_STATE_DIR.

BERTH_STATE_DIR="${BERTH_STATE_DIR:-/var/lib/berth-ci}"

log() { printf '[%s] %s\n' "${BERTH_LOG_TAG:-berth}" "$*" >&2; }
die() { printf '[%s] error: %s\n' "${BERTH_LOG_TAG:-berth}" "$*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, starts daemons)"
}

# The Debian archive this machine's apt uses (mirror or caching proxy), with a trailing
# slash, e.g. http://deb.debian.org/debian/. Derived from apt's own configuration so that
# debootstrap and direct pool downloads go through the same path as apt-get.
debian_mirror() {
    local uri codename
    codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-bookworm}")"
    # shellcheck disable=SC2016 # $(REPO_URI) is apt's format syntax, not the shell's.
    uri="$(apt-get indextargets --no-release-info --format '$(REPO_URI)' \
        'Identifier: Packages' "Release: $codename" 2>/dev/null | head -n1 || true)"
    [ -n "$uri" ] || uri="http://deb.debian.org/debian/"
    case "$uri" in */) ;; *) uri="$uri/" ;; esac
    printf '%s\n' "$uri"
}

# apt-get with a lock timeout: several engineers (and their scripts) share one machine.
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"
}

# Install packages from the machine's configured suites, skipping apt entirely when they
# are all installed already. `apt-get update` runs only when an install fails or the
# package lists are missing (a fresh container image often ships without them).
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        apt_get update -qq
    fi
    if ! apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        apt_get update -qq
        apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# sha256 of stdin, hex only.
sha256_stdin() { sha256sum | cut -d' ' -f1; }

# Wait until a command succeeds, up to $1 seconds. Returns 1 on timeout.
wait_for() {
    local timeout="$1" start
    shift
    start="$(date +%s)"
    until "$@" >/dev/null 2>&1; do
        [ $(( $(date +%s) - start )) -lt "$timeout" ] || return 1
        sleep 0.5
    done
}

# Whether the process named in pidfile $1 still runs (a stale pidfile makes daemons refuse
# to start, so callers clear it when this fails).
pid_alive() {
    local pid
    pid="$(cat "$1" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
