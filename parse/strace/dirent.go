package strace

import (
	"bytes"
	"encoding/binary"
)

// dtNames are the d_type names by number, for "-X raw" ("d_type=0x8") and
// the oldest layouts ("d_type=8").
var dtNames = [16][]byte{
	0: []byte("UNKNOWN"), 1: []byte("FIFO"), 2: []byte("CHR"), 4: []byte("DIR"),
	6: []byte("BLK"), 8: []byte("REG"), 10: []byte("LNK"), 12: []byte("SOCK"), 14: []byte("WHT"),
}

// decodeDirents fills Dirents from the second argument of a getdents or
// getdents64 call. The layouts (see strace's dirent.c, dirent64.c and
// xgetdents.c):
//
//	≥ 4.11  [{d_ino=1, d_off=2, d_reclen=24, d_type=DT_DIR, d_name="."}, ...]
//	4.10    {{d_ino=1, d_off=2, d_reclen=24, d_type=DT_DIR, d_name="."} {...}}
//	≤ 4.9   {{d_ino=1, d_off=2, d_type=DT_DIR, d_reclen=24, d_name="."} {...}}
//	getdents puts d_type after d_name; ≤ 4.9 prints names unescaped.
//	no -v   0x55d1e0 /* 25 entries */ (≥ 5.x), /* 25 entries */ (4.x)
func (r *Reader) decodeDirents(ev *Event) {
	arr := afterFirstFd(ev.Args)
	if len(arr) == 0 {
		return
	}
	var closeCh byte
	switch arr[0] {
	case '[':
		closeCh = ']'
	case '{':
		closeCh = '}'
	default:
		r.abbreviated(ev, arr)
		return
	}
	if cap(r.arena) < len(arr) {
		r.arena = make([]byte, 0, len(arr))
	}
	r.arena = r.arena[:0]
	legacy := closeCh == '}'
	names64 := string(ev.Name) == "getdents64"
	fast := !legacy && names64
	s := arr[1:]
	for {
		if len(s) > 0 && s[0] == closeCh {
			break
		}
		if len(s) == 0 || s[0] != '{' {
			// "..." (strace stopped early) or a line cut short.
			ev.DirentsTruncated = true
			break
		}
		var d Dirent
		var ok bool
		entry := s[1:]
		if fast {
			s, ok = fastEntry(entry, &d)
		}
		if !ok {
			d = Dirent{}
			s, ok = r.parseEntry(entry, &d, legacy, names64)
		}
		if !ok {
			ev.DirentsTruncated = true
			break
		}
		ev.Dirents = append(ev.Dirents, d)
		if bytes.HasPrefix(s, []byte(", ")) {
			s = s[2:]
		} else if len(s) > 0 && s[0] == ' ' {
			s = s[1:]
		}
	}
	ev.DirentCount = len(ev.Dirents)
}

// fastEntry reads one entry of the layout strace ≥ 4.11 prints for
// getdents64, the one every current capture has, after its "{":
//
//	d_ino=1, d_off=2, d_reclen=24, d_type=DT_DIR, d_name="."}
//
// It recognises the fixed field order and nothing else: any other field,
// order, type spelling ("0x8 /* DT_REG */" of -X), or a name with an escape
// or cut short returns ok=false, and the caller reads the entry with the
// general parser. The name is not copied: Name points into the line, which
// lives as long as the event.
func fastEntry(s []byte, d *Dirent) (rest []byte, ok bool) {
	// The constant parts are compared a word at a time, each behind one
	// length check.
	if len(s) < 6 || le32(s) != wIno || s[4] != 'o' || s[5] != '=' {
		return s, false
	}
	i := 6
	n := digits(s[i:])
	if n == 0 || n > 19 {
		return s, false // no number, or one that needs parseUint's care
	}
	var ino uint64
	for _, c := range s[i : i+n] {
		ino = ino*10 + uint64(c-'0')
	}
	i += n
	if len(s) < i+8 || le64(s[i:]) != wOff {
		return s, false
	}
	i += 8
	if i < len(s) && s[i] == '-' {
		i++
	}
	if n = digits(s[i:]); n == 0 {
		return s, false
	}
	i += n
	if len(s) < i+11 || le64(s[i:]) != wReclen || s[i+8] != 'e' || s[i+9] != 'n' || s[i+10] != '=' {
		return s, false
	}
	i += 11
	if n = digits(s[i:]); n == 0 {
		return s, false
	}
	i += n
	if len(s) < i+12 || le64(s[i:]) != wType || le32(s[i+8:]) != wDT {
		return s, false
	}
	i += 12
	t := i
	for i < len(s) && s[i]-'A' < 26 {
		i++
	}
	if i == t || len(s) < i+10 || le64(s[i:]) != wName || s[i+8] != '=' || s[i+9] != '"' {
		return s, false
	}
	typ := s[t:i]
	i += 10
	q := bytes.IndexByte(s[i:], '"')
	if q < 0 {
		return s, false
	}
	name := s[i : i+q]
	if bytes.IndexByte(name, '\\') >= 0 {
		return s, false
	}
	i += q + 1
	if i >= len(s) || s[i] != '}' {
		return s, false // "..." after a name strace cut short, or no end
	}
	d.Name, d.Type, d.Ino = name, typ, ino
	return s[i+1:], true
}

// The words fastEntry compares, as little-endian loads of their bytes.
var (
	wIno    = le32([]byte("d_in"))
	wOff    = le64([]byte(", d_off="))
	wReclen = le64([]byte(", d_recl")) // then "en="
	wType   = le64([]byte(", d_type")) // then "=DT_"
	wDT     = le32([]byte("=DT_"))
	wName   = le64([]byte(", d_name")) // then "=\""
)

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// digits counts the leading decimal digits of s: the fields whose value
// nothing reads are skipped, not converted.
func digits(s []byte) int {
	n := 0
	for n < len(s) && s[n]-'0' <= 9 {
		n++
	}
	return n
}

// abbreviated reads "0x55d1e0 /* 25 entries */" and "/* 25+ entries */".
func (r *Reader) abbreviated(ev *Event, arr []byte) {
	i := bytes.Index(arr, []byte("/* "))
	if i < 0 || i > 24 {
		return
	}
	v, n := parseUint(arr[i+3:])
	if n == 0 {
		return
	}
	rest := arr[i+3+n:]
	atLeast := false
	if len(rest) > 0 && rest[0] == '+' {
		atLeast = true
		rest = rest[1:]
	}
	if !bytes.HasPrefix(rest, []byte(" entries */")) {
		return
	}
	ev.DirentsAbbreviated = true
	ev.DirentCountAtLeast = atLeast
	ev.DirentCount = int(min(v, 1<<31))
}

// afterFirstFd returns the arguments after the leading "3, " or
// "3</mnt/dir>, ".
func afterFirstFd(args []byte) []byte {
	_, n := parseUint(args)
	if n == 0 {
		return nil
	}
	s := args[n:]
	if d := decoration(s); d != nil {
		s = s[len(d)+2:]
	}
	if !bytes.HasPrefix(s, []byte(", ")) {
		return nil
	}
	return s[2:]
}

// parseEntry reads the fields of one entry after its "{", and returns the
// text after its "}".
func (r *Reader) parseEntry(s []byte, d *Dirent, legacy, names64 bool) ([]byte, bool) {
	sawReclen, typeFirst := false, false
	for {
		eq := bytes.IndexByte(s, '=')
		if eq <= 0 || eq > 16 {
			return s, false
		}
		key := s[:eq]
		s = s[eq+1:]
		switch string(key) {
		case "d_name":
			if len(s) == 0 || s[0] != '"' {
				s = skipValue(s)
				break
			}
			// strace ≤ 4.9 printed getdents64 names raw, and put d_type
			// before d_reclen; that order tells the layouts apart.
			raw := legacy && names64 && typeFirst
			var ok bool
			if !raw {
				start := len(r.arena)
				var out []byte
				var n int
				out, n, ok = unquote(r.arena, s)
				if ok {
					rest := s[n:]
					rest = bytes.TrimPrefix(rest, []byte("..."))
					// A raw ≤ 4.9 getdents name with a quote in it
					// does not end where the escaped reading says.
					if len(rest) > 0 && rest[0] != ',' && rest[0] != '}' {
						ok = false
						r.arena = r.arena[:start]
					} else {
						r.arena = out
						d.Name = out[start:]
						s = rest
					}
				}
			}
			if !ok {
				s, ok = r.rawName(s, d, names64)
				if !ok {
					return s, false
				}
			}
		case "d_ino":
			v, _ := parseUint(s)
			d.Ino = v
			s = skipValue(s)
		case "d_type":
			if !sawReclen {
				typeFirst = true
			}
			end := valueEnd(s)
			d.Type = typeName(s[:end])
			s = s[end:]
		case "d_reclen":
			sawReclen = true
			s = skipValue(s)
		default:
			s = skipValue(s)
		}
		if len(s) == 0 {
			return s, false
		}
		if s[0] == '}' {
			return s[1:], true
		}
		if !bytes.HasPrefix(s, []byte(", ")) {
			return s, false
		}
		s = s[2:]
	}
}

// rawName reads an unescaped name of strace ≤ 4.9: it ends at the first
// `"}` that is followed by the next entry or the end of the array (or, for
// getdents, at `", d_type=`). A name containing such a sequence is
// misread; the format gives no way to tell.
func (r *Reader) rawName(s []byte, d *Dirent, names64 bool) ([]byte, bool) {
	body := s[1:]
	end := -1
	if names64 {
		for i := 0; i+1 < len(body); i++ {
			if body[i] != '"' || body[i+1] != '}' {
				continue
			}
			after := body[i+2:]
			if bytes.HasPrefix(after, []byte(" {d_ino=")) || bytes.HasPrefix(after, []byte("}")) {
				end = i
				break
			}
		}
	} else {
		end = bytes.Index(body, []byte(`", d_type=`))
	}
	if end < 0 {
		return s, false
	}
	start := len(r.arena)
	r.arena = append(r.arena, body[:end]...)
	d.Name = r.arena[start:]
	return body[end+1:], true
}

// valueEnd finds the end of an unquoted field value: the next ',' or '}'.
// "0x8 /* DT_REG */" holds spaces but neither.
func valueEnd(s []byte) int {
	for i, c := range s {
		if c == ',' || c == '}' {
			return i
		}
	}
	return len(s)
}

func skipValue(s []byte) []byte { return s[valueEnd(s):] }

// typeName turns "DT_REG", "0x8 /* DT_REG */", "0x8" or "8" into "REG".
func typeName(v []byte) []byte {
	if i := bytes.Index(v, []byte("DT_")); i >= 0 {
		t := v[i+3:]
		if j := bytes.IndexByte(t, ' '); j >= 0 {
			t = t[:j]
		}
		return t
	}
	var n uint64
	var m int
	if bytes.HasPrefix(v, []byte("0x")) {
		n, m = parseHex(v[2:])
		m += 2
	} else {
		n, m = parseUint(v)
	}
	if m == 0 || m != len(v) || n >= uint64(len(dtNames)) {
		return nil
	}
	return dtNames[n]
}

// unquote appends the unescaped content of the C string literal s starts
// with ("\"", "\\", "\n", octal "\303", hex "\xc3") to dst, and returns how
// many bytes of s it spanned, quotes included.
func unquote(dst, s []byte) ([]byte, int, bool) {
	if len(s) == 0 || s[0] != '"' {
		return dst, 0, false
	}
	i := 1
	for i < len(s) {
		c := s[i]
		switch c {
		case '"':
			return dst, i + 1, true
		case '\\':
			if i+1 >= len(s) {
				return dst, 0, false
			}
			e := s[i+1]
			i += 2
			switch e {
			case 'n':
				dst = append(dst, '\n')
			case 't':
				dst = append(dst, '\t')
			case 'r':
				dst = append(dst, '\r')
			case 'v':
				dst = append(dst, '\v')
			case 'f':
				dst = append(dst, '\f')
			case 'a':
				dst = append(dst, '\a')
			case 'b':
				dst = append(dst, '\b')
			case 'x':
				v, n := parseHex(s[i:min(i+2, len(s))])
				if n == 0 {
					dst = append(dst, '\\', 'x')
					continue
				}
				dst = append(dst, byte(v))
				i += n
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && i < len(s) && s[i] >= '0' && s[i] <= '7'; k++ {
						v = v*8 + int(s[i]-'0')
						i++
					}
					dst = append(dst, byte(v))
				} else {
					dst = append(dst, e)
				}
			}
		default:
			// Copy the run up to the next quote or backslash at once: most
			// names have no escapes, and this is the hottest loop of a
			// -v trace.
			j := i + 1
			if q := bytes.IndexByte(s[j:], '"'); q >= 0 {
				run := s[j : j+q]
				if b := bytes.IndexByte(run, '\\'); b >= 0 {
					run = run[:b]
				}
				j += len(run)
			} else {
				j = len(s)
			}
			dst = append(dst, s[i:j]...)
			i = j
		}
	}
	return dst, 0, false
}
