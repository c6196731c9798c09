package redact

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/parse/crash"
	"github.com/lagtrace/lagtrace/parse/dmesg"
	"github.com/lagtrace/lagtrace/parse/procstack"
	"github.com/lagtrace/lagtrace/parse/strace"
)

func TestString(t *testing.T) {
	r := New()
	got := []string{
		r.String(Host, "web01"), r.String(Path, "/srv/a"), r.String(Host, "db"),
		r.String(Comm, "sh"), r.String(Path, "/srv/a"), r.String(Comm, "/srv/a"), r.String(Host, ""),
	}
	want := []string{"host1", "path1", "host2", "comm1", "path1", "path1", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("placeholders (-want +got):\n%s", diff)
	}
	if !r.Has("web01") || r.Has("web02") {
		t.Error("Has does not say which strings have placeholders")
	}
}

// Past maxNumbered strings of a kind, placeholders are keyed hashes:
// stable, distinct, and nothing more is kept in memory.
func TestStringHashed(t *testing.T) {
	r := New()
	r.count[Path] = maxNumbered
	a, b := r.String(Path, "/a"), r.String(Path, "/b")
	if !strings.HasPrefix(a, "path-") || a == b || a != r.String(Path, "/a") || len(r.seen) != 0 {
		t.Errorf("hashed placeholders %q, %q; %d kept", a, b, len(r.seen))
	}
}

func TestArgs(t *testing.T) {
	tests := []struct{ call, in, want string }{
		{"execve", `"/bin/sh", ["sh", "-c", "PGPASSWORD=s3cret psql"], 0x7ffd2b0e8f08 /* 21 vars */`,
			`"path1", [...], 0x7ffd2b0e8f08 /* 21 vars */`},
		{"execve", `"/usr/bin/env", ["env"], ["LANG=C", "TOKEN=x"]`, `"path2", [...], [...]`},
		{"execveat", `AT_FDCWD, "/bin/ls", ["ls"], NULL, 0`, `AT_FDCWD, "path3", [...], NULL, 0`},
		{"write", `1, "token=AKIA1234SECRET", 20`, `1, "...", 20`},
		{"read", `3</etc/shadow>, "root:$6$x"..., 4096`, `3<path4>, "..."..., 4096`},
		{"writev", `1, [{iov_base="secret", iov_len=6}], 1`, `1, [...], 1`},
		{"getdents64", `3</srv/Q&A plan>, [{d_ino=1, d_off=2, d_reclen=24, d_type=DT_REG, d_name="John's"}], 32768`,
			`3<path5>, [...], 32768`},
		{"openat", `AT_FDCWD, "/srv/Q&A plan", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY`, `AT_FDCWD, "path5", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY`},
		{"newfstatat", `AT_FDCWD, "ab", {st_mode=S_IFREG|0644, st_size=3}, AT_SYMLINK_NOFOLLOW`, `AT_FDCWD, "str1", {st_mode=S_IFREG|0644, st_size=3}, AT_SYMLINK_NOFOLLOW`},
		{"openat", `AT_FDCWD, "a\"b\\c\x41", O_RDONLY`, `AT_FDCWD, "str2", O_RDONLY`},
		{"connect", `3<TCP:[10.0.0.1:22->10.0.0.2:5555]>, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr("10.1.2.3")}, 16`,
			`3<path6>, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr("str3")}, 16`},
		{"openat", `AT_FDCWD, "/cut/short`, `AT_FDCWD, "path7"`},
		{"close", `3</srv/a>b>`, `3<path8>`},
	}
	r := New()
	for _, tt := range tests {
		got := string(r.Args(tt.call, []byte(tt.in)))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Args(%s, %s) (-want +got):\n%s", tt.call, tt.in, diff)
		}
	}
	if got := r.String(Str, `a"b\cA`); got != "str2" {
		t.Errorf("escaped string keyed as %q, want its unescaped value", got)
	}
}

// Event rewrites the event's strings in new slices, leaving the reader's
// buffers alone.
func TestEvent(t *testing.T) {
	args := []byte(`"/bin/sh", ["sh", "-c", "secret"], 0x1 /* 3 vars */`)
	path := []byte("/srv/dir")
	ev := &strace.Event{Name: []byte("execve"), Args: args, Path: path, Comm: []byte("zq"), Ret: []byte("3</srv/dir>"),
		Dirents: []strace.Dirent{{Name: []byte("keep")}}}
	r := New()
	r.Scrub(ev)
	got := []string{string(ev.Args), string(ev.Path), string(ev.Comm), string(ev.Ret), string(ev.Dirents[0].Name)}
	want := []string{`"path2", [...], 0x1 /* 3 vars */`, "path1", "comm1", "3<path1>", "keep"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	if string(args) != `"/bin/sh", ["sh", "-c", "secret"], 0x1 /* 3 vars */` || string(path) != "/srv/dir" {
		t.Error("Event wrote into the reader's buffers")
	}
}

// Record keeps the kernel's vocabulary and maps everything else, in every
// parser's records.
func TestRecord(t *testing.T) {
	r := New()
	d := &dmesg.Record{Kind: dmesg.KindTask, Line: 3, Text: "INFO: task zq:12 blocked for more than 120 seconds.",
		Task: &dmesg.Task{Comm: "zq", PID: 12, State: "D", Tainted: "Not tainted 6.18.0 #1",
			Frames: []dmesg.Frame{{Func: "iterate_dir", Module: "fuse", Source: "fs/readdir.c:97"}}},
		Blocker: &dmesg.Blocker{Lock: "rw-semaphore", Comm: "ls", OwnerComm: "Q&A_plan|v2", Role: "reader"}}
	r.Scrub(d)
	want := &dmesg.Record{Kind: dmesg.KindTask, Line: 3, Text: "str1",
		Task: &dmesg.Task{Comm: "comm1", PID: 12, State: "D", Tainted: "Not tainted 6.18.0 #1",
			Frames: []dmesg.Frame{{Func: "iterate_dir", Module: "fuse", Source: "fs/readdir.c:97"}}},
		Blocker: &dmesg.Blocker{Lock: "rw-semaphore", Comm: "comm2", OwnerComm: "comm3", Role: "reader"}}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("dmesg record (-want +got):\n%s", diff)
	}
	s := &procstack.Sample{PID: 7, Comm: "rsync -av /home/john /backup", State: "D", Frames: []procstack.Frame{{Func: "nfs_readdir", Module: "nfs"}}}
	r.Scrub(s)
	if s.Comm != "comm4" || s.Frames[0].Func != "nfs_readdir" || s.State != "D" {
		t.Errorf("procstack sample = %+v", s)
	}
	var c crash.Record = &crash.Struct{Command: "struct dentry.d_iname ffff8881", Type: "dentry", Addr: "ffff8881",
		Fields: []crash.Field{{Name: "d_iname", Value: `"secret.txt\000"`}, {Name: "d_inode", Value: "0xffff91fca5985500"}}}
	r.Scrub(c)
	st := c.(*crash.Struct)
	if st.Command != "str2" || st.Addr != "ffff8881" || st.Fields[0].Value != `"str3"` || st.Fields[1].Value != "0xffff91fca5985500" || st.Fields[0].Name != "d_iname" {
		t.Errorf("crash struct = %+v", st)
	}
}

func TestComparison(t *testing.T) {
	r := New()
	c := &correlate.Comparison{Origin: "marker:ab", Rows: []correlate.Row{{Name: "ab"}, {Name: "John's"}},
		Hosts:    []correlate.HostResult{{LastMarker: "John's"}},
		Warnings: []string{`marker "del\x7fx" is not in every host's listing`}}
	r.Comparison(c, []string{"del\x7fx"})
	got := []string{c.Origin, c.Rows[0].Name, c.Rows[1].Name, c.Hosts[0].LastMarker, c.Warnings[0]}
	want := []string{"marker:name1", "name1", "name2", "name2", `marker "name3" is not in every host's listing`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("comparison (-want +got):\n%s", diff)
	}
}

// quotedIn lists the unescaped content of every complete quoted string of
// strace arguments.
func quotedIn(args []byte) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] != '"' {
			continue
		}
		s, n := unquote(args[i:])
		if i+n <= len(args) && n >= 2 && args[i+n-1] == '"' {
			out = append(out, s)
		}
		i += n - 1
	}
	return out
}

// FuzzRedactor feeds strace lines and kernel log text through the readers
// and the redactor: it must not panic, and no quoted argument, path or
// command name of the input may survive in the redacted events and
// records.
func FuzzRedactor(f *testing.F) {
	f.Add([]byte("1795647018.442789 execve(\"/bin/sh\", [\"sh\", \"-c\", \"PGPASSWORD=s3cret psql\"], 0x7ffd /* 21 vars */) = 0\n" +
		"1795647018.442790 write(1</dev/pts/0>, \"token=AKIA1234SECRET\", 20) = 20\n" +
		"1795647018.442791 openat(AT_FDCWD, \"/srv/Q&A plan\", O_RDONLY|O_DIRECTORY) = 3</srv/Q&A plan>\n" +
		"1795647018.442792 getdents64(3, [{d_ino=1, d_off=2, d_reclen=24, d_type=DT_REG, d_name=\"John's\"}], 32768) = 24\n"))
	f.Add([]byte("[  242.6] INFO: task zq:12 blocked for more than 120 seconds.\n[  242.6]       Not tainted 6.18.0 #1\n" +
		"[  242.6] task:zq              state:D stack:0     pid:12    tgid:12    ppid:1      flags:0x00004002\n" +
		"[  242.6] Call Trace:\n[  242.6]  <TASK>\n[  242.6]  __schedule+0x3ac/0xa60\n[  242.6]  iterate_dir+0x86/0x2a0\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := New()
		sr := strace.NewReader(bytes.NewReader(in), strace.Options{Name: "f"})
		for sr.Next() {
			ev := sr.Event()
			origArgs, origPath, origComm := string(ev.Args), string(ev.Path), string(ev.Comm)
			r.Scrub(ev)
			after := map[string]bool{}
			for _, s := range quotedIn(ev.Args) {
				after[s] = true
			}
			for _, s := range quotedIn([]byte(origArgs)) {
				if s != "" && s != "..." && after[s] && !r.isPlaceholder(s) {
					t.Errorf("%q survives in %q (from %q)", s, ev.Args, origArgs)
				}
			}
			if origPath != "" && string(ev.Path) == origPath && !r.isPlaceholder(origPath) {
				t.Errorf("path %q kept", origPath)
			}
			if origComm != "" && string(ev.Comm) == origComm && !r.isPlaceholder(origComm) {
				t.Errorf("comm %q kept", origComm)
			}
		}
		dr := dmesg.NewReader(bytes.NewReader(in), dmesg.Options{Name: "f"})
		for dr.Next() {
			rec := dr.Record()
			var comms []string
			if rec.Task != nil {
				comms = append(comms, rec.Task.Comm)
			}
			if rec.Blocker != nil {
				comms = append(comms, rec.Blocker.Comm, rec.Blocker.OwnerComm)
			}
			r.Scrub(rec)
			var after []string
			if rec.Task != nil {
				after = append(after, rec.Task.Comm)
			}
			if rec.Blocker != nil {
				after = append(after, rec.Blocker.Comm, rec.Blocker.OwnerComm)
			}
			for i, c := range comms {
				if c != "" && after[i] == c && !r.isPlaceholder(c) {
					t.Errorf("dmesg comm %q kept", c)
				}
			}
		}
	})
}

// isPlaceholder reports whether s is one of r's placeholders: an input may
// spell one ("path1") before it is handed out.
func (r *Redactor) isPlaceholder(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.seen {
		if p == s {
			return true
		}
	}
	return false
}
