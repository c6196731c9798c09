package bundle

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// group is a family of sosreport files that hold the same kind of log.
// The order of the constants is the order Sources are returned in:
// persistent logs (older) before the ring buffer, stacks last.
type group int

const (
	gMessages group = iota
	gKern
	gSyslog
	gJournal
	gBootlog
	gRingbuf
	gStack
)

// member is a file of a sosreport that may be read.
type member struct {
	rel   string // path inside the sosreport, as found ("sos_strings/logs/var.log.messages.tailed")
	canon string // path as collected ("var/log/messages")
	group group
	rank  int // within a group, lower is preferred (ring buffer, journal)
	pid   int
	file  string // on disk
	data  []byte // a small member of a tarball, kept in memory instead
	kept  bool   // extracted: file or data holds it
	size  int64
}

func isSosDir(ents []os.DirEntry) bool {
	for _, e := range ents {
		if e.IsDir() && (e.Name() == "sos_commands" || e.Name() == "sos_reports") {
			return true
		}
	}
	return false
}

// isSosMarker reports whether a path inside an archive shows it is a
// sosreport.
func isSosMarker(rel string) bool {
	first, _, _ := strings.Cut(rel, "/")
	return first == "sos_commands" || first == "sos_reports"
}

// classify tells whether rel (slash-separated, relative to the sosreport
// root) is a file to read, and which.
func classify(rel string) (member, bool) {
	m := member{rel: rel, canon: untail(rel)}
	dir, base := path.Split(m.canon)
	switch dir {
	case "sos_commands/kernel/":
		switch base {
		case "dmesg":
			m.group, m.rank = gRingbuf, 0
			return m, true
		case "dmesg_-T":
			m.group, m.rank = gRingbuf, 1
			return m, true
		}
	case "sos_commands/logs/":
		// add_journal builds "journalctl --no-pager [--boot [-1]] ...";
		// unit journals are not the kernel's.
		rest, ok := strings.CutPrefix(base, "journalctl_--no-pager")
		if !ok || strings.Contains(rest, "--unit") || strings.Contains(rest, "--identifier") {
			return m, false
		}
		m.group = gJournal
		switch rest {
		case "":
			m.rank = 0
		case "_--boot_-1":
			m.rank = 1
		case "_--boot":
			m.rank = 2
		default:
			m.rank = 3
		}
		return m, true
	case "var/log/":
		for _, g := range []struct {
			name string
			g    group
		}{{"messages", gMessages}, {"kern.log", gKern}, {"syslog", gSyslog}, {"dmesg", gBootlog}} {
			if s, ok := strings.CutPrefix(base, g.name); ok && (s == "" || s[0] == '.' || s[0] == '-') {
				m.group = g.g
				return m, true
			}
		}
		return m, false
	}
	if pid, ok := stackPID(m.canon); ok {
		m.group, m.pid = gStack, pid
		return m, true
	}
	return m, false
}

// untail maps sos_strings/PLUGIN/NAME.tailed, the tail sos keeps of an
// over-size file or command output, back to where it was collected from:
// a file's path has its slashes turned to dots ("var.log.messages"), a
// command keeps its sos_commands name.
func untail(rel string) string {
	rest, ok := strings.CutPrefix(rel, "sos_strings/")
	if !ok {
		return rel
	}
	rest, ok = strings.CutSuffix(rest, ".tailed")
	if !ok {
		return rel
	}
	plugin, name, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(name, "/") {
		return rel
	}
	if s, ok := strings.CutPrefix(name, "var.log."); ok {
		return "var/log/" + s
	}
	return "sos_commands/" + plugin + "/" + name
}

// stackPID recognises proc/PID/stack, proc/PID/task/TID/stack (the TID is
// returned) and files named like 1234.stack or *.stack.
func stackPID(rel string) (int, bool) {
	parts := strings.Split(rel, "/")
	n := len(parts)
	if parts[n-1] == "stack" {
		switch {
		case n >= 3 && parts[n-3] == "proc":
			return atoi(parts[n-2]), true
		case n >= 5 && parts[n-3] == "task" && parts[n-5] == "proc":
			return atoi(parts[n-2]), true
		}
		return 0, false
	}
	if s, ok := strings.CutSuffix(parts[n-1], ".stack"); ok && s != "" {
		return atoi(s), true
	}
	return 0, false
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// choose keeps the members worth reading, in reading order, and says why
// the others were left out.
func choose(ms []member) (used []member, skipped []Skip) {
	by := map[group][]member{}
	for _, m := range ms {
		by[m.group] = append(by[m.group], m)
	}
	for g := range by {
		if g == gStack {
			slices.SortFunc(by[g], func(a, b member) int {
				return cmp.Or(cmp.Compare(a.pid, b.pid), cmp.Compare(a.rel, b.rel))
			})
		} else {
			slices.SortFunc(by[g], func(a, b member) int {
				return cmp.Or(cmp.Compare(a.rank, b.rank), compareRotated(a.canon, b.canon), cmp.Compare(a.rel, b.rel))
			})
		}
	}
	skip := func(ms []member, why string) {
		for _, m := range ms {
			skipped = append(skipped, Skip{Name: m.rel, Reason: why})
		}
	}
	if rb := by[gRingbuf]; len(rb) > 1 {
		skip(rb[1:], "the same ring buffer as "+rb[0].rel)
		by[gRingbuf] = rb[:1]
	}
	if rb := by[gRingbuf]; len(rb) > 0 {
		skip(by[gBootlog], "only boot messages, all in "+rb[0].rel)
		delete(by, gBootlog)
	}
	if k := by[gKern]; len(k) > 0 {
		skip(by[gSyslog], "its kernel lines are in var/log/kern.log")
		delete(by, gSyslog)
	}
	if len(by[gMessages])+len(by[gKern])+len(by[gSyslog]) > 0 {
		skip(by[gJournal], "the syslog files hold its kernel lines")
		delete(by, gJournal)
	}
	if j := by[gJournal]; len(j) > 0 {
		// The full journal holds every boot; otherwise the previous boot
		// (rank 1) then this one (rank 2), oldest first.
		keep := 1
		if j[0].rank != 0 {
			for keep < len(j) && j[keep].rank <= 2 {
				keep++
			}
		}
		skip(j[keep:], "covered by "+j[0].rel)
		by[gJournal] = j[:keep]
	}
	for g := gMessages; g <= gStack; g++ {
		used = append(used, by[g]...)
	}
	return used, skipped
}

// compareRotated orders rotated logs oldest first: dated ones
// (messages-20240404, logrotate's dateext) by date, then any other
// suffix, then numbered ones (messages.2.gz before messages.1), and the
// live file last. Names without a common stem compare by name.
func compareRotated(a, b string) int {
	ca, va, na := rotation(a)
	cb, vb, nb := rotation(b)
	if c := cmp.Compare(ca, cb); c != 0 {
		return c
	}
	switch ca {
	case rotDated:
		return cmp.Or(cmp.Compare(len(va), len(vb)), cmp.Compare(va, vb))
	case rotNumbered:
		return cmp.Compare(nb, na)
	}
	return cmp.Compare(va, vb)
}

const (
	rotDated = iota
	rotOther
	rotNumbered
	rotLive
)

func rotation(p string) (class int, suffix string, n int) {
	base := trimCompressExt(path.Base(p))
	for _, stem := range []string{"messages", "kern.log", "syslog", "dmesg"} {
		s, ok := strings.CutPrefix(base, stem)
		if !ok {
			continue
		}
		switch {
		case s == "":
			return rotLive, "", 0
		case len(s) > 1 && s[0] == '-' && allDigits(s[1:]):
			return rotDated, s[1:], 0
		case len(s) > 1 && s[0] == '.' && allDigits(s[1:]):
			return rotNumbered, "", atoi(s[1:])
		}
		return rotOther, s, 0
	}
	return rotOther, base, 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// expandSosDir walks a sosreport directory without following links.
func expandSosDir(dir string) (*Bundle, error) {
	var ms []member
	var skips skipList
	var zone Zone
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != dir {
				skips.add(p, "unreadable directory: "+err.Error())
				return fs.SkipDir // an unreadable corner is not the whole report
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if rel, err := filepath.Rel(dir, p); err == nil {
			zone.read(filepath.ToSlash(rel), p, d)
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			skips.add(p, reasonSymlink)
			return nil
		case !d.Type().IsRegular():
			skips.add(p, reasonNotRegular)
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return nil
		}
		m, ok := classify(filepath.ToSlash(rel))
		if !ok {
			skips.add(p, reasonUnknown)
			return nil
		}
		m.file = p
		m.size = -1
		if info, err := d.Info(); err == nil {
			m.size = sizeIfPlain(p, info.Size())
		}
		ms = append(ms, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	used, skipped := choose(ms)
	if len(used) == 0 {
		return nil, errNoLogs(dir, skips.list)
	}
	b := &Bundle{Arg: dir, Form: SosDir, Zone: zone}
	for _, m := range used {
		name := filepath.Join(dir, filepath.FromSlash(m.rel))
		b.Sources = append(b.Sources, Source{Name: name, PID: m.pid, Kind: m.kind(), Open: openPath(m.file), Size: m.size})
	}
	for _, s := range skipped {
		b.Skipped = append(b.Skipped, Skip{Name: filepath.Join(dir, filepath.FromSlash(s.Name)), Reason: s.Reason})
	}
	b.Skipped = append(b.Skipped, skips.list...)
	return b, nil
}

// read takes the zone from etc/localtime or timedatectl, if rel is one.
func (z *Zone) read(rel, path string, d fs.DirEntry) {
	if rel != localtimeMember && rel != timedatectlMember {
		return
	}
	if d.Type()&fs.ModeSymlink != 0 {
		if target, err := os.Readlink(path); err == nil && rel == localtimeMember {
			z.offer(rel, zoneFromLink(target))
		}
		return
	}
	if !d.Type().IsRegular() {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	z.offer(rel, zoneFromFile(rel, f))
}

// errNoLogs says a sosreport holds nothing to read, and names the files
// that might have been logs but were left out (links, sparse files).
func errNoLogs(name string, skips []Skip) error {
	var left []string
	for _, s := range skips {
		if s.Reason != reasonUnknown {
			left = append(left, s.Name+" ("+s.Reason+")")
		}
	}
	why := ""
	if len(left) > 0 {
		why = "; left out " + strings.Join(left, ", ")
	}
	return fmt.Errorf("%s: sosreport has no kernel log (sos_commands/kernel/dmesg, var/log/messages, ...) and no proc/*/stack%s", name, why)
}

func (m member) kind() Kind {
	if m.group == gStack {
		return Stack
	}
	return KernelLog
}
