package correlate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

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
	// Baseline is the label of the healthy host; "" means the first host.
	Baseline string
	Time     TimeMode
	// Origin is a marker name whose time is zero on every host; "" means
	// each host's first getdents call on the directory.
	Origin string
	// Markers, when set, are exactly the rows shown.
	Markers []string
	// Rows is how many sampled markers to show, evenly spread; 0 means 10.
	Rows int
	// Dir is the directory to compare; "" means the one with most entries.
	Dir string
}

// Comparison is the result of Compare.
type Comparison struct {
	Baseline string
	Time     TimeMode
	// Origin is "first getdents" or "marker:NAME".
	Origin string
	// AlignedBy is "names", or "entry count" when a host has no names.
	AlignedBy string
	Hosts     []HostResult
	Rows      []Row
	// Common is how many markers all hosts share (rows are chosen from them).
	Common   int
	Slowdown map[string]Slowdown
	Warnings []string
}

// HostResult is one host's listing of the compared directory.
type HostResult struct {
	Label, File string
	Dir         string
	// DirChoice says why Dir was compared: "--dir", or "most entries".
	DirChoice string
	// Listings counts the listings of Dir in the trace; the first is used.
	Listings int
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
	// Cumulative is the median of the rows' ratios; Rate the median of
	// their interval rates; Final the ratio at the last common marker.
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
}

// Compare aligns the hosts' listings of one directory by filename markers.
func Compare(hosts []Host, opts CompareOptions) (*Comparison, error) {
	if len(hosts) < 2 {
		return nil, fmt.Errorf("compare needs two hosts or more, got %d", len(hosts))
	}
	if opts.Rows <= 0 {
		opts.Rows = 10
	}
	base := 0
	if opts.Baseline != "" {
		base = slices.IndexFunc(hosts, func(h Host) bool { return h.Label == opts.Baseline })
		if base < 0 {
			return nil, fmt.Errorf("baseline %q is not one of the host labels", opts.Baseline)
		}
	}
	c := &Comparison{Baseline: hosts[base].Label, Time: opts.Time, Origin: "first getdents", AlignedBy: "names", Slowdown: map[string]Slowdown{}}
	if opts.Origin != "" {
		c.Origin = "marker:" + opts.Origin
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
			c.AlignedBy = "entry count"
		}
		if d := h.Listing.Dropped(); d.Listings > 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %d smaller listings (%d getdents calls, %d entries) were not kept, to bound memory; the %d largest were", h.Label, d.Listings, d.Calls, d.Entries, MaxListings))
		}
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
	if c.AlignedBy == "names" {
		c.alignByNames(states, opts)
	} else {
		c.Warnings = append(c.Warnings, "no file names in at least one trace (captured without -v?): aligned by cumulative entry count, which assumes the hosts list the directory in the same order")
		c.alignByCount(states, opts)
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
	c.summarise(states)
	return c, nil
}

func newHostState(h Host, opts CompareOptions, threshold uint64) (*hostState, error) {
	l := h.Listing
	if l.TimeKind() == strace.NoTime {
		return nil, fmt.Errorf("%s: the trace has no timestamps; capture with strace -ttt", h.File)
	}
	ds := l.Listings()
	d, ok := pick(ds, opts.Dir)
	if !ok {
		if opts.Dir != "" {
			return nil, fmt.Errorf("%s: %w of %s", h.File, ErrNoListing, opts.Dir)
		}
		return nil, fmt.Errorf("%s: %w of any directory", h.File, ErrNoListing)
	}
	st := &hostState{dir: d, origin: d.Start, listing: l}
	st.res = HostResult{
		Label: h.Label, File: h.File, Dir: d.Path, DirChoice: "most entries",
		PID: d.PID, Line: d.Line, Entries: d.Entries, Calls: d.Calls, Complete: d.Complete,
		Methods: map[string]int{}, TimeKind: l.TimeKind(),
	}
	if opts.Dir != "" {
		st.res.DirChoice = "--dir"
	}
	for _, other := range ds {
		if other.Path == d.Path {
			st.res.Listings++
		}
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

func (c *Comparison) alignByNames(states []*hostState, opts CompareOptions) {
	base := states[0]
	// Common markers in baseline order (the order the sample kept them
	// in: nothing to sort), not before the origin.
	common := make([]Marker, 0, len(base.markers))
	for _, m := range base.markers {
		if base.elapsed(m, opts.Time) < 0 {
			continue
		}
		all := true
		for _, st := range states[1:] {
			om, ok := st.marker(m.Name)
			if !ok || st.elapsed(om, opts.Time) < 0 {
				all = false
				break
			}
		}
		if all {
			common = append(common, m)
		}
	}
	c.Common = len(common)
	if len(common) == 0 {
		c.Warnings = append(c.Warnings, "the hosts' listings share no sampled name: are they listings of the same directory?")
		return
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
	c.fillRatios(states, func(st *hostState) (float64, bool) {
		m, _ := st.marker(last)
		return st.elapsed(m, opts.Time), true
	})
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

func (c *Comparison) alignByCount(states []*hostState, opts CompareOptions) {
	reach := states[0].dir.Entries
	for _, st := range states {
		reach = min(reach, st.dir.Entries)
	}
	if reach == 0 {
		return
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
	for _, st := range states {
		st.res.LastMarker = c.Rows[len(c.Rows)-1].Name
	}
	c.fillRatios(states, func(st *hostState) (float64, bool) {
		return at(st, reach), true
	})
}

// fillRatios computes each row's ratios and interval rates against the
// baseline, and final ratios from finalElapsed.
func (c *Comparison) fillRatios(states []*hostState, finalElapsed func(*hostState) (float64, bool)) {
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
	bf, _ := finalElapsed(states[0])
	for _, st := range states {
		s := c.Slowdown[st.res.Label]
		if f, ok := finalElapsed(st); ok && bf > 0 {
			s.Final, s.HasFinal = round4(f/bf), true
		}
		c.Slowdown[st.res.Label] = s
	}
}

func (c *Comparison) summarise(states []*hostState) {
	for _, st := range states {
		l := st.res.Label
		var ratios, rates []float64
		for _, r := range c.Rows {
			if v, ok := r.Ratio[l]; ok {
				ratios = append(ratios, v)
			}
			if v, ok := r.Rate[l]; ok {
				rates = append(rates, v)
			}
		}
		s := c.Slowdown[l]
		s.Cumulative, s.HasCumulative = median(ratios)
		s.Rate, s.HasRate = median(rates)
		c.Slowdown[l] = s
	}
}

func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2], true
	}
	return round4((v[n/2-1] + v[n/2]) / 2), true
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }
