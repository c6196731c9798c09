#!/usr/bin/env bash
# Captures the strace fixtures under testdata/strace/{main,styles} with the
# strace on PATH (6.1 for the committed set), on directories of empty files
# with random 30-character names made by bench/mkfiles.go (seed 1, so
# every run lists the same names in the same directory). Raw captures stay
# in $WORK; the committed copies have their execve environments replaced by
# "[/* N vars */]" (stripenv.go) and are gzipped (-9n) when over 1 MB.
#
#   testdata/strace/capture.sh            # from the repository root
#
# Each capture is repeatable but not reproducible byte-for-byte: pids,
# stamps, inode numbers and d_off hashes change from run to run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dirs=${DIRS:-/var/tmp/lagtrace-dirs}
work=${WORK:-/var/tmp/lagtrace-capture}
out=$repo/testdata/strace
big=$dirs/d20000   # main pair
small=$dirs/d3000  # style variants
delay=100000       # microseconds added on every getdents64 exit (-e inject)

mkdir -p "$work/raw/main" "$work/raw/styles/ff"
cd "$repo"
go run bench/mkfiles.go -n 20000 -seed 1 "$big"
go run bench/mkfiles.go -n 3000 -seed 1 "$small"
go build -o "$work/stripenv" testdata/strace/stripenv.go

strace -V | head -1 >"$work/raw/strace-version"
r=$work/raw

timed() { # name, command...: runs the command, logging its wall time
	local name=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	printf '%-24s %8.3f s\n' "$name" "$(echo "$t1 - $t0" | bc)" | tee -a "$r/timings" >&2
}
: >"$r/timings"

# interrupt LABEL SECONDS SIGNAL-TARGET strace-args...: starts strace in its
# own process group and sends SIGINT after SECONDS, either to the whole
# group like ^C at a terminal ("group") or to strace alone ("strace").
interrupt() {
	local label=$1 secs=$2 target=$3 p
	shift 3
	set -m
	"$@" >/dev/null &
	p=$!
	set +m
	sleep "$secs"
	if [ "$target" = group ]; then kill -INT -- "-$p"; else kill -INT "$p"; fi
	wait "$p" || true
	echo "$label: SIGINT to $target after $secs s" | tee -a "$r/timings" >&2
}

# The main pair: the same 20k-file directory listed healthy and slowed.
timed main/E strace -ttt -f -v -s 40960 -o "$r/main/E.strace" ls "$big" >/dev/null
timed main/B strace -ttt -f -v -s 40960 -e inject=getdents64:delay_exit=$delay -o "$r/main/B.strace" ls "$big" >/dev/null
# Stopped midway like host B in the seed: ^C reaches ls and strace both.
interrupt main/B-ctrlc 1.5 group strace -ttt -f -v -s 40960 -e inject=getdents64:delay_exit=$delay -o "$r/main/B-ctrlc.strace" ls "$big"
# Stopped midway by SIGINT to strace alone; -I1 lets strace -o PROG take it
# (its default there, -I3, blocks fatal signals), and it detaches from ls.
interrupt main/B-detached 1.5 strace strace -I1 -ttt -f -v -s 40960 -e inject=getdents64:delay_exit=$delay -o "$r/main/B-detached.strace" ls "$big"
sleep 3 # let the detached ls finish untraced

s=$r/styles
timed styles/tt strace -tt -f -v -s 40960 -o "$s/tt.strace" ls "$small" >/dev/null
timed styles/t strace -t -f -v -s 40960 -o "$s/t.strace" ls "$small" >/dev/null
timed styles/r strace -r -f -v -s 40960 -o "$s/r.strace" ls "$small" >/dev/null
timed styles/T strace -ttt -T -f -v -s 40960 -o "$s/T.strace" ls "$small" >/dev/null
timed styles/T-slow strace -ttt -T -f -v -s 40960 -e inject=getdents64:delay_exit=$delay -o "$s/T-slow.strace" ls "$small" >/dev/null
timed styles/y strace -ttt -y -f -v -s 40960 -o "$s/y.strace" ls "$small" >/dev/null
timed styles/yy strace -ttt -yy -f -v -s 40960 -o "$s/yy.strace" ls "$small" >/dev/null
timed styles/ff strace -ff -ttt -v -s 40960 -o "$s/ff/out" sh -c "ls $small >/dev/null; ls $small >/dev/null"
timed styles/nov strace -ttt -f -s 40960 -o "$s/nov.strace" ls "$small" >/dev/null
timed styles/stderr-pid bash -c "strace -f -ttt -v sh -c 'ls $small & ls $small; wait' >/dev/null 2>'$s/stderr-pid.strace'"
timed styles/comm strace -ttt -f -v -s 40960 --decode-pids=comm -o "$s/comm.strace" sh -c "ls $small >/dev/null"
timed styles/concurrent4 strace -ttt -f -v -s 40960 -o "$s/concurrent4.strace" sh -c "ls $small >/dev/null & ls $small >/dev/null & ls $small >/dev/null & ls $small >/dev/null & wait"
timed styles/X-verbose strace -ttt -f -v -s 40960 -X verbose -o "$s/X-verbose.strace" ls "$small" >/dev/null
timed styles/k strace -ttt -f -v -s 40960 -k -o "$s/k.strace" ls "$small" >/dev/null

# Install: strip environments, gzip what is over 1 MB.
rm -rf "$out/main" "$out/styles"
(cd "$r" && find main styles -type f -name '*.strace' -o -type f -path '*/ff/out.*') | sort | while read -r f; do
	mkdir -p "$out/$(dirname "$f")"
	"$work/stripenv" <"$r/$f" >"$out/$f"
	if [ "$(stat -c %s "$out/$f")" -gt 1048576 ]; then
		gzip -9nf "$out/$f"
	fi
done
cat "$r/strace-version"
du -sh "$out"
