# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# arm64: vfio-bar.sh on ferry's arm64 board (bar-race on 4 vCPUs, bar-move),
# the same checks as on x86, one body. The x86 scenario runs L0 on one TCG
# thread for an SVM problem of TCG; the arm64 L1 runs on multi-threaded TCG.
# lab-arch: arm64
# lab-timeout: 300
# shellcheck source=tests/lab/scenarios/vfio-bar.sh
. "$LAB_REPO/tests/lab/scenarios/vfio-bar.sh"
