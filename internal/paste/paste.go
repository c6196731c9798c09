// Package paste undoes what pasting does to a log before a format reader
// sees it. Support engineers rarely get a clean file: they get a mail reply
// with the log quoted, a ticket in which it was indented as a code block or
// fenced, a shell session with its prompts, a mailer that wrapped long
// lines. Every format reader (parse/dmesg, parse/procstack, parse/crash,
// parse/strace) reads through a Reader, which hands it each line with what
// is format-independent already removed:
//
//	> > [316100.086897] INFO: task rsync:3621271 blocked for more than 120 seconds.
//	    [316100.087052]  schedule+0x28/0x80
//	```
//	root@host:~# cat /proc/575/stack
//
// become the Text lines "[316100.086897] INFO: task ...", with Quote 2, and
// "[316100.087052]  schedule+0x28/0x80", with Indent 4; a Fence line with no
// text; and a Prompt line whose Command is "cat /proc/575/stack", which the
// procstack reader takes as a header and the others count as not log text.
// A unified diff of two logs is read without its marks: after "@@ -13,11
// +13,178 @@" (a Fence), "+INFO: task ..." is the Text "INFO: task ...".
//
// What a line means is the format reader's business, and so is deciding
// that a line was wrapped: Join offers it the next line and re-joins the two
// when the reader says the join parses (dropping a quoted-printable soft
// break's "=" first), and Wrapped counts a continuation the reader completed
// itself. The Reader counts every decoration
// it removed and every line a format reader calls Prose, so that the user is
// told once ("read as mail-quoted text: '> ' removed") and no line is lost
// without being counted.
package paste

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/internal/lines"
)

// Kind says what a line is once its decorations are removed.
type Kind uint8

// The kinds of line.
const (
	// Text is a line with content: log text, or prose.
	Text Kind = iota
	// Blank is a line with nothing left (a blank line, or a bare ">").
	Blank
	// Fence is a Markdown fence ("```", "```sh", "~~~") or a forum tag
	// ("[code]", "[/code]", "<pre>"): decoration only.
	Fence
	// Prompt is a shell or crash prompt ("# ", "$ ", "root@host:~# ",
	// "[root@host ~]# ", "crash> "); Command holds what was typed.
	Prompt
)

// Line is one input line, decorations removed.
type Line struct {
	Kind Kind
	// Text is the line without its mail quoting and leading whitespace.
	// For a Prompt it is the whole prompt line, so removed.
	Text []byte
	// Command is what follows a Prompt ("cat /proc/575/stack"), else nil.
	Command []byte
	// Num is the 1-based number of the line in the input; a joined line
	// has the number of its first part.
	Num int
	// Quote is how many levels of mail quoting were removed; Indent how
	// many columns of leading whitespace (a tab counts 4).
	Quote, Indent int
	// Long is the length of a line over the line cap (see lines.Reader),
	// whose Text is then only its start; 0 otherwise.
	Long int64
}

// Tally counts lines of one sort and locates the first.
type Tally struct {
	Count int
	// FirstLine is the 1-based number of the first; FirstText its start,
	// at most 120 bytes, as read.
	FirstLine int
	FirstText string
}

func (t *Tally) add(n int, text []byte) {
	if t.Count == 0 {
		t.FirstLine = n
		t.FirstText = string(clip(text, 120))
	}
	t.Count++
}

// Report says what the Reader removed or was told to count.
type Report struct {
	// Quote counts lines that carried mail quoting; Indent the lines of
	// blocks indented as code (3 columns or more throughout).
	Quote, Indent Tally
	// Fence counts fences and forum tags; Prompt, prompt lines.
	Fence, Prompt Tally
	// Diff counts the lines of a unified diff (between two logs, say)
	// that were read without their "+"/"-" marks, and its headers.
	Diff Tally
	// Wrap counts continuation lines joined to the line before them.
	Wrap Tally
	// Prose counts lines the format reader took for no log text at all.
	Prose Tally
	// Shifted counts lines the format reader found indented where its
	// format never indents them (a hung-task report's first line two
	// columns in, inside mail quoting): indentation the paster added,
	// outside any block indented as code.
	Shifted Tally
}

// Names lists the decorations found, in a fixed order: "quote", "indent",
// "fence", "prompt", "diff", "wrap", "prose".
func (r Report) Names() []string {
	var out []string
	for _, d := range []struct {
		name string
		t    Tally
	}{{"quote", r.Quote}, {"indent", Tally{Count: r.Indent.Count + r.Shifted.Count}}, {"fence", r.Fence}, {"prompt", r.Prompt}, {"diff", r.Diff}, {"wrap", r.Wrap}, {"prose", r.Prose}} {
		if d.t.Count > 0 {
			out = append(out, d.name)
		}
	}
	return out
}

// Empty reports whether nothing was removed or counted.
func (r Report) Empty() bool { return len(r.Names()) == 0 }

// Reader reads lines through the paste decorations.
type Reader struct {
	lr  *lines.Reader
	cur Line
	// held is the raw line read ahead by a Join that did not join; it is
	// returned by the next call to Next.
	held     []byte
	heldNum  int
	heldLong int64
	hasHeld  bool
	// own holds a copy of the current line's bytes while Join reads
	// ahead (the lines.Reader reuses its buffer).
	own    []byte
	joined []byte
	rep    Report
	// The current run of lines indented by 2 columns or more, to tell
	// indented code: how many, the least indentation, the first's.
	runLines, runMin, runIndent int
	runFirst                    int
	runText                     []byte
	// runBlock says the run began a block (after a blank line, a fence
	// or at the start); runIntro that it follows a line of prose that
	// introduces it ("Sample failure:").
	runBlock, runIntro bool
	// intro says the last line was such a line.
	intro bool
	// prev is the kind of the line before the current one (Blank at
	// the start).
	prev Kind
	// hunk says the lines are inside a unified diff's hunk; oldFile that
	// the line before was a diff's "--- file" header.
	hunk, oldFile bool
	// diffHead says the current line is a diff's header, a Fence
	// counted as Diff.
	diffHead bool
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{lr: lines.NewReader(r), prev: Blank}
}

// SetMaxLine sets the line cap of the lines.Reader underneath (its Max);
// call it before the first Next.
func (r *Reader) SetMaxLine(n int) { r.lr.Max = n }

// Next advances to the next line; false at the end or on a read error.
func (r *Reader) Next() bool {
	var raw []byte
	var num int
	var long int64
	if r.hasHeld {
		raw, num, long = r.held, r.heldNum, r.heldLong
		r.hasHeld = false
	} else {
		b, ok := r.lr.Next()
		if !ok {
			r.endRun()
			return false
		}
		raw, num, long = b, r.lr.Number(), r.lr.Long
	}
	r.cur = decode(raw, num)
	r.cur.Long = long
	if l := &r.cur; r.hunk || r.oldFile || l.Kind == Text && (l.Text[0] == '@' || l.Text[0] == '-') {
		r.diff(l)
	}
	r.account(&r.cur, raw)
	return true
}

// diff reads the lines of a unified diff: its "+++ file" and "@@ -13,11
// +13,178 @@" headers are decoration, and a hunk's lines lose their "+" or
// "-" (a context line's space is indentation already). A hunk ends at a
// blank line; a line without a mark inside it is the continuation of a
// line a mailer wrapped, and is kept as it is.
func (r *Reader) diff(l *Line) {
	oldFile := r.oldFile
	r.oldFile, r.diffHead = false, false
	if l.Kind != Text {
		if l.Kind == Blank || l.Kind == Fence {
			r.hunk = false
		}
		return
	}
	t := l.Text
	switch {
	case isHunkHeader(t) || oldFile && isFileHeader(t, "+++"):
		l.Kind = Fence
		r.hunk, r.diffHead = true, true
		r.rep.Diff.add(l.Num, t)
		return
	case isFileHeader(t, "---"):
		r.oldFile = true
		return
	case !r.hunk || t[0] != '+' && t[0] != '-':
		return
	}
	t = t[1:]
	i := 0
	for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
		i++
	}
	l.Text = t[i:]
	l.Indent += i
	if len(l.Text) == 0 {
		l.Kind, l.Text = Blank, nil
	}
	r.rep.Diff.add(l.Num, t)
}

// isFileHeader is a unified diff's "--- a/path" or "+++ b/path" (mark is
// "---" or "+++"): it names a file. strace's "--- SIGINT {...} ---" and
// "+++ killed by SIGINT +++" begin and end with the same mark, and are a
// signal and a process's end, not the headers of a diff.
func isFileHeader(b []byte, mark string) bool {
	return len(b) > len(mark)+1 && string(b[:len(mark)+1]) == mark+" " && !bytes.HasSuffix(b, []byte(" "+mark))
}

// isHunkHeader is "@@ -13,11 +13,178 @@" (and any text after it).
func isHunkHeader(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("@@ -")) {
		return false
	}
	e := bytes.Index(b[4:], []byte(" @@"))
	return e > 0 && bytes.Contains(b[4:4+e], []byte(" +"))
}

// Line returns the current line. It is valid until the next call to Next
// or Join.
func (r *Reader) Line() *Line { return &r.cur }

// Err returns the first read error.
func (r *Reader) Err() error { return r.lr.Err() }

// Truncated reports whether the last line read had no newline.
func (r *Reader) Truncated() bool { return r.lr.Truncated }

// Number is the number of input lines read so far.
func (r *Reader) Number() int { return r.lr.Number() }

// Prose counts the current line as no log text at all.
func (r *Reader) Prose() { r.rep.Prose.add(r.cur.Num, r.cur.Text) }

// Shifted counts the current line as indented where the format never
// indents it.
func (r *Reader) Shifted() { r.rep.Shifted.add(r.cur.Num, r.cur.Text) }

// Wrapped counts the current line as the continuation of a line before
// it that the format reader completed with it itself (a frame whose
// "[module]" a mailer moved to the next line, read after the frame).
func (r *Reader) Wrapped() { r.rep.Wrap.add(r.cur.Num, r.cur.Text) }

// Report returns what has been removed and counted so far.
func (r *Reader) Report() Report { return r.rep }

// Join offers the next line to the current one, as a mailer or terminal
// may have cut it: accept is called with the next line's text and with a
// join (the two concatenated as a terminal cuts, then with a space between
// them as a mailer breaks at a space; first, for a line that ends in a
// quoted-printable soft break "=", the two without it). When accept
// returns true for a join, the current line becomes that join and Join
// returns true; otherwise the next line is kept for the following Next.
func (r *Reader) Join(accept func(next, joined []byte) bool) bool {
	if r.cur.Kind != Text || r.cur.Long > 0 {
		return false
	}
	// Keep the current line: reading ahead reuses the buffer it is in.
	r.own = append(r.own[:0], r.cur.Text...)
	r.cur.Text = r.own
	if !r.hasHeld {
		b, ok := r.lr.Next()
		if !ok {
			return false
		}
		r.held = append(r.held[:0], b...)
		r.heldNum, r.heldLong = r.lr.Number(), r.lr.Long
		r.hasHeld = true
	}
	next := decode(r.held, r.heldNum)
	if next.Kind != Text || r.heldLong > 0 {
		return false
	}
	cur := r.cur.Text
	for i, sep := range []string{"", "", " "} {
		if i == 0 {
			// A quoted-printable soft line break: the '=' that ends the
			// line is no text ("...0x3e/0x90 =" / "[xfs]").
			n := len(cur)
			if n < 2 || cur[n-1] != '=' || cur[n-2] == '=' {
				continue
			}
			cur = cur[:n-1]
		} else {
			cur = r.cur.Text
		}
		r.joined = append(append(append(r.joined[:0], cur...), sep...), next.Text...)
		if accept(next.Text, r.joined) {
			r.own, r.joined = r.joined, r.own
			r.cur.Text = r.own
			r.rep.Wrap.add(next.Num, next.Text)
			if next.Quote > 0 {
				// The continuation was quoted too.
				r.rep.Quote.add(next.Num, r.held)
			}
			r.hasHeld = false
			return true
		}
	}
	return false
}

// decode removes the quoting and leading whitespace of raw and classifies
// what is left. It only slices raw.
func decode(raw []byte, num int) Line {
	l := Line{Num: num, Text: raw}
	if len(raw) == 0 {
		l.Kind = Blank
		return l
	}
	switch raw[0] {
	case '[':
		if len(raw) > 1 && (raw[1] == ' ' || raw[1] >= '0' && raw[1] <= '9') {
			return l // a kernel time stamp, "[  30.100000]"
		}
	case '>', ' ', '\t', '`', '~', '<', '$', '#', 'c', 'b', 's':
	default:
		// Most lines of a clean log: no quoting, no indentation, no fence,
		// and no prompt unless a "user@host:" word or a "host ~" begins
		// the line.
		head := raw[:min(len(raw), 80)]
		if bytes.IndexByte(head, '@') < 0 && bytes.IndexByte(head, ':') < 0 && bytes.IndexByte(head, '~') < 0 {
			return l
		}
	}
	b := raw
	// Mail quoting: ">", "> ", ">>", "> > ", at the start of the line.
	for len(b) > 0 && b[0] == '>' {
		l.Quote++
		b = b[1:]
		if len(b) > 0 && b[0] == ' ' {
			b = b[1:]
		}
	}
	i, col := 0, 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		if b[i] == '\t' {
			col += 4
		} else {
			col++
		}
		i++
	}
	l.Indent = col
	b = b[i:]
	l.Text = b
	switch {
	case len(b) == 0 || isBlank(b):
		l.Kind, l.Text = Blank, nil
	case isFence(b):
		l.Kind = Fence
	default:
		if n := promptEnd(b); n > 0 {
			l.Kind = Prompt
			l.Command = bytes.TrimSpace(b[n:])
		}
	}
	return l
}

// account counts the decorations of l and follows runs of indented code.
func (r *Reader) account(l *Line, raw []byte) {
	if l.Quote > 0 {
		r.rep.Quote.add(l.Num, raw)
	}
	switch l.Kind {
	case Fence:
		if !r.diffHead {
			r.rep.Fence.add(l.Num, l.Text)
		}
	case Prompt:
		r.rep.Prompt.add(l.Num, l.Text)
	}
	prev, intro := r.prev, r.intro
	r.prev, r.intro = l.Kind, l.Kind == Text && l.Indent == 0 && isIntro(l.Text)
	if l.Kind == Blank || l.Kind == Fence {
		r.endRun()
		return
	}
	if l.Indent < 2 {
		// A run that a line of its own text ends is that text's layout.
		r.runLines = 0
		return
	}
	if r.runLines == 0 {
		r.runMin, r.runIndent = l.Indent, l.Indent
		r.runFirst = l.Num
		r.runText = append(r.runText[:0], clip(l.Text, 120)...)
		r.runBlock = prev == Blank || prev == Fence
		r.runIntro = intro
	}
	r.runMin = min(r.runMin, l.Indent)
	r.runLines++
}

// isIntro is a line that introduces what follows it: it begins with a
// letter and ends with a colon ("Sample failure:", "Call Trace:"), as
// lockdep's "-> #1 (&x){+.+.}-{3:3}:" and crash's frame lines do not.
func isIntro(b []byte) bool {
	// A loop, not bytes.TrimRight: that builds a byte set per call, and
	// this runs on every line.
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return len(b) > 1 && b[len(b)-1] == ':' && (b[0] >= 'a' && b[0] <= 'z' || b[0] >= 'A' && b[0] <= 'Z')
}

// endRun decides whether the run of indented lines that a blank line, a
// fence or the end of the input just ended was a block indented as code:
//
//   - two lines or more, all indented by 3 columns or more (a Markdown
//     code block has 4, a numbered-list block 3), that begin a block of
//     text or follow the line that introduces them (a commit message's
//     "Sample failure:");
//   - or three lines or more indented by 2 that begin a block of text, the
//     first at the least indentation, as commit messages indent logs.
//
// Other indented runs are the layout of the text itself: kernel frames
// without a prefix have 1 column; under their unindented first line come
// crash's struct members, ps columns, bt -f stack words and register
// blocks, a script's loop body, lockdep's unsafe-scenario tables (2 under
// a first line of 7); and a run that an unindented line ends is one too
// (crash's dis -l listing, whose marked line "* 6702" is not indented).
func (r *Reader) endRun() {
	n, m := r.runLines, r.runMin
	if n >= 2 && m >= 3 && (r.runBlock || r.runIntro) || n >= 3 && m == 2 && r.runBlock && r.runIndent == 2 {
		if r.rep.Indent.Count == 0 {
			r.rep.Indent.FirstLine = r.runFirst
			r.rep.Indent.FirstText = string(r.runText)
		}
		r.rep.Indent.Count += n
	}
	r.runLines = 0
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v' {
			return false
		}
	}
	return true
}

var fenceTags = [][]byte{[]byte("[code]"), []byte("[/code]"), []byte("<pre>"), []byte("</pre>"),
	[]byte("<code>"), []byte("</code>"), []byte("[quote]"), []byte("[/quote]")}

// isFence is "```", "```sh", "~~~", "[code]", "[/code]", "<pre>", "</pre>",
// "<code>", "</code>" (any case), alone on the line or together with
// others ("<pre><code>", as a web page's code block begins).
func isFence(b []byte) bool {
	switch b[0] {
	case '`', '~':
		if len(b) < 3 || b[1] != b[0] || b[2] != b[0] {
			return false
		}
		// An info string is one word ("```sh", "``` text"), never more.
		rest := bytes.TrimSpace(bytes.TrimLeft(b, string(b[0])))
		return bytes.IndexByte(rest, ' ') < 0
	case '[', '<':
		t := bytes.TrimSpace(b)
		if len(t) > 32 {
			return false
		}
		if len(t) > 7 && bytes.EqualFold(t[:6], []byte("[code=")) && t[len(t)-1] == ']' {
			return true
		}
		// Tags may come together: "<pre><code>", "</code></pre>".
		for len(t) > 0 {
			n := fenceTagLen(t)
			if n == 0 {
				return false
			}
			t = t[n:]
		}
		return true
	}
	return false
}

// fenceTagLen is the length of the fence tag b starts with, 0 if none.
func fenceTagLen(b []byte) int {
	for _, tag := range fenceTags {
		if len(b) >= len(tag) && bytes.EqualFold(b[:len(tag)], tag) {
			return len(tag)
		}
	}
	return 0
}

// promptEnd returns the length of a shell or crash prompt at the start of
// b, or 0. Prompts: "$ ", "# " (a root shell; a reader may take the line for
// a comment instead), "crash> ", "user@host:~/dir$ ", "root@host:~# ",
// "[root@host dir]# ", "host:~ # ", "bash-4.2# ".
func promptEnd(b []byte) int {
	switch {
	case b[0] == '$' || b[0] == '#':
		if len(b) == 1 {
			return 1
		}
		if b[1] == ' ' {
			return 2
		}
		return 0
	case bytes.HasPrefix(b, []byte("crash>")):
		if len(b) == 6 || b[6] == ' ' {
			return 6
		}
		return 0
	case b[0] == '[':
		// "[root@host dir]# "
		e := bytes.IndexByte(b, ']')
		if e < 0 || e > 80 || bytes.IndexByte(b[:e], '@') < 0 {
			return 0
		}
		return promptSign(b, e+1)
	}
	// "user@host:path$ ", "host:~ # ", "bash-4.2$ ": a first word that is
	// not a log line's (a syslog month or "INFO:" holds no '@' or '~').
	sp := bytes.IndexByte(b, ' ')
	word := b
	if sp >= 0 {
		word = b[:sp]
	}
	if len(word) < 2 || len(word) > 80 {
		return 0
	}
	last := word[len(word)-1]
	switch {
	case bytes.IndexByte(word, '@') > 0 && bytes.IndexByte(word, ':') > 0 && (last == '#' || last == '$'):
		return promptSign(b, len(word)-1)
	case sp > 0 && pathAfterColon(word):
		// "host:~ # ", "user@host:/tmp $ "
		return promptSign(b, sp)
	case sp > 0 && sp+3 < len(b) && (b[sp+1] == '~' || b[sp+1] == '/'):
		// Gentoo's "host ~ # " and "host /var/log # ", the space after
		// the sign sometimes lost ("TEST-MAIL1 ~ #dmesg").
		e := bytes.IndexByte(b[sp+1:], ' ')
		if e < 0 || bytes.IndexByte(b[sp+1:sp+1+e], ':') >= 0 {
			return 0
		}
		i := sp + 1 + e + 1
		if i < len(b) && (b[i] == '#' || b[i] == '$') && i+1 < len(b) && isWordStart(b[i+1]) {
			return i + 1
		}
		return promptSign(b, sp+1+e)
	case bytes.HasPrefix(word, []byte("bash-")) || bytes.HasPrefix(word, []byte("sh-")):
		if last == '#' || last == '$' {
			return promptSign(b, len(word)-1)
		}
	}
	return 0
}

// isWordStart is a letter or a '.' or '/' that begins a command.
func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '/'
}

// pathAfterColon is "host:~" or "host:/dir": a word whose colon is
// followed by a path.
func pathAfterColon(word []byte) bool {
	i := bytes.IndexByte(word, ':')
	return i > 0 && i+1 < len(word) && (word[i+1] == '~' || word[i+1] == '/')
}

// promptSign checks that b[i:] is an optional space, then '#' or '$', then
// a space or the end, and returns where the command starts.
func promptSign(b []byte, i int) int {
	if i < len(b) && b[i] == ' ' {
		i++
	}
	if i >= len(b) || b[i] != '#' && b[i] != '$' {
		return 0
	}
	i++
	if i < len(b) && b[i] != ' ' {
		return 0
	}
	return min(i+1, len(b))
}

func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// Summary words the report for the user, once per file: what was removed
// and where the first line of each sort was. It is "" when there is
// nothing to say.
func (r Report) Summary(name string) string {
	var parts []string
	if r.Quote.Count > 0 {
		parts = append(parts, fmt.Sprintf("mail quoting ('>') removed from %s", lineCount(r.Quote.Count)))
	}
	if r.Indent.Count > 0 {
		parts = append(parts, fmt.Sprintf("%s indented as a code block (from %s:%d)", lineCount(r.Indent.Count), name, r.Indent.FirstLine))
	} else if r.Shifted.Count > 0 {
		parts = append(parts, fmt.Sprintf("indentation removed from %s the log never indents (first at %s:%d)", lineCount(r.Shifted.Count), name, r.Shifted.FirstLine))
	}
	if n := r.Fence.Count + r.Prompt.Count; n > 0 {
		parts = append(parts, fmt.Sprintf("%s of fences, forum tags or prompts (first at %s:%d)", lineCount(n), name, min(nonzero(r.Fence.FirstLine), nonzero(r.Prompt.FirstLine))))
	}
	if r.Diff.Count > 0 {
		parts = append(parts, fmt.Sprintf("%s of a unified diff read without their +/- marks (from %s:%d)", lineCount(r.Diff.Count), name, r.Diff.FirstLine))
	}
	if r.Wrap.Count > 0 {
		parts = append(parts, fmt.Sprintf("%s cut by a mailer or terminal re-joined (first at %s:%d)", lineCount(r.Wrap.Count), name, r.Wrap.FirstLine))
	}
	if r.Prose.Count > 0 {
		parts = append(parts, fmt.Sprintf("%s not log text left out (first at %s:%d: %q)", lineCount(r.Prose.Count), name, r.Prose.FirstLine, r.Prose.FirstText))
	}
	if len(parts) == 0 {
		return ""
	}
	return name + ": read as pasted text: " + strings.Join(parts, "; ")
}

func lineCount(n int) string {
	if n == 1 {
		return "1 line"
	}
	return strconv.Itoa(n) + " lines"
}

// nonzero maps an absent first line (0) above every real one, for min.
func nonzero(n int) int {
	if n == 0 {
		return int(^uint(0) >> 1)
	}
	return n
}

// Clean returns text with every line's quoting and leading whitespace
// removed and fences dropped, for code that judges a file by its first
// bytes (kind detection): a mail-quoted or indented log looks like a log.
func Clean(text []byte) []byte {
	out := make([]byte, 0, len(text))
	num := 0
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		num++
		l := decode(bytes.TrimSuffix(line, []byte{'\r'}), num)
		if l.Kind == Fence {
			continue
		}
		out = append(append(out, l.Text...), '\n')
	}
	return out
}
