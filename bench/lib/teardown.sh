#!/usr/bin/env bash
# teardown.sh REF PROJECT FILE: the reference's `down -t 0 --remove-orphans` of a bench
# project, as the untimed step before and after each timed run.
#
# dockerd 20.10 can keep a stale endpoint in a network after many containers leave it at
# once (docs/benchmarks.md, "Swarm mode and stale endpoints"); the network can then be
# neither removed nor repaired until dockerd restarts. That failure alone is accepted: the
# containers are gone and the next `up` reuses the network, for both tools alike. Any
# other failure, or a container left behind, fails the step and so the case.
set -u
ref="$1" project="$2" file="$3"
out="$("$ref" -p "$project" -f "$file" down -t 0 --remove-orphans 2>&1)" && exit 0
left="$(docker ps -aq --filter "label=com.docker.compose.project=$project" | wc -l)"
if [ "$left" -eq 0 ] && grep -q 'has active endpoints' <<<"$out" \
    && ! grep -v -e 'has active endpoints' -e ' Removing' -e ' Removed' -e ' Stopping' -e ' Stopped' -e 'Network .* Error' <<<"$out" | grep -q .; then
    echo "[bench] teardown of $project: dockerd kept a stale endpoint in a network; going on" >&2
    exit 0
fi
printf '%s\n' "$out" >&2
exit 1
