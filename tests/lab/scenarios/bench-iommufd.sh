# SPDX-License-Identifier: MIT
# Benchmark (not a test): iommufd vs type1 in the same L1. Run with
# bench/lab-iommufd from L0. With LAB_BENCH_RUNS=3 its DMA-map and
# start-up parts took about 10 minutes in the lab (docs/benchmarks.md);
# 1500 s bounds the whole (each command is bounded by the script too).
# lab-kernel: iommufd
# lab-timeout: 1500
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) && bind_vfio "$EDU" || { echo "no edu"; exit 1; }
NVME=$(pci_find 1b36 0010 1) && bind_vfio "$NVME" || { echo "no nvme"; exit 1; }
echo 256 > /proc/sys/vm/nr_hugepages
echo "huge pages reserved: $(cat /proc/sys/vm/nr_hugepages)"
exec python3 -u "$LAB_REPO/bench/lab_iommufd.py" "$EDU" "$NVME"
