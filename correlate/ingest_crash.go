package correlate

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/correlate/locks"
	"github.com/lagtrace/lagtrace/parse/crash"
)

// ReadCrash reads a crash transcript into h, a record at a time. What
// proves a task's inode or a lock's owner comes in answers after its bt
// (kmem, struct file.f_inode, dentry.d_inode, struct mutex.owner), so the
// backtraces are held, reduced to their tasks, until the transcript ends;
// of the other answers only what the joins need is kept.
func (h *HostInput) ReadCrash(r io.Reader, name string) (Skips, error) {
	h.Files = append(h.Files, SourceFile{Path: name, Kind: KindCrash})
	ev := h.evidence()
	cr := crash.NewReader(r, crash.Options{Name: name, MaxLine: h.MaxLine})
	var idx crash.Index
	var tasks []locks.Task
	var owners ownerFacts
	state := map[int]string{}
	comm := map[int]string{}
	for cr.Next() {
		rec := cr.Record()
		h.scrub(rec)
		idx.Add(rec)
		owners.add(rec)
		switch x := rec.(type) {
		case *crash.PS:
			for _, row := range x.Rows {
				state[row.PID], comm[row.PID] = row.State, row.Comm
			}
		case *crash.Backtrace:
			t := locks.Task{PID: x.PID, NoPID: !x.HasPID, Comm: x.Comm, Kind: KindCrash, Source: name + ":" + strconv.Itoa(x.Line)}
			for _, f := range x.TaskFrames() {
				if f.Func != "" {
					t.Frames = append(t.Frames, f.Func)
				}
			}
			if !x.HasPID && len(t.Frames) == 0 {
				continue
			}
			tasks = append(tasks, t)
		}
	}
	if err := cr.Err(); err != nil {
		return Skips{}, err
	}
	inodes := idx.Inodes()
	for _, t := range tasks {
		if t.NoPID {
			ev.AddTask(t)
			continue
		}
		t.State = state[t.PID]
		if t.Comm == "" {
			t.Comm = comm[t.PID]
		}
		if ins := inodes[t.PID]; len(ins) > 0 {
			t.Object = "0x" + ins[0].Addr
			if len(ins[0].Evidence) > 0 {
				t.ObjectVia = ins[0].Evidence[0].Cache
			}
		}
		ev.AddTask(t)
		h.see(t.PID, KindCrash, t.Source, observation{})
	}
	for _, o := range owners.resolve(name) {
		ev.AddOwner(o)
	}
	sk := cr.Skipped()
	h.Files[len(h.Files)-1].Paste = cr.Paste().Names()
	return Skips{Count: sk.Count, FirstLine: sk.FirstLine, FirstText: sk.FirstText, Paste: cr.Paste()}, nil
}

// ownerFacts gathers, as a transcript is read, what ties a lock's owner
// field to a task: struct answers of locks, and every answer that says
// which PID a task_struct address is (ps rows, bt headers, kmem of a task).
type ownerFacts struct {
	locks []*crash.Struct
	// taskPID and taskComm map task_struct addresses to their task.
	taskPID  map[string]int
	taskComm map[string]string
	// symbolAddr maps a symbol to its address, from kmem answers about it.
	symbolAddr map[string]string
}

func (o *ownerFacts) task(addr string, pid int, comm string) {
	if addr == "" {
		return
	}
	if o.taskPID == nil {
		o.taskPID, o.taskComm = map[string]int{}, map[string]string{}
	}
	o.taskPID[addr], o.taskComm[addr] = pid, comm
}

func (o *ownerFacts) add(rec crash.Record) {
	switch x := rec.(type) {
	case *crash.PS:
		for _, row := range x.Rows {
			o.task(row.Task, row.PID, row.Comm)
		}
	case *crash.Backtrace:
		if x.HasPID && !x.Abbreviated {
			o.task(x.Task, x.PID, x.Comm)
		}
	case *crash.Kmem:
		if x.Task != nil {
			o.task(x.Task.Task, x.Task.PID, x.Task.Comm)
			o.task(x.Object, x.Task.PID, x.Task.Comm)
		}
		if x.Symbol != "" && x.Query != "" {
			if o.symbolAddr == nil {
				o.symbolAddr = map[string]string{}
			}
			o.symbolAddr[x.Symbol] = x.Query
		}
	case *crash.Struct:
		switch x.Type {
		case "mutex", "rw_semaphore", "extent_buffer":
			o.locks = append(o.locks, x)
		}
	}
}

// resolve reads the owner fields: struct mutex's and rw_semaphore's owner
// (a task pointer whose low three bits are flags; an atomic_long_t "owner
// = { counter = 0x... }" since 4.10, a plain pointer before), tied to a PID
// by a ps row, a bt header or a kmem answer about that task; and struct
// extent_buffer's lock_owner, a PID. A lock the struct command named by
// its symbol ("struct mutex magic_mutex") takes its address from a kmem
// answer about that symbol.
func (o *ownerFacts) resolve(name string) []locks.Owner {
	var out []locks.Owner
	for _, st := range o.locks {
		addr := st.Addr
		if addr == "" && st.Symbol != "" {
			addr = strings.TrimPrefix(o.symbolAddr[st.Symbol], "0x")
		}
		if addr == "" {
			continue
		}
		for _, f := range st.Fields {
			src := name + ":" + strconv.Itoa(f.Line)
			switch {
			case (st.Type == "mutex" || st.Type == "rw_semaphore") && (f.Name == "owner.counter" || f.Name == "owner"):
				v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSuffix(f.Value, ","), "0x"), 16, 64)
				if err != nil || v == 0 {
					continue
				}
				task := strconv.FormatUint(v&^7, 16)
				pid, ok := o.taskPID[task]
				if !ok {
					continue
				}
				out = append(out, locks.Owner{Lock: "0x" + addr, Type: st.Type, PID: pid, Comm: o.taskComm[task],
					Reader: st.Type == "rw_semaphore" && v&1 != 0, Source: src,
					Via: fmt.Sprintf("task %s, whose PID a ps row, bt header or kmem answer gives; the low bits 0x%x are flags", task, v&7)})
			case st.Type == "extent_buffer" && f.Name == "lock_owner":
				pid, err := strconv.Atoi(strings.TrimSuffix(f.Value, ","))
				if err != nil || pid <= 0 {
					continue
				}
				out = append(out, locks.Owner{Lock: "0x" + addr, Type: st.Type, PID: pid, Source: src, Via: "extent_buffer.lock_owner"})
			}
		}
	}
	return out
}
