# SPDX-License-Identifier: MIT
# Benchmark (not a test): BAR mapping costs. Run with bench/lab-bar from L0.
# Single-threaded TCG in L0: on multi-threaded TCG the decode toggles end
# in an L2 triple fault now and then (L0's, docs/lab.md).
# lab-accel: tcg,thread=single
# lab-timeout: 3600
. "$LAB_REPO/tests/lab/lib.sh"
EDU=$(pci_find 1234 11e8 1) && bind_vfio "$EDU" || { echo "no edu"; exit 1; }
exec python3 "$LAB_REPO/bench/lab_bar.py" "$EDU"
