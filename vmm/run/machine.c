// SPDX-License-Identifier: MIT
/* A machine: the VM, its board and devices, its kernel, run to the end. */
#include <assert.h>
#include <errno.h>
#include <libfdt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../devices/virtio_iommu.h"
#include "../../vfio/vfio.h"
#include "../census.h"
#include "../dma.h"
#include "../exitcode.h"
#include "../log.h"
#include "../stopsig.h"
#include "../vcpu.h"
#include "machine.h"

#define FDT_BUF_SIZE (64 * 1024)

/* The guest's device tree, built into @buf; its size or -EINVAL. */
static int build_fdt(const struct machine *m, uint8_t *buf, size_t size)
{
	int ret = machine_build_fdt(m, buf, size);

	if (ret < 0) {
		err("cannot build the device tree: %s", fdt_strerror(ret));
		return -EINVAL;
	}
	return ret;
}

static int write_dtb(const struct machine *m, const char *path)
{
	static uint8_t buf[FDT_BUF_SIZE];
	int size = build_fdt(m, buf, sizeof(buf));
	FILE *f;

	if (size < 0)
		return FERRY_EXIT_HOST;
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, (size_t)size, f) != (size_t)size ||
	    fclose(f) != 0) {
		err("cannot write the device tree to '%s': %s", path,
		    strerror(errno));
		return FERRY_EXIT_USAGE;
	}
	return FERRY_EXIT_OK;
}

/* --dump-acpi: one file per table, DIR/NAME.dat, as acpixtract names them. */
struct acpi_dump {
	const char *dir;
};

static int write_table(void *ctx, const char *name, const void *data,
		       size_t len)
{
	const struct acpi_dump *d = ctx;
	char path[4096];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.dat", d->dir, name) >=
	    sizeof(path)) {
		err("the --dump-acpi directory name is too long");
		return -ENAMETOOLONG;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		err("cannot write the ACPI table to '%s': %s", path,
		    strerror(errno));
		return -EIO;
	}
	return 0;
}

static int write_acpi(const struct machine *m, const char *dir)
{
	struct acpi_dump d = { dir };
	int ret;

	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		err("cannot create the directory '%s' for --dump-acpi: %s",
		    dir, strerror(errno));
		return FERRY_EXIT_USAGE;
	}
	ret = board_acpi_tables(&m->board_cfg, &m->vm.mem, write_table, &d);
	if (ret == -EOPNOTSUPP) {
		err("this board gives its guests no ACPI tables");
		return FERRY_EXIT_USAGE;
	}
	/* Ours to fix (a path) or the user's (--cpus): said in one line. */
	if (ret == -EIO || ret == -ENAMETOOLONG || ret == -EINVAL)
		return FERRY_EXIT_USAGE;
	return ret ? FERRY_EXIT_HOST : FERRY_EXIT_OK;
}

static int no_emit(void *ctx, const char *name, const void *data, size_t len)
{
	(void)ctx, (void)name, (void)data, (void)len;
	return 0;
}

void machine_plan_slots(struct machine *m)
{
	struct board_viommu *v = &m->viommu_desc;
	unsigned int i, slot = board_pci_first_slot;

	memset(v, 0, sizeof(*v));
	m->board_cfg.viommu = NULL;
	if (m->opts->viommu) {
		m->viommu_slot = (int)slot++;
		v->rid = (uint16_t)(m->viommu_slot << 3);
		m->board_cfg.viommu = v;
	}
	/* Each device is function 0 of its slot: a range of one. */
	static_assert(OPTS_MAX_DEVICES <= BOARD_VIOMMU_MAX_RANGES,
		      "a VIOT range per --device");
	for (i = 0; i < m->opts->nr_devices; i++) {
		m->slots[i] = (int)slot++;
		if (m->opts->viommu)
			v->ranges[v->nr_ranges++] = (struct board_viommu_range){
				(uint16_t)(m->slots[i] << 3),
				(uint16_t)(m->slots[i] << 3) };
	}
}

/*
 * Everything that needs nothing from the host: read the images, lay out
 * RAM, check that the kernel and initrd fit, and check each --device in
 * sysfs. The user's own mistakes are reported before /dev/kvm is opened,
 * so a typo is never hidden behind a host problem. Returns an exit
 * status (FERRY_EXIT_OK to go on); every failure said in one sentence.
 */
static int back_mem(struct machine *m);

static int prepare(struct machine *m)
{
	const struct run_opts *o = m->opts;
	unsigned int i;

	if (images_load(m))
		return FERRY_EXIT_LOAD;
	m->board_cfg = (struct board_config){
		.cpus = o->cpus,
		.memory = o->memory,
		.console_fd = o->console == CONSOLE_SERIAL ? STDOUT_FILENO : -1,
	};
	mem_init(&m->vm.mem, o->memory);
	if (board_layout_ram(&m->vm.mem)) {
		err("cannot lay out %llu MiB of guest RAM; give another "
		    "--memory", (unsigned long long)(o->memory >> 20));
		return FERRY_EXIT_USAGE;
	}
	m->vm.nr_vcpus = o->cpus;
	if (images_plan_initrd(m))
		return FERRY_EXIT_LOAD;
	/*
	 * A bzImage is decoded straight into guest RAM (x86): back it now.
	 * That is an mmap; the host's refusal (of huge pages) is the one
	 * host problem said before a kernel's.
	 */
	if (m->img.format == KERNEL_BZIMAGE && !o->dump_dtb && !o->dump_acpi) {
		int status = back_mem(m);

		if (status != FERRY_EXIT_OK)
			return status;
	}
	if (images_unpack(m) || board_check_boot(&m->img, &m->vm.mem))
		return FERRY_EXIT_LOAD;
	machine_plan_slots(m);
	/* A Linux kernel gets ACPI tables: can they say what was asked? */
	if (m->img.format == KERNEL_BZIMAGE &&
	    board_acpi_tables(&m->board_cfg, &m->vm.mem, no_emit, NULL) ==
		    -EINVAL)
		return FERRY_EXIT_USAGE;
	for (i = 0; i < o->nr_devices; i++)
		if (o->devices[i].kind->check(&o->devices[i]))
			return FERRY_EXIT_DEVICE;
	return FERRY_EXIT_OK;
}

/* A number from /proc/sys/vm/@name, or -1. */
static long long vm_sysctl(const char *name)
{
	char path[96];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* HugePages_Free minus HugePages_Rsvd from /proc/meminfo, or -1. */
static long long hugepages_free(void)
{
	long long free_ = -1, rsvd = 0, v;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "HugePages_Free: %lld", &v) == 1)
			free_ = v;
		else if (sscanf(line, "HugePages_Rsvd: %lld", &v) == 1)
			rsvd = v;
	}
	fclose(f);
	return free_ < 0 ? -1 : free_ - rsvd;
}

/* Say how many more 2 MiB pages to reserve for @memory bytes of RAM. */
static void hugepages_advice(uint64_t memory, int ret)
{
	long long need = (long long)(memory >> 21), free_ = hugepages_free();
	long long nr = vm_sysctl("nr_hugepages");

	if (free_ < 0 || nr < 0 || free_ >= need) {
		err("cannot get %llu MiB of guest RAM in 2 MiB huge pages (%s); "
		    "%lld are needed: reserve them in /proc/sys/vm/nr_hugepages",
		    (unsigned long long)(memory >> 20), strerror(-ret), need);
		return;
	}
	err("cannot get %llu MiB of guest RAM in 2 MiB huge pages (%s); %lld "
	    "are needed and %lld free: reserve %lld more: echo %lld > "
	    "/proc/sys/vm/nr_hugepages", (unsigned long long)(memory >> 20),
	    strerror(-ret), need, free_, need - free_, nr + need - free_);
}

/*
 * A stop signal that came during start-up ends it between two steps (a
 * long step, such as mapping all guest RAM for DMA, finishes first); the
 * caller then tears down what was built. 1 if so.
 */
static int stopped_during_setup(void)
{
	int sig = stopsig_pending();

	if (sig)
		info("stopping on signal %d during start-up", sig);
	return sig != 0;
}

/* Guest RAM backed (once: prepare() may have); an exit status. */
static int back_mem(struct machine *m)
{
	const struct run_opts *o = m->opts;
	int ret;

	if (m->vm.mem.base)
		return FERRY_EXIT_OK;
	ret = mem_back(&m->vm.mem, o->hugepages ? MEM_HUGETLB : MEM_ANON);
	if (ret && o->hugepages) {
		hugepages_advice(o->memory, ret);
		return FERRY_EXIT_HOST;
	}
	if (ret) {
		err("cannot allocate %llu MiB of guest RAM: %s",
		    (unsigned long long)(o->memory >> 20), strerror(-ret));
		return FERRY_EXIT_HOST;
	}
	return FERRY_EXIT_OK;
}

/* Guest RAM, backed now and given to KVM; an exit status. */
static int back_ram(struct machine *m)
{
	int ret, status = back_mem(m);

	if (status != FERRY_EXIT_OK)
		return status;
	if (vm_add_ram(&m->vm))
		return FERRY_EXIT_HOST;
	ret = dma_domain_identity(&m->ram_dma, &m->vm.mem);
	if (ret) {
		err("cannot describe guest RAM for DMA: %s", strerror(-ret));
		return FERRY_EXIT_HOST;
	}
	return FERRY_EXIT_OK;
}

/* Load the kernel, initrd and device tree, set the vCPUs' entry state. */
static int boot(struct machine *m)
{
	static uint8_t fdt[FDT_BUF_SIZE];
	int size;

	if (images_copy_initrd(m))
		return FERRY_EXIT_LOAD;
	size = build_fdt(m, fdt, sizeof(fdt));
	if (size < 0 || board_boot(m->board, &m->img, fdt, (size_t)size))
		return FERRY_EXIT_LOAD;
	return FERRY_EXIT_OK;
}

/*
 * The virtio-iommu in front of the passed-through devices: the page
 * sizes and IOVA ranges their host IOMMUs all accept, the board's MSI
 * window, and each device's address space as an endpoint. 0 or -errno,
 * said.
 */
static int add_viommu(struct machine *m)
{
	struct viommu_config cfg = { 0 };
	unsigned int i;
	int ret;

	dma_limits_init(&cfg.limits);
	if (m->vfio) {
		ret = vfio_dma_limits(m->vfio, &cfg.limits);
		if (ret)
			return ret;
	}
	cfg.msi = (struct dma_range){ board_msi_base,
				      board_msi_base + board_msi_size - 1 };
	for (i = 0; i < m->opts->nr_devices; i++) {
		cfg.endpoints[i].id = (uint32_t)m->slots[i] << 3;
		cfg.endpoints[i].listener =
			vfio_device_listener(m->vfio, (unsigned int)m->slots[i]);
	}
	cfg.nr_endpoints = m->opts->nr_devices;
	ret = viommu_create(&m->viommu, &m->vm, board_pci(m->board),
			    &m->vm.mem, m->viommu_slot, &cfg);
	if (ret)
		return ret;
	info("virtio-iommu at 00:%02x.0 in front of %u device%s", m->viommu_slot,
	     cfg.nr_endpoints, cfg.nr_endpoints == 1 ? "" : "s");
	return 0;
}

/* Bring up the VM prepare() planned; an exit status. */
static int setup_vm(struct machine *m)
{
	const struct run_opts *o = m->opts;
	unsigned int i;
	int status;

	if (vm_create(&m->vm, o->cpus))
		return FERRY_EXIT_HOST;
	if (o->stats && !(m->vm.census = census_new())) {
		err("out of memory for --stats");
		return FERRY_EXIT_HOST;
	}
	status = back_ram(m);
	if (status != FERRY_EXIT_OK)
		return status;
	/*
	 * Every vCPU before any device: arm64's vGIC is finished only once
	 * all vCPUs exist, and KVM refuses an irqfd (EAGAIN) until then,
	 * while a passed-through device attaches its INTx irqfd at setup.
	 */
	if (vm_create_vcpus(&m->vm))
		return FERRY_EXIT_HOST;
	if (board_create(&m->board, &m->vm, &m->board_cfg))
		return FERRY_EXIT_HOST;
	if (stopped_during_setup())
		return FERRY_EXIT_SIGNAL;
	for (i = 0; i < o->nr_devices; i++) {
		if (o->devices[i].kind->add(m, &o->devices[i], m->slots[i]))
			return FERRY_EXIT_DEVICE;
		if (stopped_during_setup())
			return FERRY_EXIT_SIGNAL;
	}
	if (o->viommu && add_viommu(m))
		return FERRY_EXIT_DEVICE;
	status = boot(m);
	if (status == FERRY_EXIT_OK && stopped_during_setup())
		status = FERRY_EXIT_SIGNAL;
	return status;
}

/* Wait for a stop request, a signal, or console input. Main thread. */
static void main_loop(struct machine *m, int sig_fd, int interactive)
{
	struct pollfd fds[3] = {
		{ .fd = m->vm.stop_fd, .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = interactive ? STDIN_FILENO : -1, .events = POLLIN },
	};
	int escape = 0;

	while (!atomic_load(&m->vm.stopping)) {
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			err("poll: %s", strerror(errno));
			vm_request_stop(&m->vm, FERRY_EXIT_HOST);
			break;
		}
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si))
				info("stopping on signal %u", si.ssi_signo);
			vm_request_stop(&m->vm, FERRY_EXIT_SIGNAL);
		}
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR))
			if (console_input(m, &escape) < 0)
				fds[2].fd = -1;
	}
}

/*
 * Run the vCPUs until the VM stops; the exit status. The stop signals
 * have been blocked since main() began (stopsig.h) and stay blocked: the
 * main loop reads them from a signalfd, and one arriving later, during
 * the teardown, waits unread.
 */
static int run_vm(struct machine *m)
{
	int interactive, sig_fd, ret;
	unsigned int i;

	ret = vcpu_install_kick_handler();
	if (ret)
		return FERRY_EXIT_HOST;
	sig_fd = stopsig_fd();
	if (sig_fd < 0) {
		err("cannot set up signal handling: %s", strerror(-sig_fd));
		return FERRY_EXIT_HOST;
	}
	interactive = console_setup(m);
	if (vm_start(&m->vm)) {
		ret = FERRY_EXIT_HOST;
		goto out;
	}
	main_loop(m, sig_fd, interactive);
	vm_stop_vcpus(&m->vm);
	ret = m->vm.exit_status;
	/* Stopped from outside: where the guest was (-v), e.g. a hang. */
	if (ret == FERRY_EXIT_SIGNAL)
		for (i = 0; i < m->vm.nr_vcpus; i++)
			vcpu_report_stopped(&m->vm.vcpus[i]);
out:
	console_restore();
	close(sig_fd);
	return ret;
}

/*
 * The quiesce order (docs/vfio.md): the vCPUs have stopped; devices stop
 * their DMA and let go before the board's devices, and those before the
 * VM and its memory.
 */
static void teardown(struct machine *m)
{
	/*
	 * No request changes a domain any more; no device DMAs any more;
	 * then every domain is drained (its listeners told), and the
	 * devices and their address spaces go.
	 */
	viommu_stop(m->viommu);
	vfio_quiesce(m->vfio);
	viommu_destroy(m->viommu);
	/* The domains are drained: what each device's address space saw. */
	if (m->opts->stats && m->viommu)
		vfio_print_dma_stats(m->vfio, "after teardown ");
	m->viommu = NULL;
	vfio_destroy(m->vfio);
	m->vfio = NULL;
	/* What the devices held in KVM must be gone with them. */
	if (m->opts->stats && m->vm.vm_fd >= 0)
		fprintf(stderr, "stats: after teardown msi-routes=%u "
			"device-slots=%u\n", irq_msi_count(&m->vm),
			vm_slots_in_use(&m->vm));
	board_destroy(m->board);
	m->board = NULL;
	/* Nothing listens any more, nothing pins: this cannot refuse. */
	dma_domain_destroy(m->ram_dma);
	m->ram_dma = NULL;
	vm_destroy(&m->vm);
	census_free(m->vm.census);
	m->vm.census = NULL;
}

int machine_run(const struct run_opts *opts)
{
	int fds_at_start = stats_count_fds();
	struct machine *m;
	int status;

	m = calloc(1, sizeof(*m));
	if (!m) {
		err("out of memory");
		return FERRY_EXIT_HOST;
	}
	m->opts = opts;
	m->vm.kvm_fd = m->vm.vm_fd = m->vm.stop_fd = m->vm.mem.fd = -1;
	m->vm.kvm_vfio_fd = -1;
	m->vm.irqchip_fd[0] = m->vm.irqchip_fd[1] = -1;

	status = prepare(m);
	if (status == FERRY_EXIT_OK && stopped_during_setup())
		status = FERRY_EXIT_SIGNAL;
	if (status != FERRY_EXIT_OK)
		goto out;
	if (opts->dump_dtb) {
		status = write_dtb(m, opts->dump_dtb);
		goto out;
	}
	if (opts->dump_acpi) {
		status = write_acpi(m, opts->dump_acpi);
		goto out;
	}
	status = setup_vm(m);
	if (status == FERRY_EXIT_OK) {
		status = run_vm(m);
		if (opts->stats)
			stats_print(m);
	}
	teardown(m);
out:
	images_free(m);
	mem_destroy(&m->vm.mem); /* prepare() may have backed it */
	if (opts->stats)
		fprintf(stderr, "stats: open-fds start=%d end=%d\n",
			fds_at_start, stats_count_fds());
	free(m);
	return status;
}
