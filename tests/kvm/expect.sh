#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a command and check its exit status and output.
#   expect.sh [--kvm] [--root] [--one-error] [--absent RE] [--also RE]...
#             STATUS REGEX CMD...
# --kvm: skip (77) without a usable /dev/kvm; --root: skip when not root;
# --one-error: the output must hold exactly one "ferry: error:" line.
# --absent RE: the output must not match RE.
# --also RE: the output must match RE as well as REGEX (repeatable).
# "@TMP" in any argument is replaced by a fresh temporary directory.
set -u
need_kvm=0 need_root=0 one_error=0 absent= also=
while :; do
	case "${1:-}" in
	--kvm) need_kvm=1; shift ;;
	--root) need_root=1; shift ;;
	--one-error) one_error=1; shift ;;
	--absent) absent=$2; shift 2 ;;
	--also) also="$also
$2"; shift 2 ;;
	*) break ;;
	esac
done
want_status=$1 pattern=$2
shift 2
if [ $need_kvm = 1 ] && ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "SKIP: no usable /dev/kvm on this machine"
	exit 77
fi
if [ $need_root = 1 ] && [ "$(id -u)" != 0 ]; then
	echo "SKIP: this check needs root (namespaces, setpriv)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
# Arguments may refer to the scratch directory as @TMP.
i=0
for a in "$@"; do
	i=$((i + 1))
	set -- "$@" "$(printf '%s' "$a" | sed "s#@TMP#$tmp#g")"
done
shift $i
timeout 120 "$@" </dev/null >"$out" 2>&1
status=$?
cat "$out"
echo "--- exit status $status (want $want_status)"
if [ "$status" != "$want_status" ]; then
	echo "FAIL: exit status $status, expected $want_status"
	exit 1
fi
if [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$out"; then
	echo "FAIL: output does not match /$pattern/"
	exit 1
fi
if [ -n "$also" ]; then
	printf '%s\n' "$also" | while IFS= read -r re; do
		if [ -n "$re" ] && ! grep -Eq -- "$re" "$out"; then
			echo "FAIL: output does not match /$re/"
			exit 1
		fi
	done || exit 1
fi
if [ -n "$absent" ] && grep -Eq -- "$absent" "$out"; then
	echo "FAIL: output matches /$absent/, which must be absent"
	exit 1
fi
if [ $one_error = 1 ]; then
	n=$(grep -c '^ferry: error:' "$out")
	if [ "$n" != 1 ]; then
		echo "FAIL: $n error lines, expected exactly one"
		exit 1
	fi
fi
echo "PASS"
