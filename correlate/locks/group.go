package locks

import (
	"strings"
)

// groupClaims puts claims on locks. Claims that share an identity that
// names one lock (an address, an inode, a global lock's name, a blocker
// line's owner) are on the same lock. A claim known only by what is locked
// ("a directory's i_rwsem") or by a bare slow path joins the one lock that
// has that identity too, when there is exactly one; otherwise such claims
// make a lock of their own, grouped by that identity, which may in truth
// be several locks (its confidence says so).
func groupClaims(claims []*claim) []*lockAcc {
	uf := newUnionFind()
	for _, c := range claims {
		for i := 1; i < len(c.strong); i++ {
			uf.union(c.strong[0], c.strong[i])
		}
		for _, k := range c.strong {
			uf.find(k)
		}
	}
	byRoot := map[string]*lockAcc{}
	var out []*lockAcc
	lockOf := func(root string, strong bool) *lockAcc {
		la := byRoot[root]
		if la == nil {
			la = &lockAcc{strong: strong, order: len(out), wmode: map[*member]Mode{}, hmode: map[*member]Mode{},
				isWaiter: map[*member]bool{}, isHolder: map[*member]bool{}}
			byRoot[root] = la
			out = append(out, la)
		}
		return la
	}
	// Strong locks first, remembering the weak identities their claims
	// also carry.
	weakOwners := map[string][]*lockAcc{}
	for _, c := range claims {
		if len(c.strong) == 0 {
			continue
		}
		la := lockOf(uf.find(c.strong[0]), true)
		la.addKeys(c.strong)
		for _, w := range c.weak {
			if !contains(la.weak, w) {
				la.weak = append(la.weak, w)
				weakOwners[w] = appendUnique(weakOwners[w], la)
			}
		}
		la.add(c)
	}
	for _, c := range claims {
		if len(c.strong) > 0 || len(c.weak) == 0 {
			continue
		}
		var la *lockAcc
		for _, w := range c.weak {
			if owners := weakOwners[w]; len(owners) == 1 {
				la = owners[0]
				break
			}
		}
		if la == nil {
			la = lockOf("weak:"+c.weak[0], false)
			la.addKeys(c.weak[:1])
		}
		la.add(c)
	}
	return out
}

func (la *lockAcc) addKeys(keys []string) {
	for _, k := range keys {
		if !contains(la.keys, k) {
			la.keys = append(la.keys, k)
		}
	}
}

// add records a claim on the lock; a task claimed as both waiter and
// holder of one lock is both (it waits for a lock it holds).
func (la *lockAcc) add(c *claim) {
	if c.hold {
		if !la.isHolder[c.m] {
			la.isHolder[c.m] = true
			la.holders = append(la.holders, c.m)
		}
		if c.mode != ModeUnknown {
			la.hmode[c.m] = c.mode
		}
	} else {
		if !la.isWaiter[c.m] {
			la.isWaiter[c.m] = true
			la.waiters = append(la.waiters, c.m)
		}
		if c.mode != ModeUnknown {
			la.wmode[c.m] = c.mode
		}
	}
	if c.ev.Text != "" && !containsEvidence(la.evidence, c.ev) {
		la.evidence = append(la.evidence, c.ev)
	}
	for _, k := range la.keys {
		switch {
		case strings.HasPrefix(k, "addr:") && la.address == "":
			la.address = "0x" + strings.TrimPrefix(k, "addr:")
		case strings.HasPrefix(k, "obj:") && la.object == "":
			_, obj, _ := strings.Cut(k, "@")
			la.object = obj
		case strings.HasPrefix(k, "name:") && la.name == "":
			la.name = strings.TrimPrefix(k, "name:")
		}
	}
	sh := c.m.sh
	if c.ev.Kind == EvidenceStack || c.ev.Kind == EvidenceLockdep && !c.hold {
		if sh.kind != "" && la.kind == "" {
			la.kind = sh.kind
		}
		if la.site == "" || !c.hold && len(la.waiters) == 1 && sh.site != "" {
			la.site = sh.site
		}
		if sh.lockType != "" && la.lockType == "" {
			la.lockType = sh.lockType
		}
		if sh.name != "" && la.name == "" {
			la.name = sh.name
		}
	}
	la.addNames(c)
}

func (la *lockAcc) addNames(c *claim) {
	if c.site != "" && la.site == "" {
		la.site = c.site
	}
	if c.class != "" && la.name == "" {
		la.name = c.class
	}
}

func containsEvidence(evs []Reason, e Reason) bool {
	for _, x := range evs {
		if x.Kind == e.Kind && x.Text == e.Text {
			return true
		}
	}
	return false
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func appendUnique(ls []*lockAcc, la *lockAcc) []*lockAcc {
	for _, x := range ls {
		if x == la {
			return ls
		}
	}
	return append(ls, la)
}

type unionFind map[string]string

func newUnionFind() unionFind { return unionFind{} }

func (u unionFind) find(k string) string {
	p, ok := u[k]
	if !ok {
		u[k] = k
		return k
	}
	if p == k {
		return k
	}
	r := u.find(p)
	u[k] = r
	return r
}

func (u unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u[rb] = ra
	}
}
