# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Benchmark (not a test): vfio-mdev with LAB_BENCH_RUNS rounds of its
# start-up timing (no device, the mtty mdev, edu on vfio-pci; wall time,
# DMA map time, VmLck). Run with bench/lab-mdev from L0.
# lab-timeout: 3600
MDEV_ROUNDS=${LAB_BENCH_RUNS:-5}
. "$LAB_REPO/tests/lab/scenarios/vfio-mdev.sh"
