# SPDX-License-Identifier: MIT
# Helpers for lab scenarios (sourced; runs inside L1, chrooted to the host).
LAB_FAILED=0

# Seconds a checked command may take (inside the scenario's budget, see
# lab.sh): a command still running then is killed and FAILS.
CHECK_TIMEOUT=${CHECK_TIMEOUT:-100}

# check NAME STATUS REGEX CMD...: run CMD (at most CHECK_TIMEOUT s), show
# its output, and check its exact exit status and that its output matches
# REGEX.
check() {
	name=$1 want=$2 pattern=$3
	shift 3
	out=$(mktemp)
	timeout -k 5 "$CHECK_TIMEOUT" "$@" </dev/null >"$out" 2>&1
	status=$?
	sed 's/^/    | /' "$out"
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
	timeout -k 5 "$CHECK_TIMEOUT" "$@" </dev/null >"$out" 2>&1
	status=$?
	sed 's/^/    | /' "$out"
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

# bind_vfio BDF: hand the device to vfio-pci.
bind_vfio() {
	d=/sys/bus/pci/devices/$1
	if [ -e "$d/driver" ]; then
		echo "$1" > "$d/driver/unbind"
	fi
	echo vfio-pci > "$d/driver_override"
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$d/driver")")" = vfio-pci ]
}

# group_of BDF: its IOMMU group number.
group_of() {
	basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"
}
