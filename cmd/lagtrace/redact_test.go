package main

import (
	"strings"
	"testing"
)

// --redact must leave nothing that names the customer: host labels, input
// paths, the listed directory, file names; and keep the findings.
func TestRedact(t *testing.T) {
	bundle := "../../testdata/bundle/"
	args := []string{"--redact", "--baseline", "healthy-host", "web01=" + bundle + "B/ls.strace.gz", "web01=" + bundle + "B/dmesg-ls.txt",
		"web01=" + bundle + "B/stacks-ls.txt", "healthy-host=" + bundle + "E/ls.strace.gz"}
	secrets := []string{"web01", "healthy-host", "testdata/bundle", "/mnt/fst/dir", "mRswOzNygUeS61XpkEFq02BKlLZ76Q", "LANG="}
	for _, f := range []string{"text", "markdown", "json"} {
		for _, cmd := range []string{"report", "compare"} {
			a := append([]string{cmd, "-f", f}, args...)
			if cmd == "compare" {
				a = []string{cmd, "-f", f, "--redact", "--baseline", "healthy-host", "web01=" + bundle + "B/ls.strace.gz", "healthy-host=" + bundle + "E/ls.strace.gz"}
			}
			t.Run(cmd+"/"+f, func(t *testing.T) {
				out, stderr, code := runCLI(t, "", a...)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Errorf("redacted output still contains %q", s)
					}
				}
				for _, keep := range []string{"host1", "host2", "dir1", "97.8"} {
					if !strings.Contains(out, keep) {
						t.Errorf("redacted output lacks %q", keep)
					}
				}
			})
		}
	}
	out, _, code := runCLI(t, "", "locks", "--redact", "../../testdata/locks-6.18/dmesg.txt")
	if code != exitOK || strings.Contains(out, "locks-6.18") || !strings.Contains(out, "input1:") {
		t.Errorf("locks --redact: exit %d, output keeps the path or lacks input1:\n%s", code, out)
	}
}
