// Package strace reads the text strace writes, streaming, one Event per
// system call, for every layout strace 4.8 to 6.x produces: -o with -f PID
// columns, "[pid N]" prefixes, -ff files, --decode-pids=comm; -t, -tt,
// -ttt and -r stamps, -T durations; unfinished/resumed pairs; signals,
// exits and strace's own notices; -y/-yy paths; and getdents/getdents64
// results decoded into directory entries. Lines like
//
//	8873  1795647018.374414 getdents64(3, [{d_ino=9978598, d_off=4294967296, d_reclen=24, d_type=DT_DIR, d_name="."}, ...], 32768) = 9976
//	[pid  8892] 1795647018.442942 set_robust_list(0x7f763ebeca20, 24 <unfinished ...>
//	[pid  8892] 1795647018.443004 <... set_robust_list resumed>) = 0
//	getdents64(3, 0x55e3150852c0 /* 586 entries */, 32768) = 18752
//
// become a Call of PID 8873 with its stamp, Fd 3 and the directory's
// entries; one Call of set_robust_list (the pair joined, entered at the
// first stamp, returned at the second); and a Call whose arguments strace
// elided, with DirentCount 586 and DirentsAbbreviated set.
//
// # Pasted traces
//
// The reader reads through internal/paste, so a trace quoted in a mail,
// indented in a ticket, fenced in Markdown or after a shell prompt reads
// as the trace it is, and the Reader's Paste says what was removed. On
// top of that it knows what only strace's format can tell. Lines a 2001
// mailer wrapped, quoted Gnus-style and refilled by a reply:
//
//	2963  getdents64(3, {{d_ino=4337, d_off=1, d_reclen=24, d_type=4,
//	d_name="."} {d_ino=4335, d_off=2, d_recl
//	en=24, d_type=4, d_name=".."}}, 4096) = 72
//	     > getdents64(3, /* 6 entries */, 65536) = 160
//	>     >> getdents64(3, /* 6 entries */, 65536) = 160 lseek(3,
//	>     >> 1547825467, SEEK_SET) = 1547825467
//
// are one getdents64 call of PID 2963 with two entries, a getdents64 call,
// then a getdents64 call and an lseek call:
//
//   - A call line a mailer or a terminal cut is joined with the lines that
//     continue it (they do not parse alone; the join parses, or is a call
//     still open), with the space the mailer dropped put back where strace
//     prints one (after a comma, before "= ", between the words of a
//     comment or an error's description), not inside a word or a string.
//   - Calls a mailer refilled into a paragraph are split where a return
//     value ends and a call begins.
//   - Quote marks after indentation (Gnus's) are removed; a -k frame
//     ("> /lib/libc.so.6(read+0x12) [0x1234]", its leading space taken by
//     the paste layer) keeps its mark, told by the address it ends with.
//   - Lines of no strace text are counted as prose (Paste().Prose), not
//     as skipped: prose between the pasted blocks, "# , = readdirplus" and
//     "//" annotations, the "..." people write for lines left out. A line
//     that looks like strace and does not parse (a stamp or "[pid N]"
//     begins it, or a call inside a trace) is skipped, and counted with
//     its place in Skipped.
//   - A prompt's "strace -p PID" names the process of unprefixed lines.
//
// # Summary tables
//
// strace -c (and -C, after the trace) prints a table, which the reader
// reads as Summary events, one per row (and "total"), never as calls:
//
//	% time     seconds  usecs/call     calls    errors syscall
//	------ ----------- ----------- --------- --------- ----------------
//	 49,80    2,963972          56     52799        77 stat
//
// is a Summary event with Name "stat", Calls 52799, Errors 77 and
// Duration 2.963972 s (in a locale with decimal commas).
//
// The reader reuses its buffers: an Event and every slice in it are valid
// only until the next call to Next, so a caller keeps what it needs by
// copying it.
package strace
