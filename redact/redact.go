// Package redact replaces what identifies a customer in lagtrace's data
// with stable placeholders, so that a report can leave the customer. It
// rewrites the data, never the output: it runs on every record a reader
// yields, before any text (a timeline line, a verdict, an evidence line)
// is built from it, so every sink and every spelling (Markdown-escaped,
// HTML-escaped in SVG, \u-escaped in JSON, wrapped across lines, cut to 40
// bytes) shows only placeholders.
//
// Given a trace line and a kernel log line such as
//
//	1795647018.442789 execve("/bin/sh", ["sh", "-c", "PGPASSWORD=s3cret psql"], 0x7ffd... /* 21 vars */) = 0
//	1795647018.442790 write(1, "token=AKIA1234SECRET", 20) = 20
//	1795647018.442791 openat(AT_FDCWD, "/srv/Q&A plan", O_RDONLY|O_DIRECTORY) = 3</srv/Q&A plan>
//	[  242.6] INFO: task rsync:3748012 blocked for more than 120 seconds.
//
// lagtrace sees
//
//	execve("path1", [...], 0x7ffd... /* 21 vars */)    argv and environment dropped
//	write(1, "...", 20)                                 read and write buffers dropped
//	openat(AT_FDCWD, "path2", O_RDONLY|O_DIRECTORY)     strings and -y paths mapped
//	task comm1:3748012                                  command names mapped
//
// Placeholders are numbered by kind in the order strings are met ("host1",
// "input1", "path1", "name1", "comm1", "str1"), the same string getting
// the same placeholder everywhere in one run. Past 65536 strings of one
// kind they become a keyed hash of the string ("path-3fa9c2e1"), so memory
// stays bounded; the key is random per run, so a placeholder cannot be
// reversed by hashing guesses.
//
// What is kept: numbers (PIDs, times, sizes, addresses, inode numbers),
// strace's and the kernel's own words (system call names, flags and
// constants, kernel function and module names, lock types, states), and
// the file names of directory entries inside a listing, which are needed
// to align hosts and are redacted where they leave it (Comparison). Record
// walks every string field of a parser's record: fields it knows to be
// kernel vocabulary are kept, quoted strings inside crash struct values
// are mapped, and any other field, including fields added later, is
// mapped whole. Free text that lagtrace does not parse into fields cannot
// be told from vocabulary; it is never shown in output.
package redact

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/parse/strace"
)

// Kind names what a string is; it is the placeholder's prefix.
type Kind string

// The kinds of strings replaced.
const (
	Host  Kind = "host"  // a host label (B in B=B.strace)
	Input Kind = "input" // a file named on the command line, or a member of a bundle
	Path  Kind = "path"  // a path in a trace: a descriptor's file, a directory listed
	Name  Kind = "name"  // a file name used as a marker
	Comm  Kind = "comm"  // a command name
	Str   Kind = "str"   // a string argument, or any field not known to be safe
)

// maxNumbered is how many strings of one kind get numbered placeholders.
const maxNumbered = 1 << 16

// Redactor maps strings to placeholders. It is safe for concurrent use:
// compare reads its hosts at once.
type Redactor struct {
	mu    sync.Mutex
	seen  map[string]string
	count map[Kind]int
	key   []byte
}

// New returns a Redactor with no strings mapped yet.
func New() *Redactor {
	key := make([]byte, 32)
	rand.Read(key)
	return &Redactor{seen: map[string]string{}, count: map[Kind]int{}, key: key}
}

// String returns the placeholder of s, making one of kind k if s has
// none: the same s has the same placeholder whatever kind asks later. The
// empty string stays empty.
func (r *Redactor) String(k Kind, s string) string {
	if s == "" {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.seen[s]; ok {
		return p
	}
	if r.count[k] >= maxNumbered {
		m := hmac.New(sha256.New, r.key)
		m.Write([]byte(s))
		return string(k) + "-" + hex.EncodeToString(m.Sum(nil)[:4])
	}
	r.count[k]++
	p := string(k) + strconv.Itoa(r.count[k])
	r.seen[s] = p
	return p
}

// Has reports whether s has a placeholder already.
func (r *Redactor) Has(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.seen[s]
	return ok
}

// Scrub rewrites the record v points to in place: a *strace.Event with
// Event, anything else (a *dmesg.Record, a *procstack.Sample, a crash
// record) with Record. It is what correlate.HostInput.Scrub calls.
func (r *Redactor) Scrub(v any) {
	if ev, ok := v.(*strace.Event); ok {
		r.Event(ev)
		return
	}
	r.Record(v)
}

// Event rewrites a strace event: its descriptor's path, its command name
// and its arguments (see Args), and the -y path of its return value. The
// names of directory entries are kept (see the package doc). The event's
// slices are replaced, never written to: they are the reader's buffers.
func (r *Redactor) Event(ev *strace.Event) {
	if ev.Path != nil {
		ev.Path = []byte(r.String(Path, string(ev.Path)))
	}
	if ev.Comm != nil {
		ev.Comm = []byte(r.String(Comm, string(ev.Comm)))
	}
	if len(ev.Args) > 0 {
		ev.Args = r.Args(string(ev.Name), ev.Args)
	}
	if bytes.IndexByte(ev.Ret, '<') >= 0 {
		ev.Ret = r.args(ev.Ret, mapStrings)
	}
}

// Comparison rewrites what a comparison says of the listings: the marker
// names of its rows, each host's last marker, the origin marker, and the
// markers the user asked for (markers) where a warning quotes them. Host
// labels, files and directories come placeholders already from the events
// and the command line.
func (r *Redactor) Comparison(c *correlate.Comparison, markers []string) {
	if c == nil {
		return
	}
	for i := range c.Rows {
		c.Rows[i].Name = r.String(Name, c.Rows[i].Name)
	}
	for i := range c.Hosts {
		c.Hosts[i].LastMarker = r.String(Name, c.Hosts[i].LastMarker)
	}
	if name, ok := strings.CutPrefix(c.Origin, "marker:"); ok {
		c.Origin = "marker:" + r.String(Name, name)
	}
	for i, w := range c.Warnings {
		for _, m := range markers {
			w = strings.ReplaceAll(w, strconv.Quote(m), strconv.Quote(r.String(Name, m)))
		}
		c.Warnings[i] = w
	}
}

// kept are the fields of parser records that hold the kernel's or the
// tool's own vocabulary, or addresses: function and module names, lock
// types and classes, states, flags, crash's struct member names and types,
// hex addresses, kernel source locations.
var kept = map[string]bool{
	"Func": true, "Base": true, "Module": true, "BuildID": true, "Via": true, "Marker": true,
	"Lock": true, "Class": true, "Usage": true, "WaitType": true, "Instance": true,
	"Role": true, "OwnerRole": true, "State": true, "Flags": true, "TaskFlags": true,
	"Caller": true, "Tainted": true, "Workqueue": true, "Kind": true, "Mode": true,
	"Type": true, "Name": true, "Cache": true, "Mem": true, "Errno": true,
	"Addr": true, "SP": true, "Task": true, "Query": true, "Object": true, "Offset": true,
	"Stack": true, "Source": true,
}

// fieldKind says how Record treats a string field, by its name.
func fieldKind(name string) (k Kind, keep, quoted bool) {
	switch {
	case kept[name]:
		return "", true, false
	case name == "Value":
		return Str, false, true // crash "d_iname = \"secret\"": only the quoted part
	case name == "Comm" || name == "OwnerComm":
		return Comm, false, false
	}
	return Str, false, false
}

// Record rewrites every exported string and []byte field reachable from
// v, which must be a pointer, by the field's name: kept, mapped whole, or
// with only its quoted strings mapped (see fieldKind). Slices and maps are
// walked; a []byte is replaced, never written to.
func (r *Redactor) Record(v any) {
	r.walk(reflect.ValueOf(v), "")
}

func (r *Redactor) walk(v reflect.Value, field string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.walk(v.Elem(), field)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				r.walk(v.Field(i), f.Name)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.CanSet() && !v.IsNil() {
				v.SetBytes([]byte(r.field(field, string(v.Bytes()))))
			}
			return
		}
		for i := range v.Len() {
			r.walk(v.Index(i), field)
		}
	case reflect.Array:
		for i := range v.Len() {
			r.walk(v.Index(i), field)
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.String {
			return
		}
		for _, k := range v.MapKeys() {
			v.SetMapIndex(k, reflect.ValueOf(r.field(field, v.MapIndex(k).String())).Convert(v.Type().Elem()))
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(r.field(field, v.String()))
		}
	}
}

func (r *Redactor) field(name, s string) string {
	k, keep, quoted := fieldKind(name)
	switch {
	case keep || s == "":
		return s
	case quoted:
		if strings.IndexByte(s, '"') < 0 {
			return s
		}
		return string(r.args([]byte(s), mapStrings))
	}
	return r.String(k, s)
}
