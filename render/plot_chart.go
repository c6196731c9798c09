package render

import (
	"math"
	"strings"
	"unicode/utf8"
)

// chartGlyphs mark the series in the terminal chart, one each; past the
// end they repeat. ASCII, so any terminal and any ticket shows them.
const chartGlyphs = "*o+x#@%&=~"

// ProgressChart draws the plot as plain text (no ANSI) for a terminal:
// the same axes as ProgressSVG, each series drawn with its own glyph, then
// the time axis, its title and a legend line per series. width is the
// widest line in runes and height the rows of the plotting area; the
// chart is height+3+len(series) lines. Small sizes are raised to 24x4.
func ProgressChart(p Plot, width, height int) string {
	series := p.Series
	width, height = max(width, 24), max(height, 4)
	b := boundsOf(series)
	ax, ay := newAxisX(b, useLog(p, b)), newAxisY(b.maxY)

	// Y labels on the rows nearest each tick, skipping ticks that would
	// land on a row already labelled.
	labels := make([]string, height)
	labelWidth := 1
	for _, t := range ay.ticks {
		r := height - 1 - int(math.Round(ay.pos(t)*float64(height-1)))
		if r >= 0 && r < height && labels[r] == "" {
			labels[r] = countLabel(t)
			labelWidth = max(labelWidth, len(labels[r]))
		}
	}
	cols := width - labelWidth - 2
	grid := make([][]byte, height)
	for r := range grid {
		grid[r] = []byte(strings.Repeat(" ", cols))
	}
	set := func(c, r float64) {
		ci, ri := int(math.Round(c)), height-1-int(math.Round(r))
		if ci >= 0 && ci < cols && ri >= 0 && ri < height {
			grid[ri][ci] = 0 // filled in below, once the glyph is known
		}
	}
	for i, s := range series {
		g := chartGlyphs[i%len(chartGlyphs)]
		var prev [2]float64
		for k, v := range stepVertices(s.Points) {
			q := [2]float64{ax.pos(v[0]) * float64(cols-1), ay.pos(v[1]) * float64(height-1)}
			if k == 0 {
				set(q[0], q[1])
			}
			// Walk the segment one cell at a time so that steep and flat
			// stretches both stay connected.
			steps := int(math.Ceil(max(math.Abs(q[0]-prev[0]), math.Abs(q[1]-prev[1]))))
			for j := 1; k > 0 && j <= steps; j++ {
				t := float64(j) / float64(steps)
				set(prev[0]+t*(q[0]-prev[0]), prev[1]+t*(q[1]-prev[1]))
			}
			prev = q
		}
		for _, row := range grid {
			for c, v := range row {
				if v == 0 {
					row[c] = g
				}
			}
		}
	}
	if !b.any {
		msg := "no progress to plot"
		if len(msg) <= cols {
			copy(grid[height/2][(cols-len(msg))/2:], msg)
		}
	}

	var out strings.Builder
	pad := func(s string) string { return strings.Repeat(" ", labelWidth-len(s)) + s }
	for r, row := range grid {
		axis := "│"
		if labels[r] != "" {
			axis = "┤"
		}
		out.WriteString(pad(labels[r]) + " " + axis)
		out.WriteString(strings.TrimRight(string(row), " "))
		out.WriteByte('\n')
	}

	// Time axis: tick marks, then labels centred under them where they fit.
	axisLine := []rune(strings.Repeat("─", cols))
	if ax.log {
		// The break between zero and the first decade.
		for c := 1; c < int(math.Round(zeroGap*float64(cols-1))); c++ {
			axisLine[c] = '╌'
		}
	}
	tickLine := []byte(strings.Repeat(" ", width))
	next := 0
	for _, t := range ax.ticks {
		c := int(math.Round(t.pos * float64(cols-1)))
		if c < 0 || c >= cols {
			continue
		}
		axisLine[c] = '┬'
		l := t.label
		at := labelWidth + 2 + c - len(l)/2
		at = min(max(at, 0), width-len(l))
		if at < next {
			continue
		}
		copy(tickLine[at:], l)
		next = at + len(l) + 1
	}
	out.WriteString(pad("") + " └" + string(axisLine) + "\n")
	out.WriteString(strings.TrimRight(string(tickLine), " ") + "\n")
	title := clipWidth(axisTitle(ax), width)
	indent := min(labelWidth+2+(cols-utf8.RuneCountInString(title))/2, width-utf8.RuneCountInString(title))
	out.WriteString(strings.Repeat(" ", max(0, indent)) + title + "\n")
	for i, s := range series {
		line := string(chartGlyphs[i%len(chartGlyphs)]) + " " + Terminal(legendText(s, width))
		out.WriteString(clipWidth(line, width) + "\n")
	}
	return out.String()
}

// clipWidth cuts s to n runes; Terminal's escapes are ASCII, so runes are
// columns for everything but wide scripts, which may overrun a little.
func clipWidth(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return clip(s, n)
}
