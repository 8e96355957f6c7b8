#!/usr/bin/env bash
# Remakes expected.json / expected-error.txt / rc of every case with the reference Compose.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
reference="${BERTH_REFERENCE_COMPOSE:-$(bash "$here/../../scripts/reference.sh")}"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
find "$here" -name compose.yaml -not -path '*/include/sub/*' | sort | while read -r file; do
    dir="$(dirname "$file")"
    args="-p case config --format json"
    [ -f "$dir/args" ] && args="$(cat "$dir/args")"
    envs=()
    if [ -f "$dir/env" ]; then
        while IFS= read -r line; do [ -n "$line" ] && envs+=("$line"); done < "$dir/env"
    fi
    # YAML output is compared byte for byte, so it is kept as YAML.
    expected="expected.json"
    case " $args " in *" --format yaml "*) expected="expected.yaml" ;; esac
    rm -f "$dir/expected.json" "$dir/expected.yaml" "$dir/expected-error.txt"
    set +e
    # shellcheck disable=SC2086
    (cd "$dir" && env -i PATH="$PATH" HOME="$home" "${envs[@]}" "$reference" $args) >"$dir/out.tmp" 2>"$dir/err.tmp"
    rc=$?
    set -e
    echo "$rc" >"$dir/rc"
    if [ "$rc" = 0 ]; then
        sed -e "s#$dir#__CASE_DIR__#g" -e "s#$home#__HOME__#g" "$dir/out.tmp" >"$dir/$expected"
    else
        grep -v 'level=warning' "$dir/err.tmp" | sed -e "s#$dir#__CASE_DIR__#g" -e "s#$home#__HOME__#g" >"$dir/expected-error.txt"
    fi
    rm -f "$dir/out.tmp" "$dir/err.tmp"
    printf '%-40s rc=%s\n' "${dir#"$here"/}" "$rc"
done
