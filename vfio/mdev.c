// SPDX-License-Identifier: MIT
/*
 * Mediated devices (mdev): what sysfs says about one before anything is
 * opened, each problem with its own sentence.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vfio_priv.h"

#define MDEV_DEVICES "/bus/mdev/devices/"

int vfio_spec_is_mdev(const struct vfio_spec *spec)
{
	char path[600];
	struct stat st;

	if (spec->is_mdev)
		return 1;
	/* Another path to the same device (/sys/devices/.../UUID). */
	snprintf(path, sizeof(path), "%s/mdev_type", spec->sysfs);
	return !spec->is_pci && lstat(path, &st) == 0;
}

/*
 * Where sysfs is mounted, as the path names it: what comes before
 * "/bus/mdev/devices/" or "/devices/" ("/sys" on a host; a test's fake
 * tree elsewhere). Falls back to "/sys".
 */
static void sysfs_root(const char *path, char *root, size_t len)
{
	const char *p = strstr(path, MDEV_DEVICES);

	if (!p)
		p = strstr(path, "/devices/");
	if (!p || p == path || (size_t)(p - path) >= len) {
		snprintf(root, len, "/sys");
		return;
	}
	memcpy(root, path, (size_t)(p - path));
	root[p - path] = '\0';
}

/* The first line of @dir/@file, without its newline; 0 or -errno. */
static int read_line(const char *dir, const char *file, char *out,
		     size_t len)
{
	char path[600];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(out, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/*
 * The first entry by name of directory @dir not starting with '.' (with
 * @api: the first whose device_api reads @api), into @out: the same
 * answer whatever order readdir gives. 0 or -ENOENT.
 */
static int first_entry(const char *dir, const char *api, char *out,
		       size_t len)
{
	char sub[600], line[64];
	struct dirent *e;
	int ret = -ENOENT;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= len)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir,
				     e->d_name) >= sizeof(sub))
			continue;
		if (api && (read_line(sub, "device_api", line, sizeof(line)) ||
			    strcmp(line, api) != 0))
			continue;
		if (ret == 0 && strcmp(e->d_name, out) >= 0)
			continue;
		memcpy(out, e->d_name, strlen(e->d_name) + 1);
		ret = 0;
	}
	if (d)
		closedir(d);
	return ret;
}

/* No such device: say whether mdev, a parent, or only the device is
 * missing, and how to create it. */
static int explain_missing(const struct vfio_spec *spec, const char *root)
{
	char path[600], parent[128], type[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/bus/mdev", root);
	if (stat(path, &st) < 0) {
		err("there is no mediated device %s: the mdev core is not "
		    "loaded (no %s); load it and the vendor driver, such as "
		    "modprobe mdev mtty, then create the device", spec->name,
		    path);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/class/mdev_bus", root);
	if (first_entry(path, NULL, parent, sizeof(parent)) < 0) {
		err("there is no mediated device %s, and no parent driver is "
		    "loaded (%s is empty); load the vendor driver, such as "
		    "modprobe mtty, and create the device", spec->name, path);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/class/mdev_bus/%s/"
		 "mdev_supported_types", root, parent);
	if (first_entry(path, "vfio-pci", type, sizeof(type)) < 0)
		snprintf(type, sizeof(type), "TYPE");
	err("there is no mediated device %s; create it: echo %s > "
	    "%s/%s/create", spec->name, spec->name, path, type);
	return -ENODEV;
}

/*
 * Another process (a VM) holding the device has its VFIO group open: a
 * second open is refused with EBUSY. Probing here says so before /dev/kvm
 * is opened. Any other error is left to the attach, which explains it.
 */
static int check_in_use(const struct vfio_spec *spec, const char *group)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EBUSY)
		return 0;
	err("mediated device %s is in use by another process (its VFIO group "
	    "%s is open); stop that process or create another device",
	    spec->name, group);
	return -EBUSY;
}

int vfio_mdev_check(const struct vfio_spec *spec)
{
	char root[256], drv[128], api[64], group[32];
	const char *dir = spec->sysfs;
	struct stat st;

	sysfs_root(dir, root, sizeof(root));
	if (stat(dir, &st) < 0)
		return explain_missing(spec, root);
	if (vfio_sysfs_link(dir, "driver", drv, sizeof(drv)) < 0) {
		err("mediated device %s is not bound to a driver; bind it: "
		    "echo %s > %s/bus/mdev/drivers_probe", spec->name,
		    spec->name, root);
		return -ENODEV;
	}
	if (read_line(dir, "mdev_type/device_api", api, sizeof(api)) == 0 &&
	    strcmp(api, "vfio-pci") != 0) {
		err("mediated device %s offers the '%s' API; ferry passes "
		    "through PCI devices only (device_api vfio-pci)",
		    spec->name, api);
		return -ENODEV;
	}
	if (vfio_sysfs_link(dir, "iommu_group", group, sizeof(group)) < 0) {
		err("mediated device %s is bound to driver '%s', which does "
		    "not register it with VFIO (it has no IOMMU group); bind "
		    "it to its vendor's VFIO mdev driver", spec->name, drv);
		return -ENODEV;
	}
	return check_in_use(spec, group);
}
