package dmesg

import "bytes"

var (
	warningPrefix  = []byte("WARNING: ")
	tryingToAcq    = []byte(" is trying to acquire lock:")
	alreadyHolding = []byte("but task is already holding lock:")
)

// lockdepTitle notes a lockdep WARNING line ("WARNING: possible recursive
// locking detected"), which the warning's record takes as its title.
func (r *Reader) lockdepTitle(msg []byte) bool {
	if !bytes.HasPrefix(msg, warningPrefix) || !bytes.Contains(msg, []byte("lock")) {
		return false
	}
	// Not yet proof of a kernel log ("WARNING: lock file exists" is not):
	// the warning's record, if one follows, is.
	r.warning = append(r.warning[:0], trimSpace(msg[len(warningPrefix):])...)
	r.warningLine = r.n
	return true
}

// startLockdep begins a warning's record at "comm/pid is trying to acquire
// lock:"; the comm may hold '/' ("kworker/u8:1/123"), so the PID is after
// the last one.
func (r *Reader) startLockdep(msg []byte) bool {
	if !bytes.HasSuffix(msg, tryingToAcq) {
		return false
	}
	comm, pid, ok := commPID(msg[:len(msg)-len(tryingToAcq)], '/')
	if !ok || comm == "" {
		return false
	}
	w := &Warning{Comm: comm, PID: pid}
	// The title is printed a few lines before: the version line and a
	// rule come between.
	if len(r.warning) > 0 && r.n-r.warningLine <= 4 {
		w.Title = string(r.warning)
	}
	r.warning = r.warning[:0]
	r.begin(&Record{Kind: KindLockdep, Lockdep: w}, msg)
	return true
}

// contLockdep reads the warning's acquire lines: the lock being acquired,
// then, after "but task is already holding lock:", the one held. The rest
// of the warning (the chain, the scenario, the held-lock list) ends it.
func (r *Reader) contLockdep(msg, line []byte) bool {
	w := r.cur.rec.Lockdep
	trim := trimSpace(msg)
	switch {
	case len(trim) == 0:
		return true
	case bytes.Equal(trim, alreadyHolding):
		w.HasHeld = true
		r.cur.pending = 0
		return true
	}
	if l, ok := parseAcquire(trim); ok {
		// decode_stacktrace.sh prints an entry once per inlined
		// function of its acquire site: the last line is the real one.
		if w.HasHeld {
			w.Held = l
		} else {
			w.Acquire = l
		}
		r.cur.pending = 0
		return true
	}
	if looksLikeLock(trim) {
		r.skip(line)
		return true
	}
	r.finish()
	return false
}

// looksLikeLock is an acquire line that failed to parse.
func looksLikeLock(b []byte) bool {
	return bytes.Contains(b, []byte("){")) && bytes.Contains(b, []byte(", at:"))
}
