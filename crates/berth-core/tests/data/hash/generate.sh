#!/usr/bin/env bash
# Regenerates the reference data of the config-hash tests. Each case directory is copied to
# /tmp/berth-hash/<case> (a fixed path, because resolved bind-mount paths are part of the hash;
# the loader test loads the case from the same place), then the reference writes
# `config --format json` (the project the decoding test reads) and `config --hash '*'` (the
# hashes berth must reproduce) back into the case directory. Needs the reference
# `docker compose` (scripts/reference.sh). Avoid env_file and value-less environment entries:
# `config --hash` does not resolve them while `config --format json` does.
set -euo pipefail
cd "$(dirname "$0")"
for case in */; do
    case=${case%/}
    work="/tmp/berth-hash/$case"
    rm -rf "$work" && mkdir -p "$work"
    cp -R "$case/." "$work/"
    (cd "$work" && docker compose -p hashtest -f compose.yaml config --format json) > "$case/config.json"
    (cd "$work" && docker compose -p hashtest -f compose.yaml config --hash '*') > "$case/hashes.txt"
    echo "$case: $(wc -l < "$case/hashes.txt") services"
done
