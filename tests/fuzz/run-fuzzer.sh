#!/bin/sh
# SPDX-License-Identifier: MIT
# Fuzz for a few seconds from seed files, in a scratch corpus directory.
#   run-fuzzer.sh FUZZER SECONDS SEED...
set -eu
fuzzer=$1 seconds=$2
shift 2
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$@" "$corpus/"
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped".
# Not exec: the trap must remove the corpus.
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 "$corpus"
