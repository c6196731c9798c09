// Package detect tells what kind of capture a file holds from its first
// bytes, so that commands accept files in any order and under any name:
// bundles from customers arrive renamed ("log1.txt", "out", "-").
package detect

import (
	"bytes"

	"github.com/lagtrace/lagtrace/internal/lines"
	"github.com/lagtrace/lagtrace/internal/paste"
	"github.com/lagtrace/lagtrace/parse/crash"
	"github.com/lagtrace/lagtrace/parse/dmesg"
	"github.com/lagtrace/lagtrace/parse/procstack"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// Kind is a kind of capture.
type Kind string

// The kinds lagtrace reads.
const (
	Unknown   Kind = "unknown"
	Strace    Kind = "strace"
	Dmesg     Kind = "dmesg"
	ProcStack Kind = "procstack"
	Crash     Kind = "crash"
)

// HeadSize is how much of a file Detect wants to see.
const HeadSize = 64 << 10

// Kinds lists the kinds a user may name with --kind.
var Kinds = []Kind{Strace, Dmesg, ProcStack, Crash}

// Parse accepts a --kind value.
func Parse(s string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return Unknown, false
}

// Detect classifies head, the start of a decompressed input (HeadSize
// bytes, or all of a shorter file). The order matters: a crash transcript
// holds bt frames and ps lines, a kernel log holds "[<addr>]" frames that
// look like /proc/PID/stack, so the more specific kinds are tried first.
func Detect(head []byte) Kind {
	// Pasted text (mail-quoted, indented, fenced) is judged by what it
	// pastes, with its line ends as the readers will split them.
	head = paste.Clean(normalize(head))
	var s score
	for rest := head; len(rest) > 0; {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			// The last line may be cut at HeadSize: judge it anyway.
			line, rest = rest, nil
		}
		s.line(bytes.TrimRight(line, "\r"))
	}
	switch {
	case s.crash > 0 || crash.Sniff(head):
		return Crash
	case s.dmesg > 0 || dmesg.Sniff(head):
		return Dmesg
	case procstack.Sniff(head):
		return ProcStack
	case strace.Sniff(head), s.strace > 0 && s.strace*2 >= s.nonBlank:
		return Strace
	}
	return Unknown
}

// normalize turns the line ends of head into "\n" as the parsers will see
// them (a file of bare "\r" line ends is split at each), so that the
// sniffers, which split at "\n", judge the lines the parsers will read.
func normalize(head []byte) []byte {
	if bytes.IndexByte(head, '\r') < 0 {
		return head
	}
	out := make([]byte, 0, len(head))
	lr := lines.NewReader(bytes.NewReader(head))
	for {
		l, ok := lr.Next()
		if !ok {
			return out
		}
		out = append(append(out, l...), '\n')
	}
}

type score struct {
	crash, dmesg, strace, nonBlank int
}

func (s *score) line(l []byte) {
	if len(bytes.TrimSpace(l)) == 0 {
		return
	}
	s.nonBlank++
	switch {
	// crash(8): its prompt, or bt's task header
	// ("PID: 3632440  TASK: ffff91fde98a1780  CPU: 5   COMMAND: "rsync"").
	case bytes.HasPrefix(l, []byte("crash> ")),
		bytes.HasPrefix(l, []byte("PID: ")) && bytes.Contains(l, []byte("  TASK: ")):
		s.crash++
	// The hung-task detector's report and the task line of every
	// generation (kernel/hung_task.c, sched_show_task).
	case bytes.Contains(l, []byte("INFO: task ")) && (bytes.Contains(l, []byte(" blocked for more than ")) || bytes.Contains(l, []byte("blocked on a"))),
		bytes.Contains(l, []byte(" Call Trace:")) || bytes.HasSuffix(l, []byte("] Call Trace:")) || bytes.Equal(bytes.TrimSpace(l), []byte("Call Trace:")),
		bytes.Contains(l, []byte("hung_task_timeout_secs")):
		s.dmesg++
	case looksStrace(l):
		s.strace++
	}
}

// looksStrace accepts the line shapes strace writes with -f, -tt/-ttt and
// -o: an optional PID (or "[pid N]"), an optional time stamp, then a
// system call, a signal ("--- SIG") or an exit ("+++").
func looksStrace(l []byte) bool {
	l = bytes.TrimLeft(l, " ")
	if bytes.HasPrefix(l, []byte("[pid ")) {
		if i := bytes.IndexByte(l, ']'); i > 0 {
			l = bytes.TrimLeft(l[i+1:], " ")
		}
	}
	// Up to two leading numeric fields: a PID and a stamp ("1712802314.374988"
	// or "10:25:14.123456").
	for n := 0; n < 2; n++ {
		i := 0
		for i < len(l) && (l[i] >= '0' && l[i] <= '9' || l[i] == '.' || l[i] == ':') {
			i++
		}
		if i == 0 || i >= len(l) || l[i] != ' ' {
			break
		}
		l = bytes.TrimLeft(l[i:], " ")
	}
	if bytes.HasPrefix(l, []byte("--- SIG")) || bytes.HasPrefix(l, []byte("+++ ")) || bytes.HasPrefix(l, []byte("<... ")) {
		return true
	}
	i := 0
	for i < len(l) && (l[i] >= 'a' && l[i] <= 'z' || l[i] >= '0' && l[i] <= '9' || l[i] == '_') {
		i++
	}
	return i > 0 && i < len(l) && l[i] == '(' && (bytes.Contains(l, []byte(") = ")) || bytes.HasSuffix(l, []byte("<unfinished ...>")) || bytes.Contains(l, []byte(") ? ")))
}
