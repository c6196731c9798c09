package correlate

import (
	"math"
	"slices"
	"strconv"

	"github.com/lagtrace/lagtrace/parse/strace"
)

// ReturnMethod says how the return time of a getdents64 call was found.
type ReturnMethod uint8

// The ways a return time is found, best first.
const (
	// FromResumed: the stamp of the "<... getdents64 resumed>" line.
	FromResumed ReturnMethod = iota
	// FromDuration: the entry stamp plus the -T duration.
	FromDuration
	// FromNextEvent: the entry stamp of the same PID's next event.
	FromNextEvent
	// FromEntry: the entry stamp itself; nothing better was printed.
	FromEntry
	numMethods
)

var methodNames = [numMethods]string{"resumed", "duration", "next-event", "entry"}

func (m ReturnMethod) String() string {
	if m < numMethods {
		return methodNames[m]
	}
	return "ReturnMethod(" + strconv.Itoa(int(m)) + ")"
}

// DefaultSampleSize bounds how many names a Listing keeps as candidate
// markers, whatever the size of the directory.
const DefaultSampleSize = 16384

// ListingOptions configure a Listing.
type ListingOptions struct {
	// Markers are names always kept as markers, sampled or not.
	Markers []string
	// SampleSize bounds the hash-sampled markers kept; 0 means
	// DefaultSampleSize.
	SampleSize int
}

// Listing follows every directory listing (getdents64 or getdents calls on
// one open directory) in one host's strace, in one pass and in bounded
// memory: per listing a few counters and a decimated progress curve, and for
// the whole host a hash sample of names.
//
// Names are sampled by a deterministic hash: a name is kept while its hash
// is at most a threshold that halves whenever the sample overflows. Two
// hosts listing the same directory keep the same names below the smaller of
// their thresholds, so markers align without holding every name.
type Listing struct {
	opts      ListingOptions
	explicit  map[string]struct{}
	threshold uint64
	sample    []Marker
	streams   map[streamKey]*stream
	all       []*stream
	pending   map[int]pendingCall
	timeKind  strace.TimeKind
	calls     int
}

type streamKey struct{ pid, fd int }

type pendingCall struct {
	s   *stream
	seq int // the call's sequence number within s
}

// stream is one listing: one open directory read by getdents calls.
type stream struct {
	id       int
	pid, fd  int
	dir      string
	start    int64 // entry stamp of the first call
	startSet bool
	line     int // line of the first call
	entries  int
	calls    int
	complete bool
	abbrev   bool // some results were abbreviated: counts without names
	methods  [numMethods]int
	// points is the progress curve, decimated to at most maxPoints by
	// keeping every stride-th call; last is always the latest call.
	points []Point
	stride int
	last   Point
}

// Point is one getdents call's place on a listing's progress curve.
type Point struct {
	// Entry and Return are the call's stamps, in strace.TimeKind units.
	Entry, Return int64
	// Count is the cumulative number of entries listed when it returned.
	Count int
}

// Marker is a name seen in a listing, with when it was listed.
type Marker struct {
	Name string
	hash uint64
	// Entry and Return are the stamps of the call that returned the name.
	Entry, Return int64
	// Index is the name's 0-based position in its listing.
	Index  int
	stream int
	seq    int
}

const maxPoints = 2048

// NewListing returns a Listing ready for events.
func NewListing(opts ListingOptions) *Listing {
	if opts.SampleSize <= 0 {
		opts.SampleSize = DefaultSampleSize
	}
	l := &Listing{
		opts:      opts,
		explicit:  make(map[string]struct{}, len(opts.Markers)),
		threshold: math.MaxUint64,
		streams:   make(map[streamKey]*stream),
		pending:   make(map[int]pendingCall),
	}
	for _, m := range opts.Markers {
		l.explicit[m] = struct{}{}
	}
	return l
}

// SetTimeKind records what the event stamps count from.
func (l *Listing) SetTimeKind(k strace.TimeKind) { l.timeKind = k }

// Add takes the next event of the trace.
func (l *Listing) Add(ev *strace.Event) {
	if p, ok := l.pending[ev.PID]; ok && ev.HasTime {
		l.resolve(p, ev.Time)
		delete(l.pending, ev.PID)
	}
	if ev.Kind != strace.Call {
		if ev.Kind == strace.Exit {
			l.endPID(ev.PID)
		}
		return
	}
	switch string(ev.Name) {
	case "getdents64", "getdents":
		l.addGetdents(ev)
	case "close":
		if ev.RetOK && ev.RetVal == 0 {
			delete(l.streams, streamKey{ev.PID, ev.Fd})
		}
	case "open", "openat", "dup", "dup2", "dup3", "fcntl", "fcntl64":
		// A descriptor number that comes back starts a new life.
		if ev.RetOK && ev.RetVal >= 0 {
			delete(l.streams, streamKey{ev.PID, int(ev.RetVal)})
		}
	}
}

func (l *Listing) endPID(pid int) {
	for k := range l.streams {
		if k.pid == pid {
			delete(l.streams, k)
		}
	}
}

func (l *Listing) addGetdents(ev *strace.Event) {
	if ev.Unfinished || !ev.RetOK || ev.RetVal < 0 {
		return // an error or a call cut off lists nothing
	}
	key := streamKey{ev.PID, ev.Fd}
	s := l.streams[key]
	if s == nil || s.complete {
		s = &stream{id: len(l.all), pid: ev.PID, fd: ev.Fd, stride: 1, line: ev.Line}
		if ev.Path != nil {
			s.dir = string(ev.Path)
		} else {
			s.dir = "fd " + strconv.Itoa(ev.Fd) + " of pid " + strconv.Itoa(ev.PID)
		}
		l.streams[key] = s
		l.all = append(l.all, s)
	}
	if !s.startSet && ev.HasTime {
		s.start, s.startSet = ev.Time, true
	}
	l.calls++
	seq := s.calls
	s.calls++

	ret, method := ev.Time, FromEntry
	switch {
	case ev.HasReturn:
		ret, method = ev.Return, FromResumed
	case ev.HasDuration:
		ret, method = ev.Time+ev.Duration, FromDuration
	}
	if method == FromEntry && ev.HasTime {
		l.pending[ev.PID] = pendingCall{s, seq}
	}
	s.methods[method]++

	index := s.entries
	s.entries += ev.DirentCount
	if ev.DirentsAbbreviated {
		s.abbrev = true
	}
	if ev.DirentCount == 0 && ev.RetVal == 0 {
		s.complete = true
	}
	for i := range ev.Dirents {
		name := ev.Dirents[i].Name
		if isDots(name) {
			continue
		}
		h := hashName(name)
		_, forced := l.explicit[string(name)]
		if h > l.threshold && !forced {
			continue
		}
		l.sample = append(l.sample, Marker{
			Name: string(name), hash: h,
			Entry: ev.Time, Return: ret,
			Index: index + i, stream: s.id, seq: seq,
		})
	}
	if len(l.sample) > l.opts.SampleSize {
		l.shrink()
	}

	p := Point{Entry: ev.Time, Return: ret, Count: s.entries}
	s.last = p
	if seq%s.stride == 0 {
		if len(s.points) == maxPoints {
			// Keep every other point and sample half as often from now on.
			kept := s.points[:0]
			for i := 0; i < len(s.points); i += 2 {
				kept = append(kept, s.points[i])
			}
			s.points = kept
			s.stride *= 2
		}
		if seq%s.stride == 0 {
			s.points = append(s.points, p)
		}
	}
}

// resolve gives a call whose return was not printed the stamp of its PID's
// next event.
func (l *Listing) resolve(p pendingCall, t int64) {
	s := p.s
	if s.methods[FromEntry] > 0 {
		s.methods[FromEntry]--
		s.methods[FromNextEvent]++
	}
	if s.calls-1 == p.seq {
		s.last.Return = t
		if n := len(s.points); n > 0 && s.points[n-1].Entry == s.last.Entry && s.points[n-1].Count == s.last.Count {
			s.points[n-1].Return = t
		}
	}
	for i := len(l.sample) - 1; i >= 0; i-- {
		m := &l.sample[i]
		if m.stream == s.id && m.seq == p.seq {
			m.Return = t
		} else if m.stream == s.id && m.seq < p.seq {
			break
		}
	}
}

// shrink halves the sampling threshold until the sample fits again.
func (l *Listing) shrink() {
	for len(l.sample) > l.opts.SampleSize && l.threshold > 0 {
		l.threshold >>= 1
		kept := l.sample[:0]
		for _, m := range l.sample {
			if _, forced := l.explicit[m.Name]; m.hash <= l.threshold || forced {
				kept = append(kept, m)
			}
		}
		clear(l.sample[len(kept):])
		l.sample = kept
	}
}

func isDots(name []byte) bool {
	return len(name) == 1 && name[0] == '.' || len(name) == 2 && name[0] == '.' && name[1] == '.'
}

// hashName is 64-bit FNV-1a, inlined so the hot loop does not allocate.
func hashName(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	// FNV's low bits mix poorly for short strings; fold the high bits in so
	// that halving the threshold halves the sample.
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return h
}

// Dir is one listing of one directory, as Listing.Listings reports it.
type Dir struct {
	Path string
	// PID and Fd read it; Line is where its first call is.
	PID, Fd, Line int
	Entries       int
	Calls         int
	Complete      bool
	// Abbreviated is true when some results carried counts but no names.
	Abbreviated bool
	Start       int64
	Last        Point
	Points      []Point
	Methods     map[ReturnMethod]int
	id          int
}

// Listings returns every listing seen, in the order they started.
func (l *Listing) Listings() []Dir {
	out := make([]Dir, 0, len(l.all))
	for _, s := range l.all {
		d := Dir{
			Path: s.dir, PID: s.pid, Fd: s.fd, Line: s.line,
			Entries: s.entries, Calls: s.calls, Complete: s.complete,
			Abbreviated: s.abbrev, Start: s.start, Last: s.last,
			Points:  slices.Clone(s.points),
			Methods: map[ReturnMethod]int{}, id: s.id,
		}
		if n := len(d.Points); n == 0 || d.Points[n-1] != s.last {
			d.Points = append(d.Points, s.last)
		}
		for m, n := range s.methods {
			if n > 0 {
				d.Methods[ReturnMethod(m)] = n
			}
		}
		out = append(out, d)
	}
	return out
}

// markers returns the markers of one listing, in listing order, that are
// below threshold or explicitly asked for.
func (l *Listing) markers(d Dir, threshold uint64) []Marker {
	var out []Marker
	for _, m := range l.sample {
		if m.stream != d.id {
			continue
		}
		if _, forced := l.explicit[m.Name]; m.hash <= threshold || forced {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b Marker) int { return a.Index - b.Index })
	return out
}

// Threshold is the current sampling threshold.
func (l *Listing) Threshold() uint64 { return l.threshold }

// Calls is the number of getdents calls seen on any directory.
func (l *Listing) Calls() int { return l.calls }

// TimeKind is what the stamps count from.
func (l *Listing) TimeKind() strace.TimeKind { return l.timeKind }

// pick chooses the listing to compare: the first listing of dir, or, when
// dir is empty, the first listing of the directory with the most entries in
// a single listing.
func pick(ds []Dir, dir string) (Dir, bool) {
	best := -1
	for i, d := range ds {
		if dir != "" {
			if trimSlash(d.Path) == trimSlash(dir) {
				return d, true
			}
			continue
		}
		if best < 0 || d.Entries > ds[best].Entries {
			best = i
		}
	}
	if best < 0 {
		return Dir{}, false
	}
	// Among listings of the chosen directory, the first one.
	for _, d := range ds {
		if d.Path == ds[best].Path {
			return d, true
		}
	}
	return ds[best], true
}

func trimSlash(s string) string {
	for len(s) > 1 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
