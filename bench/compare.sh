#!/usr/bin/env bash
# Benchmark of `lagtrace compare` on seed-sized captures.
#
#   bench/compare.sh              # 1M files: captures, then times
#   bench/compare.sh --scale 4    # also 4M files, and checks peak RSS growth
#   bench/compare.sh --recapture  # redo the captures even if present
#
# It makes a directory of empty files with random 30-character names
# (bench/mkfiles.go; reused when present), captures
#   strace -ttt -f -v -s 40960 -o E.strace ls DIR                       (healthy)
#   strace -ttt -f -v -s 40960 -e inject=getdents64:delay_exit=D -o B.strace ls DIR  (slowed)
# (about 146 MB each, lines up to 66 KB at 1M files), builds lagtrace, and
# times `lagtrace compare B=B.strace E=E.strace` against `wc -l` over the
# same two files, warm cache, best of 3, with lagtrace's peak RSS from
# GNU time -v. Captures live under $BENCH_DIR (default /var/tmp/lagtrace-bench,
# not the repository); results go to bench/out/ (gitignored).
set -euo pipefail

scale=1
recapture=0
while [ $# -gt 0 ]; do
	case $1 in
	--scale) scale=$2; shift 2 ;;
	--scale=*) scale=${1#--scale=}; shift ;;
	--recapture) recapture=1; shift ;;
	*) echo "usage: $0 [--scale N] [--recapture]" >&2; exit 2 ;;
	esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-/var/tmp/lagtrace-bench}
out=$repo/bench/out
delay=${DELAY_US:-10000} # microseconds held at each getdents64 exit on the slowed run
mkdir -p "$bench" "$out"
cd "$repo"

if ! /usr/bin/time -v true >/dev/null 2>&1; then
	echo "installing GNU time" >&2
	apt-get install -y time >/dev/null
fi

summary=$out/summary.txt
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

# capture N: directory of N files and its two traces; prints nothing.
capture() {
	local n=$1 dir=$bench/d$1 t0 t1
	if [ ! -d "$dir" ] || [ "$recapture" = 1 ] || [ ! -s "$bench/E$n.strace" ] || [ ! -s "$bench/B$n.strace" ]; then
		t0=$(now)
		go run bench/mkfiles.go -n "$n" -seed 1 "$dir"
		t1=$(now)
		say "mkfiles $n: $(elapsed "$t0" "$t1") s"
		t0=$(now)
		strace -ttt -f -v -s 40960 -o "$bench/E$n.strace" ls "$dir" >/dev/null
		t1=$(now)
		say "capture E$n (healthy): $(elapsed "$t0" "$t1") s"
		t0=$(now)
		strace -ttt -f -v -s 40960 -e inject=getdents64:delay_exit=$delay -o "$bench/B$n.strace" ls "$dir" >/dev/null
		t1=$(now)
		say "capture B$n (delay_exit=${delay}us): $(elapsed "$t0" "$t1") s"
	else
		say "reusing $bench/E$n.strace and B$n.strace"
	fi
	say "  E$n: $(stat -c %s "$bench/E$n.strace") bytes, $(wc -l <"$bench/E$n.strace") lines, longest $(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$bench/E$n.strace") bytes"
	say "  B$n: $(stat -c %s "$bench/B$n.strace") bytes, $(wc -l <"$bench/B$n.strace") lines"
}

# best CMD...: best wall time of 3 runs, in seconds.
best() {
	local b="" t0 t1 d i
	for i in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		d=$(elapsed "$t0" "$t1")
		if [ -z "$b" ] || [ "$(echo "$d < $b" | bc)" = 1 ]; then b=$d; fi
	done
	echo "$b"
}

# rss CMD...: peak resident set size in KB, from GNU time -v.
rss() {
	/usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'
}

declare -A peak
measure() {
	local n=$1 B=$bench/B$1.strace E=$bench/E$1.strace bytes mb tl tw
	"$out/lagtrace" compare B="$B" E="$E" --baseline E >"$out/compare-$n.txt" # warms the cache too
	wc -l "$B" "$E" >/dev/null
	bytes=$(($(stat -c %s "$B") + $(stat -c %s "$E")))
	mb=$(echo "scale=1; $bytes / 1000000" | bc)
	tl=$(best "$out/lagtrace" compare B="$B" E="$E" --baseline E)
	tw=$(best wc -l "$B" "$E")
	peak[$n]=$(rss "$out/lagtrace" compare B="$B" E="$E" --baseline E)
	say "files=$n input=${mb} MB (two traces)"
	say "  lagtrace compare: $tl s = $(echo "scale=1; $mb / $tl" | bc) MB/s, peak RSS $((peak[$n] / 1024)) MB"
	say "  wc -l:            $tw s = $(echo "scale=1; $mb / $tw" | bc) MB/s"
	say "  ratio lagtrace/wc: $(echo "scale=2; $tl / $tw" | bc)x"
	say "  verdict: $(head -1 "$out/compare-$n.txt")"
}

say "lagtrace compare benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cpus, $(strace -V | head -1), commit $(git rev-parse --short HEAD)"
capture 1000000
if [ "$scale" != 1 ]; then capture $((scale * 1000000)); fi

go build -o "$out/lagtrace" ./cmd/lagtrace
measure 1000000
if [ "$scale" != 1 ]; then
	n=$((scale * 1000000))
	measure $n
	growth=$(echo "scale=2; ${peak[$n]} / ${peak[1000000]}" | bc)
	ok=no
	if [ "$(echo "$growth <= 1.2" | bc)" = 1 ]; then ok=yes; fi
	say "peak RSS at ${scale}x input: ${growth}x the 1x peak (want <= 1.2: $ok)"
fi
say "summary in $summary"
