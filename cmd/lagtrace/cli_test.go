package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// Usage errors keep cobra's layout (its newlines and tabs are not shown as
// ^J and ^I), sanitize only what the user typed, and point to --help;
// input errors do not.
func TestUsageMessages(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"mistyped command", []string{"compar"}, exitUsage,
			"lagtrace: unknown command \"compar\" for \"lagtrace\"\n\nDid you mean this?\n\tcompare\nRun 'lagtrace --help' for usage.\n"},
		{"bad enum value", []string{"locks", "--kind", "strace", seedDmesg}, exitUsage,
			"lagtrace: invalid argument \"strace\" for \"--kind\" flag: want dmesg, procstack or crash\nRun 'lagtrace locks --help' for usage.\n"},
		{"bad origin", []string{"compare", "--origin", "marker:", "B=" + seedB, "E=" + seedE}, exitUsage,
			"lagtrace: invalid argument \"marker:\" for \"--origin\" flag: want first or marker:NAME\nRun 'lagtrace compare --help' for usage.\n"},
		{"unknown flag typed with an escape", []string{"demo", "--\x1b[2J"}, exitUsage,
			"lagtrace: unknown flag: --^[[2J\nRun 'lagtrace demo --help' for usage.\n"},
		{"too few arguments", []string{"compare", "B=" + seedB}, exitUsage,
			"lagtrace: requires at least 2 arg(s), only received 1\nRun 'lagtrace compare --help' for usage.\n"},
		{"input error", []string{"locks", "../../go.mod"}, exitInput,
			"lagtrace: ../../go.mod: not a kernel log, /proc/PID/stack snapshot or crash transcript (use --kind to force one)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d; want %d", code, tt.code)
			}
			if diff := cmp.Diff(tt.want, stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	flag, _, code := runCLI(t, "", "--version")
	cmd, _, _ := runCLI(t, "", "version")
	if code != exitOK || flag != cmd || !strings.HasPrefix(flag, "lagtrace ") {
		t.Errorf("--version: exit %d, %q; version prints %q", code, flag, cmd)
	}
}

// Every flag that takes one of a few values offers them to the shell.
func TestCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"compare", "-f", ""}, []string{"text", "markdown", "json"}},
		{[]string{"report", "--format", ""}, []string{"text", "markdown", "json"}},
		{[]string{"locks", "-f", ""}, []string{"text", "markdown", "json"}},
		{[]string{"demo", "-f", ""}, []string{"text", "markdown", "json"}},
		{[]string{"compare", "--time", ""}, []string{"return", "entry"}},
		{[]string{"report", "--origin", ""}, []string{"first", "marker:"}},
		{[]string{"locks", "--kind", ""}, []string{"dmesg", "procstack", "crash"}},
		{[]string{"locks", "--incident", ""}, []string{"all", "1"}},
		{[]string{"demo", "--incident", ""}, []string{"seed", "fuse"}},
		{[]string{"compare", "--plot-scale", ""}, []string{"log", "linear"}},
		{[]string{"demo", "--plot-scale", ""}, []string{"log", "linear"}},
		{[]string{"locks", "--color", ""}, []string{"auto", "always", "never"}},
		{[]string{"compare", "B=b.strace", "E=e.strace", "--baseline", ""}, []string{"B", "E"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, stderr, code := runCLI(t, "", append([]string{"__complete"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			// Candidates, one a line, then ":directive".
			lines := strings.Split(strings.TrimSpace(out), "\n")
			got := slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, ":") })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
		})
	}
}

// colorOn follows --color, then NO_COLOR, CLICOLOR_FORCE, TERM=dumb and
// whether stdout is a terminal; output to a file is never styled unless
// --color=always.
func TestColorChoice(t *testing.T) {
	tests := []struct {
		name   string
		flag   string
		tty    bool
		env    map[string]string
		output string
		want   bool
	}{
		{"terminal", "auto", true, nil, "", true},
		{"pipe", "auto", false, nil, "", false},
		{"NO_COLOR", "auto", true, map[string]string{"NO_COLOR": "1"}, "", false},
		{"NO_COLOR empty is unset", "auto", true, map[string]string{"NO_COLOR": ""}, "", true},
		{"TERM=dumb", "auto", true, map[string]string{"TERM": "dumb"}, "", false},
		{"CLICOLOR_FORCE on a pipe", "auto", false, map[string]string{"CLICOLOR_FORCE": "1"}, "", true},
		{"CLICOLOR_FORCE=0", "auto", false, map[string]string{"CLICOLOR_FORCE": "0"}, "", false},
		{"NO_COLOR beats CLICOLOR_FORCE", "auto", false, map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, "", false},
		{"file", "auto", true, map[string]string{"CLICOLOR_FORCE": "1"}, "out.txt", false},
		{"always on a pipe for less -R", "always", false, map[string]string{"NO_COLOR": "1", "TERM": "dumb"}, "", true},
		{"always into a file", "always", false, nil, "out.txt", true},
		{"never on a terminal", "never", true, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(strings.NewReader(""), nil, nil)
			e.isTTY = func() bool { return tt.tty }
			e.getenv = func(k string) string { return tt.env[k] }
			e.out.color = tt.flag
			if got := e.colorOn(tt.output); got != tt.want {
				t.Errorf("colorOn = %v; want %v", got, tt.want)
			}
		})
	}
}

// --color=always styles text on a pipe; nothing else does.
func TestColorFlagOutput(t *testing.T) {
	always, _, _ := runCLI(t, "", "--color", "always", "locks", seedDmesg)
	never, _, _ := runCLI(t, "", "--color=never", "locks", seedDmesg)
	if !strings.Contains(always, "\x1b[") {
		t.Errorf("--color=always wrote no escape:\n%s", always)
	}
	if strings.Contains(never, "\x1b") {
		t.Errorf("--color=never wrote an escape:\n%q", never)
	}
	if got := stripANSI(always); got != never {
		t.Errorf("styled and plain text differ beyond the escapes:\n%s\n---\n%s", got, never)
	}
}

func stripANSI(s string) string { return ansi.Strip(s) }
