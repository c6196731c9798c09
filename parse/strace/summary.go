package strace

import "bytes"

// Summaries counts the strace -c summary tables read (pasted on their own,
// or after a trace by strace -C): they count calls, they are no trace.
type Summaries struct {
	// Tables and Rows count them and their rows ("total" included);
	// FirstLine is the header line of the first.
	Tables, Rows, FirstLine int
}

// table reads a summary table. strace right-aligns its numbers under the
// header and puts the syscall name in the last column (or, with -U, where
// the header says); the dashed line under the header gives the columns:
//
//	% time     seconds  usecs/call     calls    errors syscall
//	------ ----------- ----------- --------- --------- ----------------
//	 40.73    0.000538          15        34        13 openat
//	 25.36    0.000335         167         2           getdents64
//	------ ----------- ----------- --------- --------- ----------------
//	100.00    0.001321           9       145        19 total
//
// Numbers take a decimal comma in some locales ("49,80    2,963972").
type table struct {
	// header says the last line was a header, whose dashes are expected.
	header     bool
	headerLine int
	headerText []byte
	headerCol  int // column of the header's text (the indentation removed)
	cols       []column
	sums       Summaries
}

// column is a run of dashes: [start, end) in columns of the input line.
type column struct {
	start, end int
	field      field
}

type field uint8

const (
	fieldOther field = iota
	fieldSeconds
	fieldCalls
	fieldErrors
	fieldName
)

// active reports whether rows are expected.
func (t *table) active() bool { return len(t.cols) > 0 }

func (t *table) end() {
	t.header = false
	t.cols = t.cols[:0]
}

// isHeader is the first line of a table: "% time ... calls ... syscall", or
// -U's "syscall   calls   errors ...".
func isHeader(s []byte) bool {
	return (bytes.HasPrefix(s, []byte("% time")) || bytes.HasPrefix(s, []byte("syscall "))) &&
		bytes.Contains(s, []byte(" calls")) && bytes.Contains(s, []byte("syscall"))
}

// line reads s, a line at column col (the indentation the paste layer
// removed), as part of a table; ok is false when it is none, and row when
// it is a row, whose numbers are then in ev.
func (t *table) line(s []byte, col, num int, ev *Event) (row, ok bool) {
	switch {
	case isHeader(s):
		t.end()
		t.header, t.headerLine, t.headerCol = true, num, col
		t.headerText = append(t.headerText[:0], s...)
		return false, true
	case t.header:
		t.header = false
		if !t.columns(s, col) {
			return false, false
		}
		t.sums.Tables++
		if t.sums.FirstLine == 0 {
			t.sums.FirstLine = t.headerLine
		}
		return false, true
	case !t.active():
		return false, false
	case isDashes(s):
		return false, true
	}
	if !t.row(s, col, ev) {
		t.end()
		return false, false
	}
	t.sums.Rows++
	return true, true
}

func isDashes(s []byte) bool {
	return len(s) > 0 && s[0] == '-' && len(bytes.Trim(s, "- ")) == 0
}

// columns takes the columns from the dashed line s and names them from
// the header above.
func (t *table) columns(s []byte, col int) bool {
	if !isDashes(s) {
		return false
	}
	t.cols = t.cols[:0]
	for i := 0; i < len(s); {
		if s[i] != '-' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '-' {
			j++
		}
		t.cols = append(t.cols, column{start: col + i, end: col + j})
		i = j
	}
	for k := range t.cols {
		c := &t.cols[k]
		lo, hi := c.start-t.headerCol, c.end-t.headerCol
		if k == len(t.cols)-1 {
			hi = len(t.headerText) // the last header word may be longer
		}
		lo, hi = max(lo, 0), min(hi, len(t.headerText))
		if lo >= hi {
			continue
		}
		switch name := string(bytes.TrimSpace(t.headerText[lo:hi])); name {
		case "seconds":
			c.field = fieldSeconds
		case "calls":
			c.field = fieldCalls
		case "errors":
			c.field = fieldErrors
		case "syscall":
			c.field = fieldName
		}
	}
	return len(t.cols) >= 2
}

// row reads a row into ev: each word belongs to the column it lies in.
func (t *table) row(s []byte, col int, ev *Event) bool {
	named := false
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		w := s[i:j]
		c := t.columnAt(col+i, col+j)
		if c == nil {
			return false
		}
		if c.field == fieldName {
			if parseName(w) != len(w) {
				return false
			}
			ev.Name, named = w, true
			i = j
			continue
		}
		v, frac, ok := parseNumber(w)
		if !ok {
			return false
		}
		switch c.field {
		case fieldSeconds:
			ev.Duration, ev.HasDuration = int64(min(v, 1<<32))*1e9+frac, true
		case fieldCalls:
			ev.Calls = int(min(v, 1<<40))
		case fieldErrors:
			ev.Errors = int(min(v, 1<<40))
		}
		i = j
	}
	return named
}

// columnAt is the column that holds the word at [start, end), allowing the
// word to run one column past either side (a number wider than its
// column shifts the row).
func (t *table) columnAt(start, end int) *column {
	for k := range t.cols {
		c := &t.cols[k]
		if start >= c.start-1 && end <= c.end+1 || k == len(t.cols)-1 && start >= c.start {
			return c
		}
	}
	return nil
}

// parseNumber reads "145", "0.001321" or "2,963972": the integer part and
// the fraction as nanoseconds.
func parseNumber(w []byte) (v uint64, frac int64, ok bool) {
	v, n := parseUint(w)
	if n == 0 {
		return 0, 0, false
	}
	if n == len(w) {
		return v, 0, true
	}
	if w[n] != '.' && w[n] != ',' {
		return 0, 0, false
	}
	frac, m := parseFrac(w[n+1:])
	if m == 0 || n+1+m != len(w) {
		return 0, 0, false
	}
	return v, frac, true
}
