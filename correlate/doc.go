// Package correlate turns parsed events into findings: it aligns hosts'
// directory-listing progress by filename markers, and infers from kernel
// stacks which task holds a lock and which tasks wait for it.
package correlate
