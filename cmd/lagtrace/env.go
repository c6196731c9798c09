package main

import (
	"io"
	"os"
	"sync"

	"github.com/lagtrace/lagtrace/internal/progress"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newEnv(stdin io.Reader, stdout, stderr io.Writer) *env {
	// Messages go through the progress meter, which erases its line on
	// a terminal before each.
	m := progress.New(stderr)
	return &env{
		stdin:  stdin,
		stdout: stdout,
		stderr: m.Writer(),
		meter:  m,
		isTTY: func() bool {
			f, ok := stdout.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		},
		termWidth: func() int {
			f, ok := stdout.(*os.File)
			if !ok {
				return 0
			}
			w, _, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
		getenv:  os.Getenv,
		sources: &sourceNames{},
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

// sourceNames collects the names of the inputs read, as the output spells
// them, for the text format to shorten in narrow tables. Hosts are read
// concurrently.
type sourceNames struct {
	mu    sync.Mutex
	names []string
	seen  map[string]bool
}

func (s *sourceNames) add(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[name] {
		s.seen[name] = true
		s.names = append(s.names, name)
	}
}

func (s *sourceNames) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.names...)
}
