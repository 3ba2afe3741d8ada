# SPDX-License-Identifier: MIT
# Benchmark (not a test): exit census of a Linux boot, ferry vs QEMU, from
# KVM's tracepoints in L1, then where the guest's clock jumps in a boot
# with kernel messages. Run with bench/lab-census from L0.
# lab-timeout: 3600
python3 "$LAB_REPO/bench/lab_census.py" || exit 1
exec python3 "$LAB_REPO/bench/lab_census.py" gaps
