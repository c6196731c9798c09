package correlate

import (
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/parse/strace"
)

// TimeMode chooses which stamp of a getdents call dates its names.
type TimeMode uint8

// The time modes.
const (
	// ReturnTime dates a name by when the call that listed it returned.
	ReturnTime TimeMode = iota
	// EntryTime dates it by the printed entry stamp, as engineers do when
	// they grep a trace for a name.
	EntryTime
)

func (m TimeMode) String() string {
	if m == EntryTime {
		return "entry"
	}
	return "return"
}

// Host is one host's trace, followed by a Listing.
type Host struct {
	Label, File string
	Listing     *Listing
}

// CompareOptions configure Compare.
type CompareOptions struct {
	// Baseline is the label of the healthy host; "" means the host that
	// listed fastest (the least time to the last common marker).
	Baseline string
	Time     TimeMode
	// Origin is a marker name whose time is zero on every host; "" means
	// each host's first getdents call on the directory.
	Origin string
	// Markers, when set, are exactly the rows shown.
	Markers []string
	// Rows is how many sampled markers to show, evenly spread; 0 means 10.
	Rows int
	// Dir is the directory to compare, as the traces wrote it (relative
	// or absolute: a path matches its own last components); "" means the
	// one with most entries.
	Dir string
	// Listings choose a listing by process (and descriptor), per host or
	// for any host that has one by that PID; they win over Dir.
	Listings []ListingChoice
}

// ListingChoice names one listing of a trace: --listing [LABEL=]PID[:FD].
type ListingChoice struct {
	// Label is the host it is for; "" means any host with a listing by PID.
	Label string
	PID   int
	// Fd is the descriptor, when HasFd.
	Fd    int
	HasFd bool
}

func (lc ListingChoice) String() string {
	s := strconv.Itoa(lc.PID)
	if lc.HasFd {
		s += ":" + strconv.Itoa(lc.Fd)
	}
	if lc.Label != "" {
		s = lc.Label + "=" + s
	}
	return s
}

// How the baseline was chosen, and how the hosts were aligned.
const (
	BaselineGiven   = "--baseline"
	BaselineFastest = "fastest"
	AlignByNames    = "names"
	AlignByCount    = "entry count"
)

// Comparison is the result of Compare.
type Comparison struct {
	Baseline string
	// BaselineChoice is BaselineGiven or BaselineFastest: without
	// --baseline, the host that listed fastest.
	BaselineChoice string
	Time           TimeMode
	// Origin is "first getdents" or "marker:NAME".
	Origin string
	// AlignedBy is "names", or "entry count" when a host has no names.
	AlignedBy string
	Hosts     []HostResult
	Rows      []Row
	// Common is how many markers all hosts share (rows are chosen from
	// them, and the summaries use them all); aligned by entry count, the
	// entries all hosts listed.
	Common   int
	Slowdown map[string]Slowdown
	Warnings []string
}

// HostResult is one host's listing of the compared directory.
type HostResult struct {
	Label, File string
	Dir         string
	// DirChoice says why Dir was compared: "--listing", "--dir", or
	// "most entries".
	DirChoice string
	// Listings counts the listings of Dir in the trace; the first is used
	// unless --listing says otherwise.
	Listings int
	// Fd is the descriptor the listing read.
	Fd       int
	PID      int
	Line     int
	Entries  int
	Calls    int
	Complete bool
	// TimeSource names the stamp used: "entry" under EntryTime, else the
	// ReturnMethod most calls used.
	TimeSource string
	Methods    map[string]int
	TimeKind   strace.TimeKind
	// Elapsed is the time from the origin to the listing's last call.
	Elapsed float64
	// LastMarker is the last common marker the host reached.
	LastMarker string
	// Share is Entries over the baseline's Entries.
	Share float64
	// Points is the progress curve: seconds since the origin, entries.
	Points []Progress
}

// Progress is one point of a host's listing: entries listed by Elapsed.
type Progress struct {
	Elapsed float64
	Entries int
}

// Row is one marker and when each host listed it.
type Row struct {
	Name string
	// Index is the marker's position in the baseline's listing.
	Index int
	// Elapsed is seconds since the origin, by host label.
	Elapsed map[string]float64
	// Ratio is Elapsed over the baseline's, by label; absent when the
	// baseline's elapsed time is zero.
	Ratio map[string]float64
	// Rate is the ratio of the time since the previous row, by label.
	Rate map[string]float64
}

// Slowdown summarises one host against the baseline.
type Slowdown struct {
	// Cumulative is the median of the ratios at every common marker; Rate
	// the median of the interval rates between consecutive common markers
	// (where the baseline's interval is not zero); Final the ratio at the
	// last common marker. The rows shown (--markers) do not change them.
	Cumulative, Rate, Final          float64
	HasCumulative, HasRate, HasFinal bool
}

// ErrNoListing means a trace holds no getdents call on the directory.
var ErrNoListing = errors.New("no getdents64 listing")

type hostState struct {
	res    HostResult
	dir    Dir
	origin int64
	// markers are the listing's sampled names in listing order, each name
	// once; byName finds them by name (an index into markers).
	markers []Marker
	byName  map[string]int32
	listing *Listing
	// warnings say what the choice of listing left out.
	warnings []string
	// ratios and rates are the host's ratio at each common marker (or
	// count point) and its rate over the interval before it, against the
	// baseline, for the summaries; last and prev are its times at the
	// last common marker and the one before the current.
	ratios     []float64
	rates      []weighted
	last, prev float64
}

// Compare aligns the hosts' listings of one directory by filename markers.
// Without opts.Baseline the baseline is the host that listed fastest: the
// least time from its origin to the last common marker.
func Compare(hosts []Host, opts CompareOptions) (*Comparison, error) {
	if len(hosts) < 2 {
		return nil, fmt.Errorf("compare needs two hosts or more, got %d", len(hosts))
	}
	if opts.Rows <= 0 {
		opts.Rows = 10
	}
	if opts.Baseline != "" {
		if slices.IndexFunc(hosts, func(h Host) bool { return h.Label == opts.Baseline }) < 0 {
			return nil, fmt.Errorf("baseline %q is not one of the host labels", opts.Baseline)
		}
		c, err := compare(hosts, opts)
		if c != nil {
			c.BaselineChoice = BaselineGiven
		}
		return c, err
	}
	opts.Baseline = hosts[0].Label
	c, err := compare(hosts, opts)
	if err != nil {
		return nil, err
	}
	fastest := c.Baseline
	for _, h := range c.Hosts {
		if s := c.Slowdown[h.Label]; s.HasFinal && s.Final < c.Slowdown[fastest].Final {
			fastest = h.Label
		}
	}
	if fastest != c.Baseline {
		opts.Baseline = fastest
		if c, err = compare(hosts, opts); err != nil {
			return nil, err
		}
	}
	c.BaselineChoice = BaselineFastest
	return c, nil
}

// compare aligns the hosts against opts.Baseline.
func compare(hosts []Host, opts CompareOptions) (*Comparison, error) {
	base := slices.IndexFunc(hosts, func(h Host) bool { return h.Label == opts.Baseline })
	c := &Comparison{Baseline: hosts[base].Label, Time: opts.Time, Origin: "first getdents", AlignedBy: AlignByNames, Slowdown: map[string]Slowdown{}}
	if opts.Origin != "" {
		c.Origin = "marker:" + opts.Origin
	}
	if err := checkChoices(hosts, opts.Listings); err != nil {
		return nil, err
	}

	threshold := uint64(math.MaxUint64)
	for _, h := range hosts {
		threshold = min(threshold, h.Listing.Threshold())
	}
	states := make([]*hostState, len(hosts))
	for i, h := range hosts {
		st, err := newHostState(h, opts, threshold)
		if err != nil {
			return nil, err
		}
		if st.dir.Abbreviated || len(st.byName) == 0 && st.dir.Entries > 2 {
			c.AlignedBy = AlignByCount
		}
		if d := h.Listing.Dropped(); d.Listings > 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %d smaller listings (%d getdents calls, %d entries) were not kept, to bound memory; the %d largest were", h.Label, d.Listings, d.Calls, d.Entries, MaxListings))
		}
		c.Warnings = append(c.Warnings, st.warnings...)
		states[i] = st
	}
	// Put the baseline first; the others keep their order.
	states[0], states[base] = states[base], states[0]
	for i := base; i > 1; i-- {
		states[i], states[i-1] = states[i-1], states[i]
	}

	if opts.Origin != "" {
		for _, st := range states {
			m, ok := st.marker(opts.Origin)
			if !ok {
				return nil, fmt.Errorf("%s: origin marker %q is not in the listing of %s", st.res.File, opts.Origin, st.dir.Path)
			}
			st.origin = st.stamp(m, opts.Time)
		}
	}
	if c.AlignedBy == AlignByNames {
		if err := c.alignByNames(states, opts); err != nil {
			return nil, err
		}
	} else {
		c.Warnings = append(c.Warnings, "no file names in at least one trace (captured without -v?): aligned by cumulative entry count, which assumes the hosts list the directory in the same order")
		if err := c.alignByCount(states, opts); err != nil {
			return nil, err
		}
	}
	baseEntries := states[0].dir.Entries
	for _, st := range states {
		r := &st.res
		if baseEntries > 0 {
			r.Share = float64(r.Entries) / float64(baseEntries)
		}
		r.Elapsed = st.seconds(st.dir.Last, opts.Time)
		for _, p := range st.dir.Points {
			r.Points = append(r.Points, Progress{Elapsed: st.seconds(p, opts.Time), Entries: p.Count})
		}
		if !r.Complete {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s did not finish listing %s: %d entries (%.1f%% of %s's %d) in %.3f s; the trace ends before the directory's end", r.Label, r.Dir, r.Entries, 100*r.Share, c.Baseline, baseEntries, r.Elapsed))
		}
		c.Hosts = append(c.Hosts, *r)
	}
	return c, nil
}

// checkChoices refuses a --listing no host can satisfy.
func checkChoices(hosts []Host, choices []ListingChoice) error {
	for _, lc := range choices {
		found := false
		for _, h := range hosts {
			if lc.Label != "" && lc.Label != h.Label {
				continue
			}
			if slices.ContainsFunc(h.Listing.Listings(), lc.matches) {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("--listing %s: %w (%s)", lc, ErrNoListing, describeListings(hosts, lc.Label))
		}
	}
	return nil
}

func (lc ListingChoice) matches(d Dir) bool {
	return d.PID == lc.PID && (!lc.HasFd || d.Fd == lc.Fd)
}

// pidWord writes a PID, "?" for a trace that names none.
func pidWord(pid int) string {
	if pid <= 0 {
		return "?"
	}
	return strconv.Itoa(pid)
}

// describeListings says which listings the hosts hold, for an error.
func describeListings(hosts []Host, label string) string {
	var parts []string
	for _, h := range hosts {
		if label != "" && h.Label != label {
			continue
		}
		ds := h.Listing.Listings()
		var ls []string
		for i, d := range ds {
			if i == 8 {
				ls = append(ls, fmt.Sprintf("and %d more", len(ds)-i))
				break
			}
			ls = append(ls, fmt.Sprintf("%s:%d on %s (%d entries)", pidWord(d.PID), d.Fd, d.Path, d.Entries))
		}
		if len(ls) == 0 {
			ls = []string{"none"}
		}
		parts = append(parts, h.Label+" lists "+strings.Join(ls, ", "))
	}
	return strings.Join(parts, "; ")
}

func newHostState(h Host, opts CompareOptions, threshold uint64) (*hostState, error) {
	l := h.Listing
	if !l.timed() && h.File != "" {
		return nil, fmt.Errorf("%s: the trace has no timestamps; capture with strace -ttt", h.File)
	}
	ds := l.Listings()
	d, choice, err := choose(h, ds, opts)
	if err != nil {
		return nil, err
	}
	file := h.File
	if d.File != "" {
		file = d.File
	}
	if d.TimeKind == strace.NoTime {
		return nil, fmt.Errorf("%s: the trace has no timestamps; capture with strace -ttt", file)
	}
	st := &hostState{dir: d, origin: d.Start, listing: l}
	st.res = HostResult{
		Label: h.Label, File: file, Dir: d.Path, DirChoice: choice,
		PID: d.PID, Fd: d.Fd, Line: d.Line, Entries: d.Entries, Calls: d.Calls, Complete: d.Complete,
		Methods: map[string]int{}, TimeKind: d.TimeKind,
	}
	var same []string
	for _, other := range ds {
		if other.Path == d.Path && other.Listed > 0 {
			st.res.Listings++
			if len(same) < 4 {
				same = append(same, fmt.Sprintf("pid %s fd %d at %s:%d", pidWord(other.PID), other.Fd, other.File, other.Line))
			}
		}
	}
	if st.res.Listings > 1 {
		which := "the first is compared"
		if strings.HasPrefix(choice, "--listing") {
			which = fmt.Sprintf("%s chose pid %s fd %d", choice, pidWord(d.PID), d.Fd)
		}
		st.warnings = append(st.warnings, fmt.Sprintf("%s: its strace holds %d listings of %s (%s): %s; --listing %s=PID[:FD] chooses another", h.Label, st.res.Listings, d.Path, strings.Join(same, ", "), which, h.Label))
	}
	if choice == "most entries" {
		var rivals []string
		for _, other := range ds {
			if other.Path != d.Path && other.Listed > 0 && 10*other.Entries >= d.Entries && len(rivals) < 4 {
				rivals = append(rivals, fmt.Sprintf("%s (%d entries)", other.Path, other.Entries))
			}
		}
		if len(rivals) > 0 {
			st.warnings = append(st.warnings, fmt.Sprintf("%s: its strace lists other directories too (%s): %s, with the most entries (%d), is compared; --dir or --listing chooses another", h.Label, strings.Join(rivals, ", "), d.Path, d.Entries))
		}
	}
	for _, b := range l.Backsteps() {
		st.warnings = append(st.warnings, fmt.Sprintf("%s: %s looks like several traces concatenated: its times go back %s s at line %d", h.Label, b.File, strconv.FormatFloat(float64(b.By)/1e9, 'f', 3, 64), b.Line))
	}
	best, bestN := FromEntry, -1
	for m, n := range d.Methods {
		st.res.Methods[m.String()] = n
		if n > bestN || n == bestN && m < best {
			best, bestN = m, n
		}
	}
	st.res.TimeSource = best.String()
	if opts.Time == EntryTime {
		st.res.TimeSource = "entry"
	}
	ms := l.markers(d, threshold)
	st.byName = make(map[string]int32, len(ms))
	st.markers = ms[:0]
	for _, m := range ms {
		if _, dup := st.byName[m.Name]; !dup {
			st.byName[m.Name] = int32(len(st.markers))
			st.markers = append(st.markers, m)
		}
	}
	return st, nil
}

// choose picks the listing of a host to compare: the one --listing names,
// else the first listing of --dir, else the first listing of the directory
// with the most entries in one listing.
func choose(h Host, ds []Dir, opts CompareOptions) (Dir, string, error) {
	name := h.File
	if name == "" {
		name = h.Label
	}
	for _, lc := range opts.Listings {
		if lc.Label != "" && lc.Label != h.Label {
			continue
		}
		for _, d := range ds {
			if d.Listed > 0 && lc.matches(d) {
				return d, "--listing " + lc.String(), nil
			}
		}
	}
	if opts.Dir != "" {
		for _, d := range ds {
			if d.Listed > 0 && sameDir(d.Path, opts.Dir) {
				return d, "--dir", nil
			}
		}
		return Dir{}, "", fmt.Errorf("%s: %w of %s (%s)", name, ErrNoListing, opts.Dir, describeListings([]Host{h}, ""))
	}
	best := -1
	for i, d := range ds {
		if d.Listed > 0 && (best < 0 || d.Entries > ds[best].Entries) {
			best = i
		}
	}
	if best < 0 {
		return Dir{}, "", fmt.Errorf("%s: %w of any directory", name, ErrNoListing)
	}
	// Among listings of the chosen directory, the first one.
	for _, d := range ds {
		if d.Listed > 0 && d.Path == ds[best].Path {
			return d, "most entries", nil
		}
	}
	return ds[best], "most entries", nil
}

// sameDir reports whether a directory as a trace wrote it is the one a
// user named: the same path, or, one being relative, its last components
// ("dir5k" and "/home/u/dir5k").
func sameDir(traced, named string) bool {
	a, b := path.Clean(traced), path.Clean(named)
	if a == b {
		return true
	}
	absA, absB := strings.HasPrefix(a, "/"), strings.HasPrefix(b, "/")
	switch {
	case absA && !absB:
		return strings.HasSuffix(a, "/"+b)
	case absB && !absA:
		return strings.HasSuffix(b, "/"+a)
	case !absA && !absB:
		return strings.HasSuffix(a, "/"+b) || strings.HasSuffix(b, "/"+a)
	}
	return false
}

// marker finds a sampled name.
func (st *hostState) marker(name string) (Marker, bool) {
	i, ok := st.byName[name]
	if !ok {
		return Marker{}, false
	}
	return st.markers[i], true
}

func (st *hostState) stamp(m Marker, mode TimeMode) int64 {
	if mode == EntryTime {
		return m.Entry
	}
	return m.Return
}

func (st *hostState) seconds(p Point, mode TimeMode) float64 {
	t := p.Return
	if mode == EntryTime {
		t = p.Entry
	}
	return float64(t-st.origin) / 1e9
}

func (st *hostState) elapsed(m Marker, mode TimeMode) float64 {
	return float64(st.stamp(m, mode)-st.origin) / 1e9
}

func (c *Comparison) alignByNames(states []*hostState, opts CompareOptions) error {
	base := states[0]
	// Common markers in baseline order (the order the sample kept them
	// in: nothing to sort), not before the origin; each host's time to
	// each of them is kept for the summaries.
	common := make([]Marker, 0, len(base.markers))
	at := make([]float64, len(states))
	for _, st := range states[1:] {
		st.ratios = make([]float64, 0, len(base.markers))
		st.rates = make([]weighted, 0, len(base.markers))
	}
	for _, m := range base.markers {
		if at[0] = base.elapsed(m, opts.Time); at[0] < 0 {
			continue
		}
		all := true
		for i, st := range states[1:] {
			om, ok := st.marker(m.Name)
			if !ok {
				all = false
				break
			}
			if at[i+1] = st.elapsed(om, opts.Time); at[i+1] < 0 {
				all = false
				break
			}
		}
		if all {
			common = append(common, m)
			addPoint(states, at)
		}
	}
	c.Common = len(common)
	if len(common) == 0 {
		return unaligned(states, "they share no sampled file name")
	}

	var rows []Marker
	if len(opts.Markers) > 0 {
		want := map[string]bool{opts.Origin: opts.Origin != ""}
		for _, n := range opts.Markers {
			want[n] = true
		}
		for _, m := range common {
			if want[m.Name] {
				rows = append(rows, m)
				delete(want, m.Name)
			}
		}
		for _, n := range opts.Markers {
			if want[n] {
				c.Warnings = append(c.Warnings, fmt.Sprintf("marker %q is not in every host's listing", n))
			}
		}
	} else {
		rows = spread(common, opts.Rows)
		if opts.Origin != "" && rows[0].Name != opts.Origin {
			if i := slices.IndexFunc(common, func(m Marker) bool { return m.Name == opts.Origin }); i >= 0 {
				rows = append([]Marker{common[i]}, rows...)
			}
		}
	}
	for _, m := range rows {
		row := Row{Name: m.Name, Index: m.Index, Elapsed: map[string]float64{}}
		for _, st := range states {
			om, _ := st.marker(m.Name)
			row.Elapsed[st.res.Label] = st.elapsed(om, opts.Time)
		}
		c.Rows = append(c.Rows, row)
	}
	last := common[len(common)-1].Name
	for _, st := range states {
		st.res.LastMarker = last
	}
	c.fillRatios(states)
	c.summarise(states)
	return nil
}

// unaligned is the error for hosts whose listings cannot be aligned,
// naming every host's directory.
func unaligned(states []*hostState, why string) error {
	var ls []string
	for _, st := range states {
		ls = append(ls, fmt.Sprintf("%s's listing of %s (%s:%d)", st.res.Label, st.dir.Path, st.res.File, st.dir.Line))
	}
	return fmt.Errorf("%s %w: %s; are they listings of the same directory? --dir or --listing chooses another", joinNames(ls), ErrUnaligned, why)
}

// spread picks n markers evenly across the listing, first and last included.
func spread(ms []Marker, n int) []Marker {
	if len(ms) <= n {
		return ms
	}
	out := make([]Marker, 0, n)
	for i := range n {
		out = append(out, ms[i*(len(ms)-1)/(n-1)])
	}
	return out
}

func (c *Comparison) alignByCount(states []*hostState, opts CompareOptions) error {
	reach := states[0].dir.Entries
	for _, st := range states {
		reach = min(reach, st.dir.Entries)
	}
	if reach == 0 {
		return unaligned(states, "one of them listed no entry")
	}
	at := func(st *hostState, k int) float64 {
		for _, p := range st.dir.Points {
			if p.Count >= k {
				return st.seconds(p, opts.Time)
			}
		}
		return st.seconds(st.dir.Last, opts.Time)
	}
	n := min(opts.Rows, reach)
	for i := 1; i <= n; i++ {
		k := reach * i / n
		row := Row{Name: "entry #" + strconv.Itoa(k), Index: k - 1, Elapsed: map[string]float64{}}
		for _, st := range states {
			row.Elapsed[st.res.Label] = at(st, k)
		}
		c.Rows = append(c.Rows, row)
	}
	c.Common = reach
	// The summaries: at countPoints counts evenly spread, whatever the
	// rows shown.
	np := min(countPoints, reach)
	times := make([]float64, len(states))
	for _, st := range states[1:] {
		st.ratios = make([]float64, 0, np)
		st.rates = make([]weighted, 0, np)
	}
	for i := 1; i <= np; i++ {
		for j, st := range states {
			times[j] = at(st, reach*i/np)
		}
		addPoint(states, times)
	}
	for _, st := range states {
		st.res.LastMarker = c.Rows[len(c.Rows)-1].Name
	}
	c.fillRatios(states)
	c.summarise(states)
	return nil
}

// countPoints is how many entry counts the summaries of an alignment by
// count are taken at.
const countPoints = 1024

// fillRatios computes each row's ratios and interval rates against the
// baseline, and the final ratios at the last common marker.
func (c *Comparison) fillRatios(states []*hostState) {
	base := states[0].res.Label
	for i := range c.Rows {
		row := &c.Rows[i]
		row.Ratio, row.Rate = map[string]float64{}, map[string]float64{}
		be := row.Elapsed[base]
		var bprev float64
		if i > 0 {
			bprev = c.Rows[i-1].Elapsed[base]
		}
		for _, st := range states {
			l := st.res.Label
			if be > 0 {
				row.Ratio[l] = round4(row.Elapsed[l] / be)
			}
			var prev float64
			if i > 0 {
				prev = c.Rows[i-1].Elapsed[l]
			}
			if d := be - bprev; d > 0 {
				row.Rate[l] = round4((row.Elapsed[l] - prev) / d)
			}
		}
	}
	bf := states[0].last
	for _, st := range states {
		s := c.Slowdown[st.res.Label]
		if bf > 0 {
			s.Final, s.HasFinal = round4(st.last/bf), true
		}
		c.Slowdown[st.res.Label] = s
	}
}

// addPoint takes every host's time at one more common marker (or count
// point), at[0] the baseline's: each other host's ratio there, and its
// rate over the interval since the previous point (the first from the
// origin), weighted by the baseline's time over it.
func addPoint(states []*hostState, at []float64) {
	b, bprev := at[0], states[0].prev
	for i, st := range states[1:] {
		e := at[i+1]
		if b > 0 {
			st.ratios = append(st.ratios, e/b)
		}
		if d := b - bprev; d > 0 {
			st.rates = append(st.rates, weighted{(e - st.prev) / d, d})
		}
	}
	for i, st := range states {
		st.prev, st.last = at[i], at[i]
	}
}

// summarise takes, over every common marker (or count point), not only the
// rows shown: the median of the ratios, and the median of the interval
// rates between consecutive ones, each weighted by the baseline's time
// over it, so that a stretch of the listing counts by how long it took,
// not by how many sampled names fell in it. (With equal weights the
// weighted median is the plain one.) The baseline's own are 1.
func (c *Comparison) summarise(states []*hostState) {
	base := states[0]
	for _, st := range states {
		s := c.Slowdown[st.res.Label]
		if st == base {
			s.Cumulative, s.HasCumulative = 1, base.last > 0
			s.Rate, s.HasRate = 1, base.last > 0
		} else {
			s.Cumulative, s.HasCumulative = median(st.ratios)
			s.Rate, s.HasRate = weightedMedian(st.rates)
			s.Cumulative, s.Rate = round4(s.Cumulative), round4(s.Rate)
		}
		c.Slowdown[st.res.Label] = s
	}
}

// round4 rounds a ratio to 4 decimals, or, below 1, to 6 significant
// digits: 1/0.0058 would say 172.41x faster for a true 172.49x.
func round4(f float64) float64 {
	if f > 0 && f < 1 {
		p := math.Pow(10, 5-math.Floor(math.Log10(f)))
		return math.Round(f*p) / p
	}
	return math.Round(f*1e4) / 1e4
}
