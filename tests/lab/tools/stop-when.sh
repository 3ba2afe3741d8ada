#!/bin/sh
# SPDX-License-Identifier: MIT
# stop-when.sh PATTERN SECONDS CMD...: run CMD (a ferry run) with its
# output in a file; once the output has a line matching PATTERN (grep
# -E), wait SECONDS more, send it SIGTERM, print its output and exit with
# its status. If CMD ends first, its output and its own status; if
# PATTERN has not come after 90 s, SIGKILL and status 125. For checks of
# what ferry says when stopped from outside.
pattern=$1 settle=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" </dev/null >"$out" 2>&1 &
pid=$!
end=$(($(date +%s) + 90))
until grep -Eq -- "$pattern" "$out"; do
	if ! kill -0 $pid 2>/dev/null; then
		wait $pid
		status=$?
		cat "$out"
		echo "stop-when: ended (status $status) before a line /$pattern/"
		exit $status
	fi
	if [ "$(date +%s)" -ge $end ]; then
		kill -KILL $pid 2>/dev/null
		wait $pid
		cat "$out"
		echo "stop-when: no line /$pattern/ after 90 s"
		exit 125
	fi
	sleep 0.1
done
sleep "$settle"
kill -TERM $pid
wait $pid
status=$?
cat "$out"
exit $status
