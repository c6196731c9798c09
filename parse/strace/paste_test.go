package strace

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// call is what TestPasted compares of an event.
type call struct {
	Kind Kind
	Line int
	PID  int
	Name string
	Args string
	Ret  string
	// Count is DirentCount for getdents, "calls/errors/ns" for a
	// Summary row.
	Count string
}

func brief(e *Event) call {
	c := call{Kind: e.Kind, Line: e.Line, PID: e.PID, Name: string(e.Name), Args: string(e.Args), Ret: string(e.Ret)}
	switch {
	case e.Kind == Summary:
		c.Count = fmt.Sprintf("%d/%d/%d", e.Calls, e.Errors, e.Duration)
	case isGetdents(e) && e.RetOK:
		c.Count = fmt.Sprint(e.DirentCount)
	}
	return c
}

// accounting is how the lines of a pasted input were accounted for.
type accounting struct {
	Used, Wrap, Prose, Skipped int
	Paste                      []string
}

// TestPasted reads strace text as people paste it: each case is cut from
// the real corpus (testdata/real/strace) or the issue that asked for it,
// and checks the calls read and how every line was accounted for.
func TestPasted(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []call
		acc  accounting
	}{
		{
			name: "Gnus quote marks after indentation (505)",
			in: ">>>>> \" \" == Mogens Kjaer <mk@crc.dk> writes:\n\n\n" +
				"     > getdents64(3, /* 6 entries */, 65536) = 160\n" +
				"     > lseek(3, 1547825467, SEEK_SET) = 1547825467\n" +
				"     > ...\n" +
				"     > getdents64(3, /* 1 entries */, 65536)   = 32\n",
			want: []call{
				{Kind: Call, Line: 4, Name: "getdents64", Args: "3, /* 6 entries */, 65536", Ret: "160", Count: "6"},
				{Kind: Call, Line: 5, Name: "lseek", Args: "3, 1547825467, SEEK_SET", Ret: "1547825467"},
				{Kind: Call, Line: 7, Name: "getdents64", Args: "3, /* 1 entries */, 65536", Ret: "32", Count: "1"},
			},
			// The "..." where lines were left out is no strace text.
			acc: accounting{Used: 5, Prose: 2, Paste: []string{"quote", "indent", "prose"}},
		},
		{
			name: "calls a mailer refilled into one paragraph (506)",
			in: ">     >> getdents64(3, /* 6 entries */, 65536) = 160 lseek(3,\n" +
				">     >> 1547825467, SEEK_SET) = 1547825467 ...  getdents64(3, /* 1\n" +
				">     >> entries */, 65536) = 32\n",
			want: []call{
				{Kind: Call, Line: 1, Name: "getdents64", Args: "3, /* 6 entries */, 65536", Ret: "160", Count: "6"},
				{Kind: Call, Line: 1, Name: "lseek", Args: "3, 1547825467, SEEK_SET", Ret: "1547825467"},
				{Kind: Call, Line: 2, Name: "getdents64", Args: "3, /* 1 entries */, 65536", Ret: "32", Count: "1"},
			},
			acc: accounting{Used: 1, Wrap: 2, Paste: []string{"quote", "wrap"}},
		},
		{
			// strace writes one call a line; a refill puts complete
			// calls side by side too, which read from the line's end
			// would be one call.
			name: "complete calls refilled into one quoted line",
			in: "> open(\"/a\", O_RDONLY) = 3 fstat(3, {st_mode=S_IFDIR|0755, st_size=4096}) = 0 getdents64(3, /* 2 entries */, 32768) = 48\n" +
				"> close(3) = -1 EBADF (Bad file descriptor) ... exit_group(0) = ?\n",
			want: []call{
				{Kind: Call, Line: 1, Name: "open", Args: `"/a", O_RDONLY`, Ret: "3"},
				{Kind: Call, Line: 1, Name: "fstat", Args: "3, {st_mode=S_IFDIR|0755, st_size=4096}", Ret: "0"},
				{Kind: Call, Line: 1, Name: "getdents64", Args: "3, /* 2 entries */, 32768", Ret: "48", Count: "2"},
				{Kind: Call, Line: 2, Name: "close", Args: "3", Ret: "-1 EBADF (Bad file descriptor)"},
				{Kind: Call, Line: 2, Name: "exit_group", Args: "0", Ret: "?"},
			},
			acc: accounting{Used: 2, Paste: []string{"quote"}},
		},
		{
			name: "Outlook cut inside a dirent and after commas (509)",
			in: "2963  open(\"/proc/scsi/3w-xxxx\",\n" +
				"O_RDONLY|O_NONBLOCK|O_LARGEFILE|O_DIRECTORY) = 3\n" +
				"2963  getdents64(3, {{d_ino=4337, d_off=1, d_reclen=24, d_type=4,\n" +
				"d_name=\".\"} {d_ino=4335, d_off=2, d_recl\n" +
				"en=24, d_type=4, d_name=\"..\"} {d_ino=4338, d_off=3, d_reclen=24, d_type=8,\n" +
				"d_name=\"0\"}}, 4096) = 72\n" +
				"2963  getdents64(3, {}, 4096)           = 0\n",
			want: []call{
				{Kind: Call, Line: 1, PID: 2963, Name: "open", Args: `"/proc/scsi/3w-xxxx", O_RDONLY|O_NONBLOCK|O_LARGEFILE|O_DIRECTORY`, Ret: "3"},
				{Kind: Call, Line: 3, PID: 2963, Name: "getdents64", Args: `3, {{d_ino=4337, d_off=1, d_reclen=24, d_type=4, d_name="."} {d_ino=4335, d_off=2, d_reclen=24, d_type=4, d_name=".."} {d_ino=4338, d_off=3, d_reclen=24, d_type=8, d_name="0"}}, 4096`, Ret: "72", Count: "3"},
				{Kind: Call, Line: 7, PID: 2963, Name: "getdents64", Args: "3, {}, 4096", Ret: "0", Count: "0"},
			},
			acc: accounting{Used: 3, Wrap: 4, Paste: []string{"wrap"}},
		},
		{
			name: "an error's description and a string cut over several lines (509)",
			in: "2963  open(\"/dev/sdp\", O_RDWR)          = -1 ENXIO (No such device or\n" +
				"address)\n" +
				"2963  ioctl(1, TCGETS, {c_iflags=0x506, c_oflags=0x1805, c_cflags=0x4bd,\n" +
				"c_lflags=0x8a3b, c_line=0, c_cc=\"\n" +
				"\\x03\\x1c\\x7f\\x15\\x04\\x00\\x01\\x00\\x11\\x13\\x1a\\x00\\x12\\x0f\\x17\\x16\\x00\\x00\\x2f\n" +
				"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x\n" +
				"00\\x54\\xed\\x0f\\x08\\x00\"}) = 0\n",
			want: []call{
				{Kind: Call, Line: 1, PID: 2963, Name: "open", Args: `"/dev/sdp", O_RDWR`, Ret: "-1 ENXIO (No such device or address)"},
				{Kind: Call, Line: 3, PID: 2963, Name: "ioctl", Args: `1, TCGETS, {c_iflags=0x506, c_oflags=0x1805, c_cflags=0x4bd, c_lflags=0x8a3b, c_line=0, c_cc="\x03\x1c\x7f\x15\x04\x00\x01\x00\x11\x13\x1a\x00\x12\x0f\x17\x16\x00\x00\x2f\x00\x00\x00\x00\x00\x00\x00\x00\x54\xed\x0f\x08\x00"}`, Ret: "0"},
			},
			acc: accounting{Used: 2, Wrap: 5, Paste: []string{"wrap"}},
		},
		{
			name: "a -v dirent array split by sed, after a prompt and ls output (508)",
			in: "> $ strace -s99 -o /tmp/log -egetdents64 -vvvvvvv ls /dev/block/  ; cat /tmp/log | sed -e 's/}, /},\\n/g' | grep -E '(d_off|d_name)'\n" +
				"> 7:0  7:1  7:2\n" +
				"> getdents64(3, [{d_ino=162, d_off=1, d_reclen=24, d_type=DT_DIR, d_name=\".\"},\n" +
				"> {d_ino=1, d_off=3, d_reclen=24, d_type=DT_DIR, d_name=\"..\"},\n" +
				"> {d_ino=458, d_off=30, d_reclen=24, d_type=DT_LNK, d_name=\"8:16\"}], 32768) = 384\n",
			want: []call{
				{Kind: Call, Line: 3, Name: "getdents64", Args: `3, [{d_ino=162, d_off=1, d_reclen=24, d_type=DT_DIR, d_name="."}, {d_ino=1, d_off=3, d_reclen=24, d_type=DT_DIR, d_name=".."}, {d_ino=458, d_off=30, d_reclen=24, d_type=DT_LNK, d_name="8:16"}], 32768`, Ret: "384", Count: "3"},
			},
			acc: accounting{Used: 2, Wrap: 2, Prose: 1, Paste: []string{"quote", "prompt", "wrap", "prose"}},
		},
		{
			name: "strace's notice cuts a call, the space of its unfinished mark taken for indentation (503)",
			in: "[pid 15229] clone(strace: Process 15236 attached\n" +
				" <unfinished ...>\n" +
				"[pid 15229] <... clone resumed>child_stack=0xc000136000, flags=CLONE_VM) = 15236\n",
			want: []call{
				{Kind: Info, Line: 1, PID: 15236, Name: "strace: Process 15236 attached"},
				{Kind: Call, Line: 1, PID: 15229, Name: "clone", Args: "child_stack=0xc000136000, flags=CLONE_VM", Ret: "15236"},
			},
			acc: accounting{Used: 3},
		},
		{
			name: "strace's notice cuts a call before its first argument (504)",
			in: "1530220940.199347 clone(strace: Process 56987 attached\n" +
				"child_stack=0x7fb77bce4e30, flags=CLONE_VM|CLONE_FS) = 56987\n",
			want: []call{
				{Kind: Info, Line: 1, PID: 56987, Name: "strace: Process 56987 attached"},
				{Kind: Call, Line: 1, Name: "clone", Args: "child_stack=0x7fb77bce4e30, flags=CLONE_VM|CLONE_FS", Ret: "56987"},
			},
			acc: accounting{Used: 2},
		},
		{
			name: "strace -c table with decimal commas, after C# source in a fence (521)",
			in: "```\n" +
				"foreach(string file in Directory.GetFiles(args[0]))\n" +
				"{\n" +
				"strace -c ./test /tmp/project/share/path/to/.directory >/dev/null\n" +
				"% time     seconds  usecs/call     calls    errors syscall\n" +
				"------ ----------- ----------- --------- --------- ----------------\n" +
				" 49,80    2,963972          56     52799        77 stat\n" +
				"  0,04    0,002323         580         4           getdents64\n" +
				"------ ----------- ----------- --------- --------- ----------------\n" +
				"100.00    5.958131                159983       219 total\n",
			want: []call{
				{Kind: Summary, Line: 7, Name: "stat", Count: "52799/77/2963972000"},
				{Kind: Summary, Line: 8, Name: "getdents64", Count: "4/0/2323000"},
				{Kind: Summary, Line: 10, Name: "total", Count: "159983/219/5958131000"},
			},
			// foreach( is no call: no trace came before it.
			acc: accounting{Used: 7, Prose: 3, Paste: []string{"fence", "prose"}},
		},
		{
			name: "strace -c -U, name first (strace 6.1)",
			in: "syscall              calls    errors  longest shortest\n" +
				"---------------- --------- --------- -------- --------\n" +
				"openat                  34        13 0.000106 0.000000\n" +
				"read                     7           0.000075 0.000000\n",
			want: []call{
				{Kind: Summary, Line: 3, Name: "openat", Count: "34/13/0"},
				{Kind: Summary, Line: 4, Name: "read", Count: "7/0/0"},
			},
			acc: accounting{Used: 4},
		},
		{
			name: "annotations are prose; a damaged call inside a trace is a skip (issue 8)",
			in: "# , = readdirplus\n" +
				"//comment\n" +
				"getdents64(3, /* 814 entries */, 32768) = 20624\n" +
				"getdents64(3, 0x55e3150852c0 /* 586 entries */, 32768) = 18752\n" +
				"# , = readdirplus\n" +
				"getdents64(3, [{d_ino=1, d_off=2, d_reclen=24, d_type=DT_DIR, d_name=\".\"}, {d_in\n" +
				"getdents64(3, [], 32768) = 0\n",
			want: []call{
				{Kind: Call, Line: 3, Name: "getdents64", Args: "3, /* 814 entries */, 32768", Ret: "20624", Count: "814"},
				{Kind: Call, Line: 4, Name: "getdents64", Args: "3, 0x55e3150852c0 /* 586 entries */, 32768", Ret: "18752", Count: "586"},
				{Kind: Call, Line: 7, Name: "getdents64", Args: "3, [], 32768", Ret: "0", Count: "0"},
			},
			acc: accounting{Used: 3, Prose: 3, Skipped: 1, Paste: []string{"prompt", "prose"}},
		},
		{
			name: "-k frames, indented, and a prompt that names the traced process (504)",
			in: "    [root@mymachine user]# strace -f -ttt -k -p 56897\n" +
				"    1530220940.198134 getpid() = 56897\n" +
				"     > /usr/lib/x86_64-linux-gnu/libc.so.6(getpid+0xb) [0xd6b27]\n" +
				"    1530220940.198319 getppid() = 1\n",
			want: []call{
				{Kind: Call, Line: 2, PID: 56897, Name: "getpid", Ret: "56897"},
				{Kind: Stack, Line: 3, PID: 56897, Name: "/usr/lib/x86_64-linux-gnu/libc.so.6(getpid+0xb) [0xd6b27]"},
				{Kind: Call, Line: 4, PID: 56897, Name: "getppid", Ret: "1"},
			},
			acc: accounting{Used: 4, Paste: []string{"indent", "prompt"}},
		},
		{
			name: "the package doc's example",
			in: "2963  getdents64(3, {{d_ino=4337, d_off=1, d_reclen=24, d_type=4,\n" +
				"d_name=\".\"} {d_ino=4335, d_off=2, d_recl\n" +
				"en=24, d_type=4, d_name=\"..\"}}, 4096) = 72\n" +
				"     > getdents64(3, /* 6 entries */, 65536) = 160\n" +
				">     >> getdents64(3, /* 6 entries */, 65536) = 160 lseek(3,\n" +
				">     >> 1547825467, SEEK_SET) = 1547825467\n",
			want: []call{
				{Kind: Call, Line: 1, PID: 2963, Name: "getdents64", Args: `3, {{d_ino=4337, d_off=1, d_reclen=24, d_type=4, d_name="."} {d_ino=4335, d_off=2, d_reclen=24, d_type=4, d_name=".."}}, 4096`, Ret: "72", Count: "2"},
				{Kind: Call, Line: 4, Name: "getdents64", Args: "3, /* 6 entries */, 65536", Ret: "160", Count: "6"},
				{Kind: Call, Line: 5, Name: "getdents64", Args: "3, /* 6 entries */, 65536", Ret: "160", Count: "6"},
				{Kind: Call, Line: 5, Name: "lseek", Args: "3, 1547825467, SEEK_SET", Ret: "1547825467"},
			},
			acc: accounting{Used: 3, Wrap: 3, Paste: []string{"quote", "wrap"}},
		},
		{
			// strace prints a process's last signal then its death, both
			// unprefixed: that is no unified diff's "--- a" / "+++ b".
			name: "a signal then a kill, one process",
			in: "read(0, 0x7ffd, 8192) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n" +
				"--- SIGINT {si_signo=SIGINT, si_code=SI_KERNEL} ---\n" +
				"+++ killed by SIGINT +++\n",
			want: []call{
				{Kind: Call, Line: 1, Name: "read", Args: "0, 0x7ffd, 8192", Ret: "? ERESTARTSYS (To be restarted if SA_RESTART is set)"},
				{Kind: Signal, Line: 2, Name: "SIGINT"},
				{Kind: Exit, Line: 3},
			},
			acc: accounting{Used: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), Options{Name: "t"})
			var got []call
			for r.Next() {
				got = append(got, brief(r.Event()))
			}
			if err := r.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			p := r.Paste()
			acc := accounting{Used: r.used, Wrap: p.Wrap.Count, Prose: p.Prose.Count, Skipped: r.Skipped().Count, Paste: p.Names()}
			if diff := cmp.Diff(tt.acc, acc); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRefillManyCalls: calls run together on one line are read one at a
// time from where the last one ended, never by parsing the rest of the
// line again (which made a line of n calls cost n times its length).
func TestRefillManyCalls(t *testing.T) {
	const n = 100_000
	line := "> " + strings.Repeat("getdents64(3, /* 1 entries */, 32768) = 24 ", n) + "\n"
	r := NewReader(strings.NewReader(line), Options{Name: "t"})
	calls, entries := 0, 0
	for r.Next() {
		calls++
		entries += r.Event().DirentCount
	}
	if r.Err() != nil || calls != n || entries != n || r.Skipped().Count != 0 {
		t.Errorf("%d calls, %d entries, %d skipped, err %v; want %d, %d, 0, nil", calls, entries, r.Skipped().Count, r.Err(), n, n)
	}
}
