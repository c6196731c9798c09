package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ulikunitz/xz"
)

const (
	td     = "../../testdata"
	sosDir = td + "/sosreport/sosreport-vm-lagtrace-2026-11-25-vxhufwz"
	sosTar = td + "/sosreport/sosreport-vm-lagtrace-2026-11-25-debian.tar.xz"
	ffDir  = td + "/strace/styles/ff"
)

// got is what a test compares: the Sources' metadata, and which real
// fixture each one's bytes are a copy of.
type got struct {
	Name string
	PID  int
	Kind Kind
	Size int64
	From string
}

// view reads every Source and names the fixture in from with the same
// decompressed bytes.
func view(t *testing.T, b *Bundle, from []string) []got {
	t.Helper()
	var gs []got
	for _, s := range b.Sources {
		rc, err := s.Open()
		if err != nil {
			t.Fatalf("%s: Open: %v", s.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: read: %v", s.Name, err)
		}
		g := got{Name: s.Name, PID: s.PID, Kind: s.Kind, Size: s.Size, From: "?"}
		for _, f := range from {
			if bytes.Equal(data, fixture(t, f)) {
				g.From = f
				break
			}
		}
		gs = append(gs, g)
	}
	return gs
}

// fixture returns the bytes of a file under testdata, gunzipped if it is
// gzip: the sosreport fixtures keep some of them compressed.
func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(td, rel))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

var fixtures = []string{
	"procstack/8369.stack",
	"procstack/stack.8367",
	"locks-6.18/dmesg.txt",
	"dmesg/x86-3.10-rhel7-syslog.txt",
	"dmesg/arm32-4.14-rpi-syslog-nohost.txt",
	"dmesg/arm32-4.9-rpi-syslog.txt",
	"dmesg/x86-6.16-dmesg-T-blocker.txt",
	"strace/styles/ff/out.10283",
	"strace/styles/ff/out.10284",
	"strace/styles/ff/out.10285",
}

// The Sources of the RHEL-like directory fixture, relative to its root.
var sosDirWant = []got{
	{Name: "var/log/messages-20170927", Kind: KernelLog, Size: 1170, From: "dmesg/arm32-4.9-rpi-syslog.txt"},
	{Name: "var/log/messages-20171004.gz", Kind: KernelLog, Size: -1, From: "dmesg/arm32-4.14-rpi-syslog-nohost.txt"},
	{Name: "var/log/messages", Kind: KernelLog, Size: 1065, From: "dmesg/x86-3.10-rhel7-syslog.txt"},
	{Name: "sos_commands/kernel/dmesg", Kind: KernelLog, Size: 34812, From: "locks-6.18/dmesg.txt"},
	{Name: "proc/8367/stack", PID: 8367, Kind: Stack, Size: 150, From: "procstack/stack.8367"},
	{Name: "proc/8369/stack", PID: 8369, Kind: Stack, Size: 185, From: "procstack/8369.stack"},
}

var sosDirSkipped = []Skip{
	{Name: "sos_commands/kernel/dmesg_-T", Reason: "the same ring buffer as sos_commands/kernel/dmesg"},
	{Name: "sos_commands/logs/journalctl_--no-pager", Reason: "the syslog files hold its kernel lines"},
	{Name: "sos_commands/kernel/uname_-a", Reason: reasonUnknown},
	{Name: "sos_commands/logs/journalctl_--disk-usage", Reason: reasonUnknown},
	{Name: "uname", Reason: reasonSymlink},
	{Name: "version.txt", Reason: reasonUnknown},
}

// The Sources of the Debian-like tarball fixture.
var sosTarWant = []got{
	{Name: "var/log/kern.log.2.gz", Kind: KernelLog, Size: -1, From: "dmesg/arm32-4.9-rpi-syslog.txt"},
	{Name: "var/log/kern.log.1", Kind: KernelLog, Size: 1159, From: "dmesg/arm32-4.14-rpi-syslog-nohost.txt"},
	{Name: "sos_strings/logs/var.log.kern.log.tailed", Kind: KernelLog, Size: 1065, From: "dmesg/x86-3.10-rhel7-syslog.txt"},
	{Name: "sos_commands/kernel/dmesg_-T", Kind: KernelLog, Size: 3408, From: "dmesg/x86-6.16-dmesg-T-blocker.txt"},
	{Name: "proc/8369/stack", PID: 8369, Kind: Stack, Size: 185, From: "procstack/8369.stack"},
}

var sosTarSkipped = []Skip{
	{Name: "var/log/syslog", Reason: "its kernel lines are in var/log/kern.log"},
	// sos links a tailed file to its sos_strings copy, which is read.
	{Name: "var/log/kern.log", Reason: reasonSymlink},
	{Name: "version.txt", Reason: reasonUnknown},
}

func prefixed(p string, gs []got) []got {
	out := make([]got, len(gs))
	for i, g := range gs {
		g.Name = p + g.Name
		out[i] = g
	}
	return out
}

func prefixedSkips(p string, ss []Skip) []Skip {
	out := make([]Skip, len(ss))
	for i, s := range ss {
		s.Name = p + s.Name
		out[i] = s
	}
	return out
}

// withTmp points os.TempDir at a fresh directory and fails the test if
// anything is left in it at the end: extraction must clean up after
// itself.
func withTmp(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", dir)
	t.Cleanup(func() {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			t.Errorf("left behind in the temp dir: %s", e.Name())
		}
	})
	return dir
}

func TestExpand(t *testing.T) {
	sosDirSlash := filepath.ToSlash(sosDir) + "/"
	tests := []struct {
		arg     string
		form    Form
		want    []got
		skipped []Skip
	}{
		{
			arg:  td + "/procstack/8369.stack",
			form: File,
			want: []got{{Name: td + "/procstack/8369.stack", Kind: Unknown, Size: 185, From: "procstack/8369.stack"}},
		},
		{
			// Compressed, so its size on disk says nothing of the text.
			arg:  sosDir + "/var/log/messages-20171004.gz",
			form: File,
			want: []got{{Name: sosDir + "/var/log/messages-20171004.gz", Size: -1, From: "dmesg/arm32-4.14-rpi-syslog-nohost.txt"}},
		},
		{
			arg:  ffDir,
			form: TraceDir,
			want: []got{
				{Name: ffDir + "/out.10283", PID: 10283, Kind: Strace, Size: 14065, From: "strace/styles/ff/out.10283"},
				{Name: ffDir + "/out.10284", PID: 10284, Kind: Strace, Size: 465780, From: "strace/styles/ff/out.10284"},
				{Name: ffDir + "/out.10285", PID: 10285, Kind: Strace, Size: 465780, From: "strace/styles/ff/out.10285"},
			},
		},
		{
			// The -o prefix, as the user typed it to strace.
			arg:  ffDir + "/out",
			form: TraceDir,
			want: []got{
				{Name: ffDir + "/out.10283", PID: 10283, Kind: Strace, Size: 14065, From: "strace/styles/ff/out.10283"},
				{Name: ffDir + "/out.10284", PID: 10284, Kind: Strace, Size: 465780, From: "strace/styles/ff/out.10284"},
				{Name: ffDir + "/out.10285", PID: 10285, Kind: Strace, Size: 465780, From: "strace/styles/ff/out.10285"},
			},
		},
		{
			arg:     sosDir,
			form:    SosDir,
			want:    prefixed(sosDirSlash, sosDirWant),
			skipped: prefixedSkips(sosDirSlash, sosDirSkipped),
		},
		{
			arg:     sosTar,
			form:    SosTarball,
			want:    prefixed(sosTar+":", sosTarWant),
			skipped: prefixedSkips(sosTar+":", sosTarSkipped),
		},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.arg), func(t *testing.T) {
			withTmp(t)
			b, err := Expand(context.Background(), tt.arg, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.Form != tt.form {
				t.Errorf("Form = %v; want %v", b.Form, tt.form)
			}
			if diff := cmp.Diff(tt.want, view(t, b, fixtures)); diff != "" {
				t.Errorf("Expand(%q) Sources (-want +got):\n%s", tt.arg, diff)
			}
			if diff := cmp.Diff(tt.skipped, b.Skipped); diff != "" {
				t.Errorf("Expand(%q) Skipped (-want +got):\n%s", tt.arg, diff)
			}
		})
	}
}

// tarDir archives dir as sos does: everything under one top directory,
// links kept as links.
func tarDir(t testing.TB, dir, top string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if d.Type()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(filepath.Join(top, rel))
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzip(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The directory fixture, archived: the same choice whatever the
// compression, and whatever the file is called.
func TestExpandTarOfDir(t *testing.T) {
	raw := tarDir(t, sosDir, "sosreport-vm-lagtrace-2026-11-25-vxhufwz")
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"report.tar", raw},
		{"report.tar.gz", gz(t, raw)},
		{"report.bin", xzip(t, raw)},
	} {
		t.Run(c.name, func(t *testing.T) {
			withTmp(t)
			path := filepath.Join(t.TempDir(), c.name)
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := Expand(context.Background(), path, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if diff := cmp.Diff(prefixed(path+":", sosDirWant), view(t, b, fixtures)); diff != "" {
				t.Errorf("Sources (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(prefixedSkips(path+":", sosDirSkipped), b.Skipped); diff != "" {
				t.Errorf("Skipped (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpandStdin(t *testing.T) {
	withTmp(t)
	data, err := os.ReadFile(sosTar)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Expand(context.Background(), "-", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(prefixed("stdin:", sosTarWant), view(t, b, fixtures)); diff != "" {
		t.Errorf("tarball on stdin: Sources (-want +got):\n%s", diff)
	}
	if err := b.Close(); err != nil {
		t.Error(err)
	}

	stack := fixture(t, "procstack/8369.stack")
	b, err = Expand(context.Background(), "-", bytes.NewReader(gz(t, stack)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []got{{Name: "-", Size: -1, From: "procstack/8369.stack"}}
	if diff := cmp.Diff(want, view(t, b, fixtures)); diff != "" {
		t.Errorf("gzip on stdin: Sources (-want +got):\n%s", diff)
	}
	if _, err := b.Sources[0].Open(); err == nil {
		t.Error("standard input opened twice")
	}
}

// Empty, it is a plain file, one Source that yields nothing.
func TestExpandEmptyStdin(t *testing.T) {
	b, err := Expand(context.Background(), "-", strings.NewReader(""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]got{{Name: "-", Size: -1, From: "?"}}, view(t, b, nil)); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func tarOf(t testing.TB, members ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		body := "Oct 11 06:07:26 glustern1 kernel: INFO: task glusterfsd:26120 blocked for more than 120 seconds.\n"
		if err := tw.WriteHeader(&tar.Header{Name: m, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExpandErrors(t *testing.T) {
	deb, err := os.ReadFile(sosTar)
	if err != nil {
		t.Fatal(err)
	}
	raw := tarDir(t, sosDir, "sos")
	// Cut right after the data of the first file: archive/tar alone would
	// call this a clean end.
	var cutAt int64
	{
		c := &counter{r: bytes.NewReader(raw)}
		tr := tar.NewReader(c)
		for cutAt == 0 {
			hdr, err := tr.Next()
			if err != nil {
				t.Fatal(err)
			}
			if hdr.Typeflag == tar.TypeReg && hdr.Size > 100 {
				cutAt = c.n + (hdr.Size+511)/512*512
			}
		}
	}
	tests := []struct {
		name string
		arg  func(t *testing.T) string
		want string // in the error
	}{
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") }, "no such file"},
		{"empty dir", func(t *testing.T) string { return t.TempDir() }, "empty directory"},
		{"unrelated dir", func(t *testing.T) string { return td + "/procstack" }, "neither a sosreport"},
		{"two traces", func(t *testing.T) string {
			return writeFiles(t, map[string]string{"a.10": "x", "b.11": "y"})
		}, "files of two traces"},
		{"xz cut short", func(t *testing.T) string {
			return writeFile(t, "s.tar.xz", deb[:len(deb)/2])
		}, "cut short: unexpected EOF"},
		{"tar cut at a member", func(t *testing.T) string {
			return writeFile(t, "s.tar", raw[:cutAt])
		}, "without its end marker"},
		{"tar cut in a member", func(t *testing.T) string {
			return writeFile(t, "s.tar", raw[:cutAt-100])
		}, "cut short"},
		{"tar not a sosreport", func(t *testing.T) string {
			return writeFile(t, "s.tar", tarOf(t, "x/var/log/messages"))
		}, "not a sosreport"},
		{"sosreport without logs", func(t *testing.T) string {
			return writeFiles(t, map[string]string{"sos_commands/kernel/uname_-a": "Linux\n", "version.txt": "sosreport: 4.0\n"})
		}, "has no kernel log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withTmp(t)
			arg := tt.arg(t)
			b, err := Expand(context.Background(), arg, nil, Options{})
			if err == nil {
				b.Close()
				t.Fatalf("Expand(%q) succeeded; want an error with %q", arg, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), arg) {
				t.Errorf("Expand(%q) error = %q; want it to name the path and say %q", arg, err, tt.want)
			}
		})
	}
}

// Members named to climb out of the extraction directory are refused and
// listed; nothing is written outside the temp dir.
func TestExpandUnsafePaths(t *testing.T) {
	tmp := withTmp(t)
	data := tarOf(t,
		"sosreport-x/sos_commands/kernel/uname_-a",
		"../../var/log/messages",
		"sosreport-x/../../var/log/messages-20240101",
		"/var/log/messages-20240102",
		"sosreport-x/var/log/messages",
	)
	path := writeFile(t, "evil.tar", data)
	b, err := Expand(context.Background(), path, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range b.Sources {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{path + ":var/log/messages"}, names); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
	reason := "unsafe path: absolute or outside the archive"
	want := []Skip{
		{Name: path + ":sos_commands/kernel/uname_-a", Reason: reasonUnknown},
		{Name: path + ":../../var/log/messages", Reason: reason},
		{Name: path + ":sosreport-x/../../var/log/messages-20240101", Reason: reason},
		{Name: path + ":/var/log/messages-20240102", Reason: reason},
	}
	if diff := cmp.Diff(want, b.Skipped); diff != "" {
		t.Errorf("Skipped (-want +got):\n%s", diff)
	}
	// Everything extracted is inside one directory of tmp.
	filepath.WalkDir(filepath.Dir(tmp), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(p, b.tmp+string(filepath.Separator)) {
			t.Errorf("file outside the extraction dir: %s", p)
		}
		return nil
	})
	if err := b.Close(); err != nil {
		t.Error(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A directory holding one unpacked sosreport is that sosreport.
func TestExpandParentOfSosreport(t *testing.T) {
	parent := t.TempDir()
	dst := filepath.Join(parent, "sosreport-x")
	copyTree(t, sosDir, dst)
	b, err := Expand(context.Background(), parent, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(prefixed(dst+"/", sosDirWant), view(t, b, fixtures)); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Compressed -ff members keep their PID and lose their size.
func TestExpandCompressedTrace(t *testing.T) {
	small := fixture(t, "strace/styles/ff/out.10283")
	dir := writeFiles(t, map[string]string{
		"trace.20.gz": string(gz(t, small)),
		"trace.3":     string(small),
		"trace.100":   string(small),
	})
	b, err := Expand(context.Background(), dir, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	from := "strace/styles/ff/out.10283"
	want := []got{
		{Name: dir + "/trace.3", PID: 3, Kind: Strace, Size: int64(len(small)), From: from},
		{Name: dir + "/trace.20.gz", PID: 20, Kind: Strace, Size: -1, From: from},
		{Name: dir + "/trace.100", PID: 100, Kind: Strace, Size: int64(len(small)), From: from},
	}
	if diff := cmp.Diff(want, view(t, b, fixtures)); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
}
