package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/correlate"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// loadComparison reads a comparison saved by testdata/plot/gen.go from
// real strace captures, back into the form correlate.Compare returns.
func loadComparison(t *testing.T, name string) *correlate.Comparison {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "plot", name))
	if err != nil {
		t.Fatal(err)
	}
	var d CompareDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := &correlate.Comparison{Baseline: d.Baseline, Slowdown: map[string]correlate.Slowdown{}}
	for label, sd := range d.Slowdown {
		if sd.Final != nil {
			c.Slowdown[label] = correlate.Slowdown{Final: *sd.Final, HasFinal: true}
		}
	}
	for _, h := range d.Hosts {
		r := correlate.HostResult{Label: h.Label, Dir: h.Dir, Complete: h.Complete, Entries: h.Entries, Elapsed: h.ElapsedS}
		for _, p := range d.Progress[h.Label] {
			r.Points = append(r.Points, correlate.Progress{Elapsed: p[0], Entries: int(p[1])})
		}
		c.Hosts = append(c.Hosts, r)
	}
	for _, m := range d.Markers {
		c.Rows = append(c.Rows, correlate.Row{Name: m.Name, Index: m.Index, Elapsed: m.ElapsedS})
	}
	return c
}

// pts makes a curve from elapsed, entries pairs.
func pts(xy ...float64) []correlate.Progress {
	var ps []correlate.Progress
	for i := 0; i+1 < len(xy); i += 2 {
		ps = append(ps, correlate.Progress{Elapsed: xy[i], Entries: int(xy[i+1])})
	}
	return ps
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "plot", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// plotCases are the golden pictures: real captures compared by
// correlate, one of them on both scales, and one host alone.
var plotCases = []struct {
	name, fixture string
	hosts         []string // nil keeps every host
	scale         Scale
	log           bool // the time axis drawn
}{
	{"seed", "seed.json", nil, ScaleAuto, true},
	{"main", "main.json", nil, ScaleAuto, true},
	{"ctrlc", "ctrlc.json", nil, ScaleAuto, true},
	{"stall", "stall.json", nil, ScaleAuto, true},
	{"stall-linear", "stall.json", nil, ScaleLinear, false},
	{"seed-E", "seed.json", []string{"E"}, ScaleAuto, false},
}

// casePlot is the plot of a case's comparison, as PlotOf makes it.
func casePlot(t *testing.T, fixture string, hosts []string, scale Scale) Plot {
	t.Helper()
	p := PlotOf(loadComparison(t, fixture), scale)
	if hosts == nil {
		return p
	}
	var out []Series
	for _, s := range p.Series {
		if slices.Contains(hosts, s.Label) {
			out = append(out, s)
		}
	}
	p.Series, p.Ratio, p.Title = out, 0, strings.Join(hosts, ", ")+" alone"
	return p
}

func TestProgressGolden(t *testing.T) {
	for _, tt := range plotCases {
		t.Run(tt.name, func(t *testing.T) {
			p := casePlot(t, tt.fixture, tt.hosts, tt.scale)
			var b bytes.Buffer
			if err := ProgressSVG(&b, p); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".svg", b.Bytes())
			golden(t, tt.name+".txt", []byte(ProgressChart(p, 72, 12)))
		})
	}
}

func TestPlotTitle(t *testing.T) {
	tests := []struct{ fixture, want string }{
		{"seed.json", "B listed /var/tmp/lagtrace-dirs/seed-B 74.76x slower than E"},
		{"stall.json", "B listed /mnt/fst/dir 97.83x slower than E"},
	}
	for _, tt := range tests {
		if got := PlotOf(loadComparison(t, tt.fixture), ScaleAuto).Title; got != tt.want {
			t.Errorf("%s: title %q; want %q", tt.fixture, got, tt.want)
		}
	}
}

func TestParseScale(t *testing.T) {
	for in, want := range map[string]Scale{"": ScaleAuto, "auto": ScaleAuto, "log": ScaleLog, "linear": ScaleLinear} {
		if got, err := ParseScale(in); got != want || err != nil {
			t.Errorf("ParseScale(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseScale("logarithmic"); err == nil {
		t.Error("ParseScale(logarithmic) accepted")
	}
}

func TestProgressSVGIsDeterministic(t *testing.T) {
	p := casePlot(t, "main.json", nil, ScaleAuto)
	var a, b bytes.Buffer
	if err := ProgressSVG(&a, p); err != nil {
		t.Fatal(err)
	}
	if err := ProgressSVG(&b, p); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("ProgressSVG wrote two different documents for the same series")
	}
}

func TestSeriesFromComparison(t *testing.T) {
	c := &correlate.Comparison{
		Baseline: "E",
		Hosts: []correlate.HostResult{
			{Label: "E", Complete: true, Points: pts(0, 586, 1.5, 1171)},
			{Label: "B", Points: pts(0, 586)},
		},
		Rows: []correlate.Row{
			{Name: "a", Index: 0, Elapsed: map[string]float64{"E": 0, "B": 0}},
			{Name: "b", Index: 1058, Elapsed: map[string]float64{"E": 1.49, "B": 92.7}},
			{Name: "only-E", Index: 1100, Elapsed: map[string]float64{"E": 1.5}},
		},
	}
	want := []Series{
		{Label: "E", Complete: true, Points: pts(0, 586, 1.5, 1171),
			Markers: []PlotMarker{{"a", 0, 1}, {"b", 1.49, 1059}, {"only-E", 1.5, 1101}}},
		{Label: "B", Points: pts(0, 586),
			Markers: []PlotMarker{{"a", 0, 1}, {"b", 92.7, 1059}}},
	}
	if diff := cmp.Diff(want, SeriesFromComparison(c)); diff != "" {
		t.Errorf("SeriesFromComparison (-want +got):\n%s", diff)
	}
}

// The seed fixture's markers keep the incident's intervals: seconds from
// the first marker to each other one, as its table gives them.
func TestSeriesFromComparisonSeed(t *testing.T) {
	table := map[string][]float64{
		"B": {0, 86.767988, 195.267022, 292.817393, 393.212603, 488.853578, 510.579474},
		"E": {0, 1.377476, 2.736786, 4.291569, 5.434096, 6.462838, 6.577859},
	}
	got := map[string][]float64{}
	for _, s := range SeriesFromComparison(loadComparison(t, "seed.json")) {
		for _, m := range s.Markers {
			got[s.Label] = append(got[s.Label], math.Round((m.Elapsed-s.Markers[0].Elapsed)*1e6)/1e6)
		}
	}
	if diff := cmp.Diff(table, got); diff != "" {
		t.Errorf("seed marker intervals (-want +got):\n%s", diff)
	}
}

// svgShape is what a well-formed document's elements say about the plot.
type svgShape struct {
	Polylines      int
	Markers        int
	MarkerLabels   int
	LabelsByColour map[string]int
	LogScale       bool
	Texts          []string // every text node, in order
}

// parseSVG decodes doc with encoding/xml, failing on any malformation.
func parseSVG(t *testing.T, doc []byte) svgShape {
	t.Helper()
	s := svgShape{LabelsByColour: map[string]int{}}
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			class, fill := "", ""
			for _, a := range tok.Attr {
				switch a.Name.Local {
				case "class":
					class = a.Value
				case "fill":
					fill = a.Value
				}
			}
			switch {
			case tok.Name.Local == "polyline" && class == "series":
				s.Polylines++
			case tok.Name.Local == "path":
				s.Polylines++
			case tok.Name.Local == "circle" && class == "marker":
				s.Markers++
			case tok.Name.Local == "text" && class == "marker-label":
				s.MarkerLabels++
				s.LabelsByColour[fill]++
			case tok.Name.Local == "script" || tok.Name.Local == "foreignObject":
				t.Errorf("SVG has a <%s> element", tok.Name.Local)
			}
			if tok.Name.Local == "svg" && len(stack) != 1 {
				t.Error("SVG has a nested <svg>")
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if txt := strings.TrimSpace(string(tok)); txt != "" && len(stack) > 0 {
				s.Texts = append(s.Texts, txt)
				if strings.Contains(txt, "log scale") {
					s.LogScale = true
				}
			}
		}
	}
	return s
}

func TestProgressSVGShape(t *testing.T) {
	for _, tt := range plotCases {
		t.Run(tt.name, func(t *testing.T) {
			p := casePlot(t, tt.fixture, tt.hosts, tt.scale)
			var b bytes.Buffer
			if err := ProgressSVG(&b, p); err != nil {
				t.Fatal(err)
			}
			got := parseSVG(t, b.Bytes())
			markers := 0
			for _, s := range p.Series {
				markers += len(s.Markers)
			}
			if got.Polylines != len(p.Series) {
				t.Errorf("%d curves; want one per series, %d", got.Polylines, len(p.Series))
			}
			if got.Markers != markers {
				t.Errorf("%d marker dots; want %d", got.Markers, markers)
			}
			for i := range p.Series {
				if n := got.LabelsByColour[palette[i]]; n == 0 || n > labelsPerSeries {
					t.Errorf("%d marker labels on %s's curve; want 1 to %d", n, p.Series[i].Label, labelsPerSeries)
				}
			}
			if got.LogScale != tt.log {
				t.Errorf("log scale = %v; want %v", got.LogScale, tt.log)
			}
			if !slices.Contains(got.Texts, Terminal(p.Title)) {
				t.Errorf("title %q is not drawn", p.Title)
			}
		})
	}
}

// The labels placed on the golden plots cover no other label and no
// curve.
func TestLabelsDoNotOverlap(t *testing.T) {
	for _, tt := range plotCases {
		t.Run(tt.name, func(t *testing.T) {
			p := casePlot(t, tt.fixture, tt.hosts, tt.scale)
			b := boundsOf(p.Series)
			f := frame{left: plotLeft, right: plotRight, top: plotTop, bottom: 400, ax: newAxisX(b, useLog(p, b)), ay: newAxisY(b.maxY)}
			lay := labelLayout{area: [4]float64{f.left, f.top, f.right, f.bottom}}
			for _, s := range p.Series {
				lay.curves = append(lay.curves, curvePixels(s.Points, f.X, f.Y))
				for _, m := range s.Markers {
					lay.dots = append(lay.dots, [2]float64{f.X(m.Elapsed), f.Y(float64(m.Entries))})
				}
			}
			labels := lay.place(p.Series, f)
			if len(labels) == 0 {
				t.Fatal("no label placed")
			}
			for i, a := range lay.placed {
				for _, c := range lay.curves {
					for j := 1; j < len(c); j++ {
						if segmentHitsBox(c[j-1], c[j], a) {
							t.Errorf("label %q sits on a curve", labels[i].text)
						}
					}
				}
				for k, o := range lay.placed[:i] {
					if a[0] < o[2] && o[0] < a[2] && a[1] < o[3] && o[1] < a[3] {
						t.Errorf("labels %q and %q overlap", labels[i].text, labels[k].text)
					}
				}
			}
		})
	}
}

// Every curve starts at the origin with no entries and stays flat until
// its first call returns: a listing that stalls before that shows the
// wait.
func TestStepVerticesStartAtOrigin(t *testing.T) {
	tests := []struct {
		name string
		in   []correlate.Progress
		want [][2]float64
	}{
		{"stall before the first return", pts(49, 178, 50, 356), [][2]float64{{0, 0}, {49, 0}, {49, 178}, {50, 178}, {50, 356}}},
		{"first return at the origin", pts(0, 178), [][2]float64{{0, 0}, {0, 178}}},
		{"before the origin", pts(-2, 10, 1, 20), [][2]float64{{-2, 0}, {-2, 10}, {1, 10}, {1, 20}}},
		{"no finite point", pts(math.NaN(), 1), nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, stepVertices(tt.in)); diff != "" {
			t.Errorf("%s: stepVertices (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestProgressHostileText(t *testing.T) {
	const label = `</text><script>alert(1)</script><text>`
	name := "evil]]>&amp;\x1b[31m\x00\xff<!--"
	series := []Series{
		{Label: label, Complete: true, Points: pts(0, 0, 1, 10, 20, 100),
			Markers: []PlotMarker{{Name: name, Elapsed: 1, Entries: 10}}},
		{Label: "\x1b]0;title\x07", Points: pts(0.5, 5)},
	}
	var b bytes.Buffer
	if err := ProgressSVG(&b, Plot{Title: label, Series: series}); err != nil {
		t.Fatal(err)
	}
	got := parseSVG(t, b.Bytes())
	if got.Polylines != 2 {
		t.Errorf("%d curves; want 2", got.Polylines)
	}
	joined := strings.Join(got.Texts, "\n")
	for _, want := range []string{label, Terminal(name), "^[]0;title^G"} {
		if !strings.Contains(joined, want) {
			t.Errorf("text %q is missing from the SVG's text nodes:\n%s", want, joined)
		}
	}
	chart := ProgressChart(Plot{Series: series}, 60, 6)
	if strings.ContainsAny(chart, "\x1b\x00\x07") || !utf8.ValidString(chart) {
		t.Errorf("ProgressChart let control bytes or invalid UTF-8 through:\n%q", chart)
	}
}

func TestProgressEdgeCases(t *testing.T) {
	ramp := func(n int, scale float64) []correlate.Progress {
		ps := make([]correlate.Progress, n)
		for i := range ps {
			ps[i] = correlate.Progress{Elapsed: float64(i) * scale, Entries: i * 500}
		}
		return ps
	}
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name     string
		series   []Series
		curves   int
		logScale bool
		noData   bool
	}{
		{name: "no series", noData: true},
		{name: "empty series", series: []Series{{Label: "A"}, {Label: "B", Complete: true}}, noData: true},
		{name: "one point", series: []Series{{Label: "A", Complete: true, Points: pts(2.5, 800)}}, curves: 1},
		{name: "all zero elapsed", series: []Series{{Label: "A", Complete: true, Points: pts(0, 0, 0, 100, 0, 200)}}, curves: 1},
		{name: "zero entries", series: []Series{{Label: "A", Points: pts(1, 0, 2, 0)}}, curves: 1},
		{name: "NaN and Inf skipped", series: []Series{{Label: "A", Complete: true, Points: pts(nan, 1, 1, 10, inf, 20, 2, 30, math.Inf(-1), 40),
			Markers: []PlotMarker{{"n", nan, 3}, {"i", inf, 3}}}}, curves: 1},
		{name: "only NaN", series: []Series{{Label: "A", Points: pts(nan, 1)}}, noData: true},
		{name: "negative elapsed before the origin", series: []Series{{Label: "A", Complete: true, Points: pts(-2, 0, 0, 10, 3, 20)}}, curves: 1},
		{name: "log when one curve ends over ten times later", series: []Series{{Label: "A", Complete: true, Points: pts(0.5, 1, 1, 2)},
			{Label: "B", Complete: true, Points: pts(0.5, 1, 10.01, 2)}}, curves: 2, logScale: true},
		{name: "linear at ten times", series: []Series{{Label: "A", Complete: true, Points: pts(0.5, 1, 1, 2)},
			{Label: "B", Complete: true, Points: pts(0.5, 1, 10, 2)}}, curves: 2},
		{name: "one curve is linear however spread", series: []Series{{Label: "A", Complete: true, Points: pts(0.001, 1, 500, 2)}}, curves: 1},
		{name: "2048 points each", series: []Series{{Label: "fast", Complete: true, Points: ramp(2048, 0.001)}, {Label: "slow", Points: ramp(2048, 0.25)}}, curves: 2, logScale: true},
		{name: "huge counts", series: []Series{{Label: "A", Complete: true, Points: pts(1, 0, 5, 2_500_000)}}, curves: 1},
		{name: "long labels", series: []Series{{Label: strings.Repeat("ü", 300), Points: pts(1, 10, 30, 20), Markers: []PlotMarker{{Name: strings.Repeat("n", 5000), Elapsed: 30, Entries: 20}}},
			{Label: "B", Complete: true, Points: pts(1, 20)}}, curves: 2, logScale: true},
		{name: "twelve hosts", series: func() []Series {
			var ss []Series
			for i := range 12 {
				ss = append(ss, Series{Label: strings.Repeat("h", i+1), Complete: i%2 == 0, Points: ramp(5, float64(i+1))})
			}
			return ss
		}(), curves: 12, logScale: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := ProgressSVG(&b, Plot{Title: "edge case", Series: tt.series}); err != nil {
				t.Fatal(err)
			}
			doc := b.Bytes()
			got := parseSVG(t, doc)
			if got.Polylines != tt.curves {
				t.Errorf("%d curves; want %d", got.Polylines, tt.curves)
			}
			if got.LogScale != tt.logScale {
				t.Errorf("log scale = %v; want %v", got.LogScale, tt.logScale)
			}
			if bytes.Contains(doc, []byte("NaN")) || bytes.Contains(doc, []byte("Inf")) {
				t.Errorf("SVG holds a NaN or Inf coordinate:\n%s", doc)
			}
			if noData := bytes.Contains(doc, []byte("no progress to plot")); noData != tt.noData {
				t.Errorf("'no progress to plot' shown = %v; want %v", noData, tt.noData)
			}
			if len(doc) > 200_000 {
				t.Errorf("SVG is %d bytes; curves should be thinned to pixel columns", len(doc))
			}

			const w, h = 50, 8
			chart := ProgressChart(Plot{Series: tt.series}, w, h)
			lines := strings.Split(strings.TrimSuffix(chart, "\n"), "\n")
			if want := h + 3 + len(tt.series); len(lines) != want {
				t.Errorf("chart has %d lines; want %d:\n%s", len(lines), want, chart)
			}
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n > w {
					t.Errorf("chart line is %d runes, over width %d: %q", n, w, l)
				}
			}
			for i := range tt.series[:min(len(tt.series), tt.curves)] {
				if g := chartGlyphs[i%len(chartGlyphs)]; !strings.Contains(strings.Join(lines[:h], "\n"), string(g)) {
					t.Errorf("glyph %q of series %d is not drawn:\n%s", g, i, chart)
				}
			}
		})
	}
}

func FuzzProgressSVG(f *testing.F) {
	for _, tt := range plotCases {
		b, err := os.ReadFile(filepath.Join("testdata", "plot", tt.fixture))
		if err != nil {
			f.Fatal(err)
		}
		var d CompareDoc
		if err := json.Unmarshal(b, &d); err != nil {
			f.Fatal(err)
		}
		for _, h := range d.Hosts {
			ps := d.Progress[h.Label]
			last := ps[len(ps)-1]
			f.Add(h.Label, d.Markers[0].Name, ps[0][0], last[0], int(last[1]))
		}
	}
	f.Add("</text><script>", "\xff\x00]]>", math.NaN(), math.Inf(1), -5)
	f.Fuzz(func(t *testing.T, label, name string, t0, t1 float64, n int) {
		series := []Series{{Label: label, Points: pts(t0, 0, t1, float64(n)),
			Markers: []PlotMarker{{Name: name, Elapsed: t1, Entries: n}}}}
		var b bytes.Buffer
		if err := ProgressSVG(&b, Plot{Title: label, Series: series}); err != nil {
			t.Fatal(err)
		}
		parseSVG(t, b.Bytes())
		ProgressChart(Plot{Series: series}, 40, 5)
	})
}

// BenchmarkProgressSVG draws two hosts of a million-entry listing, a point
// per getdents64 call of 128 entries (an NFS READDIR's worth).
func BenchmarkProgressSVG(b *testing.B) {
	const calls = 1_000_000 / 128
	fast, slow := make([]correlate.Progress, calls), make([]correlate.Progress, calls)
	for i := range calls {
		fast[i] = correlate.Progress{Elapsed: float64(i) * 0.00085, Entries: (i + 1) * 128}
		slow[i] = correlate.Progress{Elapsed: float64(i) * 0.065, Entries: (i + 1) * 128}
	}
	series := []Series{{Label: "E", Complete: true, Points: fast}, {Label: "B", Points: slow}}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		var w bytes.Buffer
		if err := ProgressSVG(&w, Plot{Title: "bench", Series: series}); err != nil {
			b.Fatal(err)
		}
		n = w.Len()
	}
	b.ReportMetric(float64(n), "svg-bytes")
}
