/* SPDX-License-Identifier: MIT */
/* Command-line options of `ferry run`: parsing and validation. */
#ifndef FERRY_RUN_OPTS_H
#define FERRY_RUN_OPTS_H

#include <stdint.h>
#include "../util.h"
#include "devkind.h"

#define OPTS_MAX_DEVICES 16
#define OPTS_MIN_MEMORY (2 * MiB)
#define OPTS_MAX_MEMORY (1024 * GiB)
#define OPTS_DEFAULT_MEMORY (256 * MiB)

enum console_mode { CONSOLE_SERIAL, CONSOLE_NONE };
/* Cache decompressed bzImage kernels: by default (quietly: a cache that
 * cannot be used is passed by), asked for (said), or not at all. */
enum kernel_cache { KERNEL_CACHE_DEFAULT, KERNEL_CACHE_ON, KERNEL_CACHE_OFF };

struct run_opts {
	const char *kernel;  /* NULL: the built-in demo guest */
	const char *initrd;
	const char *cmdline;
	const char *dump_dtb; /* write the device tree here and exit */
	const char *dump_acpi; /* write the ACPI tables in this directory */
	uint64_t memory;
	unsigned int cpus;
	enum console_mode console;
	struct device_opt devices[OPTS_MAX_DEVICES]; /* parsed --device */
	unsigned int nr_devices;
	int stats;
	int hugepages; /* back guest RAM with 2 MiB hugetlbfs pages */
	enum kernel_cache kernel_cache; /* decompressed kernels cached */
	int viommu;    /* passed-through devices behind a virtio-iommu */
	int verbosity; /* -1 quiet, 0 default, 1.. verbose */
};

enum opts_result {
	OPTS_RUN,     /* @opts is valid: run the VM */
	OPTS_HELP,    /* print the help text, exit 0 */
	OPTS_VERSION, /* print the version, exit 0 */
	OPTS_ERROR,   /* @why says what is wrong: exit FERRY_EXIT_USAGE */
};

/*
 * Parse `ferry [run] ARGS...` (argv[0] is the program). Accepts
 * "--opt VALUE", "--opt=VALUE" and the short forms listed in the help.
 * On OPTS_ERROR, @why holds one sentence saying what is wrong and what
 * to do. Reentrant: keeps no state between calls.
 */
enum opts_result opts_parse(int argc, char *const argv[], struct run_opts *opts,
			    char *why, size_t whylen);

/*
 * Parse a size such as "512M", "2G", "2GiB", "1048576B" or "64" (no
 * suffix means MiB, as QEMU's -m). Returns 0 or -EINVAL (syntax, zero
 * is allowed here) or -ERANGE (does not fit in 64 bits).
 */
int parse_size(const char *s, uint64_t *bytes) __must_check;

/* The text printed by `ferry --help`. */
extern const char opts_help_text[];

#endif
