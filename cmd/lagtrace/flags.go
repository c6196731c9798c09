package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// choice is a string flag whose value a check accepts or refuses as it is
// parsed, so a mistyped value is a usage error naming the flag. Its type,
// shown in help ("text|markdown|json"), says what it takes.
type choice struct {
	p     *string
	typ   string
	check func(string) error
}

func (c *choice) String() string     { return *c.p }
func (c *choice) Type() string       { return c.typ }
func (c *choice) Set(v string) error { *c.p = v; return c.check(v) }

// enumFlag defines a flag taking one of values (or of aliases, accepted but
// neither shown nor offered) and registers the values for shell
// completion.
func enumFlag(cmd *cobra.Command, f *pflag.FlagSet, p *string, name, short, def string, values, aliases []string, usage string) {
	*p = def
	c := &choice{p: p, typ: strings.Join(values, "|"), check: func(v string) error {
		if slices.Contains(values, v) || slices.Contains(aliases, v) {
			return nil
		}
		return fmt.Errorf("want %s", orList(values))
	}}
	f.VarP(c, name, short, usage)
	complete(cmd, name, values...)
}

// complete offers values for a flag, and no file names.
func complete(cmd *cobra.Command, name string, values ...string) {
	// The flag was just defined on cmd: registration cannot fail.
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// orList writes "a, b or c".
func orList(vs []string) string {
	if len(vs) < 2 {
		return strings.Join(vs, "")
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

// Values of the enum flags, in the order help and completion show them.
var (
	formatValues  = []string{"text", "markdown", "json"}
	formatAliases = []string{"md", ""}
	timeValues    = []string{"return", "entry"}
	colorValues   = []string{"auto", "always", "never"}
	scaleValues   = []string{"log", "linear"}
	kindValues    = []string{"dmesg", "procstack", "crash"}
)

// formatFlag defines -f, --format.
func formatFlag(cmd *cobra.Command, p *string) {
	enumFlag(cmd, cmd.Flags(), p, "format", "f", "text", formatValues, formatAliases, "output format")
}
