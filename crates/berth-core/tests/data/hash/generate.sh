#!/usr/bin/env bash
# Regenerates the reference data of the config-hash tests: for each case directory, the
# reference's `config --format json` (the project the test decodes) and `config --hash '*'`
# (the hashes berth must reproduce). Run from anywhere; needs the reference `docker compose`
# (scripts/reference.sh). Avoid env_file and value-less environment entries in cases:
# `config --hash` does not resolve them while `config --format json` does.
set -euo pipefail
cd "$(dirname "$0")"
for case in */; do
    case=${case%/}
    (
        cd "$case"
        docker compose -p hashtest -f compose.yaml config --format json > config.json
        docker compose -p hashtest -f compose.yaml config --hash '*' > hashes.txt
    )
    echo "$case: $(wc -l < "$case/hashes.txt") services"
done
