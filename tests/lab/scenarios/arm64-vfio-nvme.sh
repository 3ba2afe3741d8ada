# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# arm64: vfio-nvme.sh on ferry's arm64 board: the Linux guest drives the
# passed-through NVMe behind L1's SMMUv3 (MSI-X through the ITS), the
# same checks as on x86, one body.
# lab-arch: arm64
# lab-timeout: 240
# shellcheck source=tests/lab/scenarios/vfio-nvme.sh
. "$LAB_REPO/tests/lab/scenarios/vfio-nvme.sh"
