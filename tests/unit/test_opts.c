// SPDX-License-Identifier: MIT
/* Command-line parsing: sizes, ranges, and every error path. */
#include <errno.h>
#include <stdarg.h>
#include "run/opts.h"
#include "test.h"

static enum opts_result parse(struct run_opts *o, char *why, ...)
{
	char *argv[32] = { "ferry" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, why);
	while ((a = va_arg(ap, char *)) != NULL)
		argv[argc++] = a;
	va_end(ap);
	return opts_parse(argc, argv, o, why, 256);
}

int main(void)
{
	struct run_opts o;
	char why[256];
	uint64_t b;

	CHECK(parse_size("512M", &b) == 0 && b == 512 * MiB);
	CHECK(parse_size("2G", &b) == 0 && b == 2 * GiB);
	CHECK(parse_size("2GiB", &b) == 0 && b == 2 * GiB);
	CHECK(parse_size("2gb", &b) == 0 && b == 2 * GiB);
	CHECK(parse_size("64", &b) == 0 && b == 64 * MiB);
	CHECK(parse_size("4096B", &b) == 0 && b == 4096);
	CHECK(parse_size("1T", &b) == 0 && b == 1024 * GiB);
	CHECK(parse_size("", &b) == -EINVAL);
	CHECK(parse_size("M", &b) == -EINVAL);
	CHECK(parse_size("-1G", &b) == -EINVAL);
	CHECK(parse_size("1.5G", &b) == -EINVAL);
	CHECK(parse_size("12X", &b) == -EINVAL);
	CHECK(parse_size("1GiBs", &b) == -EINVAL);
	CHECK(parse_size("99999999999999999999", &b) == -ERANGE);
	CHECK(parse_size("17179869184G", &b) == -ERANGE);

	CHECK(parse(&o, why, NULL) == OPTS_RUN && !o.kernel &&
	      o.memory == OPTS_DEFAULT_MEMORY && o.cpus == 1);
	CHECK(parse(&o, why, "run", "--kernel", "k", "--initrd=i", "-m", "1G",
		    "--cpus", "4", "--cmdline", "console=ttyS0", "--console",
		    "none", "--stats", "-v", "-v", NULL) == OPTS_RUN);
	CHECK(strcmp(o.kernel, "k") == 0 && strcmp(o.initrd, "i") == 0 &&
	      o.memory == GiB && o.cpus == 4 &&
	      strcmp(o.cmdline, "console=ttyS0") == 0 &&
	      o.console == CONSOLE_NONE && o.stats && o.verbosity == 2);
	CHECK(parse(&o, why, "run", "--append", "x", "-d",
		    "vfio,host=0000:01:00.0", "--device=vfio,host=00:04.0",
		    NULL) == OPTS_RUN &&
	      strcmp(o.cmdline, "x") == 0 && o.nr_devices == 2);
	CHECK_MSG(parse(&o, why, "run", "-vv", NULL) == OPTS_RUN &&
		  o.verbosity == 2, "-vv is -v twice");
	CHECK_MSG(parse(&o, why, "run", "-q", "-vvv", NULL) == OPTS_RUN &&
		  o.verbosity == 3, "-v after -q starts from the default");
	CHECK_MSG(parse(&o, why, "run", "-vx", NULL) == OPTS_ERROR,
		  "-vx is not a string of -v");
	/* --device: parsed once into a typed spec; each device once. */
	CHECK(parse(&o, why, "run", "-d", "vfio,host=01:00.0", NULL) ==
		      OPTS_RUN &&
	      strcmp(o.devices[0].kind->name, "vfio") == 0 &&
	      o.devices[0].u.vfio.is_pci &&
	      strcmp(o.devices[0].u.vfio.name, "0000:01:00.0") == 0 &&
	      strcmp(o.devices[0].u.vfio.sysfs,
		     "/sys/bus/pci/devices/0000:01:00.0") == 0);
	CHECK(parse(&o, why, "run", "-d",
		    "vfio,sysfsdev=/sys/bus/mdev/devices/abc-1", NULL) ==
		      OPTS_RUN &&
	      !o.devices[0].u.vfio.is_pci &&
	      strcmp(o.devices[0].u.vfio.name, "abc-1") == 0);
	CHECK_MSG(parse(&o, why, "run", "-d", "vfio,host=0000:01:00.0", "-d",
			"vfio,host=01:00.0", NULL) == OPTS_ERROR &&
		  strstr(why, "given twice"),
		  "the same device twice is refused");
	CHECK_MSG(parse(&o, why, "run", "-d", "vfio,host=+1:00.0", NULL) ==
			  OPTS_ERROR &&
		  parse(&o, why, "run", "-d", "vfio,host=0x01:00.0", NULL) ==
			  OPTS_ERROR &&
		  parse(&o, why, "run", "-d", "vfio,host=0000:01:20.0", NULL) ==
			  OPTS_ERROR &&
		  parse(&o, why, "run", "-d", "vfio,host=0000:01:00.8", NULL) ==
			  OPTS_ERROR &&
		  parse(&o, why, "run", "-d", "vfio,host=00001:01:00.0",
			NULL) == OPTS_ERROR &&
		  parse(&o, why, "run", "-d", "vfio,host=0000:01:00.0 ",
			NULL) == OPTS_ERROR,
		  "BDFs take exactly hex digits in range, nothing else");
	CHECK_MSG(parse(&o, why, "run", "-d", "vfio,sysfsdev=/", NULL) ==
			  OPTS_ERROR &&
		  parse(&o, why, "run", "-d", "vfio,sysfsdev=/a/", NULL) ==
			  OPTS_ERROR &&
		  parse(&o, why, "run", "-d", "vfio,sysfsdev=rel/x", NULL) ==
			  OPTS_ERROR,
		  "sysfsdev= needs an absolute path naming a device");
	CHECK_MSG(parse(&o, why, "run", "-d", "vfio,host=01:00.0", NULL) ==
			  OPTS_RUN &&
		  o.devices[0].u.vfio.iommu == VFIO_IOMMU_AUTO,
		  "without iommu= the backend is chosen at start-up");
	CHECK_MSG(parse(&o, why, "run", "-d", "vfio,host=01:00.0,iommu=iommufd",
			NULL) == OPTS_RUN &&
		  o.devices[0].u.vfio.iommu == VFIO_IOMMU_IOMMUFD &&
		  strcmp(o.devices[0].u.vfio.name, "0000:01:00.0") == 0,
		  "iommu=iommufd after host=");
	CHECK_MSG(parse(&o, why, "run", "-d",
			"vfio,iommu=type1,sysfsdev=/sys/bus/mdev/devices/u-1",
			NULL) == OPTS_RUN &&
		  o.devices[0].u.vfio.iommu == VFIO_IOMMU_TYPE1 &&
		  strcmp(o.devices[0].u.vfio.name, "u-1") == 0,
		  "iommu=type1 before sysfsdev=");
	CHECK_MSG(parse(&o, why, "run", "-d", "vfio,host=01:00.0,iommu=vfio",
			NULL) == OPTS_ERROR &&
		  strstr(why, "iommu='vfio' is not a backend"),
		  "an unknown backend is refused, naming the good ones");
	CHECK_MSG(parse(&o, why, "run", "-d",
			"vfio,host=01:00.0,iommu=type1,iommu=iommufd",
			NULL) == OPTS_ERROR && strstr(why, "iommu= is given twice"),
		  "a key given twice is refused");
	CHECK_MSG(parse(&o, why, "run", "-d",
			"vfio,host=01:00.0,sysfsdev=/sys/x/y", NULL) ==
			  OPTS_ERROR && strstr(why, "not both"),
		  "host= and sysfsdev= together are refused");
	CHECK_MSG(parse(&o, why, "run", "-d", "vfio,iommu=type1", NULL) ==
			  OPTS_ERROR && strstr(why, "say which device"),
		  "iommu= alone names no device");
	CHECK_MSG(parse(&o, why, "run", "-d", "vfio,host=01:00.0,rombar=0",
			NULL) == OPTS_ERROR && strstr(why, "'rombar=0' is not "
						      "understood"),
		  "an unknown key is refused");
	CHECK(parse(&o, why, "--help", NULL) == OPTS_HELP);
	CHECK(parse(&o, why, "run", "-h", NULL) == OPTS_HELP);
	CHECK(parse(&o, why, "help", NULL) == OPTS_HELP);
	CHECK(parse(&o, why, "--version", NULL) == OPTS_VERSION);

	CHECK(parse(&o, why, "run", "--cpus", "0", NULL) == OPTS_ERROR &&
	      strstr(why, "--cpus 0 is out of range"));
	CHECK(parse(&o, why, "run", "--cpus", "256", NULL) == OPTS_ERROR);
	CHECK(parse(&o, why, "run", "--cpus", "2x", NULL) == OPTS_ERROR &&
	      strstr(why, "not a number"));
	CHECK(parse(&o, why, "run", "--cpus", "-1", NULL) == OPTS_ERROR);
	CHECK(parse(&o, why, "run", "--memory", "0", NULL) == OPTS_ERROR &&
	      strstr(why, "too small"));
	CHECK(parse(&o, why, "run", "--memory", "2T", NULL) == OPTS_ERROR &&
	      strstr(why, "limit"));
	CHECK(parse(&o, why, "run", "--memory", "lots", NULL) == OPTS_ERROR &&
	      strstr(why, "not a size"));
	CHECK(parse(&o, why, "run", "--memory", "4097K", NULL) == OPTS_ERROR &&
	      strstr(why, "multiple of 4K"));
	CHECK(parse(&o, why, "run", "--console", "vga", NULL) == OPTS_ERROR);
	CHECK(parse(&o, why, "run", "-d", "vfio,host=0000:01:20.0", NULL) ==
		      OPTS_ERROR &&
	      strstr(why, "not a PCI address"));
	CHECK(parse(&o, why, "run", "-d", "vfio,host=01:00.0x", NULL) ==
	      OPTS_ERROR);
	CHECK(parse(&o, why, "run", "-d", "virtio,blk", NULL) == OPTS_ERROR &&
	      strstr(why, "vfio,host="));
	CHECK(parse(&o, why, "run", "-d", "vfio,sysfsdev=rel/path", NULL) ==
		      OPTS_ERROR &&
	      strstr(why, "absolute path"));
	CHECK(parse(&o, why, "run", "-d", "vfio,sysfsdev=/sys/bus/mdev/x",
		    NULL) == OPTS_RUN);
	CHECK(parse(&o, why, "run", "--bogus", NULL) == OPTS_ERROR &&
	      strstr(why, "unknown option '--bogus'"));
	CHECK(parse(&o, why, "run", "--kernel", NULL) == OPTS_ERROR &&
	      strstr(why, "needs a value"));
	CHECK(parse(&o, why, "run", "--stats=1", NULL) == OPTS_ERROR);
	CHECK(parse(&o, why, "fly", NULL) == OPTS_ERROR &&
	      strstr(why, "unknown command"));
	CHECK(parse(&o, why, "run", "--initrd", "i", NULL) == OPTS_ERROR &&
	      strstr(why, "--initrd needs a --kernel"));
	return test_done();
}
