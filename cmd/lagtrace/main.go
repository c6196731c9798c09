// Command lagtrace explains why one Linux host is slow or hung from text
// captured on it: strace output, kernel logs, stack snapshots and crash
// transcripts.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
