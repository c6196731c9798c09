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
		{"backticks in prose", "``` this is not a fence", line{Text, "``` this is not a fence", "", 1, 0, 0}},
		{"root prompt", "# cat /proc/575/stack", line{Prompt, "# cat /proc/575/stack", "cat /proc/575/stack", 1, 0, 0}},
		{"user prompt", "$ dmesg -T", line{Prompt, "$ dmesg -T", "dmesg -T", 1, 0, 0}},
		{"user@host prompt", "root@host:~# journalctl -k", line{Prompt, "root@host:~# journalctl -k", "journalctl -k", 1, 0, 0}},
		{"user@host path prompt", "me@box:/var/log$ grep task messages", line{Prompt, "me@box:/var/log$ grep task messages", "grep task messages", 1, 0, 0}},
		{"bracket prompt", "[root@node1 ~]# cat /proc/1234/stack", line{Prompt, "[root@node1 ~]# cat /proc/1234/stack", "cat /proc/1234/stack", 1, 0, 0}},
		{"suse prompt", "node1:~ # dmesg", line{Prompt, "node1:~ # dmesg", "dmesg", 1, 0, 0}},
		{"bash version prompt", "bash-4.2# cat /proc/1/stack", line{Prompt, "bash-4.2# cat /proc/1/stack", "cat /proc/1/stack", 1, 0, 0}},
		{"crash prompt", "crash> bt 3632440", line{Prompt, "crash> bt 3632440", "bt 3632440", 1, 0, 0}},
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
		})
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
