#!/bin/sh
# SPDX-License-Identifier: MIT
# fake-mdev.sh CASE DIR CMD...: build a fake sysfs tree under DIR/sys
# holding a mediated device in the state CASE names, then run CMD (ferry
# with --device vfio,sysfsdev=DIR/sys/bus/mdev/devices/$UUID). CASE:
#   nocore    no DIR/sys/bus/mdev (the mdev core is not loaded)
#   noparent  the mdev bus, but no parent in class/mdev_bus
#   missing   a parent (mtty) with types, but no device $UUID
#   unbound   the device, not bound to a driver
#   ccw       bound, but its type offers the vfio-ccw API
#   nogroup   bound, vfio-pci API, but no IOMMU group (not a VFIO driver)
#   otherpath unbound, named by its /sys/devices path (mdev_type link)
set -eu
UUID=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
case=$1 dir=$2
shift 2
sys=$dir/sys
mkdir -p "$sys/kernel"
if [ "$case" != nocore ]; then
	mkdir -p "$sys/bus/mdev/devices" "$sys/bus/mdev/drivers/mtty" \
		"$sys/class/mdev_bus"
fi
if [ "$case" != nocore ] && [ "$case" != noparent ]; then
	parent=$sys/devices/virtual/mtty/mtty
	# mtty-9 too: the sentence names the first type by name, not by readdir.
	for t in mtty-1 mtty-2 mtty-9; do
		mkdir -p "$parent/mdev_supported_types/$t"
		echo vfio-pci >"$parent/mdev_supported_types/$t/device_api"
	done
	echo vfio-ccw >"$parent/mdev_supported_types/mtty-1/device_api"
	ln -s ../../devices/virtual/mtty/mtty "$sys/class/mdev_bus/mtty"
fi
case $case in
unbound | ccw | nogroup | otherpath)
	dev=$sys/devices/virtual/mtty/mtty/$UUID
	mkdir -p "$dev"
	type=mtty-2
	[ "$case" = ccw ] && type=mtty-1
	ln -s "../mdev_supported_types/$type" "$dev/mdev_type"
	ln -s "../../../devices/virtual/mtty/mtty/$UUID" "$sys/bus/mdev/devices/$UUID"
	if [ "$case" = ccw ] || [ "$case" = nogroup ]; then
		ln -s ../../../../bus/mdev/drivers/mtty "$dev/driver"
	fi
	;;
esac
exec "$@"
