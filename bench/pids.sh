#!/usr/bin/env bash
# Memory and time of lagtrace report against the number of processes in a
# trace (issue 13: state per PID must stay bounded, and nothing quadratic):
#
#   bench/pids.sh            # 1M and 4M stuck PIDs; 100k and 400k exiting listers
#
# Two generated traces (awk; under $BENCH_DIR, default
# /var/tmp/lagtrace-bench, removed at the end), at 1x and 4x:
#   stuck   N processes, each entering read(0, and never returning:
#           "1000 1700000000.000000 read(0, <unfinished ...>"
#   listers N processes, each listing a directory with one getdents64 and
#           exiting without closing it (Listing.endPID was quadratic here)
# For each it prints the median of 3 wall times and peak RSS (GNU time),
# the 4x/1x ratios (flat RSS is <= 1.25x; linear time is about 4x), and the
# load average.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-/var/tmp/lagtrace-bench}
out=$repo/bench/out
mkdir -p "$bench" "$out"
cd "$repo"
go build -o "$out/lagtrace" ./cmd/lagtrace

stuck() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "%d 1700000000.%06d read(0, <unfinished ...>\n", 1000 + i, i % 1000000 }' >"$2"
}
listers() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
		printf "%d 1700000000.%06d getdents64(3</d>, [{d_ino=1, d_off=1, d_reclen=24, d_type=DT_DIR, d_name=\".\"}, {d_ino=2, d_off=2, d_reclen=32, d_type=DT_REG, d_name=\"f%d\"}], 32768) = 56\n", 1000 + i, i % 1000000, i
		printf "%d 1700000000.%06d +++ exited with 0 +++\n", 1000 + i, i % 1000000
	} }' >"$2"
}

# run FILE: sets s (median wall seconds of 3) and kb (median peak RSS).
run() {
	local i t0 t1 ts=() ks=()
	for i in 1 2 3; do
		t0=$(date +%s%N)
		/usr/bin/time -f %M -o "$out/rss" "$out/lagtrace" report B="$1" >/dev/null 2>&1
		t1=$(date +%s%N)
		ts+=($(((t1 - t0) / 1000)))
		ks+=($(tail -1 "$out/rss"))
	done
	s=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p | awk '{ printf "%.3f", $1 / 1e6 }')
	kb=$(printf '%s\n' "${ks[@]}" | sort -n | sed -n 2p)
}

echo "lagtrace report against the number of PIDs, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in stuck listers; do
	base=1000000
	if [ $kind = listers ]; then base=100000; fi
	declare -A S K
	for mult in 1 4; do
		n=$((base * mult))
		f=$bench/pids-$kind-$n.strace
		$kind $n "$f"
		run "$f"
		S[$mult]=$s
		K[$mult]=$kb
		printf '  %-8s %8d PIDs  %9d bytes  %7s s  %7.1f MiB peak RSS\n' $kind $n "$(stat -c %s "$f")" "$s" "$(echo "$kb / 1024" | bc -l)"
		rm -f "$f"
	done
	printf '  %-8s 4x/1x: time %sx, peak RSS %sx\n' $kind "$(echo "${S[4]} ${S[1]}" | awk '{ printf "%.2f", $1 / $2 }')" "$(echo "${K[4]} ${K[1]}" | awk '{ printf "%.2f", $1 / $2 }')"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
