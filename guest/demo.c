// SPDX-License-Identifier: MIT
/* demo: the guest built into ferry; greets and reboots (exit status 0). */
#include <libfdt.h>
#include "lib/guest.h"

int main(void)
{
	int mem = fdt_path_offset(guest_fdt, GUEST_FDT_MEMORY), len;
	const fdt64_t *reg = fdt_getprop(guest_fdt, mem, "reg", &len);
	unsigned long long ram = 0;

	if (reg && len >= 16)
		ram = fdt64_ld(&reg[1]);
	printf_("Hello from ferry's built-in guest: %d vCPU(s), %llu MiB of "
		"RAM at %s.\n", fdt_count_cpus(), ram >> 20,
		GUEST_FDT_MEMORY + 8);
	puts_("Boot your own with: ferry run --kernel PATH [--initrd PATH]\n");
	reboot();
}
