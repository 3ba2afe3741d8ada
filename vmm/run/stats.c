// SPDX-License-Identifier: MIT
/* --stats: what the VM did (an exit census), printed when it ends. */
#include <dirent.h>
#include <stdio.h>
#include <sys/mman.h>
#include "../../devices/virtio_iommu.h"
#include "../../vfio/vfio.h"
#include <linux/kvm.h>
#include "../census.h"
#include "../vcpu.h"
#include "machine.h"

/*
 * Peak RSS and its guest-RAM (shmem) part, and the locked and pinned
 * memory charged to ferry (type1 charges the pages a mediated device's
 * vendor driver pins to VmLck), from /proc/self/status. Printed once the
 * vCPUs have stopped and before the teardown unmaps anything: what the
 * devices still hold at the VM's end.
 */
static void print_memory_stats(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6) || !strncmp(line, "RssAnon:", 8) ||
		    !strncmp(line, "RssFile:", 8) ||
		    !strncmp(line, "RssShmem:", 9) ||
		    !strncmp(line, "VmLck:", 6) || !strncmp(line, "VmPin:", 6))
			fprintf(stderr, "stats: %s", line);
	fclose(f);
}

/* KVM_EXIT_* names for the census (what a Linux boot can reach). */
static const char *const reason_names[VCPU_EXIT_REASONS] = {
	[KVM_EXIT_UNKNOWN] = "unknown", [KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io", [KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug", [KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio", [KVM_EXIT_IRQ_WINDOW_OPEN] = "irq-window",
	[KVM_EXIT_SHUTDOWN] = "shutdown", [KVM_EXIT_FAIL_ENTRY] = "fail-entry",
	[KVM_EXIT_INTR] = "intr", [KVM_EXIT_INTERNAL_ERROR] = "internal-error",
	[KVM_EXIT_SYSTEM_EVENT] = "system-event",
	[VCPU_EXIT_REASONS - 1] = "other",
};

/* "exits per reason" of one vCPU: only the reasons that occurred. */
static void print_reasons(unsigned int idx, const struct vcpu_stats *s)
{
	unsigned int r;

	fprintf(stderr, "stats: reasons vcpu%u", idx);
	for (r = 0; r < VCPU_EXIT_REASONS; r++)
		if (s->reasons[r]) {
			if (reason_names[r])
				fprintf(stderr, " %s=%llu", reason_names[r],
					(unsigned long long)s->reasons[r]);
			else
				fprintf(stderr, " reason%u=%llu", r,
					(unsigned long long)s->reasons[r]);
		}
	fputc('\n', stderr);
}

#define CENSUS_TOP_PIO 16
#define CENSUS_TOP_MMIO 8

/* The ports and MMIO pages with the most exits, with their owners. */
static void print_census(const struct machine *m)
{
	struct census_entry top[CENSUS_TOP_PIO];
	struct vm *vm = (struct vm *)&m->vm;
	const char *who;
	unsigned int i, n;

	if (!vm->census)
		return;
	n = census_top(vm->census, 0, top, CENSUS_TOP_PIO);
	for (i = 0; i < n; i++) {
		who = bus_owner(&vm->pio, top[i].key);
		fprintf(stderr, "stats: pio-port 0x%04llx %s exits=%llu\n",
			(unsigned long long)top[i].key,
			who ? who : "(unclaimed)",
			(unsigned long long)top[i].count);
	}
	n = census_top(vm->census, 1, top, CENSUS_TOP_MMIO);
	for (i = 0; i < n; i++) {
		who = bus_owner(&vm->mmio, top[i].key);
		fprintf(stderr, "stats: mmio-page 0x%llx %s exits=%llu\n",
			(unsigned long long)top[i].key,
			who ? who : "(unclaimed)",
			(unsigned long long)top[i].count);
	}
}

/* Guest RAM the host has pages for, in KiB (mincore), or -1. */
static long long ram_resident_kib(const struct guest_mem *mem)
{
	static unsigned char vec[16384];
	uint64_t off, pages = 0, chunk = sizeof(vec) * 4096ULL;
	size_t i, n;

	if (!mem->base)
		return -1;
	for (off = 0; off < mem->size; off += chunk) {
		n = (size_t)(MIN(chunk, mem->size - off) / 4096);
		if (mincore(mem->base + off, n * 4096, vec) < 0)
			return -1;
		for (i = 0; i < n; i++)
			pages += vec[i] & 1;
	}
	return (long long)(pages * 4);
}

void stats_print(const struct machine *m)
{
	unsigned int i;

	for (i = 0; i < m->vm.nr_vcpus && m->vm.vcpus; i++) {
		const struct vcpu_stats *s = &m->vm.vcpus[i].stats;

		fprintf(stderr, "stats: vcpu%u exits=%llu pio=%llu mmio=%llu\n",
			i, (unsigned long long)s->exits,
			(unsigned long long)s->pio,
			(unsigned long long)s->mmio);
		print_reasons(i, s);
	}
	print_census(m);
	fprintf(stderr, "stats: pio-bus accesses=%llu unclaimed=%llu\n",
		(unsigned long long)m->vm.pio.accesses,
		(unsigned long long)m->vm.pio.unclaimed);
	fprintf(stderr, "stats: coalesced writes=%llu\n",
		(unsigned long long)m->vm.coalesced_writes);
	fprintf(stderr, "stats: mmio-bus accesses=%llu unclaimed=%llu\n",
		(unsigned long long)m->vm.mmio.accesses,
		(unsigned long long)m->vm.mmio.unclaimed);
	/* Every vCPU was held out of KVM_RUN this often (BAR installs). */
	fprintf(stderr, "stats: vm pauses=%llu\n",
		(unsigned long long)m->vm.pauses);
	fprintf(stderr, "stats: console dropped=%llu\n",
		(unsigned long long)board_console_dropped(m->board));
	print_memory_stats();
	fprintf(stderr, "stats: guest-ram resident=%lld kB\n",
		ram_resident_kib(&m->vm.mem));
	vfio_print_stats(m->vfio);
	viommu_print_stats(m->viommu);
}

int stats_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}
