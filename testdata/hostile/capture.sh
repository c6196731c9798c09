#!/bin/sh
# Makes the hostile corpus of testdata/hostile (see testdata/README.md):
# two real strace captures of a listing of a directory whose path, file
# names, command and environment hold what --redact must hide, and kernel
# captures of testdata/ with hostile command names put in their places.
# Run as root from the repository root: sh testdata/hostile/capture.sh
set -eu
out=testdata/hostile
base=/var/tmp/lagtrace-hostile
dir="$base/Q&A plan/John's dir"
lister="$base/bin/l&s|'q"
rm -rf "$base"
mkdir -p "$base/bin" "$dir"
cp /usr/bin/ls "$lister"
i=0
while [ $i -lt 3000 ]; do : > "$dir/f$i"; i=$((i+1)); done
for n in "Q&A_plan|v2" "John's" "$(printf 'del\177x')" zq qx "$(printf 'rtl\342\200\256txt')" '<b>bold' '`tick`' 'a*b_c'; do
	: > "$dir/$n"
done
# The slow host: every getdents64 takes 150 ms more, every execve and the
# first write of each process (the token printf writes) 400 ms. The inner
# sh -c is exec'd, so that its command line (with the password) is in a
# traced, and slow, execve.
# A clean environment: the captures hold it (-v), and nothing of the
# capturing machine's belongs in them.
env -i PATH=/usr/bin:/bin LANG=C strace -ttt -f -v -y -Y -s 256 -o "$out/slow.strace" \
	--inject=getdents64:delay_exit=150000 --inject=write:delay_exit=400000:when=1 --inject=execve:delay_enter=400000 \
	sh -c 'exec sh -c "$2" "$0" "$1"' "$lister" "$dir" 'PGPASSWORD=s3cret "$0" -f "$1"; printf token=AKIA1234SECRET' > /dev/null
env -i PATH=/usr/bin:/bin LANG=C strace -ttt -f -v -y -Y -s 256 -o "$out/healthy.strace" \
	sh -c 'exec sh -c "$2" "$0" "$1"' "$lister" "$dir" 'PGPASSWORD=s3cret "$0" -f "$1"; printf token=AKIA1234SECRET' > /dev/null
# Kernel captures of the 6.18 pile-up and the seed's crash transcript,
# with their command names replaced where the kernel and crash print them:
# stat becomes zq, touch becomes t|o&'ch and DEL, rsync rs&y|nc.
bad='t|o\&'"'"'ch'"$(printf '\177')"
sed -e "s/task stat:/task zq:/g; s/task:stat /task:zq /g" \
	-e "s/task touch:/task $bad:/g; s/task:touch /task:$bad /g" \
	testdata/locks-6.18/dmesg.txt > "$out/dmesg.txt"
sed -e "s/^\([0-9]* [A-Z+]* *\)stat\$/\1zq/; s/^\([0-9]* [A-Z+]* *\)touch\$/\1$bad/" \
	testdata/locks-6.18/stacks-ps.txt > "$out/stacks.txt"
sed -e 's/rsync/rs\&y|nc/g' testdata/crash/seed-4.19.txt > "$out/crash.txt"
rm -rf "$base"
