#!/usr/bin/env bash
# bench/hostile.sh [MiB]: peak RSS of lagtrace on captures that end in one
# endless line (a real capture, then MiB of NUL bytes and a newline, as a
# disk that filled up or a cat of /dev/zero leaves them), at 1x and 4x the
# line's length (default 256 MiB and 1 GiB). The line is over --max-line
# (64 MiB), so it is read through and skipped: peak RSS must stay flat
# (4x/1x <= 1.25). Also a sosreport tarball of 2,000 and 8,000
# proc/PID/stack members: time per member must stay flat. Prints the
# figures and the load average; inputs are made in a temp dir and removed.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-256}
tmp=$(mktemp -d /tmp/lagtrace-bench-hostile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/lagtrace" ./cmd/lagtrace
uptime

rss() { # cmd...: peak RSS in KiB and wall seconds of one run
	/usr/bin/time -f '%M %e' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || true
	grep -q "skipped\|reading" "$tmp/err" || { echo "unexpected: $(head -c 300 "$tmp/err")" >&2; exit 1; }
	cat "$tmp/time"
}

long() { # capture size_mib out: the capture, then one line of size_mib MiB of NULs
	cat "$1" >"$3"
	head -c $(($2 << 20)) /dev/zero >>"$3"
	echo >>"$3"
}

printf '%-8s %10s %12s %12s %7s\n' case line "peak RSS" "peak RSS 4x" ratio
for c in "locks:testdata/locks-6.18/dmesg.txt" "crash:testdata/crash/seed-4.19.txt" "report:testdata/strace/seed/E.strace"; do
	name=${c%%:*} file=${c#*:}
	long "$file" "$mib" "$tmp/1x"
	long "$file" $((mib * 4)) "$tmp/4x"
	case $name in
	report) args1=(report B="$tmp/1x" E=testdata/strace/seed/B.strace) args4=(report B="$tmp/4x" E=testdata/strace/seed/B.strace) ;;
	*) args1=(locks "$tmp/1x") args4=(locks "$tmp/4x") ;;
	esac
	read -r k1 s1 < <(rss "$tmp/lagtrace" "${args1[@]}")
	read -r k4 s4 < <(rss "$tmp/lagtrace" "${args4[@]}")
	awk -v n="$name" -v m="$mib" -v a="$k1" -v b="$k4" \
		'BEGIN{printf "%-8s %7d MiB %8.1f MiB %8.1f MiB %6.2fx\n", n, m, a/1024, b/1024, b/a}'
	rm -f "$tmp/1x" "$tmp/4x"
done

# Bundles: the per-member cost of reading (not the lock inference) is
# measured by the Go benchmark, 2,000 against 8,000 members in one run.
go test ./cmd/lagtrace -run XXX -bench BundleMembers -benchtime 3x -count 3 | grep Benchmark
go test ./internal/bundle -run XXX -bench ExpandMembers -count 3 | grep Benchmark
uptime
