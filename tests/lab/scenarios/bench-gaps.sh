# SPDX-License-Identifier: MIT
# Benchmark (not a test): where a Linux guest's own clock goes, ferry vs
# QEMU (the gaps pass of bench/lab_census.py alone, no tracing). Run with
# bench/lab-census gaps from L0.
# lab-timeout: 1800
exec python3 "$LAB_REPO/bench/lab_census.py" gaps
