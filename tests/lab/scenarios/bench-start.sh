# SPDX-License-Identifier: MIT
# Benchmark (not a test): bench/run (tiny-guest start-up and exit cost,
# ferry vs the raw-ioctl floor) on L1's real KVM, for hosts whose own
# /dev/kvm emulates every instruction.
# lab-timeout: 900
exec python3 "$LAB_REPO/bench/run" --in-lab --build "$LAB_BUILD" \
	--musl "$LAB_REPO/build-musl" --runs 20
