// SPDX-License-Identifier: MIT
/* A machine: the VM, its devices, its kernel, and running it to the end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include "exitcode.h"
#include "log.h"
#include "machine.h"
#include "stopsig.h"
#include "vcpu.h"
#include "../vfio/vfio.h"

extern const unsigned char ferry_demo_guest[];
extern const size_t ferry_demo_guest_size;

#define FDT_BUF_SIZE (64 * 1024)
#define MAX_IMAGE_SIZE (1ULL << 32)

/* Read all of @path; logs one sentence on failure. 0 or -errno. */
static int read_file(const char *what, const char *path, uint8_t **buf,
		     size_t *size)
{
	struct stat st;
	size_t done = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err("cannot open %s '%s': %s", what, path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		err("cannot read %s '%s': %s", what, path, strerror(-ret));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err("%s '%s' is not a regular file", what, path);
		ret = -EINVAL;
		goto err_close;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > MAX_IMAGE_SIZE) {
		err("%s '%s' is %s", what, path,
		    st.st_size ? "larger than 4 GiB" : "empty");
		ret = -EINVAL;
		goto err_close;
	}
	*size = (size_t)st.st_size;
	*buf = malloc(*size);
	if (!*buf) {
		ret = -ENOMEM;
		err("out of memory reading %s '%s'", what, path);
		goto err_close;
	}
	while (done < *size) {
		ssize_t n = read(fd, *buf + done, *size - done);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			err("cannot read %s '%s': %s", what, path,
			    strerror(-ret));
			free(*buf);
			*buf = NULL;
			goto err_close;
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;

err_close:
	close(fd);
	return ret;
}

static int load_images(struct machine *m)
{
	const struct run_opts *o = m->opts;
	int ret;

	if (!o->kernel) {
		m->kernel = (uint8_t *)ferry_demo_guest;
		m->kernel_size = ferry_demo_guest_size;
		m->kernel_builtin = 1;
	} else {
		ret = read_file("kernel", o->kernel, &m->kernel,
				&m->kernel_size);
		if (ret)
			return ret;
	}
	m->kernel_format = loader_detect(m->kernel, m->kernel_size);
	if (m->kernel_format == KERNEL_UNKNOWN) {
		err("kernel '%s' is neither an ELF64 executable nor a Linux "
		    "bzImage", o->kernel);
		return -ENOEXEC;
	}
	if (o->initrd) {
		ret = read_file("initrd", o->initrd, &m->initrd,
				&m->initrd_size);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Choose where the initrd goes: as high as the board allows, page
 * aligned, inside RAM. Needs only the RAM layout.
 */
static int plan_initrd(struct machine *m)
{
	uint64_t limit = board_initrd_limit(m), gpa;

	if (!m->initrd_size)
		return 0;
	if (m->initrd_size > limit) {
		err("initrd '%s' (%zu MiB) does not fit in guest RAM; give "
		    "more --memory", m->opts->initrd, m->initrd_size >> 20);
		return -ENOMEM;
	}
	gpa = (limit - m->initrd_size) & ~0xfffULL;
	if (gpa < MiB || !mem_contains(&m->vm.mem, gpa, m->initrd_size)) {
		err("initrd '%s' does not fit in guest RAM; give more --memory",
		    m->opts->initrd);
		return -ENOMEM;
	}
	m->initrd_gpa = gpa;
	return 0;
}

/* Copy the initrd where plan_initrd() put it, once RAM is backed. */
static int copy_initrd(struct machine *m)
{
	void *dst;

	if (!m->initrd_size)
		return 0;
	dst = mem_gpa_to_hva(&m->vm.mem, m->initrd_gpa, m->initrd_size);
	if (!dst) {
		err("initrd '%s' does not fit in guest RAM; give more --memory",
		    m->opts->initrd);
		return -ENOMEM;
	}
	memcpy(dst, m->initrd, m->initrd_size);
	return 0;
}

static int write_dtb(struct machine *m, const char *path)
{
	static uint8_t buf[FDT_BUF_SIZE];
	int size = machine_build_fdt(m, buf, sizeof(buf));
	FILE *f;

	if (size < 0) {
		err("cannot build the device tree: %s", fdt_strerror(size));
		return FERRY_EXIT_HOST;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, (size_t)size, f) != (size_t)size ||
	    fclose(f) != 0) {
		err("cannot write the device tree to '%s': %s", path,
		    strerror(errno));
		return FERRY_EXIT_USAGE;
	}
	return FERRY_EXIT_OK;
}

static int install_fdt(struct machine *m)
{
	static uint8_t buf[FDT_BUF_SIZE];
	uint64_t gpa;
	int size = machine_build_fdt(m, buf, sizeof(buf));
	int ret;

	if (size < 0) {
		err("cannot build the device tree: %s", fdt_strerror(size));
		return -EINVAL;
	}
	ret = board_place_fdt(m, buf, (size_t)size, &gpa);
	if (ret)
		err("cannot place the device tree in guest RAM: %s",
		    strerror(-ret));
	return ret;
}

/* The terminal state to restore, when stdin is a terminal we changed. */
static struct termios saved_termios;
static int termios_saved;

static void restore_terminal(void)
{
	if (termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	termios_saved = 0;
}

static int setup_terminal(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return -errno;
	t = saved_termios;
	/* Keys go to the guest as typed; output processing stays on. */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(ICRNL | IXON | INLCR);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
		return -errno;
	termios_saved = 1;
	atexit(restore_terminal);
	return 0;
}

#define CTRL_A 0x01

/* Forward typed bytes to the UART; Ctrl-A x quits, Ctrl-A Ctrl-A is ^A. */
static int console_input(struct machine *m, int *escape)
{
	uint8_t in[256], out[256];
	size_t n_out = 0;
	ssize_t n, i;

	n = read(STDIN_FILENO, in, sizeof(in));
	if (n <= 0)
		return -1; /* EOF or error: stop watching stdin */
	for (i = 0; i < n; i++) {
		if (*escape) {
			*escape = 0;
			if (in[i] == 'x') {
				vm_request_stop(&m->vm, FERRY_EXIT_SIGNAL);
				break;
			}
			if (in[i] == CTRL_A)
				out[n_out++] = CTRL_A;
			continue;
		}
		if (in[i] == CTRL_A)
			*escape = 1;
		else
			out[n_out++] = in[i];
	}
	if (n_out)
		serial_receive(&m->serial, out, n_out);
	return 0;
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

static void print_stats(const struct machine *m)
{
	unsigned int i;

	for (i = 0; i < m->vm.nr_vcpus; i++) {
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
		(unsigned long long)m->serial.tx_dropped);
	print_memory_stats();
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

	ret = vcpu_install_kick_handler();
	if (ret)
		return FERRY_EXIT_HOST;
	sig_fd = stopsig_fd();
	if (sig_fd < 0) {
		err("cannot set up signal handling: %s", strerror(-sig_fd));
		return FERRY_EXIT_HOST;
	}
	interactive = m->opts->console == CONSOLE_SERIAL &&
		      isatty(STDIN_FILENO) && setup_terminal() == 0;
	if (vm_start(&m->vm)) {
		ret = FERRY_EXIT_HOST;
		goto out;
	}
	main_loop(m, sig_fd, interactive);
	vm_stop_vcpus(&m->vm);
	ret = m->vm.exit_status;
out:
	restore_terminal();
	close(sig_fd);
	return ret;
}

/*
 * Everything that needs nothing from the host: read the images, lay out
 * RAM, check that the kernel and initrd fit, and check each --device in
 * sysfs. The user's own mistakes are reported before /dev/kvm is opened,
 * so a typo is never hidden behind a host problem. Returns an exit
 * status (FERRY_EXIT_OK to go on); every failure said in one sentence.
 */
static int prepare(struct machine *m)
{
	const struct run_opts *o = m->opts;
	unsigned int i;

	if (load_images(m))
		return FERRY_EXIT_LOAD;
	mem_init(&m->vm.mem, o->memory);
	if (board_layout_ram(&m->vm.mem)) {
		err("cannot lay out %llu MiB of guest RAM; give another "
		    "--memory", (unsigned long long)(o->memory >> 20));
		return FERRY_EXIT_USAGE;
	}
	m->vm.nr_vcpus = o->cpus;
	if (plan_initrd(m) || board_check_boot(m))
		return FERRY_EXIT_LOAD;
	for (i = 0; i < o->nr_devices; i++)
		if (vfio_spec_check(&o->devices[i]))
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

/* Bring up the VM prepare() planned; an exit status. */
static int setup_vm(struct machine *m)
{
	const struct run_opts *o = m->opts;
	unsigned int i;
	int ret;

	ret = vm_create(&m->vm, o->cpus);
	if (ret)
		return FERRY_EXIT_HOST;
	ret = mem_back(&m->vm.mem, o->hugepages);
	if (ret && o->hugepages) {
		hugepages_advice(o->memory, ret);
		return FERRY_EXIT_HOST;
	}
	if (ret) {
		err("cannot allocate %llu MiB of guest RAM: %s",
		    (unsigned long long)(o->memory >> 20), strerror(-ret));
		return FERRY_EXIT_HOST;
	}
	if (vm_add_ram(&m->vm))
		return FERRY_EXIT_HOST;
	if (board_init_devices(m))
		return FERRY_EXIT_HOST;
	if (stopped_during_setup())
		return FERRY_EXIT_SIGNAL;
	if (o->nr_devices && vfio_create(&m->vfio, &m->vm, &m->pci))
		return FERRY_EXIT_HOST;
	for (i = 0; i < o->nr_devices; i++) {
		if (vfio_add_device(m->vfio, &o->devices[i]))
			return FERRY_EXIT_DEVICE;
		if (stopped_during_setup())
			return FERRY_EXIT_SIGNAL;
	}
	if (vm_create_vcpus(&m->vm))
		return FERRY_EXIT_HOST;
	if (copy_initrd(m))
		return FERRY_EXIT_LOAD;
	if (board_boot(m))
		return FERRY_EXIT_LOAD;
	if (install_fdt(m))
		return FERRY_EXIT_LOAD;
	if (stopped_during_setup())
		return FERRY_EXIT_SIGNAL;
	return FERRY_EXIT_OK;
}

/* Open file descriptors of this process, for the --stats leak check. */
static int count_fds(void)
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

int machine_run(const struct run_opts *opts)
{
	int fds_at_start = count_fds();
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

	status = prepare(m);
	if (status == FERRY_EXIT_OK && stopped_during_setup())
		status = FERRY_EXIT_SIGNAL;
	if (status != FERRY_EXIT_OK)
		goto out;
	if (opts->dump_dtb) {
		status = write_dtb(m, opts->dump_dtb);
		goto out;
	}
	status = setup_vm(m);
	if (status == FERRY_EXIT_OK) {
		status = run_vm(m);
		if (opts->stats) {
			print_stats(m);
			vfio_print_stats(m->vfio);
		}
	}
	/* Devices stop their DMA and let go before the VM's memory goes. */
	vfio_destroy(m->vfio);
	m->vfio = NULL;
	/* What the devices held in KVM must be gone with them. */
	if (opts->stats && m->vm.vm_fd >= 0)
		fprintf(stderr, "stats: after teardown msi-routes=%u "
			"device-slots=%u\n", vm_msi_routes_count(&m->vm),
			vm_slots_in_use(&m->vm));
	vm_destroy(&m->vm);
out:
	if (!m->kernel_builtin)
		free(m->kernel);
	free(m->initrd);
	if (opts->stats)
		fprintf(stderr, "stats: open-fds start=%d end=%d\n",
			fds_at_start, count_fds());
	free(m);
	return status;
}
