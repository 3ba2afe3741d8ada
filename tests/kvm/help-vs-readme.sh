#!/bin/sh
# SPDX-License-Identifier: MIT
# `ferry --help`, README.md and vmm/exitcode.h agree: the same options as
# whole entries ("-k, --kernel PATH") in --help's option list and in the
# first column of README's usage table, each alias --help names also in
# that option's README row; the same exit statuses in --help's list, in
# README's exit-code table and in exitcode.h (where all are even).
#   help-vs-readme.sh FERRY README EXITCODE_H
set -u
ferry=$1 readme=$2 exitcode_h=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$ferry" --help >"$tmp/help" 2>"$tmp/help.err"
status=$?
[ "$status" = 0 ] || bad "ferry --help exited $status"
[ -s "$tmp/help.err" ] && bad "ferry --help wrote to stderr: $(cat "$tmp/help.err")"
for part in '^Usage: ferry run \[OPTIONS\]$' '^       ferry --help | --version$' \
	'^Options:$' '^Exit status:$'; do
	grep -q -- "$part" "$tmp/help" || bad "--help has no line /$part/"
done

# section FILE HEADING: the lines of FILE's "## HEADING" section.
section() {
	awk -v h="## $2" '$0 == h { on = 1; next } /^## / { on = 0 } on' "$1"
}
# same WHAT A B: the sorted lists in files A and B are equal.
same() {
	sort -u "$2" >"$2.s"
	sort -u "$3" >"$3.s"
	if ! [ -s "$2.s" ]; then
		bad "no $1 found in $(basename "$2")"
	elif ! cmp -s "$2.s" "$3.s"; then
		bad "$1 differ ($(basename "$2") < > $(basename "$3")):"
		diff "$2.s" "$3.s" | grep '^[<>]'
	else
		echo "ok: $1: $(tr '\n' ' ' <"$2.s")"
	fi
}

# Options: "  -k, --kernel PATH     text" or "      --hugepages       text".
# An option too long for the column has its text on the next line.
sed -n 's/^  \(-[A-Za-z], \|    \)\(--[a-z][a-z-]*\( [A-Z][A-Z]*\)\{0,1\}\)\(  .*\)\{0,1\}$/\1\2/p' \
	"$tmp/help" | sed 's/^ *//' >"$tmp/help-options"
# README: each `...` in the first cell of the usage table's rows.
section "$readme" Usage | grep '^| `' | cut -d'|' -f2 |
	grep -o '`[^`]*`' | tr -d '`' >"$tmp/readme-options"
same "options" "$tmp/help-options" "$tmp/readme-options"
grep -q '^ferry run \[OPTIONS\]$' "$readme" &&
	grep -q '^ferry --help | --version$' "$readme" ||
	bad "README's usage block does not show both usage lines of --help"

# Aliases: "(alias: --append)" in --help must be in the option's README row.
sed -n 's/^  \(-[A-Za-z], \|    \)\(--[a-z][a-z-]*\).*alias: \(--[a-z-]*\).*/\2 \3/p' \
	"$tmp/help" | while read -r opt alias; do
	if section "$readme" Usage | grep "^| \`[^|]*$opt" | grep -q -- "$alias"; then
		echo "ok: alias $alias of $opt"
	else
		echo "FAIL: alias $alias of $opt is not in its README row"
		echo fail >"$tmp/alias-fail"
	fi
done
[ -e "$tmp/alias-fail" ] && fail=1

# Exit statuses: after "Exit status:", entries are separated by 2+ spaces.
sed -n '/^Exit status:$/,$p' "$tmp/help" | sed 1d | sed 's/   */\n/g' |
	sed -n 's/^\([0-9][0-9]*\)$/\1/p; s/^odd .*/odd/p' >"$tmp/help-statuses"
section "$readme" "Exit codes" | sed -n 's/^| *\([0-9][0-9]*\|odd\) *|.*/\1/p' \
	>"$tmp/readme-statuses"
same "exit statuses" "$tmp/help-statuses" "$tmp/readme-statuses"
sed -n 's/^[[:space:]]*FERRY_EXIT_[A-Z_]* = \([0-9][0-9]*\),.*/\1/p' \
	"$exitcode_h" >"$tmp/exitcode.h-statuses"
grep -v '^odd$' "$tmp/help-statuses" >"$tmp/help-statuses-even"
same "ferry's own statuses" "$tmp/help-statuses-even" "$tmp/exitcode.h-statuses"
for s in $(cat "$tmp/exitcode.h-statuses"); do
	[ $((s % 2)) = 0 ] || bad "ferry's status $s in exitcode.h is odd"
done
grep -q '^odd$' "$tmp/help-statuses" || bad "--help does not list odd statuses"

[ $fail = 0 ] && echo PASS
exit $fail
