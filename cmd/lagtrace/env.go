package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newEnv(stdin io.Reader, stdout, stderr io.Writer) *env {
	return &env{
		stdin:  stdin,
		stdout: stdout,
		stderr: stderr,
		isTTY: func() bool {
			f, ok := stdout.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		},
		getenv: os.Getenv,
	}
}

// subcommands lists the commands beyond version; each file adds its own.
func (e *env) subcommands() []func() *cobra.Command {
	return []func() *cobra.Command{
		e.compareCommand,
		e.locksCommand,
		e.reportCommand,
		e.demoCommand,
	}
}
