#!/usr/bin/env bash
# Benchmark of `lagtrace compare` against the floors of reading the same
# files, in one run:
#
#   bench/compare.sh              # 1M files and the ls -l trace
#   bench/compare.sh --scale 4    # also 4M files: time and peak RSS growth
#   bench/compare.sh --recapture  # redo the captures even if present
#   bench/compare.sh --runs 9     # runs per command (default 5, median)
#
# Captures (made once, reused; under $BENCH_DIR, default
# /var/tmp/lagtrace-bench, never in the repository; delete it when done):
#   dN            N empty files with random 30-character names
#                 (go run bench/mkfiles.go -n N -seed 1 dN)
#   EN.strace     strace -ttt -f -v -s 40960 -o EN.strace ls dN              (healthy)
#   BN.strace     strace -ttt -f -v -s 40960 -e inject=getdents64:delay_exit=10000 -o BN.strace ls dN  (slowed)
#   L1000000.strace  strace -ttt -f -v -s 40960 -o L1000000.strace ls -l d1000000
#                 (a stat, an lgetxattr ... per file: 5x the lines)
# For each pair of traces it times, warm cache, the median of --runs runs
# (round-robin: each round runs every command once) of
#   wc -l FILES, cat FILES >/dev/null, bench/out/namescan FILES (the floor:
#   bench/namescan.go finds each getdents64 line and hashes every d_name,
#   nothing else; one goroutine per file) and lagtrace compare,
# prints each as a ratio to wc -l (wall time, and CPU time: user + system,
# which other users' load disturbs less; GNU time's 10 ms resolution) with
# its median peak RSS, and the machine's load average before and after. Results go to
# bench/out/summary.txt (gitignored), with a Markdown table for the README.
set -euo pipefail

scale=1
recapture=0
runs=5
while [ $# -gt 0 ]; do
	case $1 in
	--scale) scale=$2; shift 2 ;;
	--scale=*) scale=${1#--scale=}; shift ;;
	--runs) runs=$2; shift 2 ;;
	--recapture) recapture=1; shift ;;
	*) echo "usage: $0 [--scale N] [--runs N] [--recapture]" >&2; exit 2 ;;
	esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-/var/tmp/lagtrace-bench}
out=$repo/bench/out
delay=${DELAY_US:-10000} # microseconds held at each getdents64 exit on the slowed run
mkdir -p "$bench" "$out"
cd "$repo"

if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
	echo "installing GNU time" >&2
	apt-get install -y time >/dev/null
fi

summary=$out/summary.txt
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# capture N: directory of N files and its two traces.
capture() {
	local n=$1 dir=$bench/d$1
	if [ "$recapture" = 1 ] || [ ! -s "$bench/E$n.strace" ] || [ ! -s "$bench/B$n.strace" ]; then
		go run bench/mkfiles.go -n "$n" -seed 1 "$dir"
		strace -ttt -f -v -s 40960 -o "$bench/E$n.strace" ls "$dir" >/dev/null
		strace -ttt -f -v -s 40960 -e inject=getdents64:delay_exit=$delay -o "$bench/B$n.strace" ls "$dir" >/dev/null
		say "captured E$n.strace and B$n.strace (delay_exit=${delay}us)"
	fi
}

capture_lsl() {
	if [ "$recapture" = 1 ] || [ ! -s "$bench/L1000000.strace" ]; then
		strace -ttt -f -v -s 40960 -o "$bench/L1000000.strace" ls -l "$bench/d1000000" >/dev/null
		say "captured L1000000.strace (ls -l)"
	fi
}

# once NAME CMD...: runs CMD once, appending its wall microseconds and
# peak RSS (KB) to the lists of NAME.
declare -A times rsss cpus
once() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f '%M %U %S' -o "$out/rss" "$@" >/dev/null 2>&1 || { echo "$name failed: $*" >&2; exit 1; }
	t1=$(date +%s%N)
	times[$name]+=" $(((t1 - t0) / 1000))"
	rsss[$name]+=" $(tail -1 "$out/rss" | cut -d' ' -f1)"
	cpus[$name]+=" $(tail -1 "$out/rss" | awk '{ printf "%d", ($2 + $3) * 1e6 }')"
}

# median LIST: the median of the numbers.
median() { printf '%s\n' $1 | sort -n | sed -n "$((runs / 2 + 1))p"; }

declare -A wall rss
table=()
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
mib() { echo "$1" | awk '{ printf "%.1f", $1 / 1024 }'; }

# run_case LABEL SLOW FAST [SLOWLABEL]: one pair of traces, every command.
run_case() {
	local label=$1 slow=$2 fast=$3 sl=${4:-B} mb tw
	mb=$(echo "scale=1; ($(stat -c %s "$slow") + $(stat -c %s "$fast")) / 1000000" | bc)
	say ""
	say "$label: $(basename "$slow") + $(basename "$fast") = $mb MB; load average before: $(load)"
	names=(wc cat namescan lagtrace)
	cmds() {
		case $1 in
		wc) once wc wc -l "$slow" "$fast" ;;
		cat) once cat cat "$slow" "$fast" ;;
		namescan) once namescan "$out/namescan" "$slow" "$fast" ;;
		lagtrace) once lagtrace "$out/lagtrace" compare "$sl=$slow" E="$fast" --baseline E ;;
		esac
	}
	for n in "${names[@]}"; do cmds "$n"; times[$n]=""; rsss[$n]=""; cpus[$n]=""; done # warm-up, and the cache
	# Round-robin: a change in the machine's load falls on every command.
	for ((i = 0; i < runs; i++)); do
		for n in "${names[@]}"; do cmds "$n"; done
	done
	tw=$(median "${times[wc]}" | awk '{ printf "%.3f", $1 / 1e6 }')
	cw=$(median "${cpus[wc]}" | awk '{ printf "%.3f", $1 / 1e6 }')
	for n in "${names[@]}"; do
		med_s=$(median "${times[$n]}" | awk '{ printf "%.3f", $1 / 1e6 }')
		med_kb=$(median "${rsss[$n]}")
		med_c=$(median "${cpus[$n]}" | awk '{ printf "%.3f", $1 / 1e6 }')
		say "$(printf '  %-10s %8s s  %6sx  cpu %6s s %6sx  peak RSS %6s MiB' "$n" "$med_s" "$(ratio "$med_s" "$tw")" "$med_c" "$(ratio "$med_c" "$cw")" "$(mib "$med_kb")")"
	done
	wall[$label]=$med_s
	rss[$label]=$med_kb
	say "  load average after: $(load)"
	"$out/lagtrace" compare "$sl=$slow" E="$fast" --baseline E | sed -n '1,2p' | tr -s ' \n' ' ' >"$out/verdict"
	say "  verdict: $(cat "$out/verdict")"
	table+=("| \`compare $sl=... E=...\`, $label | $mb MB | $med_s s ($(echo "$mb $med_s" | awk '{ printf "%.0f", $1 / $2 }') MB/s) | $tw s | $(ratio "$med_s" "$tw")x | $(mib "$med_kb") MiB |")
}

say "lagtrace compare benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cpus, $(strace -V | head -1), commit $(git rev-parse --short HEAD), median of $runs runs"
capture 1000000
capture_lsl
if [ "$scale" != 1 ]; then capture $((scale * 1000000)); fi

go build -o "$out/lagtrace" ./cmd/lagtrace
go build -o "$out/namescan" bench/namescan.go

run_case "1M files" "$bench/B1000000.strace" "$bench/E1000000.strace"
run_case "ls -l against ls, 1M files" "$bench/L1000000.strace" "$bench/E1000000.strace" L
if [ "$scale" != 1 ]; then
	n=$((scale * 1000000))
	run_case "${scale}M files" "$bench/B$n.strace" "$bench/E$n.strace"
	tg=$(ratio "${wall[${scale}M files]}" "${wall[1M files]}")
	rg=$(ratio "${rss[${scale}M files]}" "${rss[1M files]}")
	say ""
	say "${scale}M against 1M: time ${tg}x (want <= $(echo "scale=2; 1.05 * $scale" | bc)), peak RSS ${rg}x (want <= 1.1)"
fi
say ""
say "| job | input | lagtrace | \`wc -l\` | ratio | peak RSS |"
say "|---|---|---|---|---|---|"
for row in "${table[@]}"; do say "$row"; done
say "load average at the end: $(load)"
say "summary in $summary"
