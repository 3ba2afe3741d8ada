# SPDX-License-Identifier: MIT
# viommu-edu on the iommufd backend: L1 on the lab's 7.2 kernel, where ferry
# picks iommufd by itself. The device's own IOAS is a listener of the
# domain the guest attaches it to (vfio/dma.c, vmm/dma.c): the guest's
# virtio-iommu MAP and UNMAP become IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP,
# so the checks are viommu-edu.sh's (no DMA before ATTACH, a round trip
# through IOVAs that are not GPAs, DMAR faults after UNMAP and DETACH),
# plus the backend at -v; the guest's MAP + UNMAP cost is iommufd's here.
# lab-kernel: iommufd
# lab-accel: tcg,thread=single
# lab-timeout: 300
LAB_EXPECT_IOMMU=iommufd
. "$LAB_REPO/tests/lab/scenarios/viommu-edu.sh"
