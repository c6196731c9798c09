#!/usr/bin/env bash
# bench/locks.sh [MB]: lagtrace locks over a large kernel log, against wc -l
# in the same run. The log is the VM's real boot noise
# (testdata/dmesg/vm-6.18-boot-noise.txt) repeated to about MB megabytes
# (default 300), with the real 6.18 pile-up (testdata/locks-6.18/dmesg.txt:
# hung-task reports and blocker lines) inserted every ~10 MB, so the parser
# meets reports amid noise as in a customer's syslog. Prints MB/s and peak
# RSS (GNU time) for both; best wall time of 3 warm runs.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-300}
tmp=$(mktemp -d /tmp/lagtrace-bench-locks.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/lagtrace" ./cmd/lagtrace

noise=testdata/dmesg/vm-6.18-boot-noise.txt
reports=testdata/locks-6.18/dmesg.txt
log=$tmp/syslog.txt
target=$((mb << 20))
: >"$log"
# Build a ~10 MB block once (noise, then the reports), then repeat it.
block=$tmp/block.txt
: >"$block"
while [ "$(stat -c %s "$block")" -lt $((10 << 20)) ]; do cat "$noise" >>"$block"; done
cat "$reports" >>"$block"
while [ "$(stat -c %s "$log")" -lt "$target" ]; do cat "$block" >>"$log"; done
size=$(stat -c %s "$log")
echo "input: $log, $((size >> 20)) MiB, $(wc -l <"$log") lines"

measure() { # name cmd...: best wall seconds of 3 and peak RSS in KiB
	local name=$1 best= rss=
	shift
	"$@" >/dev/null 2>&1 # warm the page cache
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		read -r wall kib <"$tmp/time"
		if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$wall; fi
		if [ -z "$rss" ] || [ "$kib" -gt "$rss" ]; then rss=$kib; fi
	done
	awk -v n="$name" -v s="$best" -v z="$size" -v r="$rss" \
		'BEGIN{printf "%-14s %7.2f s  %8.1f MB/s  peak RSS %6.1f MiB\n", n, s, (s>0? z/1e6/s : 0), r/1024}'
}
measure "wc -l" wc -l "$log"
measure "lagtrace locks" "$tmp/lagtrace" locks --format json "$log"
"$tmp/lagtrace" locks "$log" | head -3
