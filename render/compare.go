package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lagtrace/lagtrace/correlate"
)

// CompareSchema versions the JSON that Compare writes. Fields are only
// ever added within a version; a rename or removal bumps it.
const CompareSchema = "lagtrace.compare/v1"

// CompareDoc is the JSON form of a comparison (docs/compare-json.md).
type CompareDoc struct {
	Schema   string `json:"schema"`
	Baseline string `json:"baseline"`
	// BaselineChoice is "--baseline", or "fastest": without --baseline,
	// the host that listed fastest.
	BaselineChoice string                  `json:"baseline_choice"`
	Time           string                  `json:"time"`
	Origin         string                  `json:"origin"`
	AlignedBy      string                  `json:"aligned_by"`
	CommonMarkers  int                     `json:"common_markers"`
	Hosts          []CompareHost           `json:"hosts"`
	Markers        []CompareMarker         `json:"markers"`
	Slowdown       map[string]SlowdownDoc  `json:"slowdown"`
	Warnings       []string                `json:"warnings"`
	Progress       map[string][][2]float64 `json:"progress,omitempty"`
}

// CompareHost is one host in CompareDoc.
type CompareHost struct {
	Label      string         `json:"label"`
	File       string         `json:"file"`
	Dir        string         `json:"dir"`
	DirChoice  string         `json:"dir_choice"`
	Listings   int            `json:"listings"`
	PID        int            `json:"pid"`
	Fd         int            `json:"fd"`
	Line       int            `json:"line"`
	Entries    int            `json:"entries"`
	Calls      int            `json:"calls"`
	Complete   bool           `json:"complete"`
	TimeSource string         `json:"time_source"`
	Methods    map[string]int `json:"return_methods"`
	ElapsedS   float64        `json:"elapsed_s"`
	LastMarker string         `json:"last_marker"`
	Share      float64        `json:"share_of_baseline"`
}

// CompareMarker is one marker row in CompareDoc.
type CompareMarker struct {
	Name     string             `json:"name"`
	Index    int                `json:"index"`
	ElapsedS map[string]float64 `json:"elapsed_s"`
	Ratio    map[string]float64 `json:"ratio"`
	Rate     map[string]float64 `json:"rate"`
}

// SlowdownDoc is one host's slowdown; absent figures are null.
type SlowdownDoc struct {
	Cumulative *float64 `json:"cumulative"`
	Rate       *float64 `json:"rate"`
	Final      *float64 `json:"final"`
}

// NewCompareDoc converts a comparison to its JSON form. withProgress adds
// each host's progress curve as [elapsed_s, entries] pairs.
func NewCompareDoc(c *correlate.Comparison, withProgress bool) CompareDoc {
	d := CompareDoc{
		Schema: CompareSchema, Baseline: c.Baseline, BaselineChoice: c.BaselineChoice, Time: c.Time.String(),
		Origin: c.Origin, AlignedBy: c.AlignedBy, CommonMarkers: c.Common,
		Hosts: []CompareHost{}, Markers: []CompareMarker{},
		Slowdown: map[string]SlowdownDoc{}, Warnings: append([]string{}, c.Warnings...),
	}
	for _, h := range c.Hosts {
		d.Hosts = append(d.Hosts, CompareHost{
			Label: h.Label, File: h.File, Dir: h.Dir, DirChoice: h.DirChoice,
			Listings: h.Listings, PID: h.PID, Fd: h.Fd, Line: h.Line, Entries: h.Entries,
			Calls: h.Calls, Complete: h.Complete, TimeSource: h.TimeSource,
			Methods: h.Methods, ElapsedS: h.Elapsed, LastMarker: h.LastMarker,
			Share: h.Share,
		})
		if withProgress {
			if d.Progress == nil {
				d.Progress = map[string][][2]float64{}
			}
			pts := make([][2]float64, 0, len(h.Points))
			for _, p := range h.Points {
				pts = append(pts, [2]float64{p.Elapsed, float64(p.Entries)})
			}
			d.Progress[h.Label] = pts
		}
	}
	for _, r := range c.Rows {
		d.Markers = append(d.Markers, CompareMarker{Name: r.Name, Index: r.Index, ElapsedS: r.Elapsed, Ratio: r.Ratio, Rate: r.Rate})
	}
	for label, s := range c.Slowdown {
		var sd SlowdownDoc
		if s.HasCumulative {
			sd.Cumulative = &s.Cumulative
		}
		if s.HasRate {
			sd.Rate = &s.Rate
		}
		if s.HasFinal {
			sd.Final = &s.Final
		}
		d.Slowdown[label] = sd
	}
	return d
}

// Compare writes a comparison in format f.
func Compare(w io.Writer, c *correlate.Comparison, f Format, o Options) error {
	switch f {
	case JSON:
		return writeJSON(w, NewCompareDoc(c, false))
	case Markdown:
		md := compareMarkdown(c)
		if o.PlotLink != "" {
			md += plotMarkdown(o.PlotLink)
		}
		_, err := io.WriteString(w, md)
		return err
	default:
		_, err := io.WriteString(w, compareText(c, newStyles(w, o)))
		return err
	}
}

func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// Reports are read in terminals and pasted into tickets: keep <, > and
	// & readable rather than \u003c; they are not embedded in HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeJSONControls(buf.Bytes()))
	return err
}

// escapeJSONControls writes DEL, the C1 controls (U+0080 to U+009F) and
// the invisible characters Terminal shows by code point (bidi controls,
// zero-width characters), which encoding/json leaves raw, as \u escapes:
// JSON printed on a terminal must not carry a CSI or reorder its text. Outside strings JSON is ASCII, so every
// such rune is inside a string, where the escape means the same.
func escapeJSONControls(b []byte) []byte {
	if !bytes.ContainsFunc(b, isRawControl) {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if isRawControl(r) {
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

func isRawControl(r rune) bool { return r == 0x7f || r >= 0x80 && r < 0xa0 || invisible(r) }

// others are the hosts compared against the baseline.
func others(c *correlate.Comparison) []correlate.HostResult {
	var out []correlate.HostResult
	for _, h := range c.Hosts {
		if h.Label != c.Baseline {
			out = append(out, h)
		}
	}
	return out
}

func ratio(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + "x" }

func seconds(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }

// Headline says in one sentence how much slower each host is than the
// baseline (never "slower" for a ratio below 1), and why that host is the
// baseline.
func Headline(c *correlate.Comparison, esc func(string) string) string {
	var parts []string
	for _, h := range others(c) {
		s := c.Slowdown[h.Label]
		switch {
		case s.HasFinal && s.HasRate:
			parts = append(parts, fmt.Sprintf("%s listed %s %s %s (%s at the last common marker; the listing rate between markers was %s)",
				esc(h.Label), esc(h.Dir), correlate.RatioWords(s.Final), esc(c.Baseline), finalWords(s.Final), rateWords(s.Rate)))
		case s.HasFinal:
			parts = append(parts, fmt.Sprintf("%s listed %s %s %s", esc(h.Label), esc(h.Dir), correlate.RatioWords(s.Final), esc(c.Baseline)))
		default:
			parts = append(parts, fmt.Sprintf("%s and %s could not be aligned", esc(h.Label), esc(c.Baseline)))
		}
	}
	out := strings.Join(parts, "; ") + "."
	if c.BaselineChoice == correlate.BaselineFastest {
		out += " " + esc(c.Baseline) + " is the baseline: it listed fastest (no --baseline)."
	}
	return out
}

// finalWords repeats the final ratio in the headline's parenthesis: as a
// number, or, below 1, as how many times faster.
func finalWords(v float64) string {
	if v < 0.995 {
		return rateWords(v)
	}
	return ratio(v)
}

// rateWords says a rate ratio: "83.85x slower", "2.00x faster".
func rateWords(v float64) string {
	w := correlate.RatioWords(v)
	return strings.TrimSuffix(strings.TrimSuffix(w, " than"), " to")
}

func hostRows(c *correlate.Comparison, esc func(string) string) [][]string {
	var rows [][]string
	for _, h := range c.Hosts {
		complete := "yes"
		if !h.Complete {
			complete = fmt.Sprintf("no (%.1f%% of %s)", 100*h.Share, esc(c.Baseline))
		}
		label := esc(h.Label)
		if h.Label == c.Baseline {
			label += " (baseline)"
		}
		rows = append(rows, []string{
			label, esc(h.File), esc(h.Dir), strconv.Itoa(h.Entries), strconv.Itoa(h.Calls),
			complete, seconds(h.Elapsed), esc(h.TimeSource),
		})
	}
	return rows
}

var hostHeaders = []string{"host", "file", "directory", "entries", "calls", "complete", "elapsed (s)", "time source"}

func markerTable(c *correlate.Comparison, name func(string) string) (headers []string, rows [][]string) {
	headers = []string{"marker"}
	for _, h := range c.Hosts {
		headers = append(headers, name(h.Label)+" (s)")
	}
	for _, h := range others(c) {
		headers = append(headers, name(h.Label)+" ratio", name(h.Label)+" rate")
	}
	for _, r := range c.Rows {
		row := []string{name(r.Name)}
		for _, h := range c.Hosts {
			row = append(row, seconds(r.Elapsed[h.Label]))
		}
		for _, h := range others(c) {
			row = append(row, optRatio(r.Ratio, h.Label), optRatio(r.Rate, h.Label))
		}
		rows = append(rows, row)
	}
	return headers, rows
}

func optRatio(m map[string]float64, label string) string {
	if v, ok := m[label]; ok {
		return ratio(v)
	}
	return "-"
}

func slowdownLine(c *correlate.Comparison, h correlate.HostResult, esc func(string) string) string {
	s := c.Slowdown[h.Label]
	opt := func(ok bool, v float64) string {
		if ok {
			return ratio(v)
		}
		return "n/a"
	}
	over := "marker"
	if c.AlignedBy == correlate.AlignByCount {
		over = "entry-count point"
	}
	return fmt.Sprintf("%s against %s: cumulative %s (median of the ratios at every common %s), rate %s (median of the interval rates between them, weighted by %s's time), final %s (at %s)",
		esc(h.Label), esc(c.Baseline), opt(s.HasCumulative, s.Cumulative), over, opt(s.HasRate, s.Rate),
		esc(c.Baseline), opt(s.HasFinal, s.Final), esc(h.LastMarker))
}

// alignedBy says what the hosts were aligned by: file names, or, without
// names, entry counts.
func alignedBy(c *correlate.Comparison) string {
	if c.AlignedBy == correlate.AlignByCount {
		return fmt.Sprintf("aligned by cumulative entry count over the %d entries every host listed (a trace captured without -v prints counts only)", c.Common)
	}
	return fmt.Sprintf("%d file names common to all hosts, aligned by names", c.Common)
}

func compareText(c *correlate.Comparison, s *styles) string {
	var b strings.Builder
	b.WriteString(s.paragraph("lagtrace compare", Headline(c, Terminal)) + "\n\n")
	b.WriteString(s.table(hostHeaders, hostRows(c, Terminal), 3, 4, 6) + "\n\n")
	h, rows := markerTable(c, Terminal)
	right := make([]int, 0, len(h))
	for i := 1; i < len(h); i++ {
		right = append(right, i)
	}
	b.WriteString(s.table(h, rows, right...) + "\n\n")
	for _, o := range others(c) {
		b.WriteString(s.tagged(s.bad, "slowdown", slowdownLine(c, o, Terminal)) + "\n")
	}
	b.WriteString(s.tagged(s.dim, "note", fmt.Sprintf("markers: %s; times are %s stamps since %s",
		alignedBy(c), c.Time, Terminal(c.Origin))) + "\n")
	for _, w := range c.Warnings {
		b.WriteString(s.tagged(s.bad, "warning", Terminal(w)) + "\n")
	}
	return b.String()
}

func compareMarkdown(c *correlate.Comparison) string {
	var b strings.Builder
	b.WriteString("## Directory listing compared with " + MarkdownCell(c.Baseline) + " (baseline)\n\n")
	b.WriteString(Headline(c, MarkdownCell))
	fmt.Fprintf(&b, " Times are %s stamps measured from %s; %s.",
		c.Time, MarkdownCode(c.Origin), alignedBy(c))
	for _, h := range c.Hosts {
		if !h.Complete {
			fmt.Fprintf(&b, " %s's trace ends before its listing did: it had listed %d entries, %.1f%% of %s's.",
				MarkdownCell(h.Label), h.Entries, 100*h.Share, MarkdownCell(c.Baseline))
		}
	}
	b.WriteString("\n\n")
	markdownTable(&b, hostHeaders, hostRows(c, MarkdownCell), 3, 4, 6)
	b.WriteString("\n")
	h, rows := markerTable(c, MarkdownCell)
	for i := range rows {
		rows[i][0] = MarkdownCode(c.Rows[i].Name)
	}
	right := make([]int, 0, len(h))
	for i := 1; i < len(h); i++ {
		right = append(right, i)
	}
	markdownTable(&b, h, rows, right...)
	b.WriteString("\n")
	for _, o := range others(c) {
		b.WriteString("- " + slowdownLine(c, o, MarkdownCell) + "\n")
	}
	for _, w := range c.Warnings {
		b.WriteString("- **warning:** " + MarkdownCell(w) + "\n")
	}
	return b.String()
}
