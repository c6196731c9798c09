package render

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lagtrace/lagtrace/correlate"
)

// Series is one host's curve.
type Series struct {
	Label  string
	Points []correlate.Progress // increasing Elapsed
	// Complete is false when the trace ended mid-listing; the curve then
	// ends in an open marker, so nobody reads its end as the listing's.
	Complete bool
	Markers  []PlotMarker // names to mark on the curve
}

// PlotMarker is a file name and when (and after how many entries) a host
// listed it.
type PlotMarker struct {
	Name    string
	Elapsed float64
	Entries int
}

// SeriesFromComparison turns each host of c into a Series, in c's host
// order, with one marker per row of c: the row's time on that host, at the
// row's position in the baseline's listing (Index+1 entries).
func SeriesFromComparison(c *correlate.Comparison) []Series {
	out := make([]Series, 0, len(c.Hosts))
	for _, h := range c.Hosts {
		s := Series{Label: h.Label, Points: h.Points, Complete: h.Complete}
		for _, r := range c.Rows {
			if e, ok := r.Elapsed[h.Label]; ok {
				s.Markers = append(s.Markers, PlotMarker{Name: r.Name, Elapsed: e, Entries: r.Index + 1})
			}
		}
		out = append(out, s)
	}
	return out
}

// Scale is a plot's time axis.
type Scale string

// The time axes: ScaleAuto is log when the headline ratio is over
// logThreshold, else linear.
const (
	ScaleAuto   Scale = ""
	ScaleLog    Scale = "log"
	ScaleLinear Scale = "linear"
)

// ParseScale accepts the --plot-scale values.
func ParseScale(s string) (Scale, error) {
	switch Scale(s) {
	case ScaleAuto, "auto":
		return ScaleAuto, nil
	case ScaleLog, ScaleLinear:
		return Scale(s), nil
	}
	return "", fmt.Errorf("unknown scale %q (want log or linear)", s)
}

// isFinite reports whether a point can be drawn at all.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// axisX maps seconds to a fraction of the plot's width, on a linear or a
// log scale. A log axis has no place for zero, where every curve starts:
// it keeps the first zeroGap of the width for times up to zero, labelled
// "0" at the left edge, and the axis is broken between that and its first
// decade.
type axisX struct {
	log    bool
	lo, hi float64 // seconds; log10 of seconds on a log axis
	ticks  []tick
}

// tick is a labelled place on an axis, from 0 (left) to 1 (right).
type tick struct {
	pos   float64
	label string
}

// zeroGap is the share of a log axis's width left of its first decade.
const zeroGap = 0.05

// logThreshold is the headline ratio over which a linear axis would
// squash the fast host into its first pixels.
const logThreshold = 10

// plotBounds is what the axes must span: the finite times and entries of
// every point and marker.
type plotBounds struct {
	minX, maxX float64 // over all finite times
	minPos     float64 // smallest positive time; 0 when none
	maxY       int
	any        bool
}

func boundsOf(series []Series) plotBounds {
	var b plotBounds
	add := func(x float64, y int) {
		if !isFinite(x) {
			return
		}
		if !b.any {
			b.minX, b.maxX, b.any = x, x, true
		}
		b.minX, b.maxX = min(b.minX, x), max(b.maxX, x)
		if x > 0 && (b.minPos == 0 || x < b.minPos) {
			b.minPos = x
		}
		b.maxY = max(b.maxY, y)
	}
	for _, s := range series {
		for _, p := range s.Points {
			add(p.Elapsed, p.Entries)
		}
		for _, m := range s.Markers {
			add(m.Elapsed, m.Entries)
		}
	}
	return b
}

// useLog decides the time axis: as asked, or, for ScaleAuto, log when
// the plot's ratio (or the ratio of its curves' ends) is over
// logThreshold. A log axis needs a positive time.
func useLog(p Plot, b plotBounds) bool {
	if b.minPos <= 0 {
		return false
	}
	switch p.Scale {
	case ScaleLog:
		return true
	case ScaleLinear:
		return false
	}
	r := p.Ratio
	if !(r > 0) || !isFinite(r) {
		r = endRatio(p.Series)
	}
	return r > logThreshold
}

// endRatio is how many times longer the slowest curve ran than the
// fastest, 1 with fewer than two curves.
func endRatio(series []Series) float64 {
	lo, hi := 0.0, 0.0
	for _, s := range series {
		last, ok := lastFinite(s.Points)
		if !ok || last.Elapsed <= 0 {
			continue
		}
		if lo == 0 || last.Elapsed < lo {
			lo = last.Elapsed
		}
		hi = max(hi, last.Elapsed)
	}
	if lo == 0 {
		return 1
	}
	return hi / lo
}

func newAxisX(b plotBounds, log bool) axisX {
	if log {
		lo := math.Floor(math.Log10(b.minPos))
		hi := math.Ceil(math.Log10(b.maxX))
		if hi <= lo {
			hi = lo + 1
		}
		a := axisX{log: true, lo: lo, hi: hi, ticks: []tick{{0, "0"}}}
		// One tick per decade, or every other decade and so on, so that
		// no more than about seven labels share the axis.
		every := math.Ceil((hi - lo) / 7)
		for d := lo; d <= hi; d += every {
			a.ticks = append(a.ticks, tick{a.decadePos(d), decadeLabel(int(d)) + " s"})
		}
		return a
	}
	lo := min(0, b.minX)
	hi := b.maxX
	if hi <= lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 5)
	a := axisX{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step}
	for i := 0; ; i++ {
		t := a.lo + float64(i)*step
		if t > a.hi+step/2 {
			break
		}
		a.ticks = append(a.ticks, tick{(t - a.lo) / (a.hi - a.lo), fixedLabel(t, stepDecimals(step)) + " s"})
	}
	return a
}

// pos is where x falls on the axis, from 0 (left) to 1 (right).
func (a axisX) pos(x float64) float64 {
	if !a.log {
		return (x - a.lo) / (a.hi - a.lo)
	}
	if x <= 0 {
		return 0
	}
	return max(zeroGap, a.decadePos(math.Log10(x)))
}

func (a axisX) decadePos(d float64) float64 {
	return zeroGap + (1-zeroGap)*(d-a.lo)/(a.hi-a.lo)
}

// decadeLabel writes 10^e in plain decimal: 0.001, 1, 1000.
func decadeLabel(e int) string {
	if e >= 0 {
		return "1" + strings.Repeat("0", e)
	}
	return "0." + strings.Repeat("0", -e-1) + "1"
}

// axisTitle names the time axis.
func axisTitle(ax axisX) string {
	if ax.log {
		return "seconds since the origin (log scale)"
	}
	return "seconds since the origin"
}

// axisY is the entries axis, always linear from zero.
type axisY struct {
	hi    float64
	ticks []float64
}

func newAxisY(maxY int) axisY {
	hi := float64(max(maxY, 1))
	step := max(1, niceStep(hi/5))
	a := axisY{hi: math.Ceil(hi/step) * step}
	for i := 0; float64(i)*step <= a.hi; i++ {
		a.ticks = append(a.ticks, float64(i)*step)
	}
	return a
}

func (a axisY) pos(y float64) float64 { return y / a.hi }

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if !(raw > 0) || !isFinite(raw) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// stepDecimals is how many decimals show a multiple of step exactly.
func stepDecimals(step float64) int {
	if step >= 1 {
		return 0
	}
	return int(math.Ceil(-math.Log10(step) - 1e-9))
}

func fixedLabel(v float64, d int) string {
	s := strconv.FormatFloat(v, 'f', d, 64)
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[3:], "0") == "" {
		s = s[1:] // a tick at -0.0 is zero
	}
	return s
}

// countLabel writes an entry count with a k or M suffix: 0, 500, 2.5k, 1M.
func countLabel(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// secondsLabel writes seconds with three significant digits or more: 0.00056,
// 6.58, 510.6.
func secondsLabel(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// clip cuts an untrusted name to n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Plot is a progress plot, as ProgressSVG and ProgressChart draw it.
type Plot struct {
	// Title heads the SVG: what was listed and how much slower
	// (PlotTitle).
	Title  string
	Series []Series
	Scale  Scale
	// Ratio is the headline slowdown; with ScaleAuto the time axis is
	// log when it is over 10. Zero: the ratio of the curves' ends.
	Ratio float64
}

// PlotOf is the plot of a comparison: every host's curve and markers,
// titled with the directory and the headline ratio.
func PlotOf(c *correlate.Comparison, scale Scale) Plot {
	p := Plot{Title: PlotTitle(c), Series: SeriesFromComparison(c), Scale: scale}
	for _, h := range others(c) {
		if s := c.Slowdown[h.Label]; s.HasFinal {
			p.Ratio = max(p.Ratio, s.Final)
		}
	}
	return p
}

// PlotTitle says which directory each host listed and how much slower
// than the baseline, as the headline does: "B listed /data 77.62x slower
// than E".
func PlotTitle(c *correlate.Comparison) string {
	var parts []string
	for _, h := range others(c) {
		if s := c.Slowdown[h.Label]; s.HasFinal {
			parts = append(parts, h.Label+" listed "+h.Dir+" "+ratio(s.Final)+" slower than "+c.Baseline)
		}
	}
	if len(parts) == 0 {
		for _, h := range c.Hosts {
			if h.Dir != "" {
				return "Listing progress of " + h.Dir
			}
		}
		return "Listing progress"
	}
	return strings.Join(parts, "; ")
}

// The SVG's geometry, in pixels.
const (
	svgWidth, svgHeight = 900, 500
	plotLeft, plotRight = 80, 870
	plotTop             = 48
	legendRowHeight     = 20
	// Up to this many names are labelled on each curve, and no more
	// than maxLabels in all.
	labelsPerSeries = 5
	maxLabels       = 12
)

// palette is Okabe and Ito's colour-blind-safe set, darkest first; past
// its end, series repeat a colour with a dash pattern.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}

var dashes = []string{"", "8 4", "2 3", "8 3 2 3"}

// svg builds the document; every input-derived string goes through text.
type svg struct{ b strings.Builder }

func (s *svg) raw(parts ...string) {
	for _, p := range parts {
		s.b.WriteString(p)
	}
}

// text writes an untrusted string as element content: control bytes and
// invalid UTF-8 made visible by Terminal, then XML-escaped.
func (s *svg) text(v string) {
	// EscapeText writes to a strings.Builder, which never fails.
	_ = xml.EscapeText(&s.b, []byte(Terminal(v)))
}

func px(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// frame is the plotting area of an SVG and its mapping from data.
type frame struct {
	left, right, top, bottom float64
	ax                       axisX
	ay                       axisY
}

func (f frame) X(x float64) float64 { return f.left + f.ax.pos(x)*(f.right-f.left) }
func (f frame) Y(y float64) float64 { return f.bottom - f.ay.pos(y)*(f.bottom-f.top) }

// ProgressSVG draws the plot as a self-contained SVG image: entries
// listed over seconds since the origin, one coloured staircase per series
// from the origin, markers as dots (a few on each curve labelled), an
// open circle where a trace ended mid-listing, and a log time axis when a
// host is over ten times slower (or as p.Scale says). Points with a NaN or
// infinite coordinate are skipped.
func ProgressSVG(w io.Writer, p Plot) error {
	var s svg
	series := p.Series
	b := boundsOf(series)
	// Two hosts a legend row when their lines fit half the width (about
	// 6 px a rune at 12 px), else one.
	legends := make([]string, len(series))
	perRow := 2
	for i, sr := range series {
		legends[i] = legendText(sr, 40)
		if utf8.RuneCountInString(legends[i]) > 60 {
			perRow = 1
		}
	}
	legendRows := (len(series) + perRow - 1) / perRow
	plotBottom := float64(svgHeight - 60 - legendRowHeight*legendRows)
	plotBottom = max(plotBottom, plotTop+100)
	height := int(plotBottom) + 60 + legendRowHeight*legendRows
	f := frame{left: plotLeft, right: plotRight, top: plotTop, bottom: plotBottom,
		ax: newAxisX(b, useLog(p, b)), ay: newAxisY(b.maxY)}
	left, right, top := f.left, f.right, f.top

	s.raw(`<?xml version="1.0" encoding="UTF-8"?>`, "\n",
		`<svg xmlns="http://www.w3.org/2000/svg" width="`, strconv.Itoa(svgWidth), `" height="`, strconv.Itoa(height),
		`" viewBox="0 0 `, strconv.Itoa(svgWidth), " ", strconv.Itoa(height), `" font-family="sans-serif" font-size="12">`, "\n")
	s.raw(`<title>`)
	s.text(p.Title)
	s.raw("</title>\n", `<rect width="100%" height="100%" fill="#ffffff"/>`, "\n")
	// 15 px bold sans is about 8.5 px a rune: 100 runes fill the width.
	s.raw(`<text x="`, px(svgWidth/2), `" y="28" text-anchor="middle" font-size="15" font-weight="bold">`)
	s.text(clip(p.Title, 100))
	s.raw("</text>\n")

	// Grid and ticks.
	s.raw(`<g stroke="#dddddd" stroke-width="1">`, "\n")
	for _, t := range f.ax.ticks {
		x := px(left + t.pos*(right-left))
		s.raw(`<line x1="`, x, `" y1="`, px(top), `" x2="`, x, `" y2="`, px(plotBottom), `"/>`, "\n")
	}
	for _, t := range f.ay.ticks {
		y := px(f.Y(t))
		s.raw(`<line x1="`, px(left), `" y1="`, y, `" x2="`, px(right), `" y2="`, y, `"/>`, "\n")
	}
	s.raw("</g>\n")
	s.raw(`<g stroke="#333333" stroke-width="1" fill="none">`, "\n",
		`<line x1="`, px(left), `" y1="`, px(plotBottom), `" x2="`, px(right), `" y2="`, px(plotBottom), `"/>`, "\n",
		`<line x1="`, px(left), `" y1="`, px(top), `" x2="`, px(left), `" y2="`, px(plotBottom), `"/>`, "\n",
		"</g>\n")
	if f.ax.log {
		// The break between zero and the first decade: two slashes
		// across the axis on a gap in it.
		bx := left + zeroGap/2*(right-left)
		s.raw(`<g stroke="#333333" stroke-width="1">`, "\n",
			`<line x1="`, px(bx-5), `" y1="`, px(plotBottom), `" x2="`, px(bx+5), `" y2="`, px(plotBottom), `" stroke="#ffffff" stroke-width="3"/>`, "\n",
			`<line x1="`, px(bx-6), `" y1="`, px(plotBottom+5), `" x2="`, px(bx-2), `" y2="`, px(plotBottom-5), `"/>`, "\n",
			`<line x1="`, px(bx+2), `" y1="`, px(plotBottom+5), `" x2="`, px(bx+6), `" y2="`, px(plotBottom-5), `"/>`, "\n",
			"</g>\n")
	}
	s.raw(`<g fill="#333333">`, "\n")
	for _, t := range f.ax.ticks {
		x := px(left + t.pos*(right-left))
		s.raw(`<text x="`, x, `" y="`, px(plotBottom+18), `" text-anchor="middle">`, t.label, "</text>\n")
	}
	for _, t := range f.ay.ticks {
		s.raw(`<text x="`, px(left-6), `" y="`, px(f.Y(t)+4), `" text-anchor="end">`, countLabel(t), "</text>\n")
	}
	s.raw(`<text x="`, px((left+right)/2), `" y="`, px(plotBottom+38), `" text-anchor="middle">`, axisTitle(f.ax), "</text>\n")
	s.raw(`<text transform="translate(18 `, px((top+plotBottom)/2), `) rotate(-90)" text-anchor="middle">entries listed</text>`, "\n")
	s.raw("</g>\n")
	if !b.any {
		s.raw(`<text x="`, px((left+right)/2), `" y="`, px((top+plotBottom)/2), `" text-anchor="middle" fill="#888888">no progress to plot</text>`, "\n")
	}

	// Curves, then markers over them, then labels over everything.
	curves := make([][][2]float64, len(series))
	for i, sr := range series {
		colour, dash := seriesStyle(i)
		pts := curvePixels(sr.Points, f.X, f.Y)
		curves[i] = pts
		if len(pts) == 0 {
			continue
		}
		s.raw(`<polyline class="series" fill="none" stroke="`, colour, `" stroke-width="2" stroke-linejoin="round"`)
		if dash != "" {
			s.raw(` stroke-dasharray="`, dash, `"`)
		}
		s.raw(` points="`)
		for j, p := range pts {
			if j > 0 {
				s.raw(" ")
			}
			s.raw(px(p[0]), ",", px(p[1]))
		}
		s.raw(`"/>`, "\n")
		last := pts[len(pts)-1]
		switch {
		case !sr.Complete:
			s.raw(`<circle cx="`, px(last[0]), `" cy="`, px(last[1]), `" r="5" fill="#ffffff" stroke="`, colour, `" stroke-width="2"><title>`)
			s.text(sr.Label)
			s.raw(": the trace ends here, before the listing did</title></circle>\n")
		case len(pts) == 1:
			s.raw(`<circle cx="`, px(last[0]), `" cy="`, px(last[1]), `" r="3" fill="`, colour, `"/>`, "\n")
		}
	}
	var dots [][2]float64
	for i, sr := range series {
		colour, _ := seriesStyle(i)
		for _, m := range sr.Markers {
			if !isFinite(m.Elapsed) {
				continue
			}
			x, y := f.X(m.Elapsed), f.Y(float64(m.Entries))
			dots = append(dots, [2]float64{x, y})
			s.raw(`<circle class="marker" cx="`, px(x), `" cy="`, px(y), `" r="3.5" fill="`, colour, `" stroke="#ffffff" stroke-width="1"><title>`)
			s.text(sr.Label + ": " + m.Name + " at " + secondsLabel(m.Elapsed) + " s, entry " + strconv.Itoa(m.Entries))
			s.raw("</title></circle>\n")
		}
	}
	lay := labelLayout{area: [4]float64{left, top, right, plotBottom}, curves: curves, dots: dots}
	for _, l := range lay.place(series, f) {
		s.raw(`<text class="marker-label" x="`, px(l.x), `" y="`, px(l.y), `" text-anchor="`, l.anchor, `" font-size="11" fill="`, l.colour, `" stroke="#ffffff" stroke-width="3" paint-order="stroke">`)
		s.text(l.text)
		s.raw("</text>\n")
	}

	// Legend, under the axis title.
	for i, text := range legends {
		colour, dash := seriesStyle(i)
		x := left + float64(i%perRow)*(right-left)/float64(perRow)
		y := plotBottom + 60 + float64(i/perRow)*legendRowHeight
		s.raw(`<line x1="`, px(x), `" y1="`, px(y-4), `" x2="`, px(x+24), `" y2="`, px(y-4), `" stroke="`, colour, `" stroke-width="2"`)
		if dash != "" {
			s.raw(` stroke-dasharray="`, dash, `"`)
		}
		s.raw(`/>`, "\n", `<text class="legend" x="`, px(x+30), `" y="`, px(y), `">`)
		s.text(text)
		s.raw("</text>\n")
	}
	s.raw("</svg>\n")
	_, err := io.WriteString(w, s.b.String())
	return err
}

func seriesStyle(i int) (colour, dash string) {
	return palette[i%len(palette)], dashes[i/len(palette)%len(dashes)]
}

// legendText describes a series in one line: its label, how far it got and in
// how long.
func legendText(s Series, labelRunes int) string {
	label := clip(s.Label, labelRunes)
	last, ok := lastFinite(s.Points)
	if !ok {
		return label + ": no progress"
	}
	t := label + ": " + strconv.Itoa(last.Entries) + " entries in " + secondsLabel(last.Elapsed) + " s"
	if !s.Complete {
		t += ", trace ended mid-listing"
	}
	return t
}

func lastFinite(ps []correlate.Progress) (correlate.Progress, bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if isFinite(ps[i].Elapsed) {
			return ps[i], true
		}
	}
	return correlate.Progress{}, false
}

// stepVertices turns a curve into the corners of its staircase. A listing
// grows in jumps, one per getdents64 call, so a point's entries hold from
// its time until the next point's: a straight line between points would
// pass above the names listed in between, and their marker dots would float
// off the curve. The staircase starts at the origin with zero entries and
// stays flat until the first call returns, so a listing that stalls before
// its first return shows as the wait it was.
func stepVertices(ps []correlate.Progress) [][2]float64 {
	var out [][2]float64
	for _, p := range ps {
		if !isFinite(p.Elapsed) {
			continue
		}
		x, y := p.Elapsed, float64(p.Entries)
		if len(out) == 0 {
			out = append(out, [2]float64{min(0, x), 0})
		}
		if prev := out[len(out)-1]; prev[0] != x {
			out = append(out, [2]float64{x, prev[1]})
		}
		out = append(out, [2]float64{x, y})
	}
	return out
}

// curvePixels maps a curve's staircase to pixels, keeping of each run of
// vertices in one pixel column only the first and the last: a listing of
// millions of entries stays a few thousand coordinates, and since both
// coordinates only grow, the line looks the same.
func curvePixels(ps []correlate.Progress, X, Y func(float64) float64) [][2]float64 {
	var out [][2]float64
	col, run := math.NaN(), 0
	for _, v := range stepVertices(ps) {
		q := [2]float64{X(v[0]), Y(v[1])}
		if c := math.Round(q[0]); c == col {
			if run >= 2 {
				out[len(out)-1] = q
				continue
			}
			run++
		} else {
			col, run = c, 1
		}
		out = append(out, q)
	}
	return out
}

// label is a marker name placed on the SVG.
type label struct {
	x, y         float64
	anchor, text string
	colour       string
}

// labelLayout places marker labels where they cover no other label, no
// marker dot and no curve, inside the plotting area.
type labelLayout struct {
	area   [4]float64 // x0, y0, x1, y1
	curves [][][2]float64
	dots   [][2]float64
	placed [][4]float64
}

// place labels the same few names on every curve, spread over the
// listing, trying four places around each dot; a label with no free
// place is left out: a missing label beats an unreadable one.
func (l *labelLayout) place(series []Series, f frame) []label {
	names := labelNames(series)
	var out []label
	for i, sr := range series {
		colour, _ := seriesStyle(i)
		byName := make(map[string]PlotMarker, len(sr.Markers))
		for _, m := range sr.Markers {
			if isFinite(m.Elapsed) {
				byName[m.Name] = m
			}
		}
		n := 0
		for _, name := range names {
			m, ok := byName[name]
			if !ok || n == labelsPerSeries || len(out) == maxLabels {
				continue
			}
			if lb, ok := l.try(clip(m.Name, 18), f.X(m.Elapsed), f.Y(float64(m.Entries))); ok {
				lb.colour = colour
				out = append(out, lb)
				n++
			}
		}
	}
	return out
}

// try finds a free place for text beside the dot at x, y: up and to the
// left first (the curve's own staircase climbs to the right, so that is
// where it is not), then down and to the right, then the other corners.
func (l *labelLayout) try(text string, x, y float64) (label, bool) {
	// Widths are estimated (no font metrics in a self-contained file):
	// 6.5 px a rune at 11 px covers the usual sans fonts.
	w := 6.5 * float64(utf8.RuneCountInString(text))
	const h, gap = 12.0, 6.0
	for _, c := range []struct {
		anchor string
		dx, dy float64 // the box's corner nearest the dot
	}{{"end", -gap, -gap}, {"start", gap, gap + h}, {"start", gap, -gap}, {"end", -gap, gap + h}} {
		x0 := x + c.dx
		if c.anchor == "end" {
			x0 -= w
		}
		box := [4]float64{x0, y + c.dy - h, x0 + w, y + c.dy}
		if l.free(box) {
			l.placed = append(l.placed, box)
			return label{x: x + c.dx, y: box[3] - 2, anchor: c.anchor, text: text}, true
		}
	}
	return label{}, false
}

func (l *labelLayout) free(box [4]float64) bool {
	if box[0] < l.area[0] || box[2] > l.area[2] || box[1] < l.area[1] || box[3] > l.area[3] {
		return false
	}
	for _, p := range l.placed {
		if box[0] < p[2] && p[0] < box[2] && box[1] < p[3] && p[1] < box[3] {
			return false
		}
	}
	for _, d := range l.dots {
		if d[0] > box[0]-4 && d[0] < box[2]+4 && d[1] > box[1]-4 && d[1] < box[3]+4 {
			return false
		}
	}
	for _, c := range l.curves {
		for j := 1; j < len(c); j++ {
			if segmentHitsBox(c[j-1], c[j], box) {
				return false
			}
		}
	}
	return true
}

// segmentHitsBox reports whether the segment a-b passes through box (with
// the curve's stroke width around it), by clipping the segment to the box
// (Liang and Barsky).
func segmentHitsBox(a, b [2]float64, box [4]float64) bool {
	const pad = 1.5
	x0, y0, x1, y1 := box[0]-pad, box[1]-pad, box[2]+pad, box[3]+pad
	dx, dy := b[0]-a[0], b[1]-a[1]
	t0, t1 := 0.0, 1.0
	for _, e := range [4][2]float64{{-dx, a[0] - x0}, {dx, x1 - a[0]}, {-dy, a[1] - y0}, {dy, y1 - a[1]}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// labelNames picks the names to label: up to twice labelsPerSeries
// spread evenly over the listing, preferring names every curve marks so
// that the same file can be found on each host's curve, in the order to
// try them: every other one first, so that the labels that find a place
// are spread too.
func labelNames(series []Series) []string {
	count := map[string]int{}
	at := map[string]int{}
	for _, s := range series {
		for _, m := range s.Markers {
			if isFinite(m.Elapsed) {
				count[m.Name]++
				at[m.Name] = m.Entries
			}
		}
	}
	most := 0
	for _, n := range count {
		most = max(most, n)
	}
	var names []string
	for n, c := range count {
		if c == most {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(at[a], at[b]), strings.Compare(a, b)) })
	const candidates = 2 * labelsPerSeries
	if len(names) > candidates {
		picked := make([]string, 0, candidates)
		for i := range candidates {
			picked = append(picked, names[i*(len(names)-1)/(candidates-1)])
		}
		names = picked
	}
	var order []string
	for start := range 2 {
		for i := start; i < len(names); i += 2 {
			order = append(order, names[i])
		}
	}
	return order
}
