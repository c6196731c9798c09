package correlate

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/lagtrace/lagtrace/parse/strace"
)

// SyscallStat is one system call name's line of a host's strace -c-like
// table, by wall time: the -T time spent in the call, else the time
// between its entry and resumed stamps, else (an upper bound) the time to
// the process's next event.
type SyscallStat struct {
	Name string
	// Count is every call of that name; Timed those whose duration is
	// known, Bounds among them those timed to the process's next event.
	Count, Timed, Bounds int
	// Total, Max, P50 and P99 are nanoseconds over the timed calls. P50
	// and P99 are exact for up to exactSamples timed calls, else read off
	// a log histogram (within 2.2% of the true value).
	Total, Max, P50, P99 int64
}

// exactSamples is how many durations a syscall keeps exactly before it
// switches to a histogram: small traces get exact quantiles, and memory
// stays bounded by the number of distinct names.
const exactSamples = 64

// Histogram buckets: bucket 0 holds durations up to histFloor; bucket i
// from histFloor * 2^((i-1)/histPerOctave) up.
const (
	histFloor     = 1000 // 1 µs, strace's -T resolution
	histPerOctave = 16
	histBuckets   = 640 // up to 1e14 ns: longer still lands in the last
)

type sysStat struct {
	count, timed, bounds int
	total, max, min      int64
	exact                []int64
	hist                 []uint32
}

// maxSyscallNames bounds the names the table keeps (Linux has about 450
// system calls); a hostile trace of millions of made-up names counts the
// rest under otherNames.
const maxSyscallNames = 4096

// otherNames is the line of the names past maxSyscallNames.
const otherNames = "(other names)"

// stat returns the statistics of a syscall name, made on first use.
func (a *Activity) stat(name []byte) *sysStat {
	if st := a.sys[string(name)]; st != nil {
		return st
	}
	key := string(name)
	if len(a.sys) >= maxSyscallNames {
		key = otherNames
		if st := a.sys[key]; st != nil {
			return st
		}
	}
	st := &sysStat{}
	a.sys[key] = st
	return st
}

// add records one timed call of d nanoseconds; bound says d runs to the
// process's next event.
func (s *sysStat) add(d int64, bound bool) {
	d = max(d, 0)
	if s.timed == 0 {
		s.min, s.max = d, d
	}
	s.timed++
	if bound {
		s.bounds++
	}
	s.total += d
	s.min, s.max = min(s.min, d), max(s.max, d)
	if s.hist == nil && len(s.exact) < exactSamples {
		s.exact = append(s.exact, d)
		return
	}
	if s.hist == nil {
		s.hist = make([]uint32, histBuckets)
		for _, x := range s.exact {
			s.hist[bucket(x)]++
		}
		s.exact = nil
	}
	s.hist[bucket(d)]++
}

func bucket(d int64) int {
	if d <= histFloor {
		return 0
	}
	i := 1 + int(histPerOctave*math.Log2(float64(d)/histFloor))
	return min(i, histBuckets-1)
}

// quantile is the q-quantile (nearest rank) of the timed calls.
func (s *sysStat) quantile(q float64) int64 {
	if s.timed == 0 {
		return 0
	}
	rank := max(1, int(math.Ceil(q*float64(s.timed))))
	if s.hist == nil {
		v := slices.Clone(s.exact)
		slices.Sort(v)
		return v[rank-1]
	}
	seen := 0
	for i, n := range s.hist {
		seen += int(n)
		if seen < rank {
			continue
		}
		if i == 0 {
			return s.min
		}
		// The bucket's geometric middle, within the values seen.
		mid := histFloor * math.Exp2((float64(i)-0.5)/histPerOctave)
		return min(max(int64(mid), s.min), s.max)
	}
	return s.max
}

// Syscalls returns the per-syscall table, the most total time first (then
// the most calls, then by name).
func (a *Activity) Syscalls() []SyscallStat {
	out := make([]SyscallStat, 0, len(a.sys))
	for name, s := range a.sys {
		out = append(out, SyscallStat{
			Name: name, Count: s.count, Timed: s.timed, Bounds: s.bounds,
			Total: s.total, Max: s.max, P50: s.quantile(0.5), P99: s.quantile(0.99),
		})
	}
	slices.SortFunc(out, func(x, y SyscallStat) int {
		if c := cmp.Compare(y.Total, x.Total); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.Name, y.Name)
	})
	return out
}

// SummaryRow is one row of an strace -c table a trace holds (pasted on
// its own, or printed by strace -C after the calls): strace's own count
// of a system call, with the time strace -c measured (system time, or wall
// time with -w), not lagtrace's. "total" is a row too.
type SummaryRow struct {
	Name          string
	Calls, Errors int
	// Time is the "seconds" column, in nanoseconds.
	Time int64
	// Source locates the row, "file:line".
	Source string
}

func (a *Activity) addSummary(file string, ev *strace.Event) {
	if len(a.tables) >= maxSyscallNames {
		a.tablesMore++
		return
	}
	a.tables = append(a.tables, SummaryRow{Name: string(ev.Name), Calls: ev.Calls, Errors: ev.Errors, Time: ev.Duration,
		Source: file + ":" + strconv.Itoa(ev.Line)})
}

// Tables returns the strace -c rows read, in the order of the text, and
// how many more were left out.
func (a *Activity) Tables() ([]SummaryRow, int) { return slices.Clone(a.tables), a.tablesMore }
