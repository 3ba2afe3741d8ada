# SPDX-License-Identifier: MIT
# Benchmark (not a test): Linux boot to init, ferry (ACPI and acpi=off) vs
# QEMU microvm and pc.
# Run with bench/lab-boot from L0.
# lab-timeout: 3600
exec python3 "$LAB_REPO/bench/lab_boot.py"
