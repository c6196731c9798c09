package paste

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// line is Line with strings, for readable tables.
type line struct {
	Kind    Kind
	Text    string
	Command string
	Num     int
	Quote   int
	Indent  int
}

func readAll(t *testing.T, in string) ([]line, Report) {
	t.Helper()
	r := NewReader(strings.NewReader(in))
	var got []line
	for r.Next() {
		l := r.Line()
		got = append(got, line{l.Kind, string(l.Text), string(l.Command), l.Num, l.Quote, l.Indent})
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return got, r.Report()
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want line
	}{
		{"plain", "[316100.086897] INFO: task rsync:3621271 blocked", line{Text, "[316100.086897] INFO: task rsync:3621271 blocked", "", 1, 0, 0}},
		{"quoted", "> [  30.1] schedule+0x28/0x80", line{Text, "[  30.1] schedule+0x28/0x80", "", 1, 1, 0}},
		{"quoted twice", ">> INFO: task a:1", line{Text, "INFO: task a:1", "", 1, 2, 0}},
		{"quoted spaced", "> > INFO: task a:1", line{Text, "INFO: task a:1", "", 1, 2, 0}},
		{"quoted no space", ">INFO: task a:1", line{Text, "INFO: task a:1", "", 1, 1, 0}},
		{"quoted then indented", ">     schedule+0x28/0x80", line{Text, "schedule+0x28/0x80", "", 1, 1, 4}},
		{"bare quote", ">", line{Blank, "", "", 1, 1, 0}},
		{"indented", "    [  30.1] INFO: task a:1", line{Text, "[  30.1] INFO: task a:1", "", 1, 0, 4}},
		{"tab", "\t[<0>] iterate_dir+0x86/0x2a0", line{Text, "[<0>] iterate_dir+0x86/0x2a0", "", 1, 0, 4}},
		{"fence", "```", line{Fence, "```", "", 1, 0, 0}},
		{"fence with info", "```sh", line{Fence, "```sh", "", 1, 0, 0}},
		{"tilde fence", "~~~", line{Fence, "~~~", "", 1, 0, 0}},
		{"code tag", "[CODE]", line{Fence, "[CODE]", "", 1, 0, 0}},
		{"code tag with language", "[code=text]", line{Fence, "[code=text]", "", 1, 0, 0}},
		// strace/520 (a GitHub issue rendered as HTML): the tags of a
		// code block together on one line.
		{"pre and code tags", "<pre><code>", line{Fence, "<pre><code>", "", 1, 0, 0}},
		{"closing tags", "</code></pre>", line{Fence, "</code></pre>", "", 1, 0, 0}},
		{"tag then text", "<pre>schedule", line{Text, "<pre>schedule", "", 1, 0, 0}},
		{"backticks in prose", "``` this is not a fence", line{Text, "``` this is not a fence", "", 1, 0, 0}},
		{"root prompt", "# cat /proc/575/stack", line{Prompt, "# cat /proc/575/stack", "cat /proc/575/stack", 1, 0, 0}},
		{"user prompt", "$ dmesg -T", line{Prompt, "$ dmesg -T", "dmesg -T", 1, 0, 0}},
		{"user@host prompt", "root@host:~# journalctl -k", line{Prompt, "root@host:~# journalctl -k", "journalctl -k", 1, 0, 0}},
		{"user@host path prompt", "me@box:/var/log$ grep task messages", line{Prompt, "me@box:/var/log$ grep task messages", "grep task messages", 1, 0, 0}},
		{"bracket prompt", "[root@node1 ~]# cat /proc/1234/stack", line{Prompt, "[root@node1 ~]# cat /proc/1234/stack", "cat /proc/1234/stack", 1, 0, 0}},
		{"suse prompt", "node1:~ # dmesg", line{Prompt, "node1:~ # dmesg", "dmesg", 1, 0, 0}},
		{"bash version prompt", "bash-4.2# cat /proc/1/stack", line{Prompt, "bash-4.2# cat /proc/1/stack", "cat /proc/1/stack", 1, 0, 0}},
		{"crash prompt", "crash> bt 3632440", line{Prompt, "crash> bt 3632440", "bt 3632440", 1, 0, 0}},
		// testdata/real/dmesg/030: Gentoo's "host ~ # " with the space after
		// the sign lost by the blog.
		{"gentoo prompt", "TEST-MAIL1 ~ #dmesg", line{Prompt, "TEST-MAIL1 ~ #dmesg", "dmesg", 1, 0, 0}},
		{"gentoo prompt with a space", "box ~ # cat /proc/1/stack", line{Prompt, "box ~ # cat /proc/1/stack", "cat /proc/1/stack", 1, 0, 0}},
		{"tilde in prose is no prompt", "Fix approx ~ 20% of it", line{Text, "Fix approx ~ 20% of it", "", 1, 0, 0}},
		{"quoted crash prompt", "> crash> ps | grep UN", line{Prompt, "crash> ps | grep UN", "ps | grep UN", 1, 1, 0}},
		{"lockdep entry is no prompt", " #0: ffffffff8274b3a0 (rcu_read_lock){....}-{1:2}, at: debug_show_all_locks+0x15/0xf9", line{Text, "#0: ffffffff8274b3a0 (rcu_read_lock){....}-{1:2}, at: debug_show_all_locks+0x15/0xf9", "", 1, 0, 1}},
		{"dmesg stamp is no prompt", "[  123.456789] # of cpus 4", line{Text, "[  123.456789] # of cpus 4", "", 1, 0, 0}},
		{"syslog is no prompt", "May 17 18:48:11 host kernel: INFO: task a:1", line{Text, "May 17 18:48:11 host kernel: INFO: task a:1", "", 1, 0, 0}},
		{"iso stamp is no prompt", "2024-04-11T10:25:14+0800 host kernel: x", line{Text, "2024-04-11T10:25:14+0800 host kernel: x", "", 1, 0, 0}},
		{"crash struct is no prompt", "  f_inode = 0xffff91fca5985500,", line{Text, "f_inode = 0xffff91fca5985500,", "", 1, 0, 2}},
		{"strace -k line keeps its marker", " > /usr/lib/x86_64-linux-gnu/libc.so.6(getdents64+0x13) [0xd0043]", line{Text, "> /usr/lib/x86_64-linux-gnu/libc.so.6(getdents64+0x13) [0xd0043]", "", 1, 0, 1}},
		{"whitespace only", " \t ", line{Blank, "", "", 1, 0, 4 + 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := readAll(t, tt.in+"\n")
			if diff := cmp.Diff([]line{tt.want}, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestReport(t *testing.T) {
	in := "Hi, after a while the box hangs:\n" +
		"\n" +
		"```\n" +
		"    [  30.100000] INFO: task a:1 blocked for more than 120 seconds.\n" +
		"    [  30.100001]  schedule+0x28/0x80\n" +
		"```\n" +
		"> # dmesg\n" +
		"> [  30.1] x\n" +
		" schedule+0x28/0x80\n" +
		" down_read+0x13/0x30\n"
	r := NewReader(strings.NewReader(in))
	for r.Next() {
		if r.Line().Num == 1 {
			r.Prose()
		}
	}
	want := Report{
		Quote:  Tally{2, 7, "> # dmesg"},
		Indent: Tally{2, 4, "[  30.100000] INFO: task a:1 blocked for more than 120 seconds."},
		Fence:  Tally{2, 3, "```"},
		Prompt: Tally{1, 7, "# dmesg"},
		Prose:  Tally{1, 1, "Hi, after a while the box hangs:"},
	}
	if diff := cmp.Diff(want, r.Report()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"quote", "indent", "fence", "prompt", "prose"}, r.Report().Names()); diff != "" {
		t.Errorf("Names (-want +got)\n%s", diff)
	}
}

func TestJoin(t *testing.T) {
	accept := func(want string) func(next, joined []byte) bool {
		return func(next, joined []byte) bool { return string(joined) == want }
	}
	tests := []struct {
		name   string
		in     string
		accept func(next, joined []byte) bool
		want   []line
		wrap   int
	}{
		{
			name:   "mailer broke at a space",
			in:     "> INFO: task a:1 blocked for\n> more than 120 seconds.\n> next\n",
			accept: accept("INFO: task a:1 blocked for more than 120 seconds."),
			want:   []line{{Text, "INFO: task a:1 blocked for more than 120 seconds.", "", 1, 1, 0}, {Text, "next", "", 3, 1, 0}},
			wrap:   1,
		},
		{
			name:   "terminal cut mid-word",
			in:     "{d_ino=1, d_off=2, d_recl\nen=24, d_type=DT_REG}\n",
			accept: accept("{d_ino=1, d_off=2, d_reclen=24, d_type=DT_REG}"),
			want:   []line{{Text, "{d_ino=1, d_off=2, d_reclen=24, d_type=DT_REG}", "", 1, 0, 0}},
			wrap:   1,
		},
		{
			name:   "refused: the next line is kept",
			in:     "INFO: task a:1 blocked for\nsomething else\n",
			accept: accept("never"),
			want:   []line{{Text, "INFO: task a:1 blocked for", "", 1, 0, 0}, {Text, "something else", "", 2, 0, 0}},
		},
		{
			name:   "no next line",
			in:     "INFO: task a:1 blocked for\n",
			accept: accept("never"),
			want:   []line{{Text, "INFO: task a:1 blocked for", "", 1, 0, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in))
			var got []line
			for r.Next() {
				if r.Line().Num == 1 {
					r.Join(tt.accept)
				}
				l := r.Line()
				got = append(got, line{l.Kind, string(l.Text), string(l.Command), l.Num, l.Quote, l.Indent})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if n := r.Report().Wrap.Count; n != tt.wrap {
				t.Errorf("Wrap.Count = %d, want %d", n, tt.wrap)
			}
			// A joined continuation's quoting is counted too.
			if q, want := r.Report().Quote.Count, strings.Count(tt.in, "> "); q != want {
				t.Errorf("Quote.Count = %d, want %d", q, want)
			}
		})
	}
}

// TestIndentRuns: where a run of indented lines is a block indented as
// code, each case from an excerpt of testdata/real.
func TestIndentRuns(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Tally
	}{{
		// dmesg/016: a commit message indents only the log, right under
		// the line that introduces it.
		name: "log under a prose line",
		in:   "Sample failure:\n    nvme nvme0: starting error recovery\n    INFO: task kworker/u8:3:312 blocked for more than 122 seconds.\n     __schedule+0x2a2/0x7e0\n",
		want: Tally{3, 2, "nvme nvme0: starting error recovery"},
	}, {
		// console/204: a log indented by 2 columns after a blank line.
		name: "two columns after a blank line",
		in:   "This results in the following (partial) trace:\n\n  INFO: task kworker/0:1:11 blocked for more than 120 seconds.\n        Not tainted 6.16-rc6+unreleased-arm64-cknow #1\n  Call trace:\n   __switch_to+0xf8/0x168 (T)\n",
		want: Tally{4, 3, "INFO: task kworker/0:1:11 blocked for more than 120 seconds."},
	}, {
		// console/207: lockdep's unsafe-scenario table is indented text of
		// its own, not a code block.
		name: "lockdep scenario",
		in:   " Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock(team->team_lock_key#2);\n  lock(team->team_lock_key#2);\n",
	}, {
		// crash/402-style struct output: members indented under their type.
		name: "struct members",
		in:   "struct file {\n  f_u = {\n    fu_llist = {\n      next = 0x0\n    },\n  },\n",
	}, {
		// crash/406: dis -l's source listing, its marked line unindented.
		name: "dis listing",
		in:   "LINE: 6702\n\n   6697  {\n   6698          might_sleep();\n   6701          while (test_and_set_bit(NAPI_STATE_SCHED, &n->state))\n* 6702                  msleep(1);\n   6703          while (test_and_set_bit(NAPI_STATE_NPSVC, &n->state))\n",
	}, {
		// crash/407: bt -f's stack words under their frame line.
		name: "bt -f words",
		in:   " #2 [ffffbbd86271fe00] rwsem_down_write_slowpath at ffffffff9bb4c5d0\n    ffffbbd86271fe08: ffff941d45f98884 0000000200000000\n    ffffbbd86271fe18: 0000000000000006 0000000000000000\n",
	}, {
		// procstack/309: a script's loop body.
		name: "script",
		in:   "for pid in $PIDS; do\n    echo \"PID = $pid\"\n    [ \"${pid}_x\" = \"_x\" ] || cat /proc/\"$pid\"/stack\ndone\n",
	}, {
		// crash's ps columns under their prompt are its output.
		name: "command output",
		in:   "crash> ps | grep UN\n   3621271  152322   5  ffff91fde98a1780  UN   0.0  123456  7890  rsync\n   3748012  152322   3  ffff91fde98a2f00  UN   0.0  123456  7890  rsync\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rep := readAll(t, tt.in)
			if diff := cmp.Diff(tt.want, rep.Indent); diff != "" {
				t.Errorf("Indent (-want +got)\n%s", diff)
			}
		})
	}
}

// TestDiff: a unified diff of two logs (testdata/real/console/213) is read
// without its marks; its headers are decoration; a line a mailer wrapped
// inside a hunk stays as it is; a blank line ends the hunk.
func TestDiff(t *testing.T) {
	in := "> --- /tmp/good   2017-04-18 21:47:04.457156167 +0200\n" +
		"> +++ /tmp/bad    2017-04-18 21:43:26.215240325 +0200\n" +
		"> @@ -13,11 +13,178 @@ Enabling non-boot CPUs ...\n" +
		">  CPU1 is up\n" +
		"> -PM: resume devices took N.N seconds\n" +
		"> +      Not tainted 4.11.0-rc7-koelsch-00426-g70412b99f7936b37 #3470\n" +
		"> (dpm_wait_for_superior+0x14/0x5c)\n" +
		"> \n" +
		"> +1 is not a mark here\n"
	got, rep := readAll(t, in)
	want := []line{
		{Text, "--- /tmp/good   2017-04-18 21:47:04.457156167 +0200", "", 1, 1, 0},
		{Fence, "+++ /tmp/bad    2017-04-18 21:43:26.215240325 +0200", "", 2, 1, 0},
		{Fence, "@@ -13,11 +13,178 @@ Enabling non-boot CPUs ...", "", 3, 1, 0},
		{Text, "CPU1 is up", "", 4, 1, 1},
		{Text, "PM: resume devices took N.N seconds", "", 5, 1, 0},
		{Text, "Not tainted 4.11.0-rc7-koelsch-00426-g70412b99f7936b37 #3470", "", 6, 1, 6},
		{Text, "(dpm_wait_for_superior+0x14/0x5c)", "", 7, 1, 0},
		{Blank, "", "", 8, 1, 0},
		{Text, "+1 is not a mark here", "", 9, 1, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if rep.Diff.Count != 4 || rep.Diff.FirstLine != 2 || rep.Fence.Count != 0 {
		t.Errorf("Diff %+v, Fence %+v; want 4 diff lines from line 2 and no fence", rep.Diff, rep.Fence)
	}
}

// TestNotDiff: strace's signal and exit lines begin with "--- " and "+++ "
// but name no file; they end with their mark. testdata/strace/main/
// B-ctrlc.strace's last two lines, as strace writes them for one process
// without -f and -ttt, are text, not a diff's headers; a diff of a file
// named "x ---" would need a path ending in " ---", which no diff tool
// writes.
func TestNotDiff(t *testing.T) {
	in := "--- SIGINT {si_signo=SIGINT, si_code=SI_USER, si_pid=9741, si_uid=0} ---\n" +
		"+++ killed by SIGINT +++\n" +
		"--- a/x\n" +
		"+++ exited with 0 +++\n"
	got, rep := readAll(t, in)
	want := []line{
		{Text, "--- SIGINT {si_signo=SIGINT, si_code=SI_USER, si_pid=9741, si_uid=0} ---", "", 1, 0, 0},
		{Text, "+++ killed by SIGINT +++", "", 2, 0, 0},
		{Text, "--- a/x", "", 3, 0, 0},
		{Text, "+++ exited with 0 +++", "", 4, 0, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if rep.Diff.Count != 0 || rep.Fence.Count != 0 {
		t.Errorf("Diff %+v, Fence %+v; want neither", rep.Diff, rep.Fence)
	}
}

// Wrapped counts a continuation the format reader joined itself.
func TestWrapped(t *testing.T) {
	r := NewReader(strings.NewReader(" ? btrfs_cleanup_transaction+0x500/0x500\n[btrfs]\n"))
	for r.Next() {
		if r.Line().Num == 2 {
			r.Wrapped()
		}
	}
	if diff := cmp.Diff(Tally{1, 2, "[btrfs]"}, r.Report().Wrap); diff != "" {
		t.Errorf("Wrap (-want +got)\n%s", diff)
	}
}

// A quoted-printable soft break: the '=' is dropped from the join
// (testdata/real/dmesg/010's frame whose module went to the next line).
func TestJoinSoftBreak(t *testing.T) {
	const want = "[425684.111911]  ? xfs_setfilesize_trans_alloc.isra.13+0x3e/0x90 [xfs]"
	r := NewReader(strings.NewReader("> kernel: [425684.111911]  ? xfs_setfilesize_trans_alloc.isra.13+0x3e/0x90 =\n[xfs]\n"))
	if !r.Next() {
		t.Fatal("no line")
	}
	if !r.Join(func(next, joined []byte) bool { return strings.HasSuffix(string(joined), want) }) {
		t.Fatal("not joined")
	}
	if got := string(r.Line().Text); got != "kernel: "+want {
		t.Errorf("joined to %q, want %q", got, "kernel: "+want)
	}
}

// Joining three pieces, as a long frame cut twice by a terminal.
func TestJoinRepeatedly(t *testing.T) {
	const want = "[<ffffffffa06dd166>] nfs4_call_sync_sequence+0x56/0x80 [nfsv4]"
	r := NewReader(strings.NewReader("[<ffffffffa06dd166>]\nnfs4_call_sync_sequence+0x\n56/0x80 [nfsv4]\nnext\n"))
	if !r.Next() {
		t.Fatal("no line")
	}
	n := 0
	for r.Join(func(next, joined []byte) bool { return strings.HasPrefix(want, string(joined)) }) {
		n++
	}
	if got := string(r.Line().Text); got != want || n != 2 {
		t.Errorf("joined %d times to %q, want 2 times to %q", n, got, want)
	}
	if !r.Next() || string(r.Line().Text) != "next" || r.Line().Num != 4 {
		t.Errorf("after the joins got line %d %q, want line 4 \"next\"", r.Line().Num, r.Line().Text)
	}
}
