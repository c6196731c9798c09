package correlate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// call is a getdents64 call for tests: entry and return in microseconds.
type call struct {
	pid, fd       int
	entry, ret    int64 // µs; ret 0: no return printed
	dur           int64 // µs of -T; 0: none
	names         []string
	abbrev, close bool
}

func feed(l *Listing, dir string, calls []call) {
	l.SetTimeKind(strace.Epoch)
	line := 0
	for _, c := range calls {
		line++
		ev := &strace.Event{Kind: strace.Call, Line: line, PID: c.pid, Time: c.entry * 1000, HasTime: true, Fd: c.fd, Path: []byte(dir), RetOK: true}
		if c.close {
			ev.Name = []byte("close")
			l.Add(ev)
			continue
		}
		ev.Name = []byte("getdents64")
		if c.ret != 0 {
			ev.Return, ev.HasReturn = c.ret*1000, true
		}
		if c.dur != 0 {
			ev.Duration, ev.HasDuration = c.dur*1000, true
		}
		for _, n := range c.names {
			ev.Dirents = append(ev.Dirents, strace.Dirent{Name: []byte(n)})
		}
		ev.DirentCount = len(c.names)
		if c.abbrev {
			ev.Dirents = nil
			ev.DirentsAbbreviated = true
		}
		ev.RetVal = int64(len(c.names) * 40)
		l.Add(ev)
	}
}

// The seed incident's hand-made table: seven names and when each host's
// trace printed them (entry stamps, µs).
var seedB = []int64{1712802314374988, 1712802401142976, 1712802509642010, 1712802607192381, 1712802707587591, 1712802803228566, 1712802824954462}
var seedE = []int64{1712802323791969, 1712802325169445, 1712802326528755, 1712802328083538, 1712802329226065, 1712802330254807, 1712802330369828}
var seedNames = []string{"nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", "Y348qeD3dxaeJOsyiTNON3qCtEE8yn", "xxwdIL00iCzXviXcoCaNCvrvIyAkeP", "L8mSFdfuAtzgWAp646sVy73uTMgbaH", "9wHPHGNObYKMRERIhHuRaKiZW9Jer4", "Z9Jj6YvkzMCt0lymymEtZhmIAFEDMH", "VLww0v31UJplVOvh1bYlQ2Wwz4OfiI"}

func seedCalls(stamps []int64, complete bool) []call {
	var cs []call
	for i, t := range stamps {
		cs = append(cs, call{pid: 7, fd: 3, entry: t - 1000, names: []string{fmt.Sprintf("before%d", i)}})
		cs = append(cs, call{pid: 7, fd: 3, entry: t, names: []string{seedNames[i]}})
	}
	if complete {
		cs = append(cs, call{pid: 7, fd: 3, entry: stamps[len(stamps)-1] + 5000})
	}
	return cs
}

func TestCompareReproducesSeedTable(t *testing.T) {
	b, e := NewListing(ListingOptions{}), NewListing(ListingOptions{})
	feed(b, "/home/cdis/data", seedCalls(seedB, false))
	feed(e, "/mnt", seedCalls(seedE, true))
	c, err := Compare([]Host{{"B", "B.strace", b}, {"E", "E.strace", e}}, CompareOptions{
		Baseline: "E", Time: EntryTime, Origin: seedNames[0], Markers: seedNames[1:],
	})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name  string
		B, E  float64
		Ratio float64
	}
	var got []row
	for _, r := range c.Rows {
		got = append(got, row{r.Name, r.Elapsed["B"], r.Elapsed["E"], r.Ratio["B"]})
	}
	want := []row{
		{"nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", 0, 0, 0},
		{"Y348qeD3dxaeJOsyiTNON3qCtEE8yn", 86.767988, 1.377476, 62.9906},
		{"xxwdIL00iCzXviXcoCaNCvrvIyAkeP", 195.267022, 2.736786, 71.349},
		{"L8mSFdfuAtzgWAp646sVy73uTMgbaH", 292.817393, 4.291569, 68.2308},
		{"9wHPHGNObYKMRERIhHuRaKiZW9Jer4", 393.212603, 5.434096, 72.3603},
		{"Z9Jj6YvkzMCt0lymymEtZhmIAFEDMH", 488.853578, 6.462838, 75.6407},
		{"VLww0v31UJplVOvh1bYlQ2Wwz4OfiI", 510.579474, 6.577859, 77.6209},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if c.Baseline != "E" || c.Hosts[0].Label != "E" {
		t.Errorf("baseline = %q, first host %q; want E first", c.Baseline, c.Hosts[0].Label)
	}
	s := c.Slowdown["B"]
	if !s.HasFinal || s.Final != 77.6209 {
		t.Errorf("final slowdown = %v (has %v), want 77.6209", s.Final, s.HasFinal)
	}
	// The rate is the median of the interval rates between consecutive
	// common markers, weighted by the baseline's time: the "before" names
	// 1 µs ahead of each marker weigh nothing, and the stretches between
	// markers give 62.99x (1.377 s), 79.82x (1.359 s), 62.74x (1.555 s),
	// 87.87x (1.143 s), 92.97x (1.029 s) and 188.89x (0.115 s): half the
	// baseline's time is reached in the 79.82x stretch.
	if !s.HasRate || s.Rate < 79.5 || s.Rate > 80.5 {
		t.Errorf("rate slowdown = %v, want the time-weighted median interval rate, 79.8", s.Rate)
	}
	var bres HostResult
	for _, h := range c.Hosts {
		if h.Label == "B" {
			bres = h
		}
	}
	if bres.Complete || !c.Hosts[0].Complete {
		t.Errorf("complete: B %v, E %v; want B incomplete, E complete", bres.Complete, c.Hosts[0].Complete)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "B did not finish") {
		t.Errorf("warnings = %q, want one about B not finishing", c.Warnings)
	}
}

func TestReturnTimeMethods(t *testing.T) {
	tests := []struct {
		name   string
		calls  []call
		method string
		want   float64 // elapsed of marker "m" in seconds
	}{
		{"resumed stamp", []call{{pid: 1, fd: 3, entry: 1_000_000, ret: 3_000_000, names: []string{"m"}}}, "resumed", 2},
		{"entry plus -T", []call{{pid: 1, fd: 3, entry: 1_000_000, dur: 500_000, names: []string{"m"}}}, "duration", 0.5},
		{"next event of the pid", []call{
			{pid: 1, fd: 3, entry: 1_000_000, names: []string{"m"}},
			{pid: 2, fd: 3, entry: 1_500_000, names: []string{"other"}},
			{pid: 1, fd: 3, entry: 4_000_000},
		}, "next-event", 3},
		{"entry stamp only", []call{{pid: 1, fd: 3, entry: 1_000_000, names: []string{"m"}}}, "entry", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewListing(ListingOptions{})
			feed(l, "/d", tt.calls)
			st, err := newHostState(Host{"A", "a", l}, CompareOptions{}, ^uint64(0))
			if err != nil {
				t.Fatal(err)
			}
			if st.res.TimeSource != tt.method {
				t.Errorf("TimeSource = %q, want %q", st.res.TimeSource, tt.method)
			}
			m, _ := st.marker("m")
			if got := st.elapsed(m, ReturnTime); got != tt.want {
				t.Errorf("elapsed(m) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSampleIsBoundedAndShared(t *testing.T) {
	// Two hosts list the same 50,000 names in different chunkings and
	// orders; each keeps at most 256 and both keep the same low-hash ones.
	names := make([]string, 50000)
	for i := range names {
		names[i] = fmt.Sprintf("file-%07d", i)
	}
	chunks := func(ns []string, size int, start int64, step int64, complete bool) []call {
		var cs []call
		for i := 0; i < len(ns); i += size {
			cs = append(cs, call{pid: 1, fd: 3, entry: start + int64(len(cs))*step, names: ns[i:min(i+size, len(ns))]})
		}
		if complete {
			cs = append(cs, call{pid: 1, fd: 3, entry: start + int64(len(cs))*step})
		}
		return cs
	}
	a, b := NewListing(ListingOptions{SampleSize: 256}), NewListing(ListingOptions{SampleSize: 256})
	feed(a, "/d", chunks(names, 500, 1e6, 1000, true))
	feed(b, "/d", chunks(names[:20000], 333, 2e6, 90000, false)) // stopped early, 90x slower
	if len(a.sample) > 256 || len(b.sample) > 256 {
		t.Fatalf("samples hold %d and %d names, want at most 256", len(a.sample), len(b.sample))
	}
	c, err := Compare([]Host{{"A", "a", a}, {"B", "b", b}}, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Common < 40 {
		t.Errorf("common markers = %d, want at least 40 (a fifth of the bounded sample)", c.Common)
	}
	if len(c.Rows) != 10 {
		t.Errorf("rows = %d, want 10", len(c.Rows))
	}
	s := c.Slowdown["B"]
	if s.Cumulative < 50 || s.Cumulative > 200 {
		t.Errorf("cumulative slowdown = %v, want about 90x", s.Cumulative)
	}
	if c.Hosts[1].Complete || c.Hosts[1].Share != 0.4 {
		t.Errorf("B complete=%v share=%v, want incomplete at 0.4", c.Hosts[1].Complete, c.Hosts[1].Share)
	}
}

func TestCompareByEntryCountWithoutNames(t *testing.T) {
	mk := func(step int64) []call {
		var cs []call
		for i := range 10 {
			cs = append(cs, call{pid: 1, fd: 3, entry: int64(i) * step, names: make([]string, 100), abbrev: true})
		}
		return append(cs, call{pid: 1, fd: 3, entry: 10 * step})
	}
	a, b := NewListing(ListingOptions{}), NewListing(ListingOptions{})
	feed(a, "/d", mk(1000))
	feed(b, "/d", mk(50000))
	c, err := Compare([]Host{{"A", "a", a}, {"B", "b", b}}, CompareOptions{Rows: 5})
	if err != nil {
		t.Fatal(err)
	}
	if c.AlignedBy != "entry count" || len(c.Warnings) == 0 {
		t.Errorf("AlignedBy = %q, warnings %q; want entry count with a warning", c.AlignedBy, c.Warnings)
	}
	if got := c.Slowdown["B"].Final; got != 50 {
		t.Errorf("final = %v, want 50", got)
	}
}

func TestCompareErrors(t *testing.T) {
	empty := NewListing(ListingOptions{})
	empty.SetTimeKind(strace.Epoch)
	full := NewListing(ListingOptions{})
	feed(full, "/d", []call{{pid: 1, fd: 3, entry: 1, names: []string{"a"}}})
	noTime := NewListing(ListingOptions{})
	tests := []struct {
		name  string
		hosts []Host
		opts  CompareOptions
		want  string
	}{
		{"one host", []Host{{"A", "a", full}}, CompareOptions{}, "two hosts"},
		{"no listing", []Host{{"A", "a", full}, {"B", "b.strace", empty}}, CompareOptions{}, "b.strace: no getdents64 listing"},
		{"no stamps", []Host{{"A", "a", full}, {"B", "b.strace", noTime}}, CompareOptions{}, "no timestamps"},
		{"unknown baseline", []Host{{"A", "a", full}, {"B", "b", full}}, CompareOptions{Baseline: "X"}, `baseline "X"`},
		{"origin missing", []Host{{"A", "a", full}, {"B", "b", full}}, CompareOptions{Origin: "zz"}, `origin marker "zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(tt.hosts, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compare error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// BenchmarkCompare is the final step of compare on two hosts that listed
// the same 200,000 names (a full sample of 16384 each): alignment and
// summaries, linear in the sampled markers.
func BenchmarkCompare(b *testing.B) {
	names := randomNames(200_000, 6)
	mk := func(step int64) *Listing {
		l := NewListing(ListingOptions{})
		l.SetTimeKind(strace.Epoch)
		for i := 0; i < len(names); i += 580 {
			l.Add(getdents(1, i+1, int64(i)*step, names[i:min(i+580, len(names))]))
		}
		return l
	}
	e, s := mk(1000), mk(80_000)
	hosts := []Host{{"E", "E.strace", e}, {"B", "B.strace", s}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, err := Compare(hosts, CompareOptions{Baseline: "E"})
		if err != nil || c.Common < 8000 {
			b.Fatalf("common %d, err %v", c.Common, err)
		}
	}
}
