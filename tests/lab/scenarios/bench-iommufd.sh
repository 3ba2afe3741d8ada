# SPDX-License-Identifier: MIT
# Benchmark (not a test): iommufd vs type1 in the same L1. Run with
# bench/lab-iommufd from L0.
# lab-kernel: iommufd
# lab-timeout: 3600
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) && bind_vfio "$EDU" || { echo "no edu"; exit 1; }
NVME=$(pci_find 1b36 0010 1) && bind_vfio "$NVME" || { echo "no nvme"; exit 1; }
echo 256 > /proc/sys/vm/nr_hugepages
echo "huge pages reserved: $(cat /proc/sys/vm/nr_hugepages)"
exec python3 "$LAB_REPO/bench/lab_iommufd.py" "$EDU" "$NVME"
