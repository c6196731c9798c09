package dmesg

import (
	"bytes"
	"time"
)

// prefix is what splitPrefix found before a line's message. The slices
// point into the line; times are parsed only for lines that start records.
type prefix struct {
	mono     []byte // "316100.086897" or kmsg microseconds
	kmsg     bool   // mono is /dev/kmsg microseconds
	wall     []byte
	wallKind WallKind
	caller   []byte // "T140"
	// other is a syslog line of another program: noise for certain.
	other bool
	// kernel says the prefix was one a kernel log has.
	kernel bool
}

var kernelIdent = []byte("kernel:")

// splitPrefix strips the prefixes tools put before a kernel message and
// returns the message. It only looks at bytes; no allocation.
func splitPrefix(line []byte, p *prefix) []byte {
	*p = prefix{}
	s := line
	for range 4 {
		if len(s) == 0 {
			return s
		}
		switch c := s[0]; {
		case c == '<': // "<3>" console level
			j := 1
			for j < len(s) && j < 5 && isDigit(s[j]) {
				j++
			}
			if j == 1 || j >= len(s) || s[j] != '>' {
				return s
			}
			s = s[j+1:]
		case c == '[':
			rest, ok := p.bracket(s)
			if !ok {
				return s
			}
			if len(rest) > 1 && (rest[0] == '(' || rest[1] == '(' || rest[0] == '<' || rest[1] == '<') {
				return p.vendor(rest)
			}
			return rest
		case isDigit(c):
			rest, ok := p.digits(s)
			if !ok {
				return s
			}
			s = rest
			if p.other {
				return s
			}
			if len(s) > 0 && s[0] == '[' && p.kernel && !p.kmsg {
				continue // "2024-04-11T10:25:14+0800 host kernel: [ 12.3] ..."
			}
			return p.vendor(s)
		case c >= 'a' && c <= 'z':
			if bytes.HasPrefix(s, kernelIdent) && len(s) > len(kernelIdent) && s[len(kernelIdent)] == ' ' {
				// A syslog line whose date and host were cut off:
				// "kernel: [425684.110424] INFO: ..."
				p.kernel = true
				s = s[len(kernelIdent)+1:]
				continue
			}
			// dmesg -x: "kern  :err   : "
			if len(s) < 15 || s[6] != ':' || s[13] != ':' || s[14] != ' ' {
				return s
			}
			p.kernel = true
			s = s[15:]
		case c >= 'A' && c <= 'S':
			rest, ok := p.syslog(s)
			if !ok {
				return s
			}
			s = rest
			if len(s) > 0 && s[0] == '[' && !p.other {
				continue // "kernel: [ 6141.921740] ..."
			}
			return s
		default:
			return s
		}
	}
	return s
}

// bracket reads "[  123.456789]", an optional caller "[  T140]", and the
// journalctl short-monotonic "kernel: " ident; or dmesg -T's ctime.
// dmesg -x's "kern  :err   : " facility and level come before either.
func (p *prefix) bracket(s []byte) ([]byte, bool) {
	k := 1
	for k < len(s) && s[k] == ' ' {
		k++
	}
	if k < len(s) && isDigit(s[k]) {
		e := k
		for e < len(s) && (isDigit(s[e]) || s[e] == '.') {
			e++
		}
		if e >= len(s) || s[e] != ']' {
			return s, false
		}
		p.mono = s[k:e]
		p.kernel = true
		s = s[e+1:]
		if c, rest, ok := callerID(s); ok {
			p.caller = c
			s = rest
		}
		if len(s) > 0 && s[0] == ' ' {
			s = s[1:]
		}
		if bytes.HasPrefix(s, kernelIdent) && len(s) > len(kernelIdent) && s[len(kernelIdent)] == ' ' {
			s = s[len(kernelIdent)+1:]
		}
		return s, true
	}
	// "[Fri Jun 15 09:33:12 2018] "
	if k == 1 {
		if e := ctimeEnd(s); e > 0 {
			p.wall = s[1:e]
			p.wallKind = Ctime
			p.kernel = true
			s = s[e+1:]
			if len(s) > 0 && s[0] == ' ' {
				s = s[1:]
			}
			return s, true
		}
	}
	return s, false
}

// ctimeEnd returns the index of the ']' closing dmesg -T's stamp at the
// start of s, or 0. The stamp is strftime's "%a %b %e %H:%M:%S %Y", so
// its day may be one digit after one space or two ("[Mon Jan 6 13:25:28
// 2025]", "[Mon Jan  6 ...]") and its names are the locale's ("[Mo Apr 29
// 20:44:47 2019]").
func ctimeEnd(s []byte) int {
	if len(s) >= 26 && s[25] == ']' && s[4] == ' ' && s[8] == ' ' && s[14] == ':' && s[17] == ':' {
		return 25 // the C locale's "[Fri Jun 15 09:33:12 2018]"
	}
	i := 1
	word := func() bool {
		j := i
		for i < len(s) && i-j <= 12 && s[i] != ' ' && s[i] != ']' && !isDigit(s[i]) {
			i++
		}
		return i-j >= 2 && i-j <= 12
	}
	spaces := func() bool {
		j := i
		for i < len(s) && i-j < 3 && s[i] == ' ' {
			i++
		}
		return i > j
	}
	if !word() || !spaces() || !word() || !spaces() {
		return 0
	}
	d := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i-d < 1 || i-d > 2 || !spaces() {
		return 0
	}
	if i+8 > len(s) || s[i+2] != ':' || s[i+5] != ':' || !isDigit(s[i]) || !isDigit(s[i+7]) {
		return 0
	}
	i += 8
	if !spaces() {
		return 0
	}
	y := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i-y != 4 || i >= len(s) || s[i] != ']' {
		return 0
	}
	return i
}

// vendor strips what some kernels print after the stamp: MediaTek's CPU
// and task, "(1)[67:khungtaskd]", which becomes the line's caller; and
// the level of a continued line, "<0> ffff8800180038a8 ..." (2.6 oopses).
func (p *prefix) vendor(s []byte) []byte {
	t := s
	if len(t) > 0 && t[0] == ' ' {
		t = t[1:]
	}
	if len(t) > 3 && t[0] == '<' && isDigit(t[1]) && t[2] == '>' && t[3] == ' ' {
		return t[3:]
	}
	if len(t) < 7 || t[0] != '(' {
		return s
	}
	j := 1
	for j < len(t) && isDigit(t[j]) {
		j++
	}
	if j == 1 || j+1 >= len(t) || t[j] != ')' || t[j+1] != '[' {
		return s
	}
	k := j + 2
	d := k
	for k < len(t) && isDigit(t[k]) {
		k++
	}
	if k == d || k >= len(t) || t[k] != ':' {
		return s
	}
	e := bytes.IndexByte(t[k:], ']')
	if e < 2 || e > 64 {
		return s
	}
	p.caller = t[d : k+e]
	return t[k+e+1:]
}

// callerID reads printk's "[  T140]" or "[    C1]" caller field.
func callerID(s []byte) (id, rest []byte, ok bool) {
	if len(s) < 4 || s[0] != '[' {
		return nil, s, false
	}
	k := 1
	for k < len(s) && s[k] == ' ' {
		k++
	}
	if k >= len(s) || (s[k] != 'T' && s[k] != 'C') {
		return nil, s, false
	}
	e := k + 1
	for e < len(s) && isDigit(s[e]) {
		e++
	}
	if e == k+1 || e >= len(s) || s[e] != ']' {
		return nil, s, false
	}
	return s[k:e], s[e+1:], true
}

// digits reads an ISO timestamp (dmesg --time-format iso, journalctl
// short-iso, rsyslog) or a /dev/kmsg record header "3,2903,86997972896,-;".
func (p *prefix) digits(s []byte) ([]byte, bool) {
	if len(s) >= 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && s[16] == ':' {
		// "2024-04-11T10:25:14+0800 host kernel: ", and with a space
		// for the T as other tools write it ("2021-03-16 11:30:24.753 kernel: ").
		sp := bytes.IndexByte(s[11:], ' ')
		if sp < 0 {
			return s, false
		}
		sp += 11
		p.wall = s[:sp]
		p.wallKind = ISO
		if bytes.IndexByte(p.wall, ',') >= 0 {
			// dmesg --time-format iso writes "2024-04-11T10:25:14,123456+08:00 msg".
			p.kernel = true
			return s[sp+1:], true
		}
		return p.ident(s[sp+1:]), true
	}
	if len(s) >= 10 && s[2] == ':' && s[5] == ':' && isDigit(s[1]) && isDigit(s[3]) && isDigit(s[4]) && isDigit(s[6]) && isDigit(s[7]) && (s[8] == ' ' || s[8] == '.') {
		// A syslog configured to write the time of day only:
		// "23:05:11 localhost.localdomain kernel: ". Without a date
		// the time is not placed on the wall clock.
		sp := bytes.IndexByte(s[8:], ' ')
		if sp < 0 {
			return s, false
		}
		return p.ident(s[8+sp+1:]), true
	}
	// /dev/kmsg: "level,seq,usec,flags[,more];message"
	j := 0
	field := 0
	start := 0
	for j < len(s) && j < 64 {
		c := s[j]
		switch {
		case isDigit(c):
		case c == ',':
			if field == 1 {
				start = j + 1
			}
			if field == 2 {
				p.mono = s[start:j]
			}
			field++
		case c == ';':
			if field >= 3 && p.mono != nil {
				p.kmsg = true
				p.kernel = true
				return s[j+1:], true
			}
			p.mono = nil
			return s, false
		default:
			if field < 3 {
				p.mono = nil
				return s, false
			}
		}
		j++
	}
	p.mono = nil
	return s, false
}

// syslog reads "May 17 18:48:11[.123456] host ident: ".
func (p *prefix) syslog(s []byte) ([]byte, bool) {
	if len(s) < 16 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' || monthIndex(s[:3]) < 0 {
		return s, false
	}
	e := 15
	for e < len(s) && s[e] != ' ' {
		e++
	}
	if e >= len(s) {
		return s, false
	}
	p.wall = s[:e]
	p.wallKind = Syslog
	return p.ident(s[e+1:]), true
}

// ident reads "host ident: " or "ident: " and marks lines not from the
// kernel as other.
func (p *prefix) ident(s []byte) []byte {
	sp := bytes.IndexByte(s, ' ')
	if sp < 0 {
		p.other = true
		return s
	}
	tok := s[:sp]
	rest := s[sp+1:]
	if len(tok) == 0 || tok[len(tok)-1] != ':' {
		sp = bytes.IndexByte(rest, ' ')
		if sp < 0 {
			tok, rest = rest, nil
		} else {
			tok, rest = rest[:sp], rest[sp+1:]
		}
	}
	if !bytes.Equal(tok, kernelIdent) {
		p.other = true
		return rest
	}
	p.kernel = true
	return rest
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func monthIndex(b []byte) int {
	for i, m := range months {
		if string(b) == m {
			return i
		}
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// stamp parses the clocks a prefix carried.
func (p *prefix) stamp(year int) Stamp {
	var st Stamp
	if p.mono != nil {
		if p.kmsg {
			if us, ok := atoi(p.mono); ok {
				st.Mono = time.Duration(us) * time.Microsecond
				st.HasMono = true
			}
		} else if d, ok := parseSeconds(p.mono); ok {
			st.Mono = d
			st.HasMono = true
		}
	}
	if p.caller != nil {
		st.Caller = string(p.caller)
	}
	switch p.wallKind {
	case Syslog:
		if t, ok := parseSyslogTime(p.wall, year); ok {
			st.Wall, st.WallKind = t, Syslog
		}
	case Ctime:
		if t, ok := parseCtime(p.wall); ok {
			st.Wall, st.WallKind = t, Ctime
		}
	case ISO:
		if t, ok := parseISO(p.wall); ok {
			st.Wall, st.WallKind = t, ISO
		}
	}
	return st
}

// parseSeconds reads "316100.086897" exactly, without float rounding.
func parseSeconds(b []byte) (time.Duration, bool) {
	dot := bytes.IndexByte(b, '.')
	intPart, frac := b, []byte(nil)
	if dot >= 0 {
		intPart, frac = b[:dot], b[dot+1:]
	}
	sec, ok := atoi(intPart)
	if !ok || sec > int64(time.Duration(1<<62)/time.Second) {
		return 0, false
	}
	d := time.Duration(sec) * time.Second
	scale := int64(time.Second / 10)
	for _, c := range frac {
		if !isDigit(c) {
			return 0, false
		}
		d += time.Duration(int64(c-'0') * scale)
		scale /= 10
	}
	return d, true
}

func parseSyslogTime(b []byte, year int) (time.Time, bool) {
	if len(b) < 15 {
		return time.Time{}, false
	}
	mon := monthIndex(b[:3])
	day, ok1 := atoi(bytes.TrimLeft(b[4:6], " "))
	h, ok2 := atoi(b[7:9])
	m, ok3 := atoi(b[10:12])
	sec, ok4 := atoi(b[13:15])
	if mon < 0 || !ok1 || !ok2 || !ok3 || !ok4 {
		return time.Time{}, false
	}
	var ns int64
	if len(b) > 16 && b[15] == '.' {
		scale := int64(100_000_000)
		for _, c := range b[16:] {
			if !isDigit(c) {
				return time.Time{}, false
			}
			ns += int64(c-'0') * scale
			scale /= 10
		}
	}
	return time.Date(year, time.Month(mon+1), int(day), int(h), int(m), int(sec), int(ns), time.UTC), true
}

// parseISO accepts "2024-04-11T10:25:14,123456+08:00" (dmesg),
// "2024-04-11T10:25:14+0800" (journalctl short-iso) and
// "2026-05-28T12:21:57.303295+00:00" (short-iso-precise, rsyslog).
//
// A space may stand for the T, and a stamp without a zone
// ("2021-03-16 11:30:24.753") is host-local: it is read as UTC, as syslog
// stamps are.
func parseISO(b []byte) (time.Time, bool) {
	s := []byte(string(b))
	if len(s) > 10 && s[10] == ' ' {
		s[10] = 'T'
	}
	for _, layout := range [...]string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05,999999999Z07:00",
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02T15:04:05,999999999Z0700",
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05,999999999",
	} {
		if t, err := time.Parse(layout, string(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// atoi reads a non-negative decimal number of at most 18 digits.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseCtime reads the inside of dmesg -T's stamp ("Fri Jun 15 09:33:12
// 2018"), which ctimeEnd found well formed. The weekday is not needed;
// the month must be an English one (a localised name leaves the line
// without a wall clock rather than with a wrong one).
func parseCtime(b []byte) (time.Time, bool) {
	f := bytes.Fields(b)
	if len(f) != 5 || len(f[3]) != 8 {
		return time.Time{}, false
	}
	mon := monthIndex(f[1])
	day, ok1 := atoi(f[2])
	h, ok2 := atoi(f[3][0:2])
	m, ok3 := atoi(f[3][3:5])
	sec, ok4 := atoi(f[3][6:8])
	year, ok5 := atoi(f[4])
	if mon < 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 60 {
		return time.Time{}, false
	}
	return time.Date(int(year), time.Month(mon+1), int(day), int(h), int(m), int(sec), 0, time.UTC), true
}
