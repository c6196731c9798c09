package paste

import (
	"bytes"
	"testing"

	"github.com/lagtrace/lagtrace/internal/lines"
)

// FuzzReader: no panic, and every input line is either returned by Next
// (in order, each number once) or joined into the line before it.
func FuzzReader(f *testing.F) {
	f.Add([]byte("> INFO: task a:1 blocked for\n> more than 120 seconds.\n"))
	f.Add([]byte("```\n    [  1.0] x\n\t\ty\n```\n# cat /proc/1/stack\n[root@h ~]# ls\n>\n"))
	f.Add([]byte("crash> bt\r\nPID: 1\n\n\n>>> > >x"))
	f.Add([]byte("> --- a\n> +++ b\n> @@ -1,2 +1,3 @@ x\n>  ctx\n> +INFO: task a:1 =\n> (cont)\n>\n+not\n"))
	f.Add([]byte("box ~ #dmesg\n  INFO: a\n   b\n  c\n\n    d\n    e\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The lines as the line reader splits them ("\r" alone ends lines
		// in a file whose first line end is one).
		want := 0
		for lr := lines.NewReader(bytes.NewReader(data)); ; want++ {
			if _, ok := lr.Next(); !ok {
				break
			}
		}
		r := NewReader(bytes.NewReader(data))
		seen, last := 0, 0
		for r.Next() {
			l := r.Line()
			if l.Num <= last {
				t.Fatalf("line %d after line %d", l.Num, last)
			}
			last = l.Num
			seen++
			// Join every other line, accepting whatever is offered.
			if seen%2 == 0 && r.Join(func(next, joined []byte) bool { return len(joined) > 0 }) {
				last++
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		if got := seen + r.Report().Wrap.Count; got != want {
			t.Fatalf("%d lines returned + %d joined, want %d input lines", seen, r.Report().Wrap.Count, want)
		}
	})
}
