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
exec "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 "$corpus"
