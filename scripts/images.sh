#!/usr/bin/env bash
# Builds the offline test images into the engine DOCKER_HOST selects (Docker by default;
# `eval "$(bash scripts/engine.sh --podman)"` first to load them into Podman). No registry
# is reachable, so both images are made from Debian packages:
#
#   berth-test/busybox:latest   FROM scratch + Debian's static busybox and its applet links
#   berth-test/debian:bookworm  debootstrap (minbase) rootfs with redis, nginx, flask, curl...
#
# Each image carries a `berth.recipe` label: the hash of everything that goes into it. An
# image whose label matches is left alone, so re-runs take well under a second. The
# debootstrap tarball is cached under $BERTH_IMAGE_CACHE keyed by the same hash, so a new
# engine (or Podman) gets the image without another debootstrap.
#
#   scripts/images.sh [--podman] [busybox|debian]...   (default: both)
#
# --podman starts Podman's service if needed (scripts/engine.sh --podman) and loads the
# images into it, whatever DOCKER_HOST says.
set -euo pipefail
BERTH_LOG_TAG=images
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--podman" ]; then
    shift
    eval "$(bash "$(dirname "$0")/engine.sh" --podman)"
fi

CACHE="${BERTH_IMAGE_CACHE:-/var/cache/berth-images}"
BUSYBOX_IMAGE=berth-test/busybox:latest
DEBIAN_IMAGE=berth-test/debian:bookworm
DEBIAN_SUITE=bookworm
DEBIAN_PACKAGES=(redis-server nginx-light python3-flask python3-redis curl ca-certificates
    procps iproute2 netcat-openbsd)
# Only the classic builder: the CLI may lack buildx, and FROM scratch needs nothing else.
export DOCKER_BUILDKIT=0

wanted=("$@")
[ "${#wanted[@]}" -gt 0 ] || wanted=(busybox debian)

docker version >/dev/null 2>&1 \
    || die "no engine answers at ${DOCKER_HOST:-the default docker socket}; run scripts/engine.sh first"

# A rebuilt image leaves its predecessor untagged; drop it unless a container still uses it.
drop_previous() {
    [ -n "$1" ] || return 0
    [ "$(docker image inspect --format '{{.Id}}' "$2" 2>/dev/null)" != "$1" ] || return 0
    docker image rm "$1" >/dev/null 2>&1 || true
}

image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

image_recipe() {
    docker image inspect --format '{{index .Config.Labels "berth.recipe"}}' "$1" 2>/dev/null || true
}

# Hash of this script's recipe for one image plus the inputs named on the command line.
recipe_hash() {
    { sed -n "/^# recipe:$1\$/,/^# end recipe:$1\$/p" "$0"; printf '%s\n' "${@:2}"; } \
        | sha256_stdin | cut -c1-16
}

# "package=version" lines for what apt would install right now. Part of the recipes, so a
# point release rebuilds. apt-cache takes seconds here (this machine's apt configuration
# discards pkgcache.bin after every run), so the answer is kept until apt's lists change.
candidate_versions() {
    local key file
    key="$(stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* 2>/dev/null \
        | { cat; printf '%s\n' "$@"; } | sha256_stdin | cut -c1-16)"
    file="$CACHE/apt-candidates-$key"
    if [ ! -s "$file" ]; then
        apt-cache policy "$@" 2>/dev/null | awk '
            /^[^ ].*:$/ { pkg = substr($0, 1, length($0) - 1) }
            /^  Candidate:/ { print pkg "=" $2 }' >"$file.tmp.$$"
        find "$CACHE" -maxdepth 1 -name 'apt-candidates-*' -mmin +1440 -delete 2>/dev/null || true
        mv -f "$file.tmp.$$" "$file"
    fi
    cat "$file"
}

ensure_lists() {
    compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt_get update -qq
}

# recipe:busybox
build_busybox() {
    ensure_lists
    local version hash
    version="$(candidate_versions busybox-static)"
    version="${version#busybox-static=}"
    if [ -z "$version" ] || [ "$version" = "(none)" ]; then
        die "busybox-static is not available from apt"
    fi
    hash="$(recipe_hash busybox "$version")"
    if [ "$(image_recipe "$BUSYBOX_IMAGE")" = "$hash" ]; then
        log "$BUSYBOX_IMAGE is up to date ($hash)"
        return 0
    fi
    log "building $BUSYBOX_IMAGE (busybox-static $version)"
    local previous work
    previous="$(image_id "$BUSYBOX_IMAGE")"
    work="$(mktemp -d)"
    # The package is only unpacked for the image; the host does not get busybox-static.
    (cd "$work" && apt_get download -qq -o APT::Sandbox::User=root "busybox-static=$version")
    dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"
    local ctx="$work/ctx" root="$work/ctx/rootfs"
    mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/var/tmp" "$root/home"
    install -m 0755 "$work/pkg/bin/busybox" "$root/bin/busybox"
    # Precompute the applet links (what `busybox --install -s` would make) so the build has
    # no RUN step and works the same on every engine.
    local applet
    while read -r applet; do
        if [ -z "$applet" ] || [ "$applet" = "bin/busybox" ]; then continue; fi
        mkdir -p "$root/$(dirname "$applet")"
        ln -sfn /bin/busybox "$root/$applet"
    done < <("$root/bin/busybox" --list-full)
    chmod 1777 "$root/tmp" "$root/var/tmp"
    chmod 0700 "$root/root"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'daemon:x:1:1:daemon:/usr/sbin:/bin/false' \
        'nobody:x:65534:65534:nobody:/home:/bin/false' >"$root/etc/passwd"
    printf '%s\n' 'root:x:0:' 'daemon:x:1:' 'nogroup:x:65534:' >"$root/etc/group"
    cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL berth.recipe="$hash" org.opencontainers.image.description="berth offline test image: Debian busybox-static $version"
CMD ["sh"]
EOF
    # Newer CLIs warn that the classic builder is deprecated; show output only on failure.
    docker build -q --force-rm -t "$BUSYBOX_IMAGE" "$ctx" >"$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; die "building $BUSYBOX_IMAGE failed"; }
    rm -rf "$work"
    docker run --rm "$BUSYBOX_IMAGE" sh -c 'busybox | head -n1 && wget --help 2>&1 | head -n1' >&2 \
        || die "$BUSYBOX_IMAGE does not run"
    drop_previous "$previous" "$BUSYBOX_IMAGE"
}
# end recipe:busybox

# recipe:debian-rootfs
# Writes the cleaned debootstrap rootfs of $DEBIAN_SUITE to the tarball $1, from mirror $2.
make_debian_rootfs() {
    local tarball="$1" mirror="$2"
    need_root
    apt_install debootstrap
    local target="${CACHE:?}/rootfs.$$"
    # debootstrap mounts /proc and /sys inside the target; never leave them behind.
    trap 'umount -R "'"$target"'/proc" "'"$target"'/sys" 2>/dev/null || true; rm -rf "'"$target"'"' EXIT
    log "debootstrap $DEBIAN_SUITE (minbase) from $mirror; takes a few minutes"
    local include
    include="$(IFS=,; printf '%s' "${DEBIAN_PACKAGES[*]}")"
    debootstrap --variant=minbase --include="$include" "$DEBIAN_SUITE" "$target" "$mirror" \
        >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -n 30 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (see $CACHE/debootstrap.log)"; }
    umount -R "$target/proc" "$target/sys" 2>/dev/null || true
    # Slim it: package lists, caches, docs and logs are not needed inside a test image.
    rm -rf "${target:?}"/var/lib/apt/lists/* "${target:?}"/var/cache/apt/*.bin \
        "${target:?}"/var/cache/apt/archives/*.deb "${target:?}"/var/cache/debconf/*-old \
        "${target:?}"/var/log/*.log "${target:?}"/var/log/apt/* "${target:?}"/usr/share/doc/* \
        "${target:?}"/usr/share/man/* "${target:?}"/usr/share/info/* "${target:?}"/usr/share/locale/* \
        "${target:?}"/tmp/* "${target:?}"/var/tmp/* "${target:?}"/dev/*
    : >"$target/etc/machine-id"
    printf 'deb %s %s main\n' "$mirror" "$DEBIAN_SUITE" >"$target/etc/apt/sources.list"
    tar --numeric-owner --xattrs -C "$target" -cf - . | gzip -1 >"$tarball.tmp"
    mv -f "$tarball.tmp" "$tarball"
    rm -rf "$target"
    trap - EXIT
}
# end recipe:debian-rootfs

# recipe:debian
build_debian() {
    ensure_lists
    local versions rootfs_hash hash
    versions="$(candidate_versions "${DEBIAN_PACKAGES[@]}")"
    if grep -q -e '=(none)$' -e '=$' <<<"$versions"; then
        die "not available from apt: $(grep -e '=(none)$' -e '=$' <<<"$versions" | tr '\n' ' ')"
    fi
    # The slow part (debootstrap) is keyed on its own recipe only, so editing the import
    # step below re-imports the cached tarball instead of bootstrapping again.
    rootfs_hash="$(recipe_hash debian-rootfs "$DEBIAN_SUITE" "${DEBIAN_PACKAGES[*]}" "$versions")"
    hash="$(recipe_hash debian "$rootfs_hash")"
    if [ "$(image_recipe "$DEBIAN_IMAGE")" = "$hash" ]; then
        log "$DEBIAN_IMAGE is up to date ($hash)"
        return 0
    fi
    local tarball="$CACHE/debian-$DEBIAN_SUITE-$rootfs_hash.tar.gz"
    if [ ! -s "$tarball" ]; then
        make_debian_rootfs "$tarball" "$(debian_mirror)"
        # Older tarballs of this image are stale now.
        find "$CACHE" -maxdepth 1 -name "debian-$DEBIAN_SUITE-*.tar.gz" ! -name "${tarball##*/}" -delete
    fi
    log "importing $DEBIAN_IMAGE from $tarball"
    local previous
    previous="$(image_id "$DEBIAN_IMAGE")"
    docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["bash"]' \
        --change "LABEL berth.recipe=$hash" \
        --message "berth offline test image: debootstrap $DEBIAN_SUITE minbase" \
        "$tarball" "$DEBIAN_IMAGE" >/dev/null
    docker run --rm "$DEBIAN_IMAGE" sh -c \
        'redis-server --version && nginx -v && python3 -c "import flask, redis; print(\"flask\", flask.__version__, \"redis\", redis.__version__)"' >&2 \
        || die "$DEBIAN_IMAGE lacks redis-server, nginx or python3-flask/redis"
    drop_previous "$previous" "$DEBIAN_IMAGE"
}
# end recipe:debian

mkdir -p "$CACHE"
for image in "${wanted[@]}"; do
    case "$image" in
        busybox|debian) ;;
        *) die "unknown image '$image' (expected busybox or debian)" ;;
    esac
    # Several users may run this at once: one build of each image at a time.
    (
        flock 9
        "build_$image"
    ) 9>"$CACHE/.lock-$image"
done
