// SPDX-License-Identifier: MIT
/* Device-tree helpers for test guests, on top of libfdt. */
#include <libfdt.h>
#include "guest.h"

int fdt_count_cpus(void)
{
	int cpus = fdt_path_offset(guest_fdt, "/cpus"), node, n = 0;

	if (cpus < 0)
		return cpus;
	fdt_for_each_subnode(node, guest_fdt, cpus)
		n++;
	return n;
}

const char *fdt_bootargs(void)
{
	int chosen = fdt_path_offset(guest_fdt, "/chosen");
	const char *args;

	if (chosen < 0)
		return NULL;
	args = fdt_getprop(guest_fdt, chosen, "bootargs", NULL);
	return args;
}

unsigned long bootarg_ulong(const char *key, unsigned long def)
{
	const char *p = fdt_bootargs();
	size_t klen = strlen(key);

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=')
			return strtoul(p + klen + 1, NULL, 0);
		while (*p && *p != ' ')
			p++;
	}
	return def;
}

const char *bootarg_str(const char *key, char *buf, size_t len)
{
	const char *p = fdt_bootargs();
	size_t klen = strlen(key), n;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			for (n = 0; p[n] && p[n] != ' '; n++)
				;
			if (n >= len)
				return NULL;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return buf;
		}
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}
