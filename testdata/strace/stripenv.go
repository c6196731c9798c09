//go:build ignore

// Stripenv copies a strace log from stdin to stdout, replacing the
// environment array of every execve/execveat line with "[/* N vars */]"
// so that committed fixtures do not carry the capturing machine's
// environment. Every other byte is kept. The replacement is the form
// strace 4.x printed without -v; strace 6.1 itself prints
// "0x7ffd... /* N vars */", whose address a -v capture does not record.
//
//	go run testdata/strace/stripenv.go <raw.strace >fixture.strace
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"

	"github.com/lagtrace/lagtrace/internal/lines"
)

func main() {
	lr := lines.NewReader(os.Stdin)
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	n := 0
	for {
		line, ok := lr.Next()
		if !ok {
			break
		}
		n++
		out, err := strip(line)
		if err != nil {
			fmt.Fprintf(os.Stderr, "stripenv: line %d: %v\n", n, err)
			os.Exit(1)
		}
		w.Write(out)
		if !lr.Truncated {
			w.WriteByte('\n')
		}
	}
	if err := lr.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "stripenv:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "stripenv:", err)
		os.Exit(1)
	}
}

// strip returns line with the third argument of execve (the fourth of
// execveat) replaced, when that argument is a fully printed array.
func strip(line []byte) ([]byte, error) {
	i := bytes.Index(line, []byte("execve("))
	skip := 2 // arguments before envp: path, argv
	if j := bytes.Index(line, []byte("execveat(")); j >= 0 {
		i, skip = j+len("execveat("), 3
	} else if i >= 0 {
		i += len("execve(")
	} else {
		return line, nil
	}
	// Walk the arguments at depth 0, honouring strace's quoting.
	start := -1
	args := 0
	depth := 0
	count := 0
	for k := i; k < len(line); k++ {
		c := line[k]
		switch c {
		case '"':
			k++
			for k < len(line) && line[k] != '"' {
				if line[k] == '\\' {
					k++
				}
				k++
			}
			if depth == 1 && args == skip {
				count++
			}
		case '[', '{':
			depth++
			if depth == 1 && args == skip && c == '[' {
				start = k
			}
		case ']', '}':
			depth--
			if depth == 0 && start >= 0 {
				var b []byte
				b = append(b, line[:start]...)
				b = append(b, "[/* "...)
				b = strconv.AppendInt(b, int64(count), 10)
				if count == 1 {
					b = append(b, " var */]"...)
				} else {
					b = append(b, " vars */]"...)
				}
				return append(b, line[k+1:]...), nil
			}
		case ',':
			if depth == 0 {
				args++
			}
		case '.':
			// "abc"... is a string cut by -s; a bare ... element means
			// strace stopped printing the array, so no count is known.
			if depth == 1 && args == skip && line[k-1] != '"' && bytes.HasPrefix(line[k:], []byte("...")) {
				return nil, fmt.Errorf("environment array abbreviated with ...; capture with -v")
			}
		case ')':
			if depth == 0 {
				return line, nil
			}
		}
	}
	return line, nil
}
