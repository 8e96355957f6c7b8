#!/usr/bin/env bash
# Installs the reference Docker Compose (v2.26.1, Debian trixie's docker-compose 2.26.1-4,
# built against compose-go 2.4.8) without touching the machine's apt sources:
#   - $BERTH_REFERENCE_DIR/docker-compose   standalone binary the tests call
#   - /usr/local/lib/docker/cli-plugins/docker-compose  so `docker compose` works too
# The .deb comes from the pool of the Debian mirror apt is configured with, verified against
# a pinned SHA-256; if the pool no longer has that version, a private apt configuration for
# trixie (lists and cache under $BERTH_STATE_DIR) resolves and verifies it instead.
# Prints the binary's path on stdout. Idempotent; instant when already installed.
set -euo pipefail
BERTH_LOG_TAG=reference
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

VERSION="2.26.1-4"
# shellcheck disable=SC2034 # read through ${!sha_var}
DEB_SHA256_amd64="47681197cb2b1ab88206b42a1a92fc75f50d9530a6322d03494a473eed0408ea"
REF_DIR="${BERTH_REFERENCE_DIR:-/usr/local/lib/berth-reference}"
PLUGIN_DIR="/usr/local/lib/docker/cli-plugins"
BIN="$REF_DIR/docker-compose"
STAMP="$REF_DIR/.installed"

installed() {
    [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ] \
        && [ "$(readlink "$PLUGIN_DIR/docker-compose" 2>/dev/null)" = "$BIN" ]
}

if installed; then
    printf '%s\n' "$BIN"
    exit 0
fi
need_root

arch="$(dpkg --print-architecture)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt's download methods run as _apt
deb="$work/docker-compose_${VERSION}_${arch}.deb"

fetch_from_pool() {
    local sha_var="DEB_SHA256_${arch}" sha
    sha="${!sha_var:-}"
    [ -n "$sha" ] || return 1
    local url
    url="$(debian_mirror)pool/main/d/docker-compose/docker-compose_${VERSION}_${arch}.deb"
    log "fetching $url"
    /usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "$url" "$deb" "SHA256:$sha" >/dev/null 2>&1
}

# Private apt state for trixie: the machine's sources.list* stay untouched, and the trixie
# index never mixes with the system's. apt verifies the Release signature and the hash.
fetch_with_private_apt() {
    local priv="$BERTH_STATE_DIR/apt-trixie"
    mkdir -p "$priv/etc" "$priv/lists/partial" "$priv/cache/archives/partial"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' \
        "$(debian_mirror)" >"$priv/etc/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$priv/etc/sources.list" -o Dir::Etc::SourceParts=-
        -o "Dir::State::Lists=$priv/lists" -o "Dir::Cache=$priv/cache"
        -o Dir::State::status=/dev/null -o Acquire::Languages=none -o APT::Sandbox::User=root
        -o "APT::Architecture=$arch")
    log "resolving docker-compose=$VERSION through a private trixie apt index"
    apt-get "${opts[@]}" -qq update
    (cd "$work" && apt-get "${opts[@]}" -qq download "docker-compose=$VERSION")
    [ -f "$deb" ] || deb="$(ls "$work"/docker-compose_*.deb)"
}

fetch_from_pool || fetch_with_private_apt || die "cannot obtain docker-compose $VERSION"

dpkg-deb -x "$deb" "$work/root"
src="$work/root/usr/libexec/docker/cli-plugins/docker-compose"
[ -x "$src" ] || die "the package does not ship usr/libexec/docker/cli-plugins/docker-compose"
# Dynamically linked against libc only (Depends: libc6 >= 2.34); make sure it runs here.
"$src" version >/dev/null || die "the reference binary does not run on this machine"

mkdir -p "$REF_DIR" "$PLUGIN_DIR"
install -m 0755 "$src" "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
ln -sfn "$BIN" "$PLUGIN_DIR/docker-compose"
printf '%s\n' "$VERSION" >"$STAMP"
log "installed $("$BIN" version) at $BIN (docker CLI plugin: $PLUGIN_DIR/docker-compose)"
printf '%s\n' "$BIN"
