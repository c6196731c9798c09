package correlate

import (
	"encoding/binary"
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

// MaxListings is how many listings a Listing follows at once: past twice
// as many, the smallest are dropped (and counted), so a trace of millions
// of processes each listing a directory stays in bounded memory.
const MaxListings = 256

// ListingOptions configure a Listing.
type ListingOptions struct {
	// Markers are names always kept as markers, sampled or not.
	Markers []string
	// SampleSize bounds the hash-sampled markers kept; 0 means
	// DefaultSampleSize.
	SampleSize int
	// Dir is the directory the caller will compare, if known: its first
	// listing is never dropped, however small.
	Dir string
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
	// sample holds the kept names in the order they were listed; their
	// bytes are back to back in names, so keeping one allocates nothing.
	sample []sampled
	names  []byte
	// open is the listing on each open directory descriptor; pids indexes
	// its keys by process, so an exit costs that process's descriptors.
	open     map[streamKey]*stream
	pids     map[int]*pidFds
	all      []*stream // listings kept, in the order they started
	nextID   int
	dirKept  bool // the first listing of opts.Dir has been seen
	pending  map[int]pendingCall
	timeKind strace.TimeKind
	calls    int
	dropped  Dropped
	// files are the strace files read, in order (SetFile); the last is
	// being read.
	files []listFile
}

// listFile is one strace file a Listing read.
type listFile struct {
	name  string
	kind  strace.TimeKind
	watch stampWatch
}

// Dropped counts what a Listing stopped following to bound its memory.
type Dropped struct {
	// Listings is how many small listings were dropped; Calls is their
	// getdents calls and Entries their entries.
	Listings, Calls, Entries int
}

type streamKey struct{ pid, fd int }

// pidFds lists the descriptors a process has listings open on (possibly
// with stale and repeated ones, compacted as it grows) and how many are
// live.
type pidFds struct {
	fds  []int
	live int
}

type pendingCall struct {
	s   *stream
	seq int // the call's sequence number within s
}

// stream is one listing: one open directory read by getdents calls.
type stream struct {
	id       int
	pid, fd  int
	dir      string
	dirKnown bool // dir is a path the trace printed, not "fd N of pid P"
	file     int  // index in Listing.files
	err      string
	listed   int   // calls that returned entries or the end, not an error
	start    int64 // entry stamp of the first call
	startSet bool
	line     int // line of the first call
	entries  int
	calls    int
	complete bool
	abbrev   bool // some results were abbreviated: counts without names
	keep     bool // the first listing of ListingOptions.Dir
	// marked is the sequence number of the last call that added names to
	// the sample, or -1: resolve looks for names only when it is the
	// call being resolved.
	marked  int
	methods [numMethods]int
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

// sampled is a Marker as the sample keeps it: its name is names[off:end].
type sampled struct {
	hash        uint64
	entry, ret  int64
	index       int
	stream, seq int
	off, end    int
	forced      bool // explicitly asked for, hash above the threshold
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
		open:      make(map[streamKey]*stream),
		pids:      make(map[int]*pidFds),
		pending:   make(map[int]pendingCall),
	}
	for _, m := range opts.Markers {
		l.explicit[m] = struct{}{}
	}
	return l
}

// SetFile says the events that follow are read from the strace file name.
func (l *Listing) SetFile(name string) {
	l.files = append(l.files, listFile{name: name})
}

// SetTimeKind records what the current file's stamps count from.
func (l *Listing) SetTimeKind(k strace.TimeKind) {
	l.timeKind = k
	if len(l.files) == 0 {
		l.files = append(l.files, listFile{})
	}
	l.files[len(l.files)-1].kind = k
}

// FileBackstep is where one strace file's stamps went back in time.
type FileBackstep struct {
	File string
	Backstep
}

// Backsteps returns, per file read, the first place its stamps went back
// by more than a second: a sign of traces concatenated into one file.
func (l *Listing) Backsteps() []FileBackstep {
	var out []FileBackstep
	for _, f := range l.files {
		if f.watch.back != nil {
			out = append(out, FileBackstep{File: f.name, Backstep: *f.watch.back})
		}
	}
	return out
}

// Add takes the next event of the trace.
func (l *Listing) Add(ev *strace.Event) {
	if len(l.files) == 0 {
		l.files = append(l.files, listFile{})
	}
	l.files[len(l.files)-1].watch.see(ev)
	if len(l.pending) > 0 && ev.HasTime {
		if p, ok := l.pending[ev.PID]; ok {
			l.resolve(p, ev.Time)
			delete(l.pending, ev.PID)
		}
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
			l.closeFd(ev.PID, ev.Fd)
		}
	case "open", "openat", "dup", "dup2", "dup3", "fcntl", "fcntl64":
		// A descriptor number that comes back starts a new life.
		if ev.RetOK && ev.RetVal >= 0 && ev.RetVal < math.MaxInt32 {
			l.closeFd(ev.PID, int(ev.RetVal))
		}
	}
}

// closeFd forgets the listing open on pid's fd, if any.
func (l *Listing) closeFd(pid, fd int) {
	k := streamKey{pid, fd}
	if _, ok := l.open[k]; !ok {
		return
	}
	delete(l.open, k)
	if p := l.pids[pid]; p != nil {
		if p.live--; p.live <= 0 {
			delete(l.pids, pid)
		}
	}
}

// endPID forgets what an exited process had open: only its own
// descriptors are visited, not every open listing.
func (l *Listing) endPID(pid int) {
	if p := l.pids[pid]; p != nil {
		for _, fd := range p.fds {
			delete(l.open, streamKey{pid, fd})
		}
		delete(l.pids, pid)
	}
	delete(l.pending, pid)
}

// openFd records that s is the listing on its descriptor.
func (l *Listing) openFd(s *stream) {
	k := streamKey{s.pid, s.fd}
	if _, ok := l.open[k]; ok {
		l.open[k] = s // a finished listing replaced by the next one
		return
	}
	l.open[k] = s
	p := l.pids[s.pid]
	if p == nil {
		p = &pidFds{}
		l.pids[s.pid] = p
	}
	p.live++
	p.fds = append(p.fds, s.fd)
	if len(p.fds) > 2*p.live+8 {
		// Drop closed and repeated descriptors: amortised O(1) per open.
		slices.Sort(p.fds)
		p.fds = slices.Compact(p.fds)
		p.fds = slices.DeleteFunc(p.fds, func(fd int) bool {
			_, ok := l.open[streamKey{s.pid, fd}]
			return !ok
		})
	}
}

func (l *Listing) addGetdents(ev *strace.Event) {
	if ev.Unfinished || !ev.RetOK || ev.RetVal < 0 {
		if len(ev.Errno) > 0 && !ev.Unfinished {
			l.failed(ev)
		}
		return // an error or a call cut off lists nothing
	}
	key := streamKey{ev.PID, ev.Fd}
	s := l.open[key]
	if s == nil || s.complete {
		s = l.newStream(ev)
	}
	entry := ev.Time
	if !ev.HasTime && ev.HasReturn {
		// A resumed line alone: its start is not in the trace.
		entry = ev.Return
	}
	if !s.startSet && (ev.HasTime || ev.HasReturn) {
		s.start, s.startSet = entry, true
	}
	l.calls++
	seq := s.calls
	s.calls++
	s.listed++

	ret, method := entry, FromEntry
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
		forced := false
		if h > l.threshold {
			// Most names end here; the explicit markers are looked up
			// only for names the sample would not keep anyway.
			if len(l.explicit) == 0 {
				continue
			}
			if _, ok := l.explicit[string(name)]; !ok {
				continue
			}
			forced = true
		}
		off := len(l.names)
		l.names = append(l.names, name...)
		l.sample = append(l.sample, sampled{
			hash: h, entry: entry, ret: ret,
			index: index + i, stream: s.id, seq: seq,
			off: off, end: len(l.names), forced: forced,
		})
		s.marked = seq
		if len(l.sample) > l.opts.SampleSize {
			l.shrink()
		}
	}

	p := Point{Entry: entry, Return: ret, Count: s.entries}
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

// failed records a getdents call that returned an error (EIO, ENOTDIR)
// on the listing of its descriptor, starting one if none is open: a
// listing that ends in an error says so. It adds no entries, and is not
// counted in Calls, which counts the calls that listed.
func (l *Listing) failed(ev *strace.Event) {
	s := l.open[streamKey{ev.PID, ev.Fd}]
	if s == nil || s.complete {
		s = l.newStream(ev)
	}
	if !s.startSet && ev.HasTime {
		s.start, s.startSet = ev.Time, true
	}
	s.calls++
	if s.err == "" {
		s.err = string(ev.Errno)
	}
}

// newStream starts a listing on the event's descriptor.
func (l *Listing) newStream(ev *strace.Event) *stream {
	if l.sample == nil {
		// Sized once, so that the sample never grows while a trace is
		// read: one more than its bound, which triggers the shrink.
		l.sample = make([]sampled, 0, l.opts.SampleSize+1)
		l.names = make([]byte, 0, 32*(l.opts.SampleSize+1))
	}
	if len(l.all)+1 >= 2*MaxListings {
		l.prune() // before the new one is added: it is not yet counted
	}
	s := &stream{id: l.nextID, pid: ev.PID, fd: ev.Fd, stride: 1, line: ev.Line, marked: -1}
	l.nextID++
	s.file = max(len(l.files)-1, 0)
	if ev.Path != nil {
		s.dir, s.dirKnown = string(ev.Path), true
	} else {
		s.dir = "fd " + strconv.Itoa(ev.Fd) + " of pid " + strconv.Itoa(ev.PID)
	}
	if l.opts.Dir != "" && !l.dirKept && sameDir(s.dir, l.opts.Dir) {
		s.keep, l.dirKept = true, true
	}
	l.openFd(s)
	l.all = append(l.all, s)
	return s
}

// prune keeps the MaxListings largest listings (and the first of
// ListingOptions.Dir), drops the rest with their markers, and counts them.
// It runs once per MaxListings new listings, so its cost per listing is
// O(log MaxListings).
func (l *Listing) prune() {
	bySize := slices.Clone(l.all)
	slices.SortStableFunc(bySize, func(a, b *stream) int {
		if a.keep != b.keep {
			if a.keep {
				return -1
			}
			return 1
		}
		return b.entries - a.entries
	})
	kept := make(map[int]bool, MaxListings)
	for _, s := range bySize[:MaxListings] {
		kept[s.id] = true
	}
	for _, s := range bySize[MaxListings:] {
		l.dropped.Listings++
		l.dropped.Calls += s.calls
		l.dropped.Entries += s.entries
		if k := (streamKey{s.pid, s.fd}); l.open[k] == s {
			l.closeFd(s.pid, s.fd)
		}
		if p, ok := l.pending[s.pid]; ok && p.s == s {
			delete(l.pending, s.pid)
		}
	}
	l.all = slices.DeleteFunc(l.all, func(s *stream) bool { return !kept[s.id] })
	l.filterSample(func(m *sampled) bool { return kept[m.stream] })
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
	if s.marked != p.seq {
		return // the call sampled no name: nothing to redate
	}
	for i := len(l.sample) - 1; i >= 0; i-- {
		m := &l.sample[i]
		if m.stream == s.id && m.seq == p.seq {
			m.ret = t
		} else if m.stream == s.id && m.seq < p.seq {
			break
		}
	}
}

// shrink halves the sampling threshold until the sample fits again.
func (l *Listing) shrink() {
	for len(l.sample) > l.opts.SampleSize && l.threshold > 0 {
		l.threshold >>= 1
		l.filterSample(func(m *sampled) bool { return l.wanted(m, l.threshold) })
	}
}

// wanted reports whether m is below threshold or asked for by name; the
// name is looked up only when the hash test fails.
func (l *Listing) wanted(m *sampled, threshold uint64) bool {
	if m.hash <= threshold || m.forced {
		return true
	}
	if len(l.explicit) == 0 {
		return false
	}
	_, ok := l.explicit[string(l.names[m.off:m.end])]
	return ok
}

// filterSample keeps the markers keep says, in order, and their names,
// compacted in place (names only move towards the front).
func (l *Listing) filterSample(keep func(*sampled) bool) {
	kept := l.sample[:0]
	names := l.names[:0]
	for i := range l.sample {
		if !keep(&l.sample[i]) {
			continue
		}
		m := l.sample[i]
		off := len(names)
		names = append(names, l.names[m.off:m.end]...)
		m.off, m.end = off, len(names)
		kept = append(kept, m)
	}
	l.sample, l.names = kept, names
}

func isDots(name []byte) bool {
	return len(name) == 1 && name[0] == '.' || len(name) == 2 && name[0] == '.' && name[1] == '.'
}

// hashName mixes a name 8 bytes at a time (the last 8 overlap the previous
// word when the length is not a multiple of 8) and ends with the
// splitmix64 finaliser, so that every bit of the result depends on every
// byte: the sample halves when the threshold does.
func hashName(b []byte) uint64 {
	const (
		k1 = 0x9e3779b97f4a7c15
		k2 = 0xbf58476d1ce4e5b9
		k3 = 0x94d049bb133111eb
	)
	h := uint64(len(b)+1) * k1
	n := len(b)
	switch {
	case n >= 8:
		i := 0
		for ; i+8 < n; i += 8 {
			h = (h ^ binary.LittleEndian.Uint64(b[i:])) * k2
			h ^= h >> 31
		}
		// The last word, overlapping the one before when n%8 != 0.
		h = (h ^ binary.LittleEndian.Uint64(b[n-8:])) * k2
		h ^= h >> 31
	case n >= 4:
		w := uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32
		h = (h ^ w) * k2
		h ^= h >> 31
	case n > 0:
		w := uint64(b[0]) | uint64(b[n/2])<<8 | uint64(b[n-1])<<16
		h = (h ^ w) * k2
		h ^= h >> 31
	}
	h ^= h >> 30
	h *= k2
	h ^= h >> 27
	h *= k3
	h ^= h >> 31
	return h
}

// Dir is one listing of one directory, as Listing.Listings reports it.
type Dir struct {
	Path string
	// PathKnown says Path is what the trace printed (-y, or the open that
	// made the descriptor), not "fd N of pid P".
	PathKnown bool
	// File is the strace file it was read from, and TimeKind what that
	// file's stamps count from.
	File     string
	TimeKind strace.TimeKind
	// Err is the errno of the first getdents call that failed ("EIO").
	Err string
	// Listed counts the calls that listed (Calls counts the failed too).
	Listed int
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
			Path: s.dir, PathKnown: s.dirKnown, Err: s.err, Listed: s.listed, PID: s.pid, Fd: s.fd, Line: s.line,
			Entries: s.entries, Calls: s.calls, Complete: s.complete,
			Abbreviated: s.abbrev, Start: s.start, Last: s.last,
			Points:  slices.Clone(s.points),
			Methods: map[ReturnMethod]int{}, id: s.id,
		}
		if s.file < len(l.files) {
			d.File, d.TimeKind = l.files[s.file].name, l.files[s.file].kind
		} else {
			d.TimeKind = l.timeKind
		}
		if n := len(d.Points); s.listed > 0 && (n == 0 || d.Points[n-1] != s.last) {
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

// markers returns the markers of one listing that are below threshold or
// explicitly asked for, in listing order: the order the sample keeps, so
// nothing is sorted.
func (l *Listing) markers(d Dir, threshold uint64) []Marker {
	n, size := 0, 0
	for i := range l.sample {
		if m := &l.sample[i]; m.stream == d.id && l.wanted(m, threshold) {
			n++
			size += m.end - m.off
		}
	}
	// One string holds every name; each marker's name is a slice of it.
	var buf []byte
	if size > 0 {
		buf = make([]byte, 0, size)
	}
	out := make([]Marker, 0, n)
	ends := make([]int, 0, n)
	for i := range l.sample {
		m := &l.sample[i]
		if m.stream != d.id || !l.wanted(m, threshold) {
			continue
		}
		buf = append(buf, l.names[m.off:m.end]...)
		ends = append(ends, len(buf))
		out = append(out, Marker{
			hash: m.hash, Entry: m.entry, Return: m.ret, Index: m.index, stream: m.stream, seq: m.seq,
		})
	}
	all := string(buf)
	start := 0
	for i, end := range ends {
		out[i].Name = all[start:end]
		start = end
	}
	return out
}

// Dropped says which listings were dropped to bound memory.
func (l *Listing) Dropped() Dropped { return l.dropped }

// Threshold is the current sampling threshold.
func (l *Listing) Threshold() uint64 { return l.threshold }

// Calls is the number of getdents calls seen on any directory.
func (l *Listing) Calls() int { return l.calls }

// TimeKind is what the stamps of the last file read count from.
func (l *Listing) TimeKind() strace.TimeKind { return l.timeKind }

// timed reports whether any file read has stamps.
func (l *Listing) timed() bool {
	return l.timeKind != strace.NoTime || slices.ContainsFunc(l.files, func(f listFile) bool { return f.kind != strace.NoTime })
}
