package render

import (
	"cmp"
	"encoding/xml"
	"io"
	"maps"
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

// isFinite reports whether a point can be drawn at all.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// axisX maps seconds to a fraction of the plot's width, on a linear or a
// log scale. A log axis draws zero and negative times at its left edge:
// they are the origin, and the log of them does not exist.
type axisX struct {
	log    bool
	lo, hi float64 // seconds; log10 of seconds on a log axis
	ticks  []float64
	step   float64 // linear tick step, for the labels' precision
}

// logThreshold is the spread of times (longest over shortest nonzero)
// from which a linear axis would squash the fast host into its first pixels.
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

func newAxisX(b plotBounds) axisX {
	if b.minPos > 0 && b.maxX/b.minPos >= logThreshold {
		lo := math.Floor(math.Log10(b.minPos))
		hi := math.Ceil(math.Log10(b.maxX))
		if hi <= lo {
			hi = lo + 1
		}
		a := axisX{log: true, lo: lo, hi: hi}
		// One tick per decade, or every other decade and so on, so that
		// no more than about seven labels share the axis.
		every := math.Ceil((hi - lo) / 7)
		for d := lo; d <= hi; d += every {
			a.ticks = append(a.ticks, d)
		}
		return a
	}
	lo := min(0, b.minX)
	hi := b.maxX
	if hi <= lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 5)
	a := axisX{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, step: step}
	for i := 0; ; i++ {
		t := a.lo + float64(i)*step
		if t > a.hi+step/2 {
			break
		}
		a.ticks = append(a.ticks, t)
	}
	return a
}

// pos is where x falls on the axis, from 0 (left) to 1 (right).
func (a axisX) pos(x float64) float64 {
	if a.log {
		if x <= 0 {
			return 0
		}
		return max(0, (math.Log10(x)-a.lo)/(a.hi-a.lo))
	}
	return (x - a.lo) / (a.hi - a.lo)
}

// tickPos is where tick t (log10 seconds on a log axis) falls.
func (a axisX) tickPos(t float64) float64 {
	return (t - a.lo) / (a.hi - a.lo)
}

func (a axisX) tickLabel(t float64) string {
	if a.log {
		return decadeLabel(int(t)) + " s"
	}
	return fixedLabel(t, stepDecimals(a.step)) + " s"
}

// decadeLabel writes 10^e in plain decimal: 0.001, 1, 1000.
func decadeLabel(e int) string {
	if e >= 0 {
		return "1" + strings.Repeat("0", e)
	}
	return "0." + strings.Repeat("0", -e-1) + "1"
}

// axisTitle names the time axis, and on a log axis says where the times
// that have no logarithm went.
func axisTitle(ax axisX, b plotBounds) string {
	switch {
	case !ax.log:
		return "seconds since the origin"
	case b.minX <= 0:
		return "seconds since the origin (log scale; 0 at the left edge)"
	}
	return "seconds since the origin (log scale)"
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

// The SVG's geometry, in pixels.
const (
	svgWidth, svgHeight = 900, 500
	plotLeft, plotRight = 80, 870
	plotTop             = 48
	legendRowHeight     = 20
	maxMarkerLabels     = 6
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

// ProgressSVG draws the series as a self-contained SVG image: entries
// listed over seconds since the origin, one coloured line per series,
// markers as dots (a few of them labelled), an open circle where a trace
// ended mid-listing, and a log-scale time axis when the times span ten
// times or more. Points with a NaN or infinite coordinate are skipped.
func ProgressSVG(w io.Writer, title string, series []Series) error {
	var s svg
	b := boundsOf(series)
	ax, ay := newAxisX(b), newAxisY(b.maxY)
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
	left, right, top := float64(plotLeft), float64(plotRight), float64(plotTop)
	X := func(x float64) float64 { return left + ax.pos(x)*(right-left) }
	Y := func(y float64) float64 { return plotBottom - ay.pos(y)*(plotBottom-top) }

	s.raw(`<?xml version="1.0" encoding="UTF-8"?>`, "\n",
		`<svg xmlns="http://www.w3.org/2000/svg" width="`, strconv.Itoa(svgWidth), `" height="`, strconv.Itoa(height),
		`" viewBox="0 0 `, strconv.Itoa(svgWidth), " ", strconv.Itoa(height), `" font-family="sans-serif" font-size="12">`, "\n")
	s.raw(`<title>`)
	s.text(title)
	s.raw("</title>\n", `<rect width="100%" height="100%" fill="#ffffff"/>`, "\n")
	s.raw(`<text x="`, px(svgWidth/2), `" y="28" text-anchor="middle" font-size="16" font-weight="bold">`)
	s.text(clip(title, 100))
	s.raw("</text>\n")

	// Grid and ticks.
	s.raw(`<g stroke="#dddddd" stroke-width="1">`, "\n")
	for _, t := range ax.ticks {
		x := px(left + ax.tickPos(t)*(right-left))
		s.raw(`<line x1="`, x, `" y1="`, px(top), `" x2="`, x, `" y2="`, px(plotBottom), `"/>`, "\n")
	}
	for _, t := range ay.ticks {
		y := px(Y(t))
		s.raw(`<line x1="`, px(left), `" y1="`, y, `" x2="`, px(right), `" y2="`, y, `"/>`, "\n")
	}
	s.raw("</g>\n")
	s.raw(`<g stroke="#333333" stroke-width="1" fill="none">`, "\n",
		`<line x1="`, px(left), `" y1="`, px(plotBottom), `" x2="`, px(right), `" y2="`, px(plotBottom), `"/>`, "\n",
		`<line x1="`, px(left), `" y1="`, px(top), `" x2="`, px(left), `" y2="`, px(plotBottom), `"/>`, "\n",
		"</g>\n")
	s.raw(`<g fill="#333333">`, "\n")
	for _, t := range ax.ticks {
		x := px(left + ax.tickPos(t)*(right-left))
		s.raw(`<text x="`, x, `" y="`, px(plotBottom+16), `" text-anchor="middle">`, ax.tickLabel(t), "</text>\n")
	}
	for _, t := range ay.ticks {
		s.raw(`<text x="`, px(left-6), `" y="`, px(Y(t)+4), `" text-anchor="end">`, countLabel(t), "</text>\n")
	}
	xTitle := axisTitle(ax, b)
	s.raw(`<text x="`, px((left+right)/2), `" y="`, px(plotBottom+36), `" text-anchor="middle">`, xTitle, "</text>\n")
	s.raw(`<text transform="translate(18 `, px((top+plotBottom)/2), `) rotate(-90)" text-anchor="middle">entries listed</text>`, "\n")
	s.raw("</g>\n")
	if !b.any {
		s.raw(`<text x="`, px((left+right)/2), `" y="`, px((top+plotBottom)/2), `" text-anchor="middle" fill="#888888">no progress to plot</text>`, "\n")
	}

	// Curves, then markers over them, then labels over everything.
	for i, sr := range series {
		colour, dash := seriesStyle(i)
		pts := curvePixels(sr.Points, X, Y)
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
	for i, sr := range series {
		colour, _ := seriesStyle(i)
		for _, m := range sr.Markers {
			if !isFinite(m.Elapsed) {
				continue
			}
			s.raw(`<circle class="marker" cx="`, px(X(m.Elapsed)), `" cy="`, px(Y(float64(m.Entries))), `" r="3.5" fill="`, colour, `" stroke="#ffffff" stroke-width="1"><title>`)
			s.text(sr.Label + ": " + m.Name + " at " + secondsLabel(m.Elapsed) + " s, entry " + strconv.Itoa(m.Entries))
			s.raw("</title></circle>\n")
		}
	}
	var placed [][4]float64 // label boxes: x0, y0, x1, y1
	for _, m := range markerLabels(series) {
		name := clip(m.Name, 18)
		x, y := X(m.Elapsed), Y(float64(m.Entries))
		// Up and left of a dot is empty: the staircase only climbs to the
		// right. Labels go there unless the left edge is too close.
		// Widths are estimated (no font metrics in a self-contained file):
		// 6.5 px a rune at 11 px covers the usual sans fonts.
		w := 6.5 * float64(utf8.RuneCountInString(name))
		anchor, dx, x0 := "end", -7.0, x-7-w
		if x0 < left {
			anchor, dx, x0 = "start", 7, x+7
		}
		box, ok := placeLabel(placed, [4]float64{x0, y - 17, x0 + w, y - 4})
		if !ok {
			continue
		}
		placed = append(placed, box)
		s.raw(`<text class="marker-label" x="`, px(x+dx), `" y="`, px(box[3]-2), `" text-anchor="`, anchor, `" font-size="11" fill="#333333" stroke="#ffffff" stroke-width="3" paint-order="stroke">`)
		s.text(name)
		s.raw("</text>\n")
	}

	// Legend, under the axis title.
	for i, text := range legends {
		colour, dash := seriesStyle(i)
		x := left + float64(i%perRow)*(right-left)/float64(perRow)
		y := plotBottom + 58 + float64(i/perRow)*legendRowHeight
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
// off the curve. The staircase starts from zero entries.
func stepVertices(ps []correlate.Progress) [][2]float64 {
	var out [][2]float64
	for _, p := range ps {
		if !isFinite(p.Elapsed) {
			continue
		}
		x, y := p.Elapsed, float64(p.Entries)
		if len(out) == 0 {
			out = append(out, [2]float64{x, 0})
		} else if prev := out[len(out)-1]; prev[0] != x {
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

// placeLabel moves box up until it overlaps none of placed, giving up
// after a few lines' worth: a dropped label beats an unreadable one.
func placeLabel(placed [][4]float64, box [4]float64) ([4]float64, bool) {
	for range 4 {
		clear := true
		for _, p := range placed {
			if box[0] < p[2] && p[0] < box[2] && box[1] < p[3] && p[1] < box[3] {
				clear = false
				box[1], box[3] = p[1]-(box[3]-box[1])-1, p[1]-1
				break
			}
		}
		if clear {
			return box, true
		}
	}
	return box, false
}

// markerLabels picks at most maxMarkerLabels names spread evenly over the
// listing, each labelled once, at its latest time: the slow host's curve is
// the one with room around it.
func markerLabels(series []Series) []PlotMarker {
	latest := map[string]PlotMarker{}
	for _, s := range series {
		for _, m := range s.Markers {
			if !isFinite(m.Elapsed) {
				continue
			}
			if old, ok := latest[m.Name]; !ok || m.Elapsed > old.Elapsed {
				latest[m.Name] = m
			}
		}
	}
	ms := slices.Collect(maps.Values(latest))
	slices.SortFunc(ms, func(a, b PlotMarker) int {
		return cmp.Or(cmp.Compare(a.Entries, b.Entries), cmp.Compare(a.Elapsed, b.Elapsed), strings.Compare(a.Name, b.Name))
	})
	if len(ms) > maxMarkerLabels {
		picked := make([]PlotMarker, 0, maxMarkerLabels)
		for i := range maxMarkerLabels {
			picked = append(picked, ms[i*(len(ms)-1)/(maxMarkerLabels-1)])
		}
		ms = picked
	}
	return ms
}
