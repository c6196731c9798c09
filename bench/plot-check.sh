#!/usr/bin/env bash
# Converts the progress-plot goldens (render/testdata/plot/*.svg) to PNG
# under $OUT (default /tmp/lagtrace-plot) to look at them, and prints the
# terminal charts. Needs rsvg-convert (apt-get install librsvg2-bin).
#
#   bench/plot-check.sh             # from the repository root
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/lagtrace-plot}
mkdir -p "$out"
for f in "$repo"/render/testdata/plot/*.svg; do
	png=$out/$(basename "${f%.svg}").png
	rsvg-convert --format png --output "$png" "$f"
	echo "$png"
done
for f in "$repo"/render/testdata/plot/*.txt; do
	printf '\n== %s\n' "$(basename "$f")"
	cat "$f"
done
