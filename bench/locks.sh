#!/usr/bin/env bash
# bench/locks.sh [ROUNDS] [NOISE_MB]: lagtrace locks against wc -l on the
# same files, in the same run, on two kinds of kernel log:
#
#  1. repeated reports: ROUNDS (default 20000) rounds of a real stall's
#     hung-task reports (bench/mkreports.go: testdata/locks-incidents run C,
#     two stat tasks and the ln holder, 10 s a round), then 4x as many: the
#     time should grow about 4x and the peak RSS stay flat, since the lock
#     analysis keeps one summary per task and stack, not per report;
#  2. noise: the VM's real boot messages repeated to NOISE_MB (default 300)
#     with the real 6.18 pile-up (testdata/locks-6.18/dmesg.txt) every
#     ~10 MB, as in a customer's syslog.
#
# Every figure is the median wall time and the median peak RSS (GNU time)
# of 5 warm runs, with the load average printed first: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20000}
mb=${2:-300}
tmp=$(mktemp -d /tmp/lagtrace-bench-locks.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/lagtrace" ./cmd/lagtrace
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# measure NAME CMD...: prints "NAME SECONDS RSS_KIB", the medians of 5 runs
# (the peak RSS of one run moves by a few MiB with when the GC runs).
measure() {
	local name=$1
	shift
	"$@" >/dev/null 2>&1 # warm the page cache
	local times=() rsss=()
	for _ in 1 2 3 4 5; do
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		read -r wall kib <"$tmp/time"
		times+=("$wall")
		rsss+=("$kib")
	done
	local med rss
	med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
	rss=$(printf '%s\n' "${rsss[@]}" | sort -g | sed -n 3p)
	echo "$name $med $rss"
}

row() { # NAME SECONDS RSS SIZE
	awk -v n="$1" -v s="$2" -v r="$3" -v z="$4" \
		'BEGIN{printf "  %-22s %7.2f s  %8.1f MB/s  peak RSS %7.1f MiB\n", n, s, (s>0? z/1e6/s : 0), r/1024}'
}

echo "1. repeated reports of one stall"
go run bench/mkreports.go -rounds "$rounds" >"$tmp/r1.log"
go run bench/mkreports.go -rounds $((4 * rounds)) >"$tmp/r4.log"
for x in 1 4; do
	f=$tmp/r$x.log
	size=$(stat -c %s "$f")
	echo " ${x}x: $((size >> 20)) MiB, $(wc -l <"$f") lines, $((x * rounds)) rounds"
	read -r _ wt wr < <(measure wc wc -l "$f")
	read -r _ lt lr < <(measure lagtrace "$tmp/lagtrace" locks --format json "$f")
	row "wc -l" "$wt" "$wr" "$size"
	row "lagtrace locks" "$lt" "$lr" "$size"
	awk -v l="$lt" -v w="$wt" 'BEGIN{printf "  lagtrace / wc -l: %.1fx\n", (w>0? l/w : 0)}'
	eval "t$x=$lt r$x=$lr"
done
awk -v a="$t1" -v b="$t4" -v c="$r1" -v d="$r4" \
	'BEGIN{printf " 4x the reports: %.2fx the time, %.2fx the peak RSS\n", (a>0? b/a : 0), (c>0? d/c : 0)}'

echo "2. syslog noise with reports mixed in"
noise=testdata/dmesg/vm-6.18-boot-noise.txt
reports=testdata/locks-6.18/dmesg.txt
log=$tmp/syslog.txt
block=$tmp/block.txt
: >"$block"
while [ "$(stat -c %s "$block")" -lt $((10 << 20)) ]; do cat "$noise" >>"$block"; done
cat "$reports" >>"$block"
: >"$log"
while [ "$(stat -c %s "$log")" -lt $((mb << 20)) ]; do cat "$block" >>"$log"; done
size=$(stat -c %s "$log")
echo " $((size >> 20)) MiB, $(wc -l <"$log") lines"
read -r _ wt wr < <(measure wc wc -l "$log")
read -r _ lt lr < <(measure lagtrace "$tmp/lagtrace" locks --format json "$log")
row "wc -l" "$wt" "$wr" "$size"
row "lagtrace locks" "$lt" "$lr" "$size"
awk -v l="$lt" -v w="$wt" 'BEGIN{printf "  lagtrace / wc -l: %.1fx\n", (w>0? l/w : 0)}'
