package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs lagtrace in-process as a user would from a shell.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := newEnv(strings.NewReader(stdin), &out, &errb)
	e.isTTY = func() bool { return false }
	e.getenv = func(string) string { return "" }
	code = e.execute(context.Background(), args)
	return out.String(), errb.String(), code
}

func TestVersion(t *testing.T) {
	out, _, code := runCLI(t, "", "version")
	if code != exitOK || !strings.HasPrefix(out, "lagtrace ") {
		t.Errorf("version: code %d, out %q", code, out)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"no-such-command"}, {"version", "--no-such-flag"}, {"version", "extra"}} {
		_, stderr, code := runCLI(t, "", args...)
		if code != exitUsage {
			t.Errorf("%v: code %d, stderr %q", args, code, stderr)
		}
	}
}
