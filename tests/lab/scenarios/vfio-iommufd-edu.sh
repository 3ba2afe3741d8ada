# SPDX-License-Identifier: MIT
# vfio-edu on the iommufd backend: L1 on the lab's 7.2 kernel (IOMMUFD and the
# VFIO device cdev), where ferry picks iommufd by itself; the checks are
# vfio-edu.sh's, plus the backend in -v and --stats.
# lab-kernel: iommufd
# lab-accel: tcg,thread=single
# lab-timeout: 540
LAB_EXPECT_IOMMU=iommufd
. "$LAB_REPO/tests/lab/scenarios/vfio-edu.sh"
