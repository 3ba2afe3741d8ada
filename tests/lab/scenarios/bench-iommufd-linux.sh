# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Benchmark (not a test): bench-iommufd's first part alone, Linux with the
# NVMe passed through (start to init, NVMe throughput), ferry and QEMU
# 10.0 on both backends. Run with bench/lab-iommufd linux; with
# LAB_BENCH_RUNS=3 (three rounds of four runs) about 6 minutes.
# lab-kernel: iommufd
# lab-timeout: 900
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) || { echo "no edu"; exit 1; }
NVME=$(pci_find 1b36 0010 1) || { echo "no nvme"; exit 1; }
bind_vfio "$NVME" || { echo "cannot bind $NVME"; exit 1; }
exec python3 -u "$LAB_REPO/bench/lab_iommufd.py" "$EDU" "$NVME" --parts linux
