// Package bundle turns one command-line argument into the inputs behind it.
//
// Support engineers are handed more than single files. An argument may be
//
//	B.strace, B.strace.gz, -         a file or standard input: one Source
//	out/                             a directory written by strace -ff -o out/trace:
//	  trace.10283 trace.10284 ...    one Source per process, PID from the
//	                                 name, in PID order (members may be compressed)
//	out/trace                        the -o prefix itself, when no such file exists
//	sosreport-host-2026-11-25/       a sosreport directory (it has sos_commands/ or
//	                                 sos_reports/): its kernel logs and stacks
//	sosreport-host.tar.xz            the same as a tarball, recognised by the ustar
//	                                 magic after decompression, not by its name
//
// In a sosreport the kernel logs are where sos's kernel and logs plugins
// put them:
//
//	sos_commands/kernel/dmesg               output of "dmesg" (preferred ring buffer)
//	sos_commands/kernel/dmesg_-T            output of "dmesg -T" (same ring buffer)
//	var/log/dmesg*                          the boot-time ring buffer some distributions save
//	var/log/messages*                       syslog, rotated as messages-20240411 or messages.1.gz
//	var/log/kern.log*, var/log/syslog*      the Debian names; syslog only without kern.log
//	sos_commands/logs/journalctl_--no-pager the journal, only when no syslog file was collected
//	sos_strings/<plugin>/<name>.tailed      the tail sos kept of a file over its size
//	                                        limit, read in place of that file
//	proc/<pid>/stack, *.stack               /proc/PID/stack snapshots (process plugin)
//
// Command outputs are named by sos's mangling of the command line
// (non-word characters become "_"), which is why "dmesg -T" is
// "dmesg_-T". Rotated logs are returned oldest first. Sources that say the
// same thing twice (dmesg_-T beside dmesg, syslog beside kern.log, the
// journal beside messages) are left out and listed in Bundle.Skipped, so
// the user can be told exactly which files were read. The ring buffer and
// the syslog files still overlap in time: the same report may appear in
// both.
//
// A tarball is read once, as a stream, and its members are classified by
// name as their headers pass. Only the logs and stacks that may be read
// are extracted: small ones (stacks) into memory, the others into a
// private directory under os.TempDir() (named by number, never by the
// member's path, so a name like ../../etc/passwd cannot write outside it),
// at most Options.MaxExtract bytes in all (DefaultMaxExtract, 1 GiB), past
// which Expand fails with ErrTooBig. The directory is removed by
// Bundle.Close, by any failure, and as soon as the context is cancelled (an
// interrupt), even while a read is blocked.
//
// Every file found and not read is in Bundle.Skipped with its reason:
//
//	the same ring buffer as sos_commands/kernel/dmesg   (and the other duplicates above)
//	symbolic link, not followed     sos links a file it tailed to its sos_strings
//	hard link, not followed         copy, which is read directly
//	sparse file: its holes are not expanded   (GNU and PAX sparse members: a 5 KB
//	                                archive can hold a 4 GB hole)
//	unsafe path: absolute or outside the archive
//	not a regular file
//	not recognised as a kernel log or a stack
//
// Past a few files of one reason (three for the thousands a sosreport holds
// that are not logs) the rest are counted in Skip.More, not named.
//
// An input that is not a regular file (standard input, a FIFO, a shell's
// <(...), a device) is read once, as it comes: what was read to look for a
// tar header is handed on, never reread, and its Source says Stream.
package bundle
