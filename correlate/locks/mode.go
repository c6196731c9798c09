package locks

import "github.com/lagtrace/lagtrace/correlate/kernel"

// Mode is how a task holds or wants a lock; the kernel tables define it.
type Mode = kernel.Mode

// The lock modes.
const (
	ModeRead    = kernel.ModeRead
	ModeWrite   = kernel.ModeWrite
	ModeUnknown = kernel.ModeUnknown
)
