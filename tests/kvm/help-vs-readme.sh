#!/bin/sh
# SPDX-License-Identifier: MIT
# Every long option and exit status in `ferry --help` appears in README.md.
#   help-vs-readme.sh FERRY README
set -u
ferry=$1 readme=$2
fail=0
for opt in $("$ferry" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	if ! grep -q -- "$opt" "$readme"; then
		echo "FAIL: $opt is in --help but not in README.md"
		fail=1
	fi
done
for code in 0 2 4 6 8 10 12; do
	if ! grep -qE "^\| *$code *\|" "$readme"; then
		echo "FAIL: exit status $code is not in README.md's table"
		fail=1
	fi
done
[ $fail = 0 ] && echo PASS
exit $fail
