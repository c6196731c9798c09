package correlate

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lagtrace/lagtrace/parse/dmesg"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// A host's sources carry up to four clocks: Unix time (strace -ttt,
// date +%s.%N before stack samples, ISO log prefixes), local time without
// a zone (dmesg -T, syslog, strace -t/-tt), seconds since boot (dmesg's
// own stamps) and a trace's own clock (strace -r). The report puts them on
// one clock where the sources allow it, and says how:
//
//   - local time is read in the host's zone: --tz, else what its bundle
//     states, else UTC, with a warning;
//   - strace -t/-tt times of day are dated by --date, else by the day the
//     host's other sources give, else shown as times of day;
//   - seconds since boot go on the wall clock through an anchor: lines
//     that carry both clocks, the same records in dmesg and dmesg -T, a
//     hung-task report of a task whose blocked call strace shows, or
//     --boot-time.

// localize reads a wall stamp that a source printed in local time without
// a zone (dmesg -T, syslog: the parser returns it as UTC) in the host's
// zone, and notes that the source is on local time.
func (h *HostInput) localize(st *dmesg.Stamp, name string) {
	if st.WallKind != dmesg.Ctime && st.WallKind != dmesg.Syslog {
		return
	}
	if st.WallKind == dmesg.Syslog && st.Wall.Year() < 1971 {
		return // no year: not a wall time lagtrace uses
	}
	h.noteLocal(name)
	if h.Zone == nil {
		return
	}
	w := st.Wall
	st.Wall = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), h.Zone)
}

// noteLocal records that the source name prints local time.
func (h *HostInput) noteLocal(name string) {
	if !slices.Contains(h.localSources, name) {
		h.localSources = append(h.localSources, name)
	}
}

// LocalSources are the sources read so far that print local time.
func (h *HostInput) LocalSources() []string { return slices.Clone(h.localSources) }

// zoneName names the zone local-time sources are read in.
func (h *HostInput) zoneName() string {
	if h.Zone == nil {
		return "UTC"
	}
	return h.Zone.String()
}

// maxPrints bounds the records of one kernel log that are remembered to
// recognise them in another file of the same host, maxHostPrints those of
// all its kernel logs (a bundle of many rotated logs).
const (
	maxPrints     = 1 << 14
	maxHostPrints = 1 << 16
)

// kernelPrint remembers the first maxPrints records of one kernel log file
// of a host: a hash of each record's kind and first line, and its stamps.
// A later file holding the same records (dmesg -T beside dmesg, or a
// syslog beside the ring buffer) is matched against it record by record,
// in order: the records it shares are the same facts, not counted twice,
// and each pair of stamps relates the boot clock to the wall clock.
type kernelPrint struct {
	name  string
	recs  []printRec
	index map[uint64][]int32
}

type printRec struct {
	hash       uint64
	mono, wall float64
	hasMono    bool
	hasWall    bool
	wallRes    float64
	wallKind   dmesg.WallKind
}

func recordHash(rec *dmesg.Record) uint64 {
	f := fnv.New64a()
	f.Write([]byte{byte(rec.Kind)})
	f.Write([]byte(rec.Text))
	return f.Sum64()
}

func newPrintRec(rec *dmesg.Record) printRec {
	p := printRec{hash: recordHash(rec)}
	st := rec.Time
	if st.HasMono {
		p.mono, p.hasMono = st.Mono.Seconds(), true
	}
	if st.WallKind != dmesg.NoWall && !(st.WallKind == dmesg.Syslog && st.Wall.Year() < 1971) {
		p.wall, p.hasWall, p.wallKind = float64(st.Wall.UnixNano())/1e9, true, st.WallKind
		p.wallRes = 1e-6
		if st.Wall.Nanosecond() == 0 {
			p.wallRes = 1
		}
	}
	return p
}

// printMatcher matches the records of the file being read against the
// prints of the host's earlier kernel logs.
type printMatcher struct {
	prints  []*kernelPrint
	cursors []int
	matched []int
	pairs   *anchorEstimate
}

func (h *HostInput) newPrintMatcher(pairs *anchorEstimate) *printMatcher {
	m := &printMatcher{pairs: pairs}
	for _, p := range h.prints {
		if p.index == nil {
			p.index = map[uint64][]int32{}
			for i, r := range p.recs {
				p.index[r.hash] = append(p.index[r.hash], int32(i))
			}
		}
		m.prints = append(m.prints, p)
		m.cursors = append(m.cursors, 0)
		m.matched = append(m.matched, 0)
	}
	return m
}

// match reports whether r is a record of an earlier file (and relates the
// clocks of the pair).
func (m *printMatcher) match(r printRec) bool {
	for i, p := range m.prints {
		c := m.cursors[i]
		j := -1
		if c < len(p.recs) && p.recs[c].hash == r.hash && m.compatible(p.recs[c], r) {
			j = c
		} else {
			for _, k := range p.index[r.hash] {
				if int(k) >= c && m.compatible(p.recs[k], r) {
					j = int(k)
					break
				}
			}
		}
		if j < 0 {
			continue
		}
		m.cursors[i] = j + 1
		m.matched[i]++
		q := p.recs[j]
		switch {
		case q.hasMono && !q.hasWall && r.hasWall:
			m.pairs.add(q.mono, r.wall, r.wallRes, r.wallKind)
		case r.hasMono && !r.hasWall && q.hasWall:
			m.pairs.add(r.mono, q.wall, q.wallRes, q.wallKind)
		}
		return true
	}
	return false
}

// compatible says two records with the same text can be the same record:
// on a clock they share, at the same time; across the boot and wall
// clocks, at an offset that agrees with the pairs matched so far.
func (m *printMatcher) compatible(a, b printRec) bool {
	switch {
	case a.hasMono && b.hasMono:
		return math.Abs(a.mono-b.mono) < 1e-3
	case a.hasWall && b.hasWall:
		return math.Abs(a.wall-b.wall) <= max(a.wallRes, b.wallRes)+1e-6
	case a.hasMono && b.hasWall:
		return m.pairs.agrees(b.wall - a.mono)
	case a.hasWall && b.hasMono:
		return m.pairs.agrees(a.wall - b.mono)
	}
	return false
}

// anchorEstimate relates the boot clock to the wall clock from pairs of
// stamps of one record: a line that carries both, or one record in two
// files. A whole-second wall stamp (dmesg -T, syslog) is the true time
// cut down to the second, so each pair bounds the offset to an interval;
// the anchor is the intersection of the intervals.
type anchorEstimate struct {
	n         int
	lo, hi    float64 // the intersection of the intervals
	min, max  float64 // the spread of the offsets, when they disagree
	kinds     []string
	method    string
	conflicts int
}

// add takes one pair: mono seconds since boot and wall Unix seconds of
// resolution res.
func (a *anchorEstimate) add(mono, wall, res float64, kind dmesg.WallKind) {
	lo, hi := wall-mono, wall-mono+res
	if a.n == 0 {
		a.lo, a.hi, a.min, a.max = lo, hi, lo, hi
	} else {
		a.min, a.max = min(a.min, lo), max(a.max, hi)
		if nlo, nhi := max(a.lo, lo), min(a.hi, hi); nlo <= nhi {
			a.lo, a.hi = nlo, nhi
		} else {
			a.conflicts++
		}
	}
	a.n++
	if k := kind.String(); !slices.Contains(a.kinds, k) {
		a.kinds = append(a.kinds, k)
	}
}

// agrees says an offset fits the pairs so far (any offset does before the
// first): within two seconds, the drift dmesg -T shows after a suspend
// aside.
func (a *anchorEstimate) agrees(off float64) bool {
	return a.n == 0 || off >= a.min-2 && off <= a.max+2
}

func (a *anchorEstimate) anchor(method string) *Anchor {
	if a.n == 0 {
		return nil
	}
	if a.conflicts > 0 {
		// The wall clock moved against the boot clock (a suspend, NTP):
		// the spread is the uncertainty.
		return &Anchor{Offset: (a.min + a.max) / 2, Uncertainty: (a.max - a.min) / 2, Method: method + fmt.Sprintf(" (the offsets spread over %s s)", strconv.FormatFloat(a.max-a.min, 'f', 3, 64))}
	}
	return &Anchor{Offset: (a.lo + a.hi) / 2, Uncertainty: (a.hi - a.lo) / 2, Method: method}
}

// FormatTime renders a time on its clock, wall times in UTC.
func FormatTime(c Clock, t float64) string { return FormatTimeIn(c, t, nil) }

// FormatTimeIn renders a time on its clock, wall times in zone (UTC when
// nil) with its offset.
func FormatTimeIn(c Clock, t float64, zone *time.Location) string {
	switch c {
	case Wall:
		sec, frac := math.Modf(t)
		tm := time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3)
		if zone == nil || zone == time.UTC {
			return tm.UTC().Format("2006-01-02T15:04:05.000000Z")
		}
		return tm.In(zone).Format("2006-01-02T15:04:05.000000-07:00")
	case Boot:
		return "boot+" + strconv.FormatFloat(t, 'f', 6, 64) + "s"
	case Day:
		return timeOfDay(t)
	}
	return "+" + strconv.FormatFloat(t, 'f', 6, 64) + "s"
}

// timeOfDay writes seconds since midnight of a trace's first day as
// 15:04:05.000000, with "+1d" for the days after the first.
func timeOfDay(t float64) string {
	day := math.Floor(t / 86400)
	s := t - day*86400
	h := int(s / 3600)
	m := int(s/60) % 60
	sec := s - float64(h*3600+m*60)
	out := fmt.Sprintf("%02d:%02d:%09.6f", h, m, sec)
	if day > 0 {
		out += "+" + strconv.Itoa(int(day)) + "d"
	}
	return out
}

// clockWall puts a strace -t/-tt stamp (nanoseconds since midnight of the
// trace's first day, counting on past midnight) on the wall clock: the
// time of day on date in zone.
func clockWall(ns int64, date time.Time, zone *time.Location) float64 {
	if zone == nil {
		zone = time.UTC
	}
	day := ns / int64(24*time.Hour)
	rem := time.Duration(ns % int64(24*time.Hour))
	y, mo, d := date.Date()
	t := time.Date(y, mo, d+int(day), int(rem/time.Hour), int(rem/time.Minute%60), int(rem/time.Second%60), int(rem%time.Second), zone)
	return float64(t.UnixNano()) / 1e9
}

// someNames lists at most n names for a sentence, counting the rest: an
// strace -ff directory is thousands of files.
func someNames(names []string, n int) string {
	if len(names) <= n {
		return joinNames(names)
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
}

// joinNames lists names for a sentence: "a", "a and b", "a, b and c".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// hostClock puts one host's sources on one clock, as far as they allow.
type hostClock struct {
	h     *HostInput
	files map[string]*fileClock
	// notes say, source by source, how their times were read.
	notes []string
	// zoneSeen is the offset from UTC, in seconds, that local times read
	// without a zone appear to have (see checkZone); zoneBy says what
	// showed it. Zero when nothing shows one.
	zoneSeen int
	zoneBy   string
}

// fileClock is how one strace file's stamps are read.
type fileClock struct {
	name  string
	kind  strace.TimeKind
	first int64
	last  int64
	timed bool
	// date dates -t/-tt stamps (dated says it is set) in the host's zone.
	date  time.Time
	dated bool
	how   string
}

// newHostClock works out the host's clocks: strace files first (dating
// time-of-day traces by --date, else by the host's other wall-clock
// sources), then the boot clock (an anchor from the hung-task reports of
// tasks whose blocked calls strace shows, when the kernel logs gave none).
func newHostClock(h *HostInput) *hostClock {
	c := &hostClock{h: h, files: map[string]*fileClock{}}
	if h.Activity == nil {
		return c
	}
	for _, f := range h.Activity.Files() {
		c.files[f.Name] = &fileClock{name: f.Name, kind: f.TimeKind, first: f.First, last: f.Last, timed: f.HasTime}
	}
	c.dateClockFiles()
	if h.Anchor == nil {
		h.Anchor = c.hungTaskAnchor()
	} else {
		c.checkZone()
	}
	c.dateClockFiles() // again, with kernel times now on the wall clock
	return c
}

// checkZone compares an anchor read from local time without a zone (dmesg
// -T, syslog, read as UTC) with the one the hung-task reports give through
// strace's Unix times: when they differ by a whole number of quarter hours
// beyond both uncertainties, the local clock is that far from UTC, and the
// zone warning says so. The anchor is left as it is: the offset is a
// strong hint of the zone, not a zone (its rules, DST), and --tz decides.
func (c *hostClock) checkZone() {
	h := c.h
	if h.Zone != nil || !h.Anchor.Local {
		return
	}
	ha := c.hungTaskAnchor()
	if ha == nil || ha.Local {
		return
	}
	d := h.Anchor.Offset - ha.Offset
	q := math.Round(d/900) * 900
	if q == 0 || math.Abs(q) > 14*3600 || math.Abs(d-q) > h.Anchor.Uncertainty+ha.Uncertainty+1 {
		return
	}
	c.zoneSeen, c.zoneBy = int(q), ha.Method
}

// hoursWord words an offset's size: "5 h", "5 h 30 min".
func hoursWord(sec int) string {
	sec = max(sec, -sec)
	if m := sec % 3600 / 60; m != 0 {
		return fmt.Sprintf("%d h %d min", sec/3600, m)
	}
	return fmt.Sprintf("%d h", sec/3600)
}

// utcOffset words an offset from UTC in seconds: "UTC-05:00".
func utcOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, sec/3600, sec%3600/60)
}

// dateClockFiles dates the -t/-tt files not dated yet: by --date, else by
// the day that puts them nearest the host's other wall-clock sources.
func (c *hostClock) dateClockFiles() {
	h := c.h
	lo, hi, ok := c.wallSpan()
	for _, f := range c.sortedFiles() {
		if f.kind != strace.Clock || f.dated || !f.timed {
			continue
		}
		switch {
		case !h.Date.IsZero():
			f.date, f.dated, f.how = h.Date, true, "dated "+h.Date.Format("2006-01-02")+" by --date"
		case ok:
			if d, found := nearestDate(f, lo, hi, h.Zone); found {
				f.date, f.dated, f.how = d, true, "dated "+d.Format("2006-01-02")+" by the host's other wall-clock sources"
			}
		}
	}
}

// sortedFiles are the host's strace files in the order they were read.
func (c *hostClock) sortedFiles() []*fileClock {
	if c.h.Activity == nil {
		return nil
	}
	var out []*fileClock
	for _, f := range c.h.Activity.Files() {
		out = append(out, c.files[f.Name])
	}
	return out
}

// nearestDate is the day (in zone) on which f's times of day come nearest
// the wall-clock span [lo, hi] of the host's other sources, within 12 hours.
func nearestDate(f *fileClock, lo, hi float64, zone *time.Location) (time.Time, bool) {
	if zone == nil {
		zone = time.UTC
	}
	ref := time.Unix(int64(lo), 0).In(zone)
	best, bestGap := time.Time{}, math.Inf(1)
	for _, dd := range []int{-1, 0, 1} {
		d := time.Date(ref.Year(), ref.Month(), ref.Day()+dd, 0, 0, 0, 0, zone)
		a, b := clockWall(f.first, d, zone), clockWall(f.last, d, zone)
		gap := max(0, a-hi, lo-b)
		if gap < bestGap {
			best, bestGap = d, gap
		}
	}
	return best, bestGap < 12*3600
}

// wallSpan is the span of the host's observations already on the wall
// clock: Unix-time and dated strace files, wall-stamped kernel records and
// stack samples, and boot-stamped ones when an anchor places them.
func (c *hostClock) wallSpan() (lo, hi float64, ok bool) {
	add := func(t float64) {
		if !ok {
			lo, hi, ok = t, t, true
		}
		lo, hi = min(lo, t), max(hi, t)
	}
	for _, f := range c.files {
		if !f.timed {
			continue
		}
		if cl, t := c.straceAt(f.name, f.first); cl == Wall {
			add(t)
			_, t2 := c.straceAt(f.name, f.last)
			add(t2)
		}
	}
	for _, e := range c.h.Events() {
		if cl, t := c.kernelAt(string(e.Clock), e.Time); cl == Wall {
			add(t)
		}
	}
	return lo, hi, ok
}

// straceAt puts a stamp of a strace file on the host's clock.
func (c *hostClock) straceAt(file string, ns int64) (Clock, float64) {
	f := c.files[file]
	if f == nil {
		return TraceClock, float64(ns) / 1e9
	}
	switch f.kind {
	case strace.Epoch:
		return Wall, float64(ns) / 1e9
	case strace.Clock:
		if f.dated {
			return Wall, clockWall(ns, f.date, c.h.Zone)
		}
		return Day, float64(ns) / 1e9
	}
	return TraceClock, float64(ns) / 1e9
}

// kernelAt puts a kernel time (on the "boot" or "wall" clock) on the
// host's clock: boot times go on the wall clock through the anchor.
func (c *hostClock) kernelAt(clock string, t float64) (Clock, float64) {
	switch Clock(clock) {
	case Boot:
		if a := c.h.Anchor; a != nil {
			return Wall, t + a.Offset
		}
		return Boot, t
	case Wall:
		return Wall, t
	}
	return Clock(clock), t
}

// hungTaskAnchor relates the boot clock to the wall clock from the first
// hung-task report of each task whose blocked call strace shows on the
// wall clock. The detector checks every timeout T seconds and measures
// "blocked for more than N seconds" from the first check that found the
// task asleep, so a task that entered its call at W is reported between
// W+N and W+N+T+1 (T taken as the first report's N), and before the call
// returned.
func (c *hostClock) hungTaskAnchor() *Anchor {
	h := c.h
	if h.Activity == nil {
		return nil
	}
	procs := map[int]Proc{}
	for _, p := range h.Activity.Procs() {
		procs[p.PID] = p
	}
	var lo, hi float64
	var used []string
	for _, pid := range sortedPIDs(h.Seen) {
		s := h.Seen[pid][KindDmesg]
		if s == nil || s.FirstReport == nil || s.FirstReport.Clock != string(Boot) || s.FirstReport.Blocked <= 0 {
			continue
		}
		rep := s.FirstReport
		p, ok := procs[pid]
		if !ok {
			continue
		}
		call, ok := c.blockedCall(p, rep.Blocked)
		if !ok {
			continue
		}
		_, w := c.straceAt(call.File, call.Entry)
		a, b := w+rep.Blocked-rep.At, w+2*rep.Blocked+1-rep.At
		if !call.Unfinished {
			_, end := c.straceAt(call.File, call.Entry+call.Duration)
			b = min(b, end-rep.At)
		}
		if len(used) == 0 {
			lo, hi = a, b
		} else if nlo, nhi := max(lo, a), min(hi, b); nlo <= nhi {
			lo, hi = nlo, nhi
		} else {
			continue // inconsistent with the others: not this call
		}
		used = append(used, fmt.Sprintf("%d's %s (%s:%d)", pid, call.Name, call.File, call.Line))
	}
	if len(used) == 0 || hi < lo {
		return nil
	}
	return &Anchor{Offset: (lo + hi) / 2, Uncertainty: (hi - lo) / 2,
		Method: "the first hung-task report of " + plural(len(used), "task") + " whose blocked call strace shows: " + joinNames(used)}
}

// blockedCall is the call of p on the wall clock that lasted at least
// blocked seconds, or was still running when its trace ended; only one
// may qualify.
func (c *hostClock) blockedCall(p Proc, blocked float64) (Call, bool) {
	var found []Call
	cands := slices.Clone(p.Long)
	if p.InFlight != nil {
		cands = append(cands, *p.InFlight)
	}
	for _, call := range cands {
		if !call.HasEntry {
			continue
		}
		if cl, _ := c.straceAt(call.File, call.Entry); cl != Wall {
			continue
		}
		if call.Unfinished || float64(call.Duration)/1e9 >= blocked {
			found = append(found, call)
		}
	}
	if len(found) != 1 {
		return Call{}, false
	}
	return found[0], true
}

// describe says in one sentence how the host's sources were put on one
// clock.
func (c *hostClock) describe() string {
	h := c.h
	var parts []string
	byHow := map[string][]string{}
	var order []string
	for _, f := range c.sortedFiles() {
		var how string
		switch f.kind {
		case strace.Epoch:
			how = "strace in Unix time (-ttt)"
		case strace.Clock:
			how = "strace in times of day (-t/-tt, local time)"
			if f.dated {
				how += ", " + f.how
			} else if f.timed {
				how += ", shown as times of day: no --date, and no other wall-clock source to date them"
			}
		case strace.Relative:
			how = "strace in seconds since its first call (-r), on its own clock"
		default:
			how = "strace without timestamps"
		}
		if _, ok := byHow[how]; !ok {
			order = append(order, how)
		}
		byHow[how] = append(byHow[how], f.name)
	}
	for _, how := range order {
		parts = append(parts, someNames(byHow[how], 4)+": "+how)
	}
	if c.hasBoot() {
		if a := h.Anchor; a != nil {
			parts = append(parts, fmt.Sprintf("kernel times since boot put on the wall clock by %s (±%s s)", a.Method, strconv.FormatFloat(a.Uncertainty, 'g', 3, 64)))
		} else {
			parts = append(parts, "kernel times stay in seconds since boot: no line or record carries both clocks, no hung-task report matches a blocked strace call, no --boot-time")
		}
	}
	if len(h.localSources) > 0 {
		where := h.ZoneFrom
		if where == "" {
			where = "no zone given (--tz) or found in a bundle"
		}
		parts = append(parts, fmt.Sprintf("local times of %s read in %s (%s)", someNames(h.localSources, 4), h.zoneName(), where))
	}
	if len(parts) == 0 {
		return "no timed sources"
	}
	return strings.Join(parts, "; ")
}

// hasBoot reports whether the host has observations on the boot clock.
func (c *hostClock) hasBoot() bool {
	return slices.ContainsFunc(c.h.Events(), func(e TimedEvent) bool { return e.Clock == Boot }) ||
		c.h.Anchor != nil && c.h.Anchor.Method == "--boot-time"
}

// zoneWarning says when local-time sources were read without a zone.
func (c *hostClock) zoneWarning() string {
	h := c.h
	if len(h.localSources) == 0 || h.Zone != nil {
		return ""
	}
	w := fmt.Sprintf("%s: %s print local time and no zone is known (no --tz, none in a bundle): read as UTC, which is off by the host's offset from UTC; give --tz ZONE", h.Label, someNames(h.localSources, 4))
	if c.zoneSeen != 0 {
		w += fmt.Sprintf(". Their times look like %s: read as UTC, they put the kernel's clock %s from where strace's Unix times put it (by %s)", utcOffset(c.zoneSeen), hoursWord(c.zoneSeen), c.zoneBy)
	}
	return w
}

func sortedPIDs[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for pid := range m {
		out = append(out, pid)
	}
	slices.Sort(out)
	return out
}
