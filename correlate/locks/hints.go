package locks

import (
	"slices"

	"github.com/lagtrace/lagtrace/correlate/kernel"
)

// HintMatch is a hint whose whole pattern matched one lock of an incident.
type HintMatch struct {
	kernel.Hint
	Incident string `json:"incident"`
	Lock     string `json:"lock"`
	Holders  []int  `json:"holders"`
}

// MatchHints returns, per incident (the latest first), the hints whose
// whole pattern matches one of its locks.
func MatchHints(la *Analysis, hints []kernel.Hint) []HintMatch {
	if la == nil {
		return nil
	}
	var out []HintMatch
	for _, inc := range la.Incidents {
		byPID := map[int]TaskRole{}
		for _, t := range inc.Tasks {
			if t.PID != nil {
				byPID[*t.PID] = t
			}
		}
		for _, h := range hints {
			for _, l := range inc.Locks {
				if matchHint(h, l, byPID) {
					out = append(out, HintMatch{Hint: h, Incident: inc.ID, Lock: l.ID, Holders: slices.Clone(l.Holders)})
					break
				}
			}
		}
	}
	return out
}

func matchHint(h kernel.Hint, l Lock, byPID map[int]TaskRole) bool {
	if h.Site != "" && l.Site != h.Site {
		return false
	}
	if len(l.Waiters)+l.Unnamed < h.MinWaiters || len(l.Holders) == 0 {
		return false
	}
	if h.WaiterMode != ModeUnknown && !slices.ContainsFunc(l.Groups, func(g WaiterGroup) bool { return g.Mode == h.WaiterMode }) {
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
