package locks

import (
	"slices"

	"github.com/lagtrace/lagtrace/correlate/kernel"
)

// HintMatch is a hint whose whole pattern matched one lock.
type HintMatch struct {
	kernel.Hint
	Lock    string `json:"lock"`
	Holders []int  `json:"holders"`
}

// MatchHints returns the hints whose whole pattern matches a lock of la.
func MatchHints(la *Analysis, hints []kernel.Hint) []HintMatch {
	if la == nil {
		return nil
	}
	byPID := map[int]TaskRole{}
	for _, t := range la.Tasks {
		byPID[t.PID] = t
	}
	var out []HintMatch
	for _, h := range hints {
		for _, l := range la.Locks {
			if matchHint(h, l, byPID) {
				out = append(out, HintMatch{Hint: h, Lock: l.ID, Holders: slices.Clone(l.Holders)})
				break
			}
		}
	}
	return out
}

func matchHint(h kernel.Hint, l Lock, byPID map[int]TaskRole) bool {
	if h.Site != "" && l.Site != h.Site {
		return false
	}
	if len(l.Waiters) < h.MinWaiters || len(l.Holders) == 0 {
		return false
	}
	if h.WaiterMode != ModeUnknown && !slices.ContainsFunc(l.Waiters, func(pid int) bool { return byPID[pid].Mode == h.WaiterMode }) {
		return false
	}
	return slices.ContainsFunc(l.Holders, func(pid int) bool {
		t := byPID[pid]
		if len(h.HolderCalls) > 0 && !containsAny(t.Stack, h.HolderCalls) {
			return false
		}
		if len(h.HolderWaits) > 0 && !slices.Contains(h.HolderWaits, t.WaitsIn) && !containsAny(t.Stack, h.HolderWaits) {
			return false
		}
		return true
	})
}

func containsAny(stack, fns []string) bool {
	for _, f := range stack {
		if slices.Contains(fns, kernel.FuncName(f)) {
			return true
		}
	}
	return false
}
