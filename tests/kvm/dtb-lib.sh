# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154 # the sourcing script sets ferry and reads fail
# SPDX-License-Identifier: MIT
# What dtb.sh and dtb-arm64.sh share: a scratch directory, FAIL lines, and
# dump/want/node. Sourced after "ferry" is set; "fail" says the result.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# dump NAME OPTIONS...: write the tree of `ferry run OPTIONS` to NAME.dtb.
dump() {
	name=$1
	shift
	echo "== ferry run $* --dump-dtb"
	if ! "$ferry" run --dump-dtb "$tmp/$name.dtb" "$@"; then
		bad "--dump-dtb $* failed"
		return
	fi
	dtc -I dtb -O dts -o "$tmp/$name.dts" "$tmp/$name.dtb" 2>"$tmp/err"
	if [ -s "$tmp/err" ]; then
		bad "dtc warned about the tree of $*:"
		cat "$tmp/err"
	fi
}
# want TREE OPTION NODE [PROPERTY] = VALUE: fdtget's answer, one line.
want() {
	tree=$1 opt=$2
	shift 2
	args=""
	while [ "$1" != = ]; do args="$args $1"; shift; done
	shift
	# shellcheck disable=SC2086
	got=$(fdtget "$opt" "$tmp/$tree.dtb" $args 2>&1 | tr '\n' ' ' |
		sed 's/ *$//')
	if [ "$got" = "$*" ]; then
		echo "ok: $tree: $opt$args = $*"
	else
		bad "$tree: $opt$args = '$got', expected '$*'"
	fi
}
# node TREE TYPE NODE PROPERTY = VALUE (TYPE: x hex cells, s string)
node() {
	t=$1 ty=$2
	shift 2
	want "$t" "-t$ty" "$@"
}
