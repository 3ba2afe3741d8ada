#!/bin/sh
# SPDX-License-Identifier: MIT
# --hugepages, whatever the host has reserved:
#   none:     ask for one 2 MiB page more than the host could give ferry
#             now; status 6 and one error line saying how many to reserve.
#   reserved: as root, reserve 64 more pages (restored on exit), boot a
#             128 MiB guest in them (status 1, the guest passes), and while
#             a second one runs check that its RAM is a 2 MiB-page mapping
#             of 128 MiB that took all 64 pages, given back at the end.
# Both hold a lock so that two such tests (of two build directories, say)
# never change the reservation under each other.
#   hugepages.sh FERRY HELLO_GUEST EXITS_GUEST none|reserved
set -u
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no usable /dev/kvm"; exit 77; }
ferry=$1 hello=$2 exits=$3 mode=$4
nr=/proc/sys/vm/nr_hugepages
[ -e $nr ] || { echo "SKIP: this kernel has no huge pages ($nr)"; exit 77; }
tmp=$(mktemp -d)
old=
cleanup() {
	if [ -n "$old" ]; then
		echo "$old" >$nr
		echo "restored nr_hugepages to $(cat $nr) (was $old)"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
exec 9>/tmp/ferry-hugepages.lock
flock -w 300 9 || { echo "FAIL: cannot take /tmp/ferry-hugepages.lock"; exit 1; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# Pages a new mapping could reserve now: free ones not promised to anyone,
# plus what overcommit still allows.
available() {
	over=$(($(cat /proc/sys/vm/nr_overcommit_hugepages) - $(meminfo HugePages_Surp)))
	[ $over -lt 0 ] && over=0
	echo $(($(meminfo HugePages_Free) - $(meminfo HugePages_Rsvd) + over))
}

if [ "$mode" = none ]; then
	# One page more than available, and enough RAM for the built-in
	# guest (4 MiB), so the check that fails is the huge pages'.
	avail=$(available)
	pages=$((avail + 1))
	[ $pages -lt 2 ] && pages=2
	mib=$((pages * 2))
	if [ $((mib * 1024)) -gt "$(meminfo MemTotal)" ]; then
		echo "SKIP: this host could give ferry $((pages - 1)) huge pages, more than its RAM (overcommit)"
		exit 77
	fi
	echo "available: $avail pages; asking for $pages ($mib MiB)"
	timeout 120 "$ferry" run --hugepages --memory ${mib}M </dev/null >"$tmp/out" 2>&1
	status=$?
	cat "$tmp/out"
	echo "--- exit status $status (want 6)"
	[ "$status" = 6 ] || bad "exit status $status, expected 6"
	n=$(grep -c '^ferry: error:' "$tmp/out")
	[ "$n" = 1 ] || bad "$n error lines, expected one"
	nr=$(cat /proc/sys/vm/nr_hugepages)
	grep -q "^ferry: error: cannot get $mib MiB of guest RAM in 2 MiB huge pages (.*); $pages are needed and $avail free: reserve $((pages - avail)) more: echo $((nr + pages - avail)) > /proc/sys/vm/nr_hugepages\$" "$tmp/out" ||
		bad "no error saying to reserve $((pages - avail)) more"
	[ $fail = 0 ] && echo PASS
	exit $fail
fi

[ "$(id -u)" = 0 ] || { echo "SKIP: reserving huge pages needs root"; exit 77; }
pages=64
old=$(cat $nr)
before=$(available)
echo $((old + pages)) >$nr 2>"$tmp/err" || bad "cannot write $nr: $(cat "$tmp/err")"
echo "nr_hugepages $old -> $(cat $nr); available $before -> $(available)"
if [ "$(available)" -lt $pages ]; then
	echo "FAIL: the kernel gave only $(($(cat $nr) - old)) of $pages more huge pages (memory too fragmented?)"
	exit 1
fi
have=$(available)

timeout 120 "$ferry" run --hugepages --memory $((pages * 2))M --kernel "$hello" \
	</dev/null >"$tmp/out" 2>&1
status=$?
cat "$tmp/out"
echo "--- exit status $status (want 1)"
[ "$status" = 1 ] || bad "exit status $status, expected 1"
grep -q '^SUMMARY: 6 tests, 0 unexpected failures' "$tmp/out" ||
	bad "the guest did not pass in huge pages"

"$ferry" run --hugepages --memory $((pages * 2))M --kernel "$exits" \
	--cmdline "pio=1000000000 mmio=0" </dev/null >/dev/null 2>"$tmp/err2" &
pid=$!
sleep 1
during=$(available)
awk '/ferry-ram/ { on = 1; next } /^[0-9a-f]+-/ { on = 0 }
     on && /^(Size|KernelPageSize|Private_Hugetlb|Shared_Hugetlb):/ { print $1, $2 }' \
	/proc/$pid/smaps >"$tmp/smaps" 2>/dev/null
kill -TERM $pid
wait $pid
status=$?
cat "$tmp/err2"
echo "while running: available $have -> $during; guest RAM mapping:"
cat "$tmp/smaps"
[ "$status" = 12 ] || bad "the running guest exited $status on SIGTERM, expected 12"
grep -qx 'Size: 131072' "$tmp/smaps" || bad "no 128 MiB ferry-ram mapping"
grep -qx 'KernelPageSize: 2048' "$tmp/smaps" || bad "guest RAM is not in 2 MiB pages"
touched=$(awk '/Hugetlb:/ { n += $2 } END { print n + 0 }' "$tmp/smaps")
[ "$touched" -gt 0 ] || bad "no huge page of guest RAM was touched"
[ "$during" = $((have - pages)) ] || bad "ferry took $((have - during)) huge pages, expected $pages"
after=$(available)
[ "$after" = "$have" ] || bad "after ferry exited $after pages are available, expected $have"
[ $fail = 0 ] && echo PASS
exit $fail
