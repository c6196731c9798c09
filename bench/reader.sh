#!/usr/bin/env bash
# The strace reader benchmark (go test -bench Reader ./parse/strace, a real
# 66 KB-line capture) of this tree against a base commit, in one run:
#
#   bench/reader.sh [BASE]   # BASE defaults to b4af351, before issue 11
#
# The base's tree is exported with git archive into a temporary directory
# (deleted at the end); the two benchmarks alternate, ROUNDS rounds
# (default 7), so both see the same machine load; it prints each round,
# the medians and the best rounds with their ratios, and the load average.
# On a shared machine the best round of each is the least disturbed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-b4af351}
rounds=${ROUNDS:-7}
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
best() { printf '%s\n' "$@" | sort -n | tail -1; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
mo=$(med "${old[@]}")
mn=$(med "${new[@]}")
bo=$(best "${old[@]}")
bn=$(best "${new[@]}")
echo "  median: base $mo MB/s, this tree $mn MB/s: $(ratio "$mn" "$mo")x"
echo "  best:   base $bo MB/s, this tree $bn MB/s: $(ratio "$bn" "$bo")x"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
