// SPDX-License-Identifier: MIT
/* --stats: what the VM did, printed when it ends. */
#include <dirent.h>
#include <stdio.h>
#include "../../devices/virtio_iommu.h"
#include "../../vfio/vfio.h"
#include "../vcpu.h"
#include "machine.h"

/* Peak RSS and its guest-RAM (shmem) part, from /proc/self/status. */
static void print_memory_stats(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6) || !strncmp(line, "RssAnon:", 8) ||
		    !strncmp(line, "RssFile:", 8) ||
		    !strncmp(line, "RssShmem:", 9))
			fprintf(stderr, "stats: %s", line);
	fclose(f);
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
	}
	fprintf(stderr, "stats: pio-bus accesses=%llu unclaimed=%llu\n",
		(unsigned long long)m->vm.pio.accesses,
		(unsigned long long)m->vm.pio.unclaimed);
	fprintf(stderr, "stats: mmio-bus accesses=%llu unclaimed=%llu\n",
		(unsigned long long)m->vm.mmio.accesses,
		(unsigned long long)m->vm.mmio.unclaimed);
	/* Every vCPU was held out of KVM_RUN this often (BAR installs). */
	fprintf(stderr, "stats: vm pauses=%llu\n",
		(unsigned long long)m->vm.pauses);
	fprintf(stderr, "stats: console dropped=%llu\n",
		(unsigned long long)board_console_dropped(m->board));
	print_memory_stats();
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
