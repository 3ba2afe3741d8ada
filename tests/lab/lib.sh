# SPDX-License-Identifier: MIT
# Helpers for lab scenarios (sourced; runs inside L1, chrooted to the host).
LAB_FAILED=0

# Seconds a checked command may take (inside the scenario's budget, see
# lab.sh): a command still running then is killed and FAILS.
CHECK_TIMEOUT=${CHECK_TIMEOUT:-100}

# L0's multi-threaded TCG triple-faults an L2 now and then (docs/lab.md:
# about one 4-vCPU Linux boot in 25, one other boot in 200), so a command
# that ends with another status than WANT after a ferry said "the guest
# triple-faulted" runs again, at most LAB_CHECK_RETRIES times, each retry
# after a LAB-RETRY-CHECK line (lab.sh counts them). A ferry bug that
# triple-faults its guest does so every time and still FAILS. On
# single-threaded TCG nothing runs again.
LAB_CHECK_RETRIES=${LAB_CHECK_RETRIES:-2}

# run_checked NAME WANT OUT CMD...: run CMD (at most CHECK_TIMEOUT s) with
# its output in the file OUT, shown indented ("    | "), again after an L0
# triple fault as above; its last status in status. A run that was
# superseded is shown with "    ~ " instead, so that l1-init.sh does not
# take its triple fault for one of the result's.
run_checked() {
	_name=$1 _want=$2 _out=$3 _try=0
	shift 3
	while :; do
		timeout -k 5 "$CHECK_TIMEOUT" "$@" </dev/null >"$_out" 2>&1
		status=$?
		if ! { [ "$status" != "$_want" ] && [ "${LAB_L0_MTTCG:-0}" = 1 ] &&
			[ $_try -lt "$LAB_CHECK_RETRIES" ] &&
			grep -aq 'ferry: error: vCPU [0-9]*: the guest triple-faulted' "$_out"; }; then
			sed 's/^/    | /' "$_out"
			return 0
		fi
		sed 's/^/    ~ /' "$_out"
		_try=$((_try + 1))
		echo "LAB-RETRY-CHECK $_name: an L2 triple-faulted with L0 on multi-threaded TCG (docs/lab.md); running it again ($_try of $LAB_CHECK_RETRIES)"
	done
}

# check NAME STATUS REGEX CMD...: run CMD (run_checked), show its output,
# and check its exact exit status and that its output matches REGEX.
check() {
	name=$1 want=$2 pattern=$3
	shift 3
	out=$(mktemp)
	run_checked "$name" "$want" "$out" "$@"
	if [ "$status" != "$want" ]; then
		[ "$status" = 124 ] && echo "FAIL: $name: still running after $CHECK_TIMEOUT s (killed)"
		echo "FAIL: $name: exit status $status, expected $want"
		LAB_FAILED=1
	elif ! grep -Eq -- "$pattern" "$out"; then
		echo "FAIL: $name: output does not match /$pattern/"
		LAB_FAILED=1
	else
		echo "PASS: $name"
	fi
	rm -f "$out"
}

# check_each NAME STATUS PATTERNS CMD...: as check, but the output must
# match every extended regex of PATTERNS (one a line).
check_each() {
	name=$1 want=$2 patterns=$3
	shift 3
	out=$(mktemp)
	run_checked "$name" "$want" "$out" "$@"
	ok=1
	if [ "$status" != "$want" ]; then
		[ "$status" = 124 ] && echo "FAIL: $name: still running after $CHECK_TIMEOUT s (killed)"
		echo "FAIL: $name: exit status $status, expected $want"
		ok=0
	fi
	while IFS= read -r p; do
		[ -z "$p" ] && continue
		if ! grep -Eq -- "$p" "$out"; then
			echo "FAIL: $name: output does not match /$p/"
			ok=0
		fi
	done <<PATTERNS
$patterns
PATTERNS
	if [ $ok = 1 ]; then echo "PASS: $name"; else LAB_FAILED=1; fi
	rm -f "$out"
}

# The result of the scenario: 0 if every check passed.
finish() {
	exit $LAB_FAILED
}

# one_error NAME STATUS REGEX CMD...: like check, plus exactly one error line.
one_error() {
	name=$1 want=$2 pattern=$3
	shift 3
	out=$(timeout -k 5 30 "$@" </dev/null 2>&1)
	status=$?
	echo "$out" | sed 's/^/    | /'
	n=$(echo "$out" | grep -c '^ferry: error:')
	if [ "$status" = "$want" ] && echo "$out" | grep -Eq -- "$pattern" && [ "$n" = 1 ]; then
		echo "PASS: $name"
	else
		echo "FAIL: $name (status $status, $n error lines)"
		LAB_FAILED=1
	fi
}

# vmlck_watch PID OUT WANT MAX [term]: while PID (a timeout running
# ferry) lives, at most MAX samples 0.1 s apart: the peak VmLck and
# VmPin (kB) of ferry's process seen from outside, in lck and pin; i
# samples in ms milliseconds, after of them once the guest printed
# PINDMA-INFLIGHT to OUT. With term: SIGTERM to ferry once the guest said
# so and VmLck reached WANT (or 300 samples later). Few forks a sample
# (each costs L1 much time beside a spinning guest): ferry's pid once,
# its status read by the shell itself.
vmlck_watch() {
	_pid=$1 _out=$2 _want=$3 _max=$4 _how=${5:-}
	lck=0 pin=0 i=0 after=0 _sent="" _seen="" _fp=""
	_t0=$(date +%s%N)
	while kill -0 "$_pid" 2>/dev/null && [ $i -lt "$_max" ]; do
		[ -z "$_fp" ] && _fp=$(pgrep -P "$_pid" ferry)
		[ -z "$_seen" ] && grep -q PINDMA-INFLIGHT "$_out" && _seen=$i
		_v=0 _w=0
		[ -n "$_fp" ] && { while read -r _k _n _; do
			case $_k in VmLck:) _v=$_n ;; VmPin:) _w=$_n ;; esac
		done <"/proc/$_fp/status"; } 2>/dev/null
		[ "$_v" -gt "$lck" ] && lck=$_v
		[ "$_w" -gt "$pin" ] && pin=$_w
		[ -n "$_seen" ] && after=$((after + 1))
		if [ "$_how" = term ] && [ -z "$_sent" ] && [ -n "$_seen" ] &&
			{ [ "$lck" -ge "$_want" ] || [ $((i - _seen)) -ge 300 ]; }; then
			kill -TERM "${_fp:-$_pid}"
			_sent=1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	ms=$((($(date +%s%N) - _t0) / 1000000))
}

# vmlck_report PREFIX OUT WANT [term]: after vmlck_watch, once ferry has
# ended. ferry's own --stats VmLck in OUT (read once the vCPUs have
# stopped, before the teardown unmaps anything) must reach WANT kB. The
# outside view must too with term (the guest waits to be stopped); when
# the guest exits by itself that view has only the guest's linger, so it
# is said with its sample count, not checked.
vmlck_report() {
	_p=$1 _out=$2 _want=$3 _how=${4:-}
	_own=$(sed -n 's/^stats: VmLck:[[:space:]]*\([0-9]*\) kB.*/\1/p' "$_out")
	if [ "${_own:-0}" -ge "$_want" ]; then
		echo "PASS: ${_p}ferry's VmLck at the VM's end, before the teardown, counted the held pages ($_own kB)"
	else
		echo "FAIL: ${_p}ferry's VmLck at the VM's end was ${_own:-no} kB (want >= $_want)"
		LAB_FAILED=1
	fi
	_s="VmPin $pin kB; $i samples in $ms ms, $after of them after the guest said the transfer runs"
	if [ "$lck" -ge "$_want" ]; then
		echo "PASS: ${_p}ferry's VmLck seen from outside counted the held pages ($lck kB; $_s)"
	elif [ "$_how" = term ]; then
		echo "FAIL: ${_p}ferry's VmLck seen from outside reached only $lck kB ($_s)"
		LAB_FAILED=1
	else
		echo "note: ${_p}ferry's VmLck seen from outside: at most $lck kB ($_s)"
	fi
}

# pci_find VENDOR DEVICE [N]: the N-th (default 1st) PCI address with
# these IDs (hex without 0x), from sysfs.
pci_find() {
	n=${3:-1}
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ]; then
			n=$((n - 1))
			[ $n = 0 ] && { basename "$d"; return 0; }
		fi
	done
	return 1
}

# load_module FILE: insmod FILE unless its module is loaded already. A
# scenario may run twice in one L1 (l1-init.sh's re-run after an L2
# triple fault), or after one that failed before its rmmod: the module
# it finds is the same build, so that is not a failure.
load_module() {
	m=$(basename "$1" .ko)
	if [ -d "/sys/module/$m" ]; then
		echo "($m is loaded already: a scenario ran before this one in this L1)"
		return 0
	fi
	insmod "$1"
}

# make_mdev PARENT TYPE UUID: create mediated device UUID of TYPE on
# PARENT. One left over from an earlier run in this L1 (see load_module)
# is removed first, so that its counters start from zero.
make_mdev() {
	if [ -e "/sys/bus/mdev/devices/$3" ]; then
		echo "($3 is left over from a scenario before this one: removing it)"
		echo 1 >"/sys/bus/mdev/devices/$3/remove" || return 1
	fi
	echo "$3" >"/sys/class/mdev_bus/$1/mdev_supported_types/$2/create"
}

# unbind BDF: leave the device with no driver (and no override), as L1
# boots it when it has no driver module: what "bound to no driver" checks
# need, whichever scenario ran before in this L1 (or this one, re-run).
unbind() {
	d=/sys/bus/pci/devices/$1
	if [ -e "$d/driver" ]; then
		echo "$1" > "$d/driver/unbind"
	fi
	echo > "$d/driver_override"
	[ ! -e "$d/driver" ]
}

# bind_vfio BDF: hand the device to vfio-pci (from no driver: unbind).
bind_vfio() {
	d=/sys/bus/pci/devices/$1
	unbind "$1" || return 1
	echo vfio-pci > "$d/driver_override"
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$d/driver")")" = vfio-pci ]
}

# group_of BDF: its IOMMU group number.
group_of() {
	basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"
}
