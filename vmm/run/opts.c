// SPDX-License-Identifier: MIT
/* Command-line options of `ferry run`: parsing and validation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include "../board.h"
#include "../log.h"
#include "opts.h"

const char opts_help_text[] =
"Usage: ferry run [OPTIONS]\n"
"       ferry --help | --version\n"
"\n"
"Boot a KVM guest. With no --kernel, ferry boots its built-in demo guest.\n"
"\n"
"Options:\n"
"  -k, --kernel PATH     ELF64 test guest, Linux bzImage or vmlinux to boot\n"
"  -i, --initrd PATH     initial ramdisk for a Linux kernel\n"
"  -a, --cmdline STR     kernel command line (alias: --append)\n"
"  -m, --memory SIZE     guest RAM, e.g. 512M or 2G; a bare number is MiB\n"
"                        (default 256M)\n"
"      --hugepages       take guest RAM from 2 MiB huge pages (reserve them\n"
"                        first: /proc/sys/vm/nr_hugepages)\n"
"      --no-kernel-cache\n"
"                        decompress a bzImage at every boot; by default ferry\n"
"                        keeps it decompressed in $XDG_CACHE_HOME/ferry\n"
"                        (~/.cache/ferry, at most 512 MiB) for next time\n"
"      --kernel-cache    the same cache, and warn if it cannot be used\n"
"  -c, --cpus N          number of vCPUs, 1-255 (default 1)\n"
"      --console MODE    serial: guest UART on stdin/stdout (default)\n"
"                        none: discard guest output\n"
"  -d, --device SPEC     pass a host device through (may be repeated):\n"
"                        vfio,host=0000:01:00.0[,iommu=type1|iommufd]\n"
"                        vfio,sysfsdev=/sys/bus/mdev/devices/UUID (mdev)\n"
"      --viommu          put passed-through devices behind a virtio-iommu\n"
"                        the guest programs (default: they see all RAM)\n"
"      --dump-dtb FILE   write the guest's device tree to FILE and exit\n"
"      --dump-acpi DIR   write the guest's ACPI tables to DIR/*.dat and exit\n"
"      --stats           print exit and device statistics when the VM ends\n"
"  -v, --verbose         more messages (repeat for debug)\n"
"  -q, --quiet           errors only\n"
"  -h, --help            this text\n"
"  -V, --version         ferry's version\n"
"\n"
"On a terminal, Ctrl-A x stops the VM; Ctrl-A Ctrl-A sends Ctrl-A.\n"
"\n"
"Exit status:\n"
"  0   the guest reset (reboot) or powered off\n"
"  odd (V << 1) | 1 after the guest wrote V to the debug-exit device\n"
"  2   bad command line       4   kernel or initrd cannot be loaded\n"
"  6   host cannot run the VM (no /dev/kvm, permissions, memory)\n"
"  8   the guest crashed (triple fault, KVM internal error)\n"
"  10  a passthrough device could not be set up\n"
"  12  stopped by a signal or Ctrl-A x\n";

/* One sentence into @why (log.c's why_set()), and OPTS_ERROR. */
#define bad(why, whylen, ...)                                                  \
	((enum opts_result)why_set(why, whylen, OPTS_ERROR, __VA_ARGS__))

int parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0, mult = MiB;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -ERANGE;
	switch (*p) {
	case '\0': break;
	case 'b': case 'B': mult = 1; p++; break;
	case 'k': case 'K': mult = KiB; p++; break;
	case 'm': case 'M': mult = MiB; p++; break;
	case 'g': case 'G': mult = GiB; p++; break;
	case 't': case 'T': mult = 1024 * GiB; p++; break;
	default: return -EINVAL;
	}
	/* "2G", "2GB", "2GiB" all mean 2 GiB; "2B" means two bytes. */
	if (mult != 1 && (strcasecmp(p, "iB") == 0 || strcasecmp(p, "B") == 0))
		p += strlen(p);
	if (*p)
		return -EINVAL;
	if (__builtin_mul_overflow(v, mult, &v))
		return -ERANGE;
	*bytes = v;
	return 0;
}

enum opt_id {
	O_KERNEL, O_INITRD, O_CMDLINE, O_MEMORY, O_CPUS, O_CONSOLE, O_DEVICE,
	O_DUMP_DTB, O_STATS, O_VERBOSE, O_QUIET, O_HELP, O_VERSION,
	O_HUGEPAGES, O_KERNEL_CACHE, O_NO_KERNEL_CACHE, O_DUMP_ACPI, O_VIOMMU,
};

static const struct opt_def {
	const char *name;
	char short_name;
	int has_arg;
	enum opt_id id;
} opt_defs[] = {
	{ "kernel", 'k', 1, O_KERNEL },   { "initrd", 'i', 1, O_INITRD },
	{ "cmdline", 'a', 1, O_CMDLINE }, { "append", 0, 1, O_CMDLINE },
	{ "memory", 'm', 1, O_MEMORY },   { "cpus", 'c', 1, O_CPUS },
	{ "console", 0, 1, O_CONSOLE },   { "device", 'd', 1, O_DEVICE },
	{ "dump-dtb", 0, 1, O_DUMP_DTB }, { "stats", 0, 0, O_STATS },
	{ "verbose", 'v', 0, O_VERBOSE }, { "quiet", 'q', 0, O_QUIET },
	{ "help", 'h', 0, O_HELP },	  { "version", 'V', 0, O_VERSION },
	{ "hugepages", 0, 0, O_HUGEPAGES },
	{ "kernel-cache", 0, 0, O_KERNEL_CACHE },
	{ "no-kernel-cache", 0, 0, O_NO_KERNEL_CACHE },
	{ "dump-acpi", 0, 1, O_DUMP_ACPI },
	{ "viommu", 0, 0, O_VIOMMU },
};

/* Find the definition for argv word @arg; set *@inline_val for --x=y. */
static const struct opt_def *find_opt(const char *arg, const char **inline_val)
{
	size_t i, n;

	*inline_val = NULL;
	if (arg[0] == '-' && arg[1] == '-') {
		const char *eq = strchr(arg + 2, '=');

		n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		for (i = 0; i < ARRAY_SIZE(opt_defs); i++)
			if (strlen(opt_defs[i].name) == n &&
			    strncmp(opt_defs[i].name, arg + 2, n) == 0) {
				*inline_val = eq ? eq + 1 : NULL;
				return &opt_defs[i];
			}
		return NULL;
	}
	if (arg[0] == '-' && arg[1] && !arg[2])
		for (i = 0; i < ARRAY_SIZE(opt_defs); i++)
			if (opt_defs[i].short_name == arg[1])
				return &opt_defs[i];
	return NULL;
}

static enum opts_result set_memory(struct run_opts *o, const char *v,
				   char *why, size_t whylen)
{
	uint64_t b;
	int ret = parse_size(v, &b);

	if (ret == -ERANGE)
		return bad(why, whylen, "--memory %s is more than ferry's "
			   "limit of 1T", v);
	if (ret)
		return bad(why, whylen, "--memory '%s' is not a size; write "
			   "it like 512M or 2G", v);
	if (b < OPTS_MIN_MEMORY)
		return bad(why, whylen, "--memory %s is too small; ferry needs "
			   "at least 2M", v);
	if (b > OPTS_MAX_MEMORY)
		return bad(why, whylen, "--memory %s is more than ferry's "
			   "limit of 1T", v);
	if (!IS_ALIGNED(b, 4096))
		return bad(why, whylen, "--memory %s is not a multiple of 4K",
			   v);
	o->memory = b;
	return OPTS_RUN;
}

static enum opts_result set_cpus(struct run_opts *o, const char *v, char *why,
				 size_t whylen)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || v[0] == '+')
		return bad(why, whylen, "--cpus '%s' is not a number", v);
	if (n < 1 || n > board_max_cpus)
		return bad(why, whylen, "--cpus %s is out of range; give 1 to "
			   "%u", v, board_max_cpus);
	o->cpus = (unsigned int)n;
	return OPTS_RUN;
}

static enum opts_result apply(struct run_opts *o, const struct opt_def *d,
			      const char *v, char *why, size_t whylen)
{
	switch (d->id) {
	case O_KERNEL: o->kernel = v; break;
	case O_INITRD: o->initrd = v; break;
	case O_CMDLINE: o->cmdline = v; break;
	case O_DUMP_DTB: o->dump_dtb = v; break;
	case O_DUMP_ACPI: o->dump_acpi = v; break;
	case O_MEMORY: return set_memory(o, v, why, whylen);
	case O_CPUS: return set_cpus(o, v, why, whylen);
	case O_CONSOLE:
		if (strcmp(v, "serial") == 0)
			o->console = CONSOLE_SERIAL;
		else if (strcmp(v, "none") == 0)
			o->console = CONSOLE_NONE;
		else
			return bad(why, whylen, "--console '%s' is unknown; "
				   "use serial or none", v);
		break;
	case O_DEVICE: {
		struct device_opt *dev = &o->devices[o->nr_devices];
		unsigned int i;

		if (o->nr_devices == OPTS_MAX_DEVICES)
			return bad(why, whylen, "too many --device options; "
				   "ferry takes at most %d",
				   OPTS_MAX_DEVICES);
		if (devkind_parse(v, dev, why, whylen))
			return OPTS_ERROR;
		for (i = 0; i < o->nr_devices; i++)
			if (o->devices[i].kind == dev->kind &&
			    dev->kind->same(&o->devices[i], dev))
				return bad(why, whylen, "--device %s is given "
					   "twice; pass each device once", v);
		o->nr_devices++;
		break;
	}
	case O_STATS: o->stats = 1; break;
	case O_HUGEPAGES: o->hugepages = 1; break;
	case O_KERNEL_CACHE:
	case O_NO_KERNEL_CACHE: {
		enum kernel_cache k = d->id == O_KERNEL_CACHE ?
				      KERNEL_CACHE_ON : KERNEL_CACHE_OFF;

		if (o->kernel_cache != KERNEL_CACHE_DEFAULT &&
		    o->kernel_cache != k)
			return bad(why, whylen, "--kernel-cache and "
				   "--no-kernel-cache contradict each other; "
				   "give one");
		o->kernel_cache = k;
		break;
	}
	case O_VIOMMU: o->viommu = 1; break;
	case O_VERBOSE: o->verbosity = o->verbosity < 0 ? 1 : o->verbosity + 1;
		break;
	case O_QUIET: o->verbosity = -1; break;
	case O_HELP: return OPTS_HELP;
	case O_VERSION: return OPTS_VERSION;
	}
	return OPTS_RUN;
}

enum opts_result opts_parse(int argc, char *const argv[], struct run_opts *o,
			    char *why, size_t whylen)
{
	int i = 1;

	memset(o, 0, sizeof(*o));
	o->memory = OPTS_DEFAULT_MEMORY;
	o->cpus = 1;
	o->console = CONSOLE_SERIAL;
	why[0] = '\0';

	if (i < argc && strcmp(argv[i], "run") == 0)
		i++;
	else if (i < argc && strcmp(argv[i], "help") == 0)
		return OPTS_HELP;
	else if (i < argc && argv[i][0] != '-')
		return bad(why, whylen, "unknown command '%s'; try 'ferry "
			   "run' or 'ferry --help'", argv[i]);

	for (; i < argc; i++) {
		const char *arg = argv[i], *val;
		const struct opt_def *d = find_opt(arg, &val);
		enum opts_result r;

		/* -vv, -vvv: as many -v in one word. */
		if (!d && arg[0] == '-' && arg[1] == 'v' &&
		    strspn(arg + 1, "v") == strlen(arg + 1)) {
			size_t n;

			for (n = strlen(arg + 1); n; n--)
				o->verbosity = o->verbosity < 0 ? 1
								: o->verbosity + 1;
			continue;
		}

		if (!d)
			return bad(why, whylen, "unknown option '%s'; see "
				   "'ferry --help'", arg);
		if (!d->has_arg && val)
			return bad(why, whylen, "option --%s takes no value",
				   d->name);
		if (d->has_arg && !val) {
			if (i + 1 >= argc)
				return bad(why, whylen, "option %s needs a "
					   "value; see 'ferry --help'", arg);
			val = argv[++i];
		}
		r = apply(o, d, val, why, whylen);
		if (r != OPTS_RUN)
			return r;
	}
	if (o->hugepages && !IS_ALIGNED(o->memory, 2 * MiB))
		return bad(why, whylen, "--hugepages needs --memory in whole "
			   "2M pages");
	if (o->dump_dtb && o->dump_acpi)
		return bad(why, whylen, "--dump-dtb and --dump-acpi cannot be "
			   "given together; run ferry once for each");
	if (o->initrd && !o->kernel)
		return bad(why, whylen, "--initrd needs a --kernel to go with "
			   "it");
	return OPTS_RUN;
}
