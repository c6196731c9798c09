package bundle

import (
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRotationOrder(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string // oldest first
	}{
		{
			name: "dateext",
			in:   []string{"var/log/messages", "var/log/messages-20240411", "var/log/messages-20240404.gz", "var/log/messages-20240328"},
			want: []string{"var/log/messages-20240328", "var/log/messages-20240404.gz", "var/log/messages-20240411", "var/log/messages"},
		},
		{
			name: "numbered",
			in:   []string{"var/log/kern.log.1", "var/log/kern.log", "var/log/kern.log.10.gz", "var/log/kern.log.2.gz"},
			want: []string{"var/log/kern.log.10.gz", "var/log/kern.log.2.gz", "var/log/kern.log.1", "var/log/kern.log"},
		},
		{
			name: "dateext with hours",
			in:   []string{"var/log/messages-2024041100", "var/log/messages-20240410"},
			want: []string{"var/log/messages-20240410", "var/log/messages-2024041100"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.in)
			slices.SortFunc(got, compareRotated)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sorted (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	type result struct {
		Canon string
		Group group
		Rank  int
		PID   int
	}
	tests := []struct {
		rel  string
		want *result // nil: not read
	}{
		{"sos_commands/kernel/dmesg", &result{"sos_commands/kernel/dmesg", gRingbuf, 0, 0}},
		{"sos_commands/kernel/dmesg_-T", &result{"sos_commands/kernel/dmesg_-T", gRingbuf, 1, 0}},
		{"sos_strings/kernel/dmesg.tailed", &result{"sos_commands/kernel/dmesg", gRingbuf, 0, 0}},
		{"sos_commands/kernel/uname_-a", nil},
		{"sos_commands/logs/journalctl_--no-pager", &result{"sos_commands/logs/journalctl_--no-pager", gJournal, 0, 0}},
		{"sos_commands/logs/journalctl_--no-pager_--boot_-1", &result{"sos_commands/logs/journalctl_--no-pager_--boot_-1", gJournal, 1, 0}},
		{"sos_commands/logs/journalctl_--no-pager_--boot", &result{"sos_commands/logs/journalctl_--no-pager_--boot", gJournal, 2, 0}},
		{"sos_commands/logs/journalctl_--no-pager_--unit_nfs-server", nil},
		{"sos_commands/logs/journalctl_--disk-usage", nil},
		{"var/log/messages-20240411.gz", &result{"var/log/messages-20240411.gz", gMessages, 0, 0}},
		{"sos_strings/logs/var.log.messages.tailed", &result{"var/log/messages", gMessages, 0, 0}},
		{"var/log/kern.log.1", &result{"var/log/kern.log.1", gKern, 0, 0}},
		{"var/log/syslog", &result{"var/log/syslog", gSyslog, 0, 0}},
		{"var/log/dmesg.0", &result{"var/log/dmesg.0", gBootlog, 0, 0}},
		{"var/log/messagesX", nil},
		{"var/log/secure", nil},
		{"var/log/journal/x/system.journal", nil},
		{"proc/3621271/stack", &result{"proc/3621271/stack", gStack, 0, 3621271}},
		{"proc/8364/task/8366/stack", &result{"proc/8364/task/8366/stack", gStack, 0, 8366}},
		{"8369.stack", &result{"8369.stack", gStack, 0, 8369}},
		{"proc/stack", nil},
		{"proc/cmdline", nil},
	}
	for _, tt := range tests {
		m, ok := classify(tt.rel)
		var got *result
		if ok {
			got = &result{m.canon, m.group, m.rank, m.pid}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("classify(%q) (-want +got):\n%s", tt.rel, diff)
		}
	}
}

func TestInnerPath(t *testing.T) {
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"sosreport-h-2026/var/log/messages", "var/log/messages", true},
		{"./sosreport-h-2026/version.txt", "version.txt", true},
		{"sos_commands/kernel/dmesg", "sos_commands/kernel/dmesg", true},
		{"version.txt", "version.txt", true},
		{"sosreport-h-2026/", "", true},
		{"../../etc/passwd", "", false},
		{"sosreport-h/../../etc/passwd", "", false},
		{"/etc/passwd", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := innerPath(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("innerPath(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestChooseJournal(t *testing.T) {
	var ms []member
	for _, rel := range []string{
		"sos_commands/logs/journalctl_--no-pager_--boot",
		"sos_commands/logs/journalctl_--no-pager_--catalog_--boot",
		"sos_commands/logs/journalctl_--no-pager_--boot_-1",
	} {
		m, _ := classify(rel)
		ms = append(ms, m)
	}
	used, skipped := choose(ms)
	var names []string
	for _, m := range used {
		names = append(names, m.rel)
	}
	want := []string{"sos_commands/logs/journalctl_--no-pager_--boot_-1", "sos_commands/logs/journalctl_--no-pager_--boot"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("used (-want +got):\n%s", diff)
	}
	wantSkip := []Skip{{Name: "sos_commands/logs/journalctl_--no-pager_--catalog_--boot", Reason: "covered by sos_commands/logs/journalctl_--no-pager_--boot_-1"}}
	if diff := cmp.Diff(wantSkip, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}

// FuzzExpandStdin feeds arbitrary bytes as standard input: whatever they
// are (tar, compressed, cut, garbage), Expand must not panic and must
// leave no temporary files once the Bundle is closed.
func FuzzExpandStdin(f *testing.F) {
	for _, p := range []string{sosTar, td + "/procstack/8369.stack", sosDir + "/var/log/messages-20171004.gz"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(tarOf(f, "s/sos_reports/x", "s/var/log/messages", "../../var/log/messages"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Expand(context.Background(), "-", bytes.NewReader(data), Options{})
		if err != nil {
			if b != nil {
				t.Fatalf("error %v with a non-nil Bundle", err)
			}
			return
		}
		for _, s := range b.Sources {
			if strings.Contains(s.Name, "..") && b.Form == SosTarball {
				t.Errorf("source with an unsafe name: %q", s.Name)
			}
			rc, err := s.Open()
			if err != nil {
				continue
			}
			io.Copy(io.Discard, rc)
			rc.Close()
		}
		tmp := b.tmp
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if tmp != "" {
			if _, err := os.Stat(tmp); !os.IsNotExist(err) {
				t.Errorf("temp dir %s still there after Close", tmp)
			}
		}
	})
}
