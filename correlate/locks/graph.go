package locks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/kernel"
)

// cycles finds the wait-for cycles of an incident: task T waits for lock L,
// whose holder H waits for a lock held by ... T. One task waiting for a lock
// it holds is a cycle of one: a self-deadlock.
func cycles(ms map[taskKey]*member) []Cycle {
	out := []Cycle{}
	seen := map[string]bool{}
	for _, start := range sortedMembers(ms) {
		if start.waits == nil || start.waits.id == "" {
			continue
		}
		// Depth-first along waits -> holders; the incident is small.
		var path []*member
		var walk func(m *member)
		walk = func(m *member) {
			if len(path) > 16 {
				return
			}
			if i := slices.Index(path, m); i >= 0 {
				c := makeCycle(path[i:])
				if !seen[c.key()] {
					seen[c.key()] = true
					out = append(out, c.Cycle)
				}
				return
			}
			if m.waits == nil || m.waits.id == "" {
				return
			}
			path = append(path, m)
			for _, h := range m.waits.holders {
				walk(h)
			}
			path = path[:len(path)-1]
		}
		walk(start)
	}
	return out
}

type cycleAcc struct {
	Cycle
	members []*member
}

func (c cycleAcc) key() string {
	parts := make([]string, len(c.members))
	for i, m := range c.members {
		parts[i] = m.label()
	}
	return strings.Join(parts, ",")
}

// makeCycle rotates the cycle to start at its lowest PID and words it.
func makeCycle(ms []*member) cycleAcc {
	lo := 0
	for i, m := range ms {
		if m.task.key.pid < ms[lo].task.key.pid {
			lo = i
		}
	}
	ms = append(slices.Clone(ms[lo:]), ms[:lo]...)
	c := cycleAcc{members: ms, Cycle: Cycle{PIDs: []int{}, Locks: []string{}, Self: len(ms) == 1}}
	var parts []string
	for i, m := range ms {
		c.PIDs = append(c.PIDs, m.task.key.pid)
		c.Locks = append(c.Locks, m.waits.id)
		next := ms[(i+1)%len(ms)]
		parts = append(parts, fmt.Sprintf("%s:%s waits for %s, held by %s:%s", m.name(), m.label(), m.waits.id, next.name(), next.label()))
	}
	if c.Self {
		m := ms[0]
		c.Text = fmt.Sprintf("self-deadlock: %s:%s waits for %s, which it holds itself", m.name(), m.label(), m.waits.id)
	} else {
		c.Text = "deadlock: " + strings.Join(parts, "; ")
	}
	return c
}

// chains follow each lock with waiters to its holder and on: the holder
// waits for another lock (whose holder is followed in turn) or sleeps for
// something else (an NFS server's reply, a FUSE daemon, I/O), which ends
// the chain.
func chains(ms map[taskKey]*member) []Chain {
	out := []Chain{}
	done := map[*lockAcc]bool{}
	for _, m := range sortedMembers(ms) {
		for _, la := range m.holds {
			if done[la] || la.id == "" || len(la.waiters) == 0 {
				continue
			}
			done[la] = true
			out = append(out, chainFrom(la))
		}
	}
	return out
}

func chainFrom(la *lockAcc) Chain {
	c := Chain{Lock: la.id, Holders: []int{}}
	var parts []string
	parts = append(parts, fmt.Sprintf("%d %s for %s", len(la.waiters), plural(len(la.waiters), "task waits", "tasks wait"), la.id))
	cur := la
	visited := map[*lockAcc]bool{}
	for cur != nil && !visited[cur] && len(cur.holders) > 0 {
		visited[cur] = true
		h := cur.holders[0]
		c.Holders = append(c.Holders, h.task.key.pid)
		if h.waits != nil && h.waits.id != "" && h.waits != cur {
			parts = append(parts, fmt.Sprintf("held by %s:%s, which waits for %s", h.name(), h.label(), h.waits.id))
			c.End = h.waits.id
			cur = h.waits
			continue
		}
		c.End = h.sh.waitsIn
		parts = append(parts, fmt.Sprintf("held by %s:%s, which %s", h.name(), h.label(), sleepWhat(h.sh)))
		break
	}
	if len(c.Holders) == 0 {
		parts = append(parts, "whose holder is not visible")
	}
	c.Text = strings.Join(parts, ", ")
	return c
}

// sleepWhat words what a holder sleeps for.
func sleepWhat(sh shape) string {
	if len(sh.stack) == 0 {
		return "the sources show no stack of"
	}
	if sh.running {
		return "was running (" + sh.waitsIn + " printed its stack)"
	}
	for _, fn := range sh.stack {
		switch {
		case fn == "rpc_wait_bit_killable" || fn == "__rpc_execute" || fn == "nfs_wait_bit_killable":
			return "waits for the NFS server (" + sh.waitsIn + ")"
		case fn == "request_wait_answer" || strings.Contains(fn, "fuse_simple_request"):
			return "waits for the FUSE daemon (" + sh.waitsIn + ")"
		}
		if w, ok := kernel.Wait(fn); ok && w.Class == kernel.BlockPoint {
			return "sleeps in " + sh.waitsIn + " (" + fn + ")"
		}
	}
	return "sleeps in " + sh.waitsIn
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
