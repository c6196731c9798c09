package dmesg

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The cases below are lines of the published texts in testdata/real
// (named in each case, decorations such as mail quoting removed unless the
// case is about them), the lines that taught the reader each rule.

// brief is what a case checks of a task: who it is and its frames.
type brief struct {
	Comm      string
	PID, PPID int
	NoPID     bool
	StackLine int
	State     string
	Hung      bool
	Line      int
	Frames    []string
	Interrupt []string
}

func briefs(recs []*Record) []brief {
	var out []brief
	for _, rec := range recs {
		if rec.Task == nil {
			continue
		}
		t := rec.Task
		b := brief{Comm: t.Comm, PID: t.PID, PPID: t.PPID, State: t.State, Hung: t.Hung, Line: rec.Line}
		if t.NoPID {
			b.NoPID, b.StackLine = true, t.StackLine
		}
		name := func(f Frame) string {
			s := f.Func
			if f.Unreliable {
				s = "? " + s
			}
			if f.Inline {
				s += " [inline]"
			}
			return s
		}
		for _, f := range t.Frames {
			b.Frames = append(b.Frames, name(f))
		}
		for _, f := range t.Interrupt {
			b.Interrupt = append(b.Interrupt, f.Context.String()+": "+name(f))
		}
		out = append(out, b)
	}
	return out
}

// TestLineComm: the header and the task line may name the task apart
// (testdata/dmesg/x86-3.10-rhel7-syslog.txt, as pasted to a GlusterFS pull
// request); both names are kept.
func TestLineComm(t *testing.T) {
	in := "Oct 11 06:07:26 glustern1 kernel: INFO: task glusterfsd:26120 blocked for more than 120 seconds.\n" +
		"Oct 11 06:07:26 glustern1 kernel: bptm            D ffff8817dddf80b0     0 26120  26119 0x00000080\n"
	recs, _, err := read(in, Options{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("got %d records, err %v; want 1", len(recs), err)
	}
	if got := recs[0].Task; got.Comm != "glusterfsd" || got.LineComm != "bptm" {
		t.Errorf("Comm %q, LineComm %q; want glusterfsd and bptm", got.Comm, got.LineComm)
	}
	// A trailing space in the header's comm is no difference: the task
	// line pads comm with spaces (the comm is the seed's with a space).
	recs, _, _ = read("INFO: task rsync :3621271 blocked for more than 120 seconds.\n"+
		"rsync           D    0 3621271 152322 0x00000080\n", Options{})
	if len(recs) != 1 || recs[0].Task.Comm != "rsync " || recs[0].Task.LineComm != "" {
		t.Errorf("got %+v; want Comm \"rsync \" and no LineComm", recs)
	}
}

func TestExcerptStamps(t *testing.T) {
	tests := []struct {
		name, in string
		want     Stamp
	}{{
		// dmesg/010: a journal line whose date and host the poster cut off.
		name: "kernel: before the stamp",
		in:   "kernel: [425684.110424] INFO: task kworker/u162:0:58843 blocked for more than 120 seconds.\n",
		want: Stamp{Mono: 425684110424000, HasMono: true},
	}, {
		// dmesg/012: dmesg -T under a German locale.
		name: "ctime with a localised weekday",
		in:   "[Mo Apr 29 20:44:47 2019] INFO: task btrfs-transacti:10227 blocked for more than 120 seconds.\n",
		want: Stamp{Wall: mustTime(t, "2019-04-29T20:44:47Z"), WallKind: Ctime},
	}, {
		// dmesg/017: a day of one digit after one space.
		name: "ctime with a one-space day",
		in:   "[Mon Jan 6 13:25:28 2025] INFO: task nfsd:55306 blocked for more than 6883 seconds.\n",
		want: Stamp{Wall: mustTime(t, "2025-01-06T13:25:28Z"), WallKind: Ctime},
	}, {
		// dmesg/022: syslog writing the time of day only: no wall clock.
		name: "syslog time of day",
		in:   "23:05:11 localhost.localdomain kernel: INFO: task qemu-system-aar:8361 blocked for more than 120 seconds.\n",
		want: Stamp{},
	}, {
		// Issue 8's example of journalctl -o short-iso-precise with a
		// space for the T, no zone and no host.
		name: "iso with a space",
		in:   "2021-03-16 11:30:24.753 kernel: INFO: task rsync:3621271 blocked for more than 120 seconds.\n",
		want: Stamp{Wall: mustTime(t, "2021-03-16T11:30:24.753Z"), WallKind: ISO},
	}, {
		// dmesg/008: /dev/kmsg records of a MediaTek kernel, whose CPU and
		// task follow the record header.
		name: "kmsg with a MediaTek caller",
		in:   "3,25164,832483138,-; (1)[67:khungtaskd]INFO: task amms_task:51 blocked for more than 120 seconds.\n",
		want: Stamp{Mono: 832483138 * 1000, HasMono: true, Caller: "67:khungtaskd"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _, err := read(tt.in, Options{})
			if err != nil || len(recs) != 1 {
				t.Fatalf("got %d records, err %v; want 1", len(recs), err)
			}
			if diff := cmp.Diff(tt.want, recs[0].Time); diff != "" {
				t.Errorf("stamp (-want +got):\n%s", diff)
			}
			if recs[0].Task == nil || recs[0].Task.PID == 0 {
				t.Errorf("record %+v has no task", recs[0])
			}
		})
	}
}

func TestExcerptTaskLines(t *testing.T) {
	tests := []struct {
		name, in string
		want     []brief
	}{{
		// dmesg/023: a free stack of 5 digits glued to the state.
		name: "glued free stack",
		in: "[ 1108.791169] INFO: task systemd-tmpfile:5135 blocked for more than 120 seconds.\n" +
			"[ 1108.791607] systemd-tmpfile D11968  5135      1 0x00040000\n",
		want: []brief{{Comm: "systemd-tmpfile", PID: 5135, PPID: 1, State: "D", Hung: true, Line: 1}},
	}, {
		// dmesg/003: a ChromeOS kernel prints more after the flags.
		name: "vendor words after the flags",
		in: "INFO: task brcmf_wdog/mmc1:621 blocked for more than 120 seconds.\n" +
			"brcmf_wdog/mmc1 D    0   621      2 0x00000000 last_sleep: 2440793077.  last_runnable: 2440766827\n",
		want: []brief{{Comm: "brcmf_wdog/mmc1", PID: 621, PPID: 2, State: "D", Hung: true, Line: 1}},
	}, {
		// console/216: a mail client squeezed the runs of spaces.
		name: "squeezed spaces",
		in: "[ 240.520522] INFO: task client:1997 blocked for more than 120 seconds.\n" +
			"[ 240.520847] client D ffff88047fd14800 0 1997 1912 0x00000004\n",
		want: []brief{{Comm: "client", PID: 1997, PPID: 1912, State: "D", Hung: true, Line: 1}},
	}, {
		// dmesg/019: 2.6.0's SysRq-T line, no header, and the task's
		// frames printed twice (by name, then by address).
		name: "2.6.0 task line and doubled frames",
		in: " mozilla-bin   D 00000001     0  1225      1          1245  1393 (NOTLB)\n" +
			" eba79df4 00000082 c18dac80 00000001 00000003 5a5a5a5a 5a5a5a5a 5a5a5a5a \n" +
			" Call Trace:\n" +
			"  [rwsem_down_failed_common+157/342] rwsem_down_failed_common+0x9d/0x156\n" +
			"  [<c01bcd27>] rwsem_down_failed_common+0x9d/0x156\n" +
			"  [do_page_fault+0/1416] do_page_fault+0x0/0x588\n" +
			"  [<c011d6b1>] do_page_fault+0x0/0x588\n",
		want: []brief{{Comm: "mozilla-bin", PID: 1225, PPID: 1, State: "D", Line: 1,
			Frames: []string{"rwsem_down_failed_common", "do_page_fault"}}},
	}, {
		// dmesg/013: a SysRq-w entry without its header, its task line
		// cut by Gmail before the ppid.
		name: "headerless SysRq-w entry, wrapped",
		in: "[26099350.815187] signal          D 0000000000000000     0 49633\n" +
			"39989 0x00000084\n" +
			"[26099350.815209] Call Trace:\n" +
			"[26099350.815213]  [<ffffffff81619dd5>] schedule+0x35/0x80\n",
		want: []brief{{Comm: "signal", PID: 49633, PPID: 39989, State: "D", Line: 1, Frames: []string{"schedule"}}},
	}, {
		// dmesg/009: 2.6.30's line has no flags and was cut after "0  ".
		name: "2.6.30 line, wrapped",
		in: "May 15 19:35:42 jupiter kernel: [ 6601.222871] INFO: task khubd:281 blocked for more than 120 seconds.\n" +
			"May 15 19:35:42 jupiter kernel: [ 6601.222906] khubd         D 000005e3     0  \n" +
			"281      2\n",
		want: []brief{{Comm: "khubd", PID: 281, PPID: 2, State: "D", Hung: true, Line: 1}},
	}, {
		// dmesg/008: cut before the flags, under kmsg and vendor prefixes.
		name: "4.14 line cut before its flags",
		in: "6,25167,832483205,-; (1)[67:khungtaskd]amms_task       D    0    51      2\n" +
			"0x00000000\n",
		want: []brief{{Comm: "amms_task", PID: 51, PPID: 2, State: "D", Line: 1}},
	}, {
		// dmesg/030: the report's head was cut away before the echo line.
		name: "task line after the echo line",
		in: "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n" +
			"rm D ffff88107f472c40 0 16705 22512 0x00000000\n" +
			"Call Trace:\n" +
			"[] ? schedule_timeout+0x1ed/0x2d0\n" +
			"[] ? dlmlock+0x8a/0xda0 [ocfs2_dlm]\n",
		want: []brief{{Comm: "rm", PID: 16705, PPID: 22512, State: "D", Line: 2, Frames: []string{"? schedule_timeout", "? dlmlock"}}},
	}, {
		// dmesg/014: the old SysRq-w table header announces task lines.
		name: "old SysRq-w table",
		in: "sysrq: SysRq : Show Blocked State\n" +
			"  task                        PC stack   pid father\n" +
			"kworker/9:3     D    0 15778      2 0x80000000\n" +
			"Workqueue: events key_garbage_collector\n" +
			"Call Trace:\n" +
			" __schedule+0x2ac/0xab0\n" +
			"270             R  running task        0 15438   1007 0x00000000\n",
		want: []brief{
			{Comm: "kworker/9:3", PID: 15778, PPID: 2, State: "D", Line: 3, Frames: []string{"__schedule"}},
			{Comm: "270", PID: 15438, PPID: 1007, State: "R", Line: 7},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, sk, err := read(tt.in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, briefs(recs)); diff != "" {
				t.Errorf("tasks (-want +got):\n%s", diff)
			}
			if sk.Count != 0 {
				t.Errorf("skipped %d lines, first %d: %q", sk.Count, sk.FirstLine, sk.FirstText)
			}
		})
	}
}

func TestExcerptFrames(t *testing.T) {
	tests := []struct {
		name, in string
		want     []brief
	}{{
		// dmesg/023: powerpc prints the stack pointer before the address;
		// its first slot has no symbol.
		name: "powerpc two addresses",
		in: "[ 1108.791169] INFO: task systemd-tmpfile:5135 blocked for more than 120 seconds.\n" +
			"[ 1108.791620] Call Trace:\n" +
			"[ 1108.791631] [c000001b9ab07500] [c000001b9ab07540] 0xc000001b9ab07540 (unreliable)\n" +
			"[ 1108.791645] [c000001b9ab076d0] [c00000000001b5d0] __switch_to+0x280/0x470\n",
		want: []brief{{Comm: "systemd-tmpfile", PID: 5135, Hung: true, Line: 1,
			Frames: []string{"? 0xc000001b9ab07540", "__switch_to"}}},
	}, {
		// console/214: an x86 address without a symbol (freed init code).
		name: "x86 raw address",
		in: "[   48.153850] INFO: task systemd-udevd:382 blocked for more than 120 seconds.\n" +
			"[   48.153851] Call Trace:\n" +
			"[   48.154877]  i2c_register_driver+0x39/0x70\n" +
			"[   48.154932]  ? 0xffffffffc00ac000\n",
		want: []brief{{Comm: "systemd-udevd", PID: 382, Hung: true, Line: 1,
			Frames: []string{"i2c_register_driver", "? 0xffffffffc00ac000"}}},
	}, {
		// dmesg/017: decode_stacktrace.sh of 5.x+: source in parentheses,
		// the inlined callee's line first, the module after.
		name: "decoded with parentheses",
		in: "INFO: task nfsd:55306 blocked for more than 6883 seconds.\n" +
			"Call Trace:\n" +
			"nfsd4_destroy_session (debian/build/build_amd64_none_amd64/include/linux/spinlock.h:351 debian/build/build_amd64_none_amd64/fs/nfsd/nfs4state.c:3861) nfsd\n" +
			"? svc_recv (debian/build/build_amd64_none_amd64/net/sunrpc/svc_xprt.c:897) sunrpc\n",
		want: []brief{{Comm: "nfsd", PID: 55306, Hung: true, Line: 1,
			Frames: []string{"nfsd4_destroy_session", "? svc_recv"}}},
	}, {
		// dmesg/027: a page fault inside clone; the kernel RIP line is the
		// frame the fault stopped, the user one a register.
		name: "kernel RIP inside a stack",
		in: "INFO: task repro_20250402_:13229 blocked for more than 122 seconds.\n" +
			"Call Trace:\n" +
			" <TASK>\n" +
			" __mutex_lock+0x75f/0xeb0\n" +
			" asm_exc_page_fault+0x26/0x30\n" +
			"RIP: 0010:__put_user_4+0xd/0x20\n" +
			"Code: 66 89 01 31 c9 0f 01 ca c3 cc cc cc cc 0f 1f 00 f3 0f 1e fa 48 89 cb 48 c1 fb 3f 48 09 d9 0f 01 cb <89> 01 31 c9 0f 01 ca c3 cc cc cc cc 0f 1f 00 f3 0f 1e fa 48 89 cb\n" +
			" copy_process+0x1f4a/0x3d60\n" +
			"RIP: 0033:0x41b26d\n" +
			" </TASK>\n",
		want: []brief{{Comm: "repro_20250402_", PID: 13229, Hung: true, Line: 1,
			Frames: []string{"__mutex_lock", "asm_exc_page_fault", "__put_user_4", "copy_process"}}},
	}, {
		// dmesg/024: the soft lockup's RIP comes before the trace: the
		// register dump, not a frame.
		name: "RIP before the trace",
		in: "Nov 16 18:12:15 stoat kernel: [381514.433751] Pid: 31104, comm: imap Tainted: G      D    2.6.31-14-server #48-Ubuntu System Product Name\n" +
			"Nov 16 18:12:15 stoat kernel: [381514.433751] RIP: 0010:[<ffffffff815258b0>]  [<ffffffff815258b0>] __mutex_lock_slowpath+0x30/0x160\n" +
			"Nov 16 18:12:15 stoat kernel: [381514.433751] Call Trace:\n" +
			"Nov 16 18:12:15 stoat kernel: [381514.433751]  [<ffffffff815258c5>] ? __mutex_lock_slowpath+0x45/0x160\n",
		want: []brief{{Comm: "imap", PID: 31104, Line: 1, Frames: []string{"? __mutex_lock_slowpath"}}},
	}, {
		// console/200: an NMI backtrace of a worker interrupted in softirq
		// context; the interrupt's frames are not the task's.
		name: "NMI and IRQ contexts",
		in: "NMI backtrace for cpu 0\n" +
			"CPU: 0 UID: 0 PID: 5299 Comm: kworker/0:7 Not tainted 6.12.0-rc1-syzkaller-00125-g0c559323bbaa #0\n" +
			"Workqueue: events nsim_dev_trap_report_work\n" +
			"RIP: 0010:__kernel_text_address+0xf/0x40 kernel/extable.c:79\n" +
			"Call Trace:\n" +
			" <NMI>\n" +
			" </NMI>\n" +
			" <IRQ>\n" +
			" unwind_get_return_address+0x4d/0x90 arch/x86/kernel/unwind_orc.c:369\n" +
			" </IRQ>\n" +
			" <TASK>\n" +
			" nsim_dev_trap_report_work+0x75d/0xaa0 drivers/net/netdevsim/dev.c:850\n" +
			" </TASK>\n",
		want: []brief{{Comm: "kworker/0:7", PID: 5299, Line: 2,
			Frames: []string{"nsim_dev_trap_report_work"}, Interrupt: []string{"IRQ: unwind_get_return_address"}}},
	}, {
		// The same on x86 before 4.x, which marks the contexts on the
		// frame lines (these are dmesg/024's frames under the markers of
		// its kernel's dump_trace).
		name: "old x86 context markers",
		in: "Pid: 31104, comm: imap Tainted: G      D    2.6.31-14-server #48-Ubuntu\n" +
			"Call Trace:\n" +
			" <IRQ>  [<ffffffffa00e4fc1>] ? nfs_access_get_cached+0x71/0x190 [nfs]\n" +
			" <EOI>  [<ffffffff815253ce>] ? mutex_lock+0x1e/0x40\n",
		want: []brief{{Comm: "imap", PID: 31104, Line: 1,
			Frames: []string{"? mutex_lock"}, Interrupt: []string{"IRQ: ? nfs_access_get_cached"}}},
	}, {
		// console/217: a bare stack pasted with no header: a task of its
		// own, without a PID, at its first line.
		name: "bare stack",
		in: "at down_write() (like an example from serial-20170423-2.txt.xz shown below).\n" +
			"\n" +
			" ? __schedule+0x1d2/0x5a0\n" +
			" ? rwsem_down_write_failed+0x1f9/0x370\n",
		want: []brief{{NoPID: true, StackLine: 3, Line: 3, Frames: []string{"? __schedule", "? rwsem_down_write_failed"}}},
	}, {
		// dmesg/045: stamped stacks, each under the poster's line that
		// introduces it, no header.
		name: "stamped stacks under prose",
		in: "1. this thread is stuck in f2fs_evict_inode by #2:\n" +
			"[210757.653718]  __schedule+0x2e3/0x740\n" +
			"[210757.654811]  schedule+0x42/0xb0\n" +
			"\n" +
			"2. another thread is waiting for #1:\n" +
			"[210757.754646]  schedule+0x42/0xb0\n" +
			"[210757.755680]  rwsem_down_write_slowpath+0x244/0x4d0\n",
		want: []brief{
			{NoPID: true, StackLine: 2, Line: 2, Frames: []string{"__schedule", "schedule"}},
			{NoPID: true, StackLine: 6, Line: 6, Frames: []string{"schedule", "rwsem_down_write_slowpath"}},
		},
	}, {
		// dmesg/048: task lines the poster cut down to the name.
		name: "task line cut to its name",
		in: "Every time I run test srp/002 the following deadlock is triggered:\n" +
			"\n" +
			"task:multipathd\n" +
			"Call Trace:\n" +
			" <TASK>\n" +
			" __schedule+0x8c1/0x1bf0\n" +
			" </TASK>\n" +
			"task:(udev-worker)\n" +
			"Call Trace:\n" +
			" <TASK>\n" +
			" blk_mq_freeze_queue_wait+0xf2/0x140\n",
		want: []brief{
			{Comm: "multipathd", NoPID: true, StackLine: 6, Line: 3, Frames: []string{"__schedule"}},
			{Comm: "(udev-worker)", NoPID: true, StackLine: 11, Line: 8, Frames: []string{"blk_mq_freeze_queue_wait"}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, sk, err := read(tt.in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, briefs(recs)); diff != "" {
				t.Errorf("tasks (-want +got):\n%s", diff)
			}
			if sk.Count != 0 {
				t.Errorf("skipped %d lines, first %d: %q", sk.Count, sk.FirstLine, sk.FirstText)
			}
		})
	}
}

func TestExcerptDumpHeaders(t *testing.T) {
	tests := []struct {
		in   string
		want Task
	}{
		// console/200, console/210, dmesg/024 (twice), console/218.
		{"CPU: 1 UID: 0 PID: 30 Comm: khungtaskd Not tainted 6.12.0-rc1-syzkaller-00125-g0c559323bbaa #0",
			Task{Comm: "khungtaskd", PID: 30, Tainted: "Not tainted 6.12.0-rc1-syzkaller-00125-g0c559323bbaa #0"}},
		{"CPU: 14 UID: 0 PID: 141 Comm: khungtaskd Kdump: loaded Tainted: G S         O        6.18.3+ #7 PREEMPT(full)",
			Task{Comm: "khungtaskd", PID: 141, Tainted: "Tainted: G S         O        6.18.3+ #7 PREEMPT(full)"}},
		{"Pid: 31104, comm: imap Tainted: G      D    2.6.31-14-server #48-Ubuntu System Product Name",
			Task{Comm: "imap", PID: 31104, Tainted: "Tainted: G      D    2.6.31-14-server #48-Ubuntu System Product Name"}},
		{"Process maildrop (pid: 5551, threadinfo ffff880018002000, task ffff88005ef396b0)",
			Task{Comm: "maildrop", PID: 5551}},
		{"CPU: 1 PID: 7417 Comm: rs:main Q:Reg Not",
			Task{Comm: "rs:main Q:Reg", PID: 7417}},
	}
	for _, tt := range tests {
		got, ok := parseDumpHeader([]byte(tt.in))
		if !ok {
			t.Errorf("parseDumpHeader(%q) failed", tt.in)
			continue
		}
		if diff := cmp.Diff(tt.want, *got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("parseDumpHeader(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestExcerptCallers: two CPUs' lines interleaved on a console come out as
// the reports of each (console/218's NMI backtrace of CPU 1 inside
// khungtaskd's output, cut to its first lines).
func TestExcerptCallers(t *testing.T) {
	in := strings.Join([]string{
		"[  284.980443][ T1552] CPU: 0 PID: 1552 Comm: khungtaskd Not tainted 5.10.179 #1",
		"[  284.981513][ T1552] Call Trace:",
		"[  284.981739][ T1552]  dump_stack+0x106/0x162",
		"[  284.985309][    C1] CPU: 1 PID: 7417 Comm: rs:main Q:Reg Not tainted 5.10.179 #1",
		"[  284.985345][    C1] Call Trace:",
		"[  284.982026][ T1552]  nmi_cpu_backtrace.cold.8+0x44/0xd5",
		"[  284.985346][    C1]  copyin+0xde/0x110",
		"[  284.982725][ T1552]  nmi_trigger_cpumask_backtrace+0x1aa/0x1e0",
		"[  284.985348][    C1]  iov_iter_copy_from_user_atomic+0x404/0xcf0",
		"",
	}, "\n")
	recs, _, err := read(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{Comm: "khungtaskd", PID: 1552, Line: 1, Frames: []string{"dump_stack", "nmi_cpu_backtrace.cold.8", "nmi_trigger_cpumask_backtrace"}},
		{Comm: "rs:main Q:Reg", PID: 7417, Line: 4, Frames: []string{"copyin", "iov_iter_copy_from_user_atomic"}},
	}
	got := briefs(recs)
	// The order of records of concurrent callers is the order they end in.
	if len(got) == 2 && got[0].PID == 7417 {
		got[0], got[1] = got[1], got[0]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
}

// TestExcerptWraps: every cut the corpus shows is joined, and no line of
// a case is left over as prose or skipped.
func TestExcerptWraps(t *testing.T) {
	tests := []struct {
		name, in string
		want     []brief
		tainted  string
		wraps    int
	}{{
		// dmesg/008: the Tainted line and the echo line, each cut by the mailer.
		name: "tainted and echo lines",
		in: "INFO: task amms_task:51 blocked for more than 120 seconds.\n" +
			"      Tainted: P S      W  O\n" +
			" 4.14.186-g9d5f2ff-dirty #4\n" +
			"\"echo 0 >\n" +
			"/proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n",
		want:    []brief{{Comm: "amms_task", PID: 51, Hung: true, Line: 1}},
		tainted: "Tainted: P S      W  O 4.14.186-g9d5f2ff-dirty #4",
		wraps:   2,
	}, {
		// console/218: a dump header cut before "tainted", the hardware
		// line in the middle; console/208: the Code line over three lines.
		name: "dump header, hardware and code lines",
		in: "[  284.985309][    C1] CPU: 1 PID: 7417 Comm: rs:main Q:Reg Not\n" +
			"tainted 5.10.179 #1\n" +
			"[  284.985312][    C1] Hardware name: QEMU Standard PC (i440FX + PIIX,\n" +
			"1996), BIOS 1.12.0-1 04/01/2014\n" +
			"Code: 88 4c 89 f7 e8 86 16 fb 01 48 8b 9b 00 81 81 88 48 85 db 74 65\n" +
			"4c 3b 63 18 74 20 48 8b 1b ba 01 00 00 00 48 85 db 75 0a eb 52 <48> 8b\n" +
			"1b 48 85 db 74 4a 83 c2 01 4c 3b 63 18 75 ef 8b 53 10 83 fa\n",
		want:    []brief{{Comm: "rs:main Q:Reg", PID: 7417, Line: 1}},
		tainted: "Not tainted 5.10.179 #1",
		wraps:   4,
	}, {
		// console/221: a dump header cut inside its taint flags.
		name: "dump header cut in its taint",
		in: "[  740.877455] CPU: 2 UID: 0 PID: 839 Comm: btrfs-transacti Tainted: G\n" +
			"       W    L     6.13.0-rc3-f44d154d6e3d+ #392\n",
		want:    []brief{{Comm: "btrfs-transacti", PID: 839, Line: 1}},
		tainted: "Tainted: G W    L     6.13.0-rc3-f44d154d6e3d+ #392",
		wraps:   1,
	}, {
		// dmesg/010: a quoted-printable soft break; dmesg/012: a module
		// moved to the next line.
		name: "soft break and module",
		in: "kernel: [425684.110424] INFO: task kworker/u162:0:58843 blocked for more than 120 seconds.\n" +
			"kernel: [425684.111585] Call Trace:\n" +
			"kernel: [425684.111911]  ? xfs_setfilesize_trans_alloc.isra.13+0x3e/0x90 =\n" +
			"[xfs]\n" +
			"[Mo Apr 29 20:44:47 2019]  ? btrfs_cleanup_transaction+0x500/0x500\n" +
			"[btrfs]\n",
		want: []brief{{Comm: "kworker/u162:0", PID: 58843, Hung: true, Line: 1,
			Frames: []string{"? xfs_setfilesize_trans_alloc.isra.13", "? btrfs_cleanup_transaction"}}},
		wraps: 2,
	}, {
		// console/213: an ARM32 frame cut before its caller.
		name: "arm32 caller on the next line",
		in: "INFO: task kworker/u4:0:5 blocked for more than 120 seconds.\n" +
			"kworker/u4:0    D    0     5      2 0x00000000\n" +
			"[<c07139f8>] (wait_for_common) from [<c04d8488>]\n" +
			"(dpm_wait_for_superior+0x14/0x5c)\n",
		want: []brief{{Comm: "kworker/u4:0", PID: 5, PPID: 2, State: "D", Hung: true, Line: 1,
			Frames: []string{"wait_for_common", "dpm_wait_for_superior"}}},
		wraps: 1,
	}, {
		// dmesg/011: syzbot's title glued to the first line, then wrapped.
		name: "title glued to the header",
		in: "INFO: task hung in do_page_mkwriteINFO: task syz-fuzzer:4876 blocked for\n" +
			"more than 140 seconds.\n",
		want:  []brief{{Comm: "syz-fuzzer", PID: 4876, Hung: true, Line: 1}},
		wraps: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), Options{})
			var recs []*Record
			for r.Next() {
				recs = append(recs, r.Record())
			}
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, briefs(recs)); diff != "" {
				t.Errorf("tasks (-want +got):\n%s", diff)
			}
			if tt.tainted != "" && (len(recs) == 0 || recs[0].Task == nil || recs[0].Task.Tainted != tt.tainted) {
				t.Errorf("tainted not %q in %+v", tt.tainted, recs)
			}
			rep := r.Paste()
			if rep.Wrap.Count != tt.wraps || rep.Prose.Count != 0 || r.Skipped().Count != 0 {
				t.Errorf("wraps %d, prose %d (first %q), skipped %d; want %d wraps and nothing else",
					rep.Wrap.Count, rep.Prose.Count, rep.Prose.FirstText, r.Skipped().Count, tt.wraps)
			}
		})
	}
}

// TestExcerptLockTails: lockdep entries cut twice by Gmail (console/218)
// and entries whose head another CPU took (console/212).
func TestExcerptLockTails(t *testing.T) {
	in := strings.Join([]string{
		"[  284.975721][ T1552] 2 locks held by kworker/u8:0/1940:",
		"[  284.976066][ T1552]  #0: ffff888018636938",
		"((wq_completion)knbd0-recv){+.+.}-{0:0}, at:",
		"process_one_work+0x8e2/0x15d0",
		"2 locks held by syz-executor/7582:",
		" #0: ffffffff8fee3ae8 (",
		"rtnl_mutex){+.+.}-{3:3}, at: rtnl_lock net/core/rtnetlink.c:79 [inline]",
		"rtnl_mutex){+.+.}-{3:3}, at: rtnetlink_rcv_msg+0x372/0xea0 net/core/rtnetlink.c:6672",
		"1 lock held by syz-executor/7590:",
		" #0: ffffffff8fee3ae8 (rtnl_mutex",
		"){+.+.}-{3:3}, at: rtnl_lock net/core/rtnetlink.c:79 [inline]",
		"){+.+.}-{3:3}, at: rtnetlink_rcv_msg+0x372/0xea0 net/core/rtnetlink.c:6672",
		"",
	}, "\n")
	recs, sk, err := read(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		PID, Index int
		Class, At  string
	}
	var got []entry
	for _, rec := range recs {
		if rec.Locks == nil {
			continue
		}
		for _, l := range rec.Locks.Locks {
			got = append(got, entry{rec.Locks.PID, l.Index, l.Class, l.At.Func})
		}
	}
	want := []entry{
		{1940, 0, "(wq_completion)knbd0-recv", "process_one_work"},
		{7582, 0, "rtnl_mutex", "rtnl_lock"},
		{7582, 0, "rtnl_mutex", "rtnetlink_rcv_msg"},
		{7590, 0, "rtnl_mutex", "rtnl_lock"},
		{7590, 0, "rtnl_mutex", "rtnetlink_rcv_msg"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("locks (-want +got):\n%s", diff)
	}
	if sk.Count != 0 {
		t.Errorf("skipped %d lines, first %d: %q", sk.Count, sk.FirstLine, sk.FirstText)
	}
}

// TestExcerptDiff: console/213 quotes a unified diff of two boot logs; the
// added lines are a report.
func TestExcerptDiff(t *testing.T) {
	in := "> --- /tmp/good   2017-04-18 21:47:04.457156167 +0200\n" +
		"> +++ /tmp/bad    2017-04-18 21:43:26.215240325 +0200\n" +
		"> @@ -13,11 +13,178 @@ Enabling non-boot CPUs ...\n" +
		">  CPU1 is up\n" +
		"> -PM: resume devices took N.N seconds\n" +
		"> +INFO: task kworker/u4:0:5 blocked for more than 120 seconds.\n" +
		"> +kworker/u4:0    D    0     5      2 0x00000000\n" +
		"> +[<c0712c58>] (__schedule) from [<c0712f7c>] (schedule+0xb0/0xcc)\n" +
		"> +[<c0712f7c>] (schedule) from [<c0717140>] (schedule_timeout+0x18/0x1f4)\n" +
		"> +[<c0717140>] (schedule_timeout) from [<c07139f8>] (wait_for_common+0x100/0x19c)\n" +
		"> +[<c07139f8>] (wait_for_common) from [<c04d8488>]\n" +
		"> (dpm_wait_for_superior+0x14/0x5c)\n"
	r := NewReader(strings.NewReader(in), Options{})
	var recs []*Record
	for r.Next() {
		recs = append(recs, r.Record())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	want := []brief{{Comm: "kworker/u4:0", PID: 5, PPID: 2, State: "D", Hung: true, Line: 6,
		Frames: []string{"__schedule", "schedule", "schedule_timeout", "wait_for_common", "dpm_wait_for_superior"}}}
	if diff := cmp.Diff(want, briefs(recs)); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"quote", "diff", "wrap", "prose"}, r.Paste().Names()); diff != "" {
		t.Errorf("paste (-want +got):\n%s", diff)
	}
}

// TestRefusedJoins: a join that is refused must leave the current line
// intact. dmesg/018's pager cut two lines in a row that look cut (the echo
// line, the task line without its flags): reading ahead for the second
// reused the buffer that held it.
func TestRefusedJoins(t *testing.T) {
	in := ">>      INFO: task nfsd:2566 blocked for more than 5799 seconds.\n" +
		">>      \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables t>\n" +
		">>      task:nfsd            state:D stack:0     pid:2566  tgid:2566 >\n" +
		">>      Call Trace:\n" +
		">>       __schedule+0x1d2/0x5a0\n"
	recs, _, err := read(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{{Comm: "nfsd", PID: 2566, State: "D", Hung: true, Line: 1, Frames: []string{"__schedule"}}}
	if diff := cmp.Diff(want, briefs(recs)); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
}

// TestExcerptAccounting: lines of the corpus that are kernel text are
// used or joined, never counted as prose or skipped.
func TestExcerptAccounting(t *testing.T) {
	tests := []struct {
		name, in string
		wraps    int
	}{{
		// console/207: lockdep's splat around its task, no prefixes.
		name: "lockdep splat",
		in: "============================================\n" +
			"WARNING: possible recursive locking detected\n" +
			"6.11.0-rc1-syzkaller-ge4fc196f5ba3-dirty #0 Not tainted\n" +
			"--------------------------------------------\n" +
			"syz.0.15/5889 is trying to acquire lock:\n" +
			"ffff8880231e4d40 (team->team_lock_key#2){+.+.}-{3:3}, at: team_device_event+0x2c7/0x770 drivers/net/team/team_core.c:2973\n" +
			"\n" +
			"but task is already holding lock:\n" +
			"other info that might help us debug this:\n" +
			" Possible unsafe locking scenario:\n" +
			"       CPU0\n" +
			"       ----\n" +
			"  lock(team->team_lock_key#2);\n" +
			" *** DEADLOCK ***\n" +
			" May be due to missing lock nesting notation\n" +
			"stack backtrace:\n",
	}, {
		// console/221: acquire lines cut by Gmail, a chain, the header cut
		// inside its taint.
		name: "lockdep lines cut",
		in: "[  740.877186] btrfs-transacti/839 is trying to acquire lock:\n" +
			"[  740.877188] ffff888182336a50\n" +
			"(&q->q_usage_counter(io)#2){++++}-{0:0}, at: __submit_bio+0x335/0x520\n" +
			"[  740.877198] ffff8881826f7048 (btrfs-tree-00){++++}-{4:4}, at:\n" +
			"btrfs_tree_read_lock_nested+0x27/0x170\n" +
			"[  740.877205]\n" +
			"               which lock already depends on the new lock.\n" +
			"               &q->q_usage_counter(io)#2 --> &delayed_node->mutex\n" +
			"[  740.877455] CPU: 2 UID: 0 PID: 839 Comm: btrfs-transacti Tainted: G\n" +
			"       W    L     6.13.0-rc3-f44d154d6e3d+ #392\n",
		wraps: 3,
	}, {
		// console/210, console/208: NMI banners, idle CPUs, a symbolized
		// idle site on the next line.
		name: "NMI backtrace banners",
		in: "NMI backtrace for cpu 14\n" +
			"Sending NMI from CPU 14 to CPUs 0-13,15-19:\n" +
			"NMI backtrace for cpu 0 skipped: idling at intel_idle+0x50/0x80\n" +
			"NMI backtrace for cpu 2 skipped: idling at native_safe_halt\n" +
			"arch/x86/include/asm/irqflags.h:51 [inline]\n",
		wraps: 1,
	}, {
		// dmesg/004: the ARM32 unwinder's "Backtrace:" and its register
		// lines after each frame.
		name: "arm32 backtrace registers",
		in: "INFO: task kworker/3:1:44 blocked for more than 122 seconds.\n" +
			"Backtrace:\n" +
			" __schedule from schedule+0x60/0xcc\n" +
			" r10:c0fead70 r9:c2854c94 r8:df9a1dac r7:c2814b40 r6:00000002 r5:c1883020\n" +
			" r4:c2814b40\n",
	}, {
		// dmesg/029: register lines cut after a register's name; dmesg/013:
		// a stack word moved to a line of its own; dmesg/012: a Workqueue
		// line cut before its function.
		name: "registers, stack words, workqueue",
		in: "[1147997.255199] INFO: task happywriter:3425205 blocked for more than 120 seconds.\n" +
			"[1147997.255200] Workqueue: events_unbound\n" +
			"btrfs_async_reclaim_metadata_space [btrfs]\n" +
			"[1147997.255201]  ffff880001d27b88 0000000000000046 ffff88008a8184c0\n" +
			"ffff880001d28000\n" +
			"[1147997.255220] RSP: 002b:00007fe467ffd4c8 EFLAGS: 00000246 ORIG_RAX:\n" +
			"0000000000000057\n" +
			"[1147997.255221] FS:  00007f74c5e32700(0000)\n" +
			"GS:ffff88807ec00000(0000) knlGS:0000000000000000\n",
		wraps: 4,
	}, {
		// dmesg/001: a header in a vendor's own words.
		name: "other header words",
		in:   "INFO: task modprobe:1104 can't die for more than 120 seconds.\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), Options{})
			for r.Next() {
			}
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			rep := r.Paste()
			if rep.Prose.Count != 0 || r.Skipped().Count != 0 || rep.Wrap.Count != tt.wraps {
				t.Errorf("prose %d (first %q at %d), skipped %+v, wraps %d; want no prose, no skip, %d wraps",
					rep.Prose.Count, rep.Prose.FirstText, rep.Prose.FirstLine, r.Skipped(), rep.Wrap.Count, tt.wraps)
			}
		})
	}
}

// TestStrippedAddresses: issue 8's examples of frames whose address a
// renderer stripped ("[]" is dmesg/030's, "[<>]" the issue's).
func TestStrippedAddresses(t *testing.T) {
	for _, in := range []string{"[] __mutex_lock_slowpath+0x60/0x9b", "[<>] __mutex_lock_slowpath+0x60/0x9b", " [] ? dlmlock+0x8a/0xda0 [ocfs2_dlm]"} {
		f, _, _, ok := parseFrame([]byte(in), nil)
		if !ok || f.Addr != 0 || (f.Func != "__mutex_lock_slowpath" && f.Func != "dlmlock") {
			t.Errorf("parseFrame(%q) = %+v, %v; want the function without an address", in, f, ok)
		}
	}
}
