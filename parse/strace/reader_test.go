package strace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// simple is a comparable copy of the Event fields a test cares about.
type simple struct {
	Kind       Kind
	Line       int
	ResumeLine int    `cmp:",omitempty"`
	ContLines  [2]int `cmp:",omitempty"`
	PID        int
	Comm       string
	Time       string // "-" when HasTime is false
	Return     string
	Dur        string
	Name       string
	Args       string
	Ret        string
	RetVal     string // "-" when !RetOK
	Errno      string
	Unfinished bool
	Exit       string // "0", "SIGKILL"
	Fd         string // "3:/mnt/dir", "3:", or "" when Fd is -1
	Dirents    []string
	Count      string // "312", "25 abbreviated", "25+ abbreviated", "2 truncated"
}

func simplify(e *Event) simple {
	s := simple{
		Kind: e.Kind, Line: e.Line, ResumeLine: e.ResumeLine, ContLines: e.ContLines, PID: e.PID, Comm: string(e.Comm),
		Time: "-", Return: "-", Dur: "-",
		Name: string(e.Name), Args: string(e.Args), Ret: string(e.Ret), RetVal: "-",
		Errno: string(e.Errno), Unfinished: e.Unfinished,
	}
	if e.HasTime {
		s.Time = fmt.Sprint(e.Time)
	}
	if e.HasReturn {
		s.Return = fmt.Sprint(e.Return)
	}
	if e.HasDuration {
		s.Dur = fmt.Sprint(e.Duration)
	}
	if e.RetOK {
		s.RetVal = fmt.Sprint(e.RetVal)
	}
	if e.Kind == Exit {
		s.Exit = fmt.Sprint(e.ExitCode)
		if e.KilledBy != nil {
			s.Exit = string(e.KilledBy)
		}
	}
	if e.Fd != -1 || e.Path != nil {
		s.Fd = fmt.Sprintf("%d:%s", e.Fd, e.Path)
	}
	for _, d := range e.Dirents {
		s.Dirents = append(s.Dirents, fmt.Sprintf("%q %d %s", d.Name, d.Ino, d.Type))
	}
	if isGetdents(e) && e.RetOK && e.RetVal >= 0 {
		s.Count = fmt.Sprint(e.DirentCount)
		if e.DirentCountAtLeast {
			s.Count += "+"
		}
		if e.DirentsAbbreviated {
			s.Count += " abbreviated"
		}
	}
	if e.DirentsTruncated {
		s.Count += " truncated"
	}
	return s
}

func isGetdents(e *Event) bool {
	return string(e.Name) == "getdents64" || string(e.Name) == "getdents"
}

func readAll(t *testing.T, in string, opts Options) ([]simple, *Reader) {
	t.Helper()
	r := NewReader(strings.NewReader(in), opts)
	var got []simple
	for r.Next() {
		got = append(got, simplify(r.Event()))
		if len(got) > 1e6 {
			t.Fatal("no end")
		}
	}
	return got, r
}

func TestReader(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		opts  Options
		want  []simple
		skips Skips
	}{
		{
			name: "o f pid column ttt getdents64",
			// strace 6.1, -ttt -f -v -o (testdata/strace-layouts/ttt-f-v.strace, shortened array)
			in: "8873  1795647018.374275 openat(AT_FDCWD, \"small\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 3\n" +
				"8873  1795647018.374414 getdents64(3, [{d_ino=9978598, d_off=4294967296, d_reclen=24, d_type=DT_DIR, d_name=\".\"}, {d_ino=9978900, d_off=1, d_reclen=32, d_type=DT_REG, d_name=\"with \\\"quote\"}, {d_ino=9978901, d_off=2, d_reclen=32, d_type=DT_REG, d_name=\"new\\nline\"}, {d_ino=9978904, d_off=3, d_reclen=40, d_type=DT_REG, d_name=\"\\303\\274tf8\"}, {d_ino=9978906, d_off=4, d_reclen=32, d_type=DT_REG, d_name=\"paren) = 3\"}], 32768) = 9976\n" +
				"8873  1795647018.374966 getdents64(3, [], 32768) = 0\n" +
				"8873  1795647018.375001 close(3)                = 0\n" +
				"8873  1795647018.376000 getdents64(3, [], 32768) = -1 EBADF (Bad file descriptor)\n",
			want: []simple{
				{Kind: Call, Line: 1, PID: 8873, Time: "1795647018374275000", Return: "-", Dur: "-", Name: "openat", Args: `AT_FDCWD, "small", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY`, Ret: "3", RetVal: "3", Fd: "3:small"},
				{Kind: Call, Line: 2, PID: 8873, Time: "1795647018374414000", Return: "-", Dur: "-", Name: "getdents64",
					Args: `3, [{d_ino=9978598, d_off=4294967296, d_reclen=24, d_type=DT_DIR, d_name="."}, {d_ino=9978900, d_off=1, d_reclen=32, d_type=DT_REG, d_name="with \"quote"}, {d_ino=9978901, d_off=2, d_reclen=32, d_type=DT_REG, d_name="new\nline"}, {d_ino=9978904, d_off=3, d_reclen=40, d_type=DT_REG, d_name="\303\274tf8"}, {d_ino=9978906, d_off=4, d_reclen=32, d_type=DT_REG, d_name="paren) = 3"}], 32768`,
					Ret:  "9976", RetVal: "9976", Fd: "3:small",
					Dirents: []string{`"." 9978598 DIR`, `"with \"quote" 9978900 REG`, `"new\nline" 9978901 REG`, `"ütf8" 9978904 REG`, `"paren) = 3" 9978906 REG`}, Count: "5"},
				{Kind: Call, Line: 3, PID: 8873, Time: "1795647018374966000", Return: "-", Dur: "-", Name: "getdents64", Args: "3, [], 32768", Ret: "0", RetVal: "0", Fd: "3:small", Count: "0"},
				{Kind: Call, Line: 4, PID: 8873, Time: "1795647018375001000", Return: "-", Dur: "-", Name: "close", Args: "3", Ret: "0", RetVal: "0", Fd: "3:small"},
				{Kind: Call, Line: 5, PID: 8873, Time: "1795647018376000000", Return: "-", Dur: "-", Name: "getdents64", Args: "3, [], 32768", Ret: "-1 EBADF (Bad file descriptor)", RetVal: "-1", Errno: "EBADF", Fd: "3:"},
			},
		},
		{
			name: "tt T y abbreviated",
			// strace 6.1 -f -tt -T -y -o (testdata/strace-layouts/tt-T-y.strace)
			in: "8877  22:50:18.391642 getdents64(3</tmp/lt/small>, 0x55cbb344c2a0 /* 312 entries */, 32768) = 9976 <0.000137>\n" +
				"8877  22:50:18.392057 getdents64(3</tmp/lt/small>, 0x55cbb344c2a0 /* 0 entries */, 32768) = 0 <0.000033>\n",
			opts: Options{Date: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)},
			want: []simple{
				{Kind: Call, Line: 1, PID: 8877, Time: "1795647018391642000", Return: "-", Dur: "137000", Name: "getdents64", Args: "3</tmp/lt/small>, 0x55cbb344c2a0 /* 312 entries */, 32768", Ret: "9976", RetVal: "9976", Fd: "3:/tmp/lt/small", Count: "312 abbreviated"},
				{Kind: Call, Line: 2, PID: 8877, Time: "1795647018392057000", Return: "-", Dur: "33000", Name: "getdents64", Args: "3</tmp/lt/small>, 0x55cbb344c2a0 /* 0 entries */, 32768", Ret: "0", RetVal: "0", Fd: "3:/tmp/lt/small", Count: "0 abbreviated"},
			},
		},
		{
			name: "clock rollover at midnight",
			in:   "23:59:59.900000 getpid() = 7\n00:00:00.100000 getpid() = 7\n",
			want: []simple{
				{Kind: Call, Line: 1, Time: "86399900000000", Return: "-", Dur: "-", Name: "getpid", Ret: "7", RetVal: "7"},
				{Kind: Call, Line: 2, Time: "86400100000000", Return: "-", Dur: "-", Name: "getpid", Ret: "7", RetVal: "7"},
			},
		},
		{
			name: "relative stamps accumulate",
			// strace 6.1 -f -r -o (testdata/strace-layouts/f-r-v.strace)
			in: "8885       0.000000 brk(NULL)           = 0x55a148db2000\n" +
				"8885       0.000346 access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such file or directory)\n" +
				"8885       0.000531 getpid() = 8885\n",
			want: []simple{
				{Kind: Call, Line: 1, PID: 8885, Time: "0", Return: "-", Dur: "-", Name: "brk", Args: "NULL", Ret: "0x55a148db2000", RetVal: "94151200415744"},
				{Kind: Call, Line: 2, PID: 8885, Time: "346000", Return: "-", Dur: "-", Name: "access", Args: `"/etc/ld.so.preload", R_OK`, Ret: "-1 ENOENT (No such file or directory)", RetVal: "-1", Errno: "ENOENT"},
				{Kind: Call, Line: 3, PID: 8885, Time: "877000", Return: "-", Dur: "-", Name: "getpid", Ret: "8885", RetVal: "8885"},
			},
		},
		{
			name: "unfinished resumed interleaved, 5.x and 4.x spacing",
			// strace 6.1 (testdata/strace-layouts/decode-pids-comm.strace) and a
			// published strace 4.x trace ("resumed> , NULL)").
			in: "8904<sh> 1795647018.490215 set_robust_list(0x7f12c536aa20, 24 <unfinished ...>\n" +
				"8903<sh> 1795647018.490264 openat(AT_FDCWD, \"/dev/null\", O_WRONLY|O_CREAT|O_TRUNC, 0666 <unfinished ...>\n" +
				"8904<sh> 1795647018.490282 <... set_robust_list resumed>) = 0\n" +
				"8903<sh> 1795647018.490317 <... openat resumed>) = 3\n" +
				"[pid  5804] 1414528580.047219 sigaltstack({ss_sp=0xc208064000, ss_flags=0, ss_size=32768} <unfinished ...>\n" +
				"[pid  5803] 1414528580.047173 rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>\n" +
				"[pid  5803] 1414528580.047258 <... rt_sigprocmask resumed> NULL, 8) = 0\n" +
				"[pid  5804] 1414528580.047286 <... sigaltstack resumed> , NULL) = 0\n",
			want: []simple{
				{Kind: Call, Line: 1, ResumeLine: 3, PID: 8904, Comm: "sh", Time: "1795647018490215000", Return: "1795647018490282000", Dur: "-", Name: "set_robust_list", Args: "0x7f12c536aa20, 24", Ret: "0", RetVal: "0"},
				{Kind: Call, Line: 2, ResumeLine: 4, PID: 8903, Comm: "sh", Time: "1795647018490264000", Return: "1795647018490317000", Dur: "-", Name: "openat", Args: `AT_FDCWD, "/dev/null", O_WRONLY|O_CREAT|O_TRUNC, 0666`, Ret: "3", RetVal: "3", Fd: "3:/dev/null"},
				{Kind: Call, Line: 6, ResumeLine: 7, PID: 5803, Time: "1414528580047173000", Return: "1414528580047258000", Dur: "-", Name: "rt_sigprocmask", Args: "SIG_SETMASK, [], NULL, 8", Ret: "0", RetVal: "0"},
				{Kind: Call, Line: 5, ResumeLine: 8, PID: 5804, Time: "1414528580047219000", Return: "1414528580047286000", Dur: "-", Name: "sigaltstack", Args: "{ss_sp=0xc208064000, ss_flags=0, ss_size=32768}, NULL", Ret: "0", RetVal: "0"},
			},
		},
		{
			name: "orphaned by exit, by kill and at EOF",
			// Small stamps read as -r deltas, which add up.
			in: "100 1.000000 read(3,  <unfinished ...>\n" +
				"200 1.100000 getdents64(4 <unfinished ...>\n" +
				"100 1.200000 +++ killed by SIGKILL (core dumped) +++\n" +
				"300 1.300000 wait4(-1,  <unfinished ...>\n" +
				"300 1.400000 +++ exited with 3 +++\n",
			want: []simple{
				{Kind: Call, Line: 1, PID: 100, Time: "1000000000", Return: "-", Dur: "-", Name: "read", Args: "3, ", RetVal: "-", Unfinished: true, Fd: "3:"},
				{Kind: Exit, Line: 3, PID: 100, Time: "3300000000", Return: "-", Dur: "-", RetVal: "-", Exit: "SIGKILL"},
				{Kind: Call, Line: 4, PID: 300, Time: "4600000000", Return: "-", Dur: "-", Name: "wait4", Args: "-1, ", RetVal: "-", Unfinished: true},
				{Kind: Exit, Line: 5, PID: 300, Time: "6000000000", Return: "-", Dur: "-", RetVal: "-", Exit: "3"},
				{Kind: Call, Line: 2, PID: 200, Time: "2100000000", Return: "-", Dur: "-", Name: "getdents64", Args: "4", RetVal: "-", Unfinished: true, Fd: "4:"},
			},
		},
		{
			name: "signals, info, stack, unavailable, restart",
			// strace 6.1 (testdata/strace-layouts/k.strace, stderr-f-ttt-v.strace)
			in: "[pid  8891] 1795647018.456159 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=8893, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---\n" +
				"strace: Process 8892 attached\n" +
				"8909  1795647018.509555 openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3\n" +
				" > /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2(_dl_catch_error+0x869d) [0x20b1d]\n" +
				"8909  1795647018.6 exit_group(0)                           = ?\n" +
				"8909  1795647018.7 read(0, 0x7ffd, 8192) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n" +
				"8909  1795647018.8 read(0,  <unfinished ...>) = ? <unavailable>\n",
			want: []simple{
				{Kind: Signal, Line: 1, PID: 8891, Time: "1795647018456159000", Return: "-", Dur: "-", Name: "SIGCHLD", RetVal: "-"},
				{Kind: Info, Line: 2, PID: 8892, Time: "-", Return: "-", Dur: "-", Name: "strace: Process 8892 attached", RetVal: "-"},
				{Kind: Call, Line: 3, PID: 8909, Time: "1795647018509555000", Return: "-", Dur: "-", Name: "openat", Args: `AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC`, Ret: "3", RetVal: "3", Fd: "3:/etc/ld.so.cache"},
				{Kind: Stack, Line: 4, PID: 8909, Time: "-", Return: "-", Dur: "-", Name: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2(_dl_catch_error+0x869d) [0x20b1d]", RetVal: "-"},
				{Kind: Call, Line: 5, PID: 8909, Time: "1795647018600000000", Return: "-", Dur: "-", Name: "exit_group", Args: "0", Ret: "?", RetVal: "-"},
				{Kind: Call, Line: 6, PID: 8909, Time: "1795647018700000000", Return: "-", Dur: "-", Name: "read", Args: "0, 0x7ffd, 8192", Ret: "? ERESTARTSYS (To be restarted if SA_RESTART is set)", RetVal: "-", Errno: "ERESTARTSYS", Fd: "0:"},
				{Kind: Call, Line: 7, PID: 8909, Time: "1795647018800000000", Return: "-", Dur: "-", Name: "read", Args: "0,  <unfinished ...>", Ret: "? <unavailable>", RetVal: "-", Fd: "0:"},
			},
		},
		{
			name: "stderr prefix switch and split clone line",
			// strace 6.1 -f -ttt to stderr (testdata/strace-layouts/stderr-f-ttt-v.strace)
			in: "1795647018.438979 openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3\n" +
				"1795647018.442789 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLDstrace: Process 8892 attached\n" +
				", child_tidptr=0x7f763ebeca10) = 8892\n" +
				"[pid  8892] 1795647018.442942 set_robust_list(0x7f763ebeca20, 24 <unfinished ...>\n" +
				"[pid  8891] 1795647018.442986 close(3 <unfinished ...>\n" +
				"[pid  8892] 1795647018.443004 <... set_robust_list resumed>) = 0\n" +
				"[pid  8891] 1795647018.443037 <... close resumed>) = 0\n" +
				"[pid  8892] 1795647018.456037 +++ exited with 0 +++\n" +
				"1795647018.458045 +++ exited with 0 +++\n",
			want: []simple{
				{Kind: Call, Line: 1, Time: "1795647018438979000", Return: "-", Dur: "-", Name: "openat", Args: `AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC`, Ret: "3", RetVal: "3", Fd: "3:/etc/ld.so.cache"},
				{Kind: Info, Line: 2, PID: 8892, Time: "-", Return: "-", Dur: "-", Name: "strace: Process 8892 attached", RetVal: "-"},
				{Kind: Call, Line: 2, ContLines: [2]int{3, 0}, Time: "1795647018442789000", Return: "-", Dur: "-", Name: "clone", Args: "child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f763ebeca10", Ret: "8892", RetVal: "8892"},
				{Kind: Call, Line: 4, ResumeLine: 6, PID: 8892, Time: "1795647018442942000", Return: "1795647018443004000", Dur: "-", Name: "set_robust_list", Args: "0x7f763ebeca20, 24", Ret: "0", RetVal: "0"},
				{Kind: Call, Line: 5, ResumeLine: 7, PID: 8891, Time: "1795647018442986000", Return: "1795647018443037000", Dur: "-", Name: "close", Args: "3", Ret: "0", RetVal: "0", Fd: "3:/etc/ld.so.cache"},
				{Kind: Exit, Line: 8, PID: 8892, Time: "1795647018456037000", Return: "-", Dur: "-", RetVal: "-", Exit: "0"},
				{Kind: Exit, Line: 9, PID: 8891, Time: "1795647018458045000", Return: "-", Dur: "-", RetVal: "-", Exit: "0"},
			},
		},
		{
			name: "fd tracking: dup, fcntl F_DUPFD, close, reuse, per pid",
			in: "1 open(\"/a\", O_RDONLY) = 3\n" +
				"2 openat(AT_FDCWD, \"rel/b\", O_RDONLY) = 3\n" +
				"1 dup2(3, 7) = 7\n" +
				"1 fcntl(3, F_DUPFD_CLOEXEC, 10) = 10\n" +
				"1 close(3) = 0\n" +
				"1 getdents64(7, [], 32768) = 0\n" +
				"1 getdents64(3, [], 32768) = 0\n" +
				"2 getdents64(3, [], 32768) = 0\n" +
				"1 openat(AT_FDCWD</home>, \"c\", O_RDONLY) = 3</home/c>\n" +
				"1 getdents64(10, [], 32768) = 0\n",
			want: []simple{
				{Kind: Call, Line: 1, PID: 1, Time: "-", Return: "-", Dur: "-", Name: "open", Args: `"/a", O_RDONLY`, Ret: "3", RetVal: "3", Fd: "3:/a"},
				{Kind: Call, Line: 2, PID: 2, Time: "-", Return: "-", Dur: "-", Name: "openat", Args: `AT_FDCWD, "rel/b", O_RDONLY`, Ret: "3", RetVal: "3", Fd: "3:rel/b"},
				{Kind: Call, Line: 3, PID: 1, Time: "-", Return: "-", Dur: "-", Name: "dup2", Args: "3, 7", Ret: "7", RetVal: "7", Fd: "7:/a"},
				{Kind: Call, Line: 4, PID: 1, Time: "-", Return: "-", Dur: "-", Name: "fcntl", Args: "3, F_DUPFD_CLOEXEC, 10", Ret: "10", RetVal: "10", Fd: "10:/a"},
				{Kind: Call, Line: 5, PID: 1, Time: "-", Return: "-", Dur: "-", Name: "close", Args: "3", Ret: "0", RetVal: "0", Fd: "3:/a"},
				{Kind: Call, Line: 6, PID: 1, Time: "-", Return: "-", Dur: "-", Name: "getdents64", Args: "7, [], 32768", Ret: "0", RetVal: "0", Fd: "7:/a", Count: "0"},
				{Kind: Call, Line: 7, PID: 1, Time: "-", Return: "-", Dur: "-", Name: "getdents64", Args: "3, [], 32768", Ret: "0", RetVal: "0", Fd: "3:", Count: "0"},
				{Kind: Call, Line: 8, PID: 2, Time: "-", Return: "-", Dur: "-", Name: "getdents64", Args: "3, [], 32768", Ret: "0", RetVal: "0", Fd: "3:rel/b", Count: "0"},
				{Kind: Call, Line: 9, PID: 1, Time: "-", Return: "-", Dur: "-", Name: "openat", Args: `AT_FDCWD</home>, "c", O_RDONLY`, Ret: "3</home/c>", RetVal: "3", Fd: "3:/home/c"},
				{Kind: Call, Line: 10, PID: 1, Time: "-", Return: "-", Dur: "-", Name: "getdents64", Args: "10, [], 32768", Ret: "0", RetVal: "0", Fd: "10:/a", Count: "0"},
			},
		},
		{
			name: "strace 4.10 and 4.9 layouts, X verbose, hex, truncated array",
			// Formats from strace's dirent.c at v4.9 and v4.10 and
			// xgetdents.c; names and numbers from the fixtures.
			in: "getdents64(3, {{d_ino=256, d_off=1, d_reclen=24, d_type=DT_DIR, d_name=\".\"} {d_ino=11521, d_off=3, d_reclen=24, d_type=DT_DIR, d_name=\"s\\\"de\"}}, 4096) = 48\n" +
				"getdents64(3, {{d_ino=256, d_off=1, d_type=DT_DIR, d_reclen=24, d_name=\"a\"} {d_ino=1, d_off=2, d_type=DT_DIR, d_reclen=24, d_name=\"b\"b\\n\"}}, 4096) = 48\n" +
				"getdents(3, {{d_ino=393219, d_off=1, d_reclen=32, d_name=\".ICE-unix\", d_type=DT_DIR} {d_ino=2, d_off=2, d_reclen=24, d_name=\"..\", d_type=DT_DIR}}, 32768) = 56 <0.000038>\n" +
				"getdents(3, {}, 4096) = 0\n" +
				"getdents64(3, [{d_ino=9978598, d_off=4294967296, d_reclen=24, d_type=0x4 /* DT_DIR */, d_name=\"\\x2e\"}, {d_ino=9, d_off=5, d_reclen=24, d_type=0x8, d_name=\"x\"}, ...], 32768) = 9976\n" +
				"getdents64(3, /* 25+ entries */, 32768) = 1024\n",
			want: []simple{
				{Kind: Call, Line: 1, Time: "-", Return: "-", Dur: "-", Name: "getdents64", Args: `3, {{d_ino=256, d_off=1, d_reclen=24, d_type=DT_DIR, d_name="."} {d_ino=11521, d_off=3, d_reclen=24, d_type=DT_DIR, d_name="s\"de"}}, 4096`, Ret: "48", RetVal: "48", Fd: "3:", Dirents: []string{`"." 256 DIR`, `"s\"de" 11521 DIR`}, Count: "2"},
				{Kind: Call, Line: 2, Time: "-", Return: "-", Dur: "-", Name: "getdents64", Args: `3, {{d_ino=256, d_off=1, d_type=DT_DIR, d_reclen=24, d_name="a"} {d_ino=1, d_off=2, d_type=DT_DIR, d_reclen=24, d_name="b"b\n"}}, 4096`, Ret: "48", RetVal: "48", Fd: "3:", Dirents: []string{`"a" 256 DIR`, `"b\"b\\n" 1 DIR`}, Count: "2"},
				{Kind: Call, Line: 3, Time: "-", Return: "-", Dur: "38000", Name: "getdents", Args: `3, {{d_ino=393219, d_off=1, d_reclen=32, d_name=".ICE-unix", d_type=DT_DIR} {d_ino=2, d_off=2, d_reclen=24, d_name="..", d_type=DT_DIR}}, 32768`, Ret: "56", RetVal: "56", Fd: "3:", Dirents: []string{`".ICE-unix" 393219 DIR`, `".." 2 DIR`}, Count: "2"},
				{Kind: Call, Line: 4, Time: "-", Return: "-", Dur: "-", Name: "getdents", Args: "3, {}, 4096", Ret: "0", RetVal: "0", Fd: "3:", Count: "0"},
				{Kind: Call, Line: 5, Time: "-", Return: "-", Dur: "-", Name: "getdents64", Args: `3, [{d_ino=9978598, d_off=4294967296, d_reclen=24, d_type=0x4 /* DT_DIR */, d_name="\x2e"}, {d_ino=9, d_off=5, d_reclen=24, d_type=0x8, d_name="x"}, ...], 32768`, Ret: "9976", RetVal: "9976", Fd: "3:", Dirents: []string{`"." 9978598 DIR`, `"x" 9 REG`}, Count: "2 truncated"},
				{Kind: Call, Line: 6, Time: "-", Return: "-", Dur: "-", Name: "getdents64", Args: "3, /* 25+ entries */, 32768", Ret: "1024", RetVal: "1024", Fd: "3:", Count: "25+ abbreviated"},
			},
		},
		{
			name: "skips counted and located; CRLF; NUL; invalid UTF-8; truncated last line",
			in:   "getpid() = 1\r\nhello world\x00\xff\n\n   \ngetpid() = 2\r\ngetpid(",
			opts: Options{PID: 42},
			want: []simple{
				{Kind: Call, Line: 1, PID: 42, Time: "-", Return: "-", Dur: "-", Name: "getpid", Ret: "1", RetVal: "1"},
				{Kind: Call, Line: 5, PID: 42, Time: "-", Return: "-", Dur: "-", Name: "getpid", Ret: "2", RetVal: "2"},
			},
			skips: Skips{Count: 2, FirstLine: 2, FirstText: "hello world\x00\xff"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := readAll(t, tt.in, tt.opts)
			if err := r.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.skips, r.Skipped()); diff != "" {
				t.Errorf("Skipped() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotStrace(t *testing.T) {
	in := "\n" + strings.Repeat("[316100.086897] INFO: task rsync:3621271 blocked for more than 120 seconds.\n", 100)
	got, r := readAll(t, in, Options{Name: "dmesg.txt"})
	if len(got) != 0 {
		t.Errorf("got %d events from non-strace input", len(got))
	}
	err := r.Err()
	if !errors.Is(err, ErrNotStrace) {
		t.Fatalf("Err() = %v, want ErrNotStrace", err)
	}
	want := `dmesg.txt:2: not strace output: "[316100.086897] INFO: task rsync:3621271 blocked for more th"`
	if err.Error() != want {
		t.Errorf("Err() = %q, want %q", err, want)
	}
	if Sniff([]byte(in)) {
		t.Error("Sniff(dmesg) = true")
	}
	if !Sniff([]byte("8873  1795647018.374966 getdents64(3, [], 32768) = 0\n")) {
		t.Error("Sniff(strace) = false")
	}
}

// A file shorter than the sniffing window in which nothing parses (a PNG
// given by mistake) is refused at its end, not read as a trace with skips.
func TestNotStraceShort(t *testing.T) {
	_, r := readAll(t, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Options{Name: "photo.png"})
	if err := r.Err(); !errors.Is(err, ErrNotStrace) {
		t.Errorf("Err() = %v, want ErrNotStrace", err)
	}
}

func TestLongLine(t *testing.T) {
	var b strings.Builder
	b.WriteString("getdents64(3, [")
	n := 0
	for b.Len() < 3<<20 {
		if n > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{d_ino=%d, d_off=%d, d_reclen=48, d_type=DT_REG, d_name="%030d"}`, n, n, n)
		n++
	}
	b.WriteString("], 32768) = 1234\n")
	r := NewReader(strings.NewReader(b.String()), Options{})
	if !r.Next() {
		t.Fatalf("Next() = false; Err() = %v, Skipped() = %+v", r.Err(), r.Skipped())
	}
	e := r.Event()
	if len(e.Dirents) != n || e.DirentCount != n {
		t.Errorf("decoded %d dirents (count %d), want %d", len(e.Dirents), e.DirentCount, n)
	}
	if got, want := string(e.Dirents[n-1].Name), fmt.Sprintf("%030d", n-1); got != want {
		t.Errorf("last name = %q, want %q", got, want)
	}
}

func TestPIDFromName(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"out.1234", 1234, true},
		{"/tmp/trace.strace.77", 77, true},
		{"B.strace", 0, false},
		{"1234", 0, false},
		{"out.", 0, false},
	}
	for _, tt := range tests {
		got, ok := PIDFromName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("PIDFromName(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestMaxPending: past MaxPending waiting calls, an unfinished line is
// delivered at once and its resumed line later as a call without its
// start; every line is still in an event, and Dropped counts the calls.
func TestMaxPending(t *testing.T) {
	var in strings.Builder
	for pid := 1; pid <= 6; pid++ {
		fmt.Fprintf(&in, "%d 1700000000.00000%d read(0, <unfinished ...>\n", pid, pid)
	}
	for pid := 1; pid <= 6; pid++ {
		fmt.Fprintf(&in, "%d 1700000001.00000%d <... read resumed>\"x\", 1) = 1\n", pid, pid)
	}
	r := NewReader(strings.NewReader(in.String()), Options{Name: "t", MaxPending: 4})
	type ev struct {
		PID, Line, ResumeLine int
		Unfinished            bool
	}
	var got []ev
	for r.Next() {
		e := r.Event()
		got = append(got, ev{e.PID, e.Line, e.ResumeLine, e.Unfinished})
	}
	want := []ev{
		{5, 5, 0, true}, {6, 6, 0, true}, // delivered at once: four wait already
		{1, 1, 7, false}, {2, 2, 8, false}, {3, 3, 9, false}, {4, 4, 10, false},
		{5, 11, 11, false}, {6, 12, 12, false}, // resumed without their start
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if d := r.Dropped(); d.Unjoined != 2 {
		t.Errorf("Dropped().Unjoined = %d; want 2", d.Unjoined)
	}
}

// TestManyProcessesCostNoTables: lines of 200,000 processes that open
// nothing leave no per-process state in the reader.
func TestManyProcessesCostNoTables(t *testing.T) {
	var in strings.Builder
	for pid := 1; pid <= 200_000; pid++ {
		fmt.Fprintf(&in, "%d 1700000000.000001 getpid() = %d\n", pid, pid)
	}
	r := NewReader(strings.NewReader(in.String()), Options{Name: "t"})
	n := 0
	for r.Next() {
		n++
	}
	if n != 200_000 || len(r.fds) != 0 || len(r.pending) != 0 {
		t.Errorf("%d events, %d fd tables, %d pending; want 200000, 0, 0", n, len(r.fds), len(r.pending))
	}
}

// TestReaderAllocationsDoNotGrowWithLines: the reader's buffers reach
// their size on the first long lines and are reused; four times the lines
// take no more allocations (the 66 KB-line ls capture, repeated).
func TestReaderAllocationsDoNotGrowWithLines(t *testing.T) {
	f, err := os.Open("../../testdata/strace-layouts/ls-20k.strace.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	one, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	four := bytes.Repeat(one, 4)
	allocs := func(data []byte) float64 {
		return testing.AllocsPerRun(3, func() {
			r := NewReader(bytes.NewReader(data), Options{Name: "ls"})
			for r.Next() {
			}
		})
	}
	a1, a4 := allocs(one), allocs(four)
	if a4 > a1+2 {
		t.Errorf("reading 1x the capture allocates %v times, 4x %v; want no growth with the number of lines", a1, a4)
	}
}
