package redact

import (
	"bytes"
	"strings"
)

// argMode is how Args treats a call's strings.
type argMode uint8

const (
	// mapStrings maps every quoted string and -y path to a placeholder.
	mapStrings argMode = iota
	// dropBuffers writes every quoted string as "..." and every array as
	// [...]: what a read or write moved, a directory's entries.
	dropBuffers
	// dropVectors maps the strings outside arrays (the program) and drops
	// the arrays (argv and the environment).
	dropVectors
)

// mode says how a call's arguments are redacted.
func mode(call string) argMode {
	switch call {
	case "execve", "execveat":
		return dropVectors
	}
	// Calls that carry data rather than names: read, write and their
	// vectored, positioned and socket forms, directory entries, extended
	// attribute values, keys, ioctl payloads, messages.
	for _, w := range []string{"read", "write", "send", "recv", "getdents", "xattr", "key", "ioctl", "msg"} {
		if strings.Contains(call, w) {
			return dropBuffers
		}
	}
	return mapStrings
}

// Args returns the arguments of a system call as strace printed them
// (the text between the parentheses), redacted: execve's argv and
// environment and the buffers of reads, writes and the like dropped, every
// other quoted string and every -y/-yy path ("3</srv/data>") mapped to a
// placeholder; numbers and strace's constants are kept. A string cut
// short by strace ("abc"...) or by the end of the line is handled as a
// whole one.
func (r *Redactor) Args(call string, args []byte) []byte {
	return r.args(args, mode(call))
}

func (r *Redactor) args(args []byte, m argMode) []byte {
	out := make([]byte, 0, min(len(args), 256))
	depth := 0 // of [ and { around the current byte
	for i := 0; i < len(args); {
		c := args[i]
		switch {
		case c == '"':
			s, n := unquote(args[i:])
			i += n
			if m == dropBuffers || m == dropVectors && depth > 0 {
				out = append(out, `"..."`...)
				continue
			}
			k := Str
			if strings.IndexByte(s, '/') >= 0 {
				k = Path
			}
			out = append(append(append(out, '"'), r.String(k, s)...), '"')
		case c == '<' && i > 0 && args[i-1] >= '0' && args[i-1] <= '9':
			// strace -y: "3</srv/data>", -yy: "3<TCP:[1.2.3.4:22->5.6.7.8:5555]>".
			n := decorationEnd(args[i:])
			inner := bytes.TrimSuffix(args[i+1:i+n], []byte{'>'})
			out = append(append(append(out, '<'), r.String(Path, string(inner))...), '>')
			i += n
		case c == '[' && (m == dropBuffers || m == dropVectors):
			out = append(out, "[...]"...)
			i += closing(args[i:])
		default:
			switch c {
			case '[', '{':
				depth++
			case ']', '}':
				depth = max(0, depth-1)
			}
			out = append(out, c)
			i++
		}
	}
	return out
}

// decorationEnd returns the length of the "<...>" b starts with: up to the
// first '>' that ends the argument (followed by ',', ')', ']', '}', a space
// or the end), else the first '>', else all of b. A path can hold '>'.
func decorationEnd(b []byte) int {
	first := -1
	for i := 1; i < len(b); i++ {
		if b[i] != '>' {
			continue
		}
		if first < 0 {
			first = i
		}
		if i+1 == len(b) || strings.IndexByte(",)]} ", b[i+1]) >= 0 {
			return i + 1
		}
	}
	if first >= 0 {
		return first + 1
	}
	return len(b)
}

// closing returns the length of the bracketed array b starts with, quoted
// strings skipped, or all of b when it is cut short.
func closing(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			_, n := unquote(b[i:])
			i += n - 1
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(b)
}

// unquote returns the content of the C string literal b starts with, its
// escapes resolved, and how many bytes of b it spans, quotes included (all
// of b when the closing quote is missing).
func unquote(b []byte) (string, int) {
	var s bytes.Buffer
	i := 1
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return s.String(), i + 1
		case c == '\\' && i+1 < len(b):
			e := b[i+1]
			i += 2
			switch e {
			case 'n':
				s.WriteByte('\n')
			case 't':
				s.WriteByte('\t')
			case 'r':
				s.WriteByte('\r')
			case 'v':
				s.WriteByte('\v')
			case 'f':
				s.WriteByte('\f')
			case 'a':
				s.WriteByte('\a')
			case 'b':
				s.WriteByte('\b')
			case 'x':
				v, n := 0, 0
				for n < 2 && i < len(b) && hexVal(b[i]) >= 0 {
					v = v*16 + hexVal(b[i])
					i++
					n++
				}
				if n == 0 {
					s.WriteString(`\x`)
				} else {
					s.WriteByte(byte(v))
				}
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && i < len(b) && b[i] >= '0' && b[i] <= '7'; k++ {
						v = v*8 + int(b[i]-'0')
						i++
					}
					s.WriteByte(byte(v))
				} else {
					s.WriteByte(e)
				}
			}
		default:
			s.WriteByte(c)
			i++
		}
	}
	return s.String(), len(b)
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
