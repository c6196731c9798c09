#!/usr/bin/env bash
# The strace reader benchmark (go test -bench Reader ./parse/strace, a real
# 66 KB-line capture) of this tree against a base commit, in one run:
#
#   bench/reader.sh [BASE]   # BASE defaults to b4af351, before issue 11
#
# The base's tree is exported with git archive into a temporary directory
# (deleted at the end); the two benchmarks alternate, 5 rounds, so both
# see the same machine load; it prints each round, the medians and their
# ratio, and the load average.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-b4af351}
rounds=${ROUNDS:-5}
tmp=$(mktemp -d /var/tmp/lagtrace-reader-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git -C "$repo" archive "$base" | tar -x -C "$tmp"

bench() { (cd "$1" && go test -run XXX -bench 'Reader$' -count 1 ./parse/strace) | awk '/^BenchmarkReader/ { print $5 }'; }
echo "strace reader: $(git -C "$repo" rev-parse --short HEAD) against $base, load average $(cut -d' ' -f1-3 /proc/loadavg)"
old=() new=()
for ((i = 1; i <= rounds; i++)); do
	o=$(bench "$tmp")
	n=$(bench "$repo")
	old+=("$o")
	new+=("$n")
	echo "  round $i: base $o MB/s, this tree $n MB/s"
done
med() { printf '%s\n' "$@" | sort -n | sed -n "$(($# / 2 + 1))p"; }
mo=$(med "${old[@]}")
mn=$(med "${new[@]}")
echo "  median: base $mo MB/s, this tree $mn MB/s: $(echo "scale=2; $mn / $mo" | bc)x"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
