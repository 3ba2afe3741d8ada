# SPDX-License-Identifier: MIT
# Helpers for lab scenarios (sourced; runs inside L1, chrooted to the host).
LAB_FAILED=0

# check NAME STATUS REGEX CMD...: run CMD (timeout 180 s), show its output,
# and check its exit status and that its output matches REGEX.
check() {
	name=$1 want=$2 pattern=$3
	shift 3
	out=$(mktemp)
	timeout 180 "$@" </dev/null >"$out" 2>&1
	status=$?
	sed 's/^/    | /' "$out"
	if [ "$status" != "$want" ]; then
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

# The result of the scenario: 0 if every check passed.
finish() {
	exit $LAB_FAILED
}
