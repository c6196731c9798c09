package locks

import (
	"fmt"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/kernel"
)

// shape is what one distinct stack says, read through the kernel tables.
type shape struct {
	role Role
	// site is the lock site (or, for a lock known only by its slow path,
	// the first caller); kind what the site locks ("" for a bare slow
	// path); name the lock a named-lock function takes ("rtnl_mutex"),
	// global when it is one lock in the system.
	site, kind, name string
	global           bool
	lockType         string
	mode             Mode
	waitsIn          string
	killable         bool
	// running says the stack is a running task's own report (lockdep,
	// a WARN): waitsIn is the frame that printed it, and no sleep is shown.
	running bool
	// holds are deeper sites whose lock the task holds (a waiter that
	// holds a directory while it waits for another lock).
	holds []heldSite
	// stack is the function names, innermost first, scheduler frames left out.
	stack []string
	why   string
	// released explains why a task that passed a site is no holder there.
	released string
}

// heldSite is a lock a stack shows the task holds.
type heldSite struct {
	site, kind string
	mode       Mode
}

// stackFuncs reduces frames to the function names the tables use, without
// the scheduler's own frames, and says where the first frame that is not
// inlined into another is: the task sleeps there.
func stackFuncs(frames []string) (fns []string, top int) {
	fns = make([]string, 0, len(frames))
	top = -1
	for _, f := range frames {
		if strings.HasPrefix(strings.TrimSpace(f), "?") {
			continue // an unreliable frame left in by a caller
		}
		fn := kernel.FuncName(f)
		if fn == "" {
			continue
		}
		if w, ok := kernel.Wait(fn); ok && w.Class == kernel.Sched {
			continue
		}
		if top < 0 && !strings.HasSuffix(f, InlineMark) {
			top = len(fns)
		}
		fns = append(fns, fn)
	}
	if top < 0 {
		top = 0
	}
	return fns, top
}

// classify reads one stack, innermost first: a waiter has a lock's slow
// path (under the generic waits it may use) on top of the site or the
// caller; a holder passed a site into a callee the site runs with its lock
// held, and sleeps there outside any lock's slow path.
func classify(frames []string) shape {
	fns, top := stackFuncs(frames)
	o := shape{role: Other, stack: fns}
	if len(fns) == 0 {
		return o
	}
	o.waitsIn = fns[top]
	if w, ok := kernel.Wait(fns[top]); ok && w.Class == kernel.Running {
		o.running = true
		o.why = fmt.Sprintf("its stack is a report the task printed while running (%s): it shows no sleep", fns[top])
		return o
	}
	// Generic waits (completions, bit and page waits) first: what they
	// wait for is the frame under them.
	g := 0
	for g < len(fns) {
		w, ok := kernel.Wait(fns[g])
		if !ok || w.Class != kernel.Generic {
			break
		}
		if w.Killable {
			o.killable = true
		}
		g++
	}
	if j, ok := o.lockFrames(fns, g); ok {
		o.waiter(fns, g, j)
		return o
	}
	if g > 0 {
		// A generic wait that is not a lock's: a completion, a page under
		// I/O. It may still be a holder's sleep.
		o.holder(fns)
		return o
	}
	// Recent kernels' /proc/PID/stack leaves out __sched functions, so a
	// waiter's stack can begin at the site or at a named-lock function.
	if s, ok := kernel.Site(fns[0]); ok {
		o.role = Waiter
		o.site, o.kind, o.mode, o.killable = s.Fn, s.Object, s.Mode, s.Killable
		o.why = fmt.Sprintf("stack begins at %s (recent kernels, or the person who saved it, leave out the wait functions above it): it sleeps taking the lock", s.Fn)
		o.holdsDeeper(fns[1:])
		return o
	}
	if n, ok := kernel.Named(fns[0]); ok {
		o.role = Waiter
		o.site, o.name, o.global = n.Fn, n.Name, n.Global
		o.why = fmt.Sprintf("stack begins at %s, which takes %s (the wait functions above it are left out)", n.Fn, n.Name)
		return o
	}
	if w, ok := kernel.Wait(fns[0]); ok && w.Killable {
		o.killable = true
	}
	o.holder(fns)
	return o
}

// lockFrames finds the lock frames (slow paths and entry points) starting
// at fns[g] and returns where they end.
func (o *shape) lockFrames(fns []string, g int) (int, bool) {
	j := g
	for ; j < len(fns); j++ {
		w, ok := kernel.Wait(fns[j])
		if !ok || (w.Class != kernel.SlowPath && w.Class != kernel.LockCall) {
			break
		}
	}
	return j, j > g
}

// waiter fills o for a task queued on a lock: fns[g:j] are the lock's frames.
func (o *shape) waiter(fns []string, g, j int) {
	o.role = Waiter
	var entry, slow kernel.WaitPoint
	for _, fn := range fns[g:j] {
		w, _ := kernel.Wait(fn)
		if w.Killable {
			o.killable = true
		}
		if w.Class == kernel.LockCall {
			entry = w
		} else if slow.Fn == "" || slow.Mode == ModeUnknown && w.Mode != ModeUnknown {
			// 2.6's rwsem_down_failed_common serves both modes; the
			// rwsem_down_{read,write}_failed under it says which.
			slow = w
		}
		o.lockType = w.Lock
	}
	o.mode = entry.Mode
	if o.mode == ModeUnknown {
		o.mode = slow.Mode
	}
	if o.mode == ModeUnknown {
		// Stacks without frame pointers (2.6 x86) hold stale addresses
		// between real frames: the rwsem_down_{read,write}_failed that
		// says the mode may come a frame or two under the wait loop.
		for _, fn := range fns[j:min(j+3, len(fns))] {
			if w, ok := kernel.Wait(fn); ok && (w.Class == kernel.SlowPath || w.Class == kernel.LockCall) && w.Lock == o.lockType && w.Mode != ModeUnknown {
				o.mode = w.Mode
				break
			}
		}
	}
	frames := strings.Join(fns[g:j], " ← ")
	if j == len(fns) {
		o.site = fns[j-1]
		o.why = fmt.Sprintf("sleeps in %s with no caller shown", frames)
		return
	}
	caller := fns[j]
	if s, ok := kernel.Site(caller); ok {
		o.site, o.kind = s.Fn, s.Object
		if s.Mode != ModeUnknown && o.mode == ModeUnknown {
			o.mode = s.Mode
		}
		o.why = fmt.Sprintf("%s directly under %s: queued on the lock %s takes", frames, s.Fn, s.Fn)
	} else {
		o.site = caller
		o.why = fmt.Sprintf("%s called from %s", frames, caller)
	}
	// A named-lock function is the caller, or the last lock frame itself
	// (rtnl_lock directly over mutex_lock).
	for _, fn := range []string{caller, fns[j-1]} {
		if n, ok := kernel.Named(fn); ok {
			o.name, o.global = n.Name, n.Global
			o.why += fmt.Sprintf("; %s takes %s", n.Fn, n.Name)
			break
		}
	}
	o.holdsDeeper(fns[j+1:])
}

// holdsDeeper records the sites deeper in a waiter's stack whose lock it
// holds while it waits (a rename holding the directories while it waits
// for an inode, say).
func (o *shape) holdsDeeper(fns []string) {
	for i := 1; i < len(fns); i++ {
		s, ok := kernel.Site(fns[i])
		if !ok || s.Object == "" || !s.Holds(fns[i-1]) {
			continue
		}
		o.holds = append(o.holds, heldSite{site: s.Fn, kind: s.Object, mode: s.Mode})
	}
}

// holder decides whether a task sleeping outside any lock's slow path holds
// the lock of a site it passed: only when the site's table lists the
// callee the stack shows under it as one that runs with the lock held.
func (o *shape) holder(fns []string) {
	for i := 1; i < len(fns); i++ {
		s, ok := kernel.Site(fns[i])
		if !ok {
			continue
		}
		callee := fns[i-1]
		if !s.Holds(callee) {
			if o.released == "" {
				how := "is not known to run with the lock held"
				if s.Releases(callee) {
					how = "runs outside the lock (before " + s.Fn + " takes it or after it releases it)"
				}
				o.released = fmt.Sprintf("passed %s, but its callee %s %s: not a holder", s.Fn, callee, how)
			}
			continue
		}
		if o.role == Holder {
			o.holds = append(o.holds, heldSite{site: s.Fn, kind: s.Object, mode: s.Mode})
			continue
		}
		o.role = Holder
		o.site, o.kind, o.mode = s.Fn, s.Object, s.Mode
		o.released = ""
		o.why = fmt.Sprintf("passed %s into %s, which runs with the lock held, and sleeps deeper in %s (%s), not in a lock's slow path",
			s.Fn, callee, fns[0], strings.Join(fns[:i], " ← "))
	}
}
