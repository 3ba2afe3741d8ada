// SPDX-License-Identifier: MIT
/*
 * The virtio PCI transport (devices/virtio_pci.c) with a small echo
 * device of the test's own on it, driven here as a guest driver would
 * (and as one must not): capabilities, feature negotiation, reset, queue
 * setup, doorbells as ioeventfds and trapped, MSI-X routes and irqfds,
 * masking and the PBA, INTx and the ISR, the PCI_CFG window, a driver
 * breaking a queue (DEVICE_NEEDS_RESET), and a teardown that leaves
 * nothing in the fake KVM.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include "../../devices/virtio.h"
#include "fake_vfio.h"
#include "test.h"

#define SLOT 3
#define RAM (1 * MiB)
#define RING(q) (0x10000 + 0x4000 * (q))
#define BUF 0x40000

static struct fake_env env;

/* --- the echo device: answers each request with its bytes reversed ------ */

struct echo {
	struct virtio_dev vd;
	unsigned int resets, requests;
};

static int echo_work(struct virtio_dev *vd, unsigned int q)
{
	struct echo *e = container_of(vd, struct echo, vd);
	uint8_t in[64], out[64];
	struct vq_chain c;
	size_t n, i;
	int ret;

	while ((ret = vq_pop(&vd->vqs[q], &c)) > 0) {
		n = vq_chain_read(&c, 0, in, sizeof(in));
		if (n >= 5 && memcmp(in, "BREAK", 5) == 0)
			return -EIO; /* a request no driver may send */
		for (i = 0; i < n; i++)
			out[i] = in[n - 1 - i];
		vq_push(&vd->vqs[q], &c,
			(uint32_t)vq_chain_write(&c, 0, out, n));
		e->requests++;
		virtio_interrupt(vd, q);
	}
	return ret;
}

static void echo_cfg_read(struct virtio_dev *vd, uint32_t off, void *data,
			  uint32_t len)
{
	static const uint8_t cfg[8] = "echocfg";

	memcpy(data, cfg + off, len);
}

static void echo_reset(struct virtio_dev *vd)
{
	container_of(vd, struct echo, vd)->resets++;
}

static const struct virtio_dev_ops echo_ops = {
	.cfg_read = echo_cfg_read,
	.queue_work = echo_work,
	.reset = echo_reset,
};

static struct echo echo;

/* --- the guest's side ----------------------------------------------------- */

static uint32_t cfg_rd(uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	pci_cfg_read(&env.pci, SLOT, 0, off, &v, len);
	return v;
}

static void cfg_wr(uint32_t off, uint32_t v, uint32_t len)
{
	pci_cfg_write(&env.pci, SLOT, 0, off, &v, len);
}

static uint64_t bar(int i)
{
	return echo.vd.pci.bars[i].gpa;
}

static uint64_t rd(uint64_t off, uint32_t len)
{
	return fake_mmio_read(&env, bar(0) + off, len);
}

static void wr(uint64_t off, uint64_t v, uint32_t len)
{
	fake_mmio_write(&env, bar(0) + off, v, len);
}

static uint8_t status(void)
{
	return (uint8_t)rd(VIRTIO_PCI_COMMON_STATUS, 1);
}

static uint8_t *g(uint64_t gpa)
{
	return env.vm.mem.base + gpa;
}

/* Queue @q of @size entries with its rings at RING(q). */
static void setup_queue(uint16_t q, uint16_t size, uint16_t vector)
{
	memset(g(RING(q)), 0, 0x4000); /* fresh rings, as a driver has */
	wr(VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, size, 2);
	wr(VIRTIO_PCI_COMMON_Q_MSIX, vector, 2);
	wr(VIRTIO_PCI_COMMON_Q_DESCLO, RING(q), 4);
	wr(VIRTIO_PCI_COMMON_Q_DESCHI, 0, 4);
	wr(VIRTIO_PCI_COMMON_Q_AVAILLO, RING(q) + 0x1000, 8);
	wr(VIRTIO_PCI_COMMON_Q_USEDLO, RING(q) + 0x2000, 4);
	wr(VIRTIO_PCI_COMMON_Q_USEDHI, 0, 4);
	wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
}

static uint16_t used_idx(uint16_t q)
{
	uint16_t v;

	memcpy(&v, g(RING(q) + 0x2000 + 2), 2);
	return v;
}

/* Wait (up to 2 s) for the device to use @n entries of queue @q. */
static int wait_used(uint16_t q, uint16_t n)
{
	int i;

	for (i = 0; i < 2000 && used_idx(q) != n; i++)
		usleep(1000);
	return used_idx(q) == n;
}

/* Offer "@text" plus a writable buffer as entry @n of queue @q (size 8). */
static void request(uint16_t q, uint16_t n, const char *text)
{
	uint64_t d = RING(q), a = RING(q) + 0x1000;
	uint64_t in = BUF + 0x100 * n, out = in + 0x80;
	uint32_t len = (uint32_t)strlen(text);
	uint16_t f1 = VRING_DESC_F_NEXT, f2 = VRING_DESC_F_WRITE, next = 1;
	uint16_t slot = (uint16_t)(n % 8), idx = (uint16_t)(n + 1), head = 0;
	uint32_t wlen = 0x40;

	memcpy(g(in), text, len);
	memset(g(out), 0, 0x40);
	memcpy(g(d), &in, 8);
	memcpy(g(d + 8), &len, 4);
	memcpy(g(d + 12), &f1, 2);
	memcpy(g(d + 14), &next, 2);
	memcpy(g(d + 16), &out, 8);
	memcpy(g(d + 24), &wlen, 4);
	memcpy(g(d + 28), &f2, 2);
	memcpy(g(a + 4 + 2 * slot), &head, 2);
	memcpy(g(a + 2), &idx, 2);
}

/* Wait (up to 2 s) until the worker has taken @n doorbells in all. */
static int wait_kicks(uint64_t n)
{
	uint64_t k = 0;
	int i;

	for (i = 0; i < 2000; i++) {
		pthread_mutex_lock(&echo.vd.lock);
		k = echo.vd.stats.kicks;
		pthread_mutex_unlock(&echo.vd.lock);
		if (k >= n)
			return 1;
		usleep(1000);
	}
	return 0;
}

static uint64_t kicks(void)
{
	uint64_t k;

	pthread_mutex_lock(&echo.vd.lock);
	k = echo.vd.stats.kicks;
	pthread_mutex_unlock(&echo.vd.lock);
	return k;
}

static uint64_t efd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/*
 * The eventfd's count once it has one (within 2 s): the device's worker
 * signals the vector after it has published the used entry, so a test
 * that saw the entry may still be ahead of the signal.
 */
static uint64_t efd_wait(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 2000) != 1)
		return 0;
	return efd_count(fd);
}

static void kick_ioeventfd(uint16_t q)
{
	uint64_t one = 1;
	int fd = fake_kvm_ioeventfd(bar(0) + VIRTIO_NOTIFY_OFF + 4ULL * q, 2);

	if (fd < 0 || write(fd, &one, 8) != 8)
		printf("# no ioeventfd for queue %u\n", q);
}

/* --- the tests -------------------------------------------------------------- */

static unsigned int cap_of(uint8_t type)
{
	unsigned int p, n = 0;

	for (p = cfg_rd(PCI_CAPABILITY_LIST, 1); p && n < 16;
	     p = cfg_rd(p + 1, 1), n++)
		if (cfg_rd(p, 1) == PCI_CAP_ID_VNDR && cfg_rd(p + 3, 1) == type)
			return p;
	return 0;
}

static void test_config_space(void)
{
	unsigned int c = cap_of(VIRTIO_PCI_CAP_NOTIFY_CFG);

	CHECK(cfg_rd(PCI_VENDOR_ID, 4) == ((0x1040u + 42) << 16 | 0x1af4));
	CHECK_MSG(cfg_rd(PCI_REVISION_ID, 1) == 1, "revision 1: modern only");
	CHECK(cfg_rd(PCI_CLASS_REVISION, 4) >> 8 == 0x088000);
	CHECK(cfg_rd(PCI_CAPABILITY_LIST, 1) == 0x40 &&
	      cfg_rd(0x40, 1) == PCI_CAP_ID_MSIX &&
	      (cfg_rd(0x42, 2) & 0x7ff) == 2);
	CHECK_MSG(cap_of(VIRTIO_PCI_CAP_COMMON_CFG) &&
			  cap_of(VIRTIO_PCI_CAP_ISR_CFG) &&
			  cap_of(VIRTIO_PCI_CAP_DEVICE_CFG) &&
			  cap_of(VIRTIO_PCI_CAP_PCI_CFG) && c,
		  "common, notify, ISR, device and PCI_CFG capabilities");
	CHECK_MSG(c && cfg_rd(c + 4, 1) == 0 &&
			  cfg_rd(c + 8, 4) == VIRTIO_NOTIFY_OFF &&
			  cfg_rd(c + 16, 4) == VIRTIO_NOTIFY_MULT,
		  "doorbells in BAR0 at 0x3000, 4 bytes apart");
	CHECK(bar(0) && echo.vd.pci.bars[0].decoding &&
	      echo.vd.pci.bars[1].decoding);
	CHECK_MSG(fake_kvm_ioeventfd(bar(0) + VIRTIO_NOTIFY_OFF, 2) ==
				  echo.vd.kick_fd[0] &&
			  fake_kvm_ioeventfd(bar(0) + VIRTIO_NOTIFY_OFF + 4,
					     2) == echo.vd.kick_fd[1],
		  "each doorbell is a KVM ioeventfd while BAR0 decodes");
	cfg_wr(PCI_COMMAND, 0, 2);
	CHECK_MSG(fake_kvm.ioeventfds == 0, "decode off takes them away");
	cfg_wr(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	CHECK(fake_kvm.ioeventfds == 2);
	CHECK_MSG(rd(VIRTIO_DEVICE_OFF, 4) == 0x6f686365,
		  "device config through BAR0");
}

static void test_features(void)
{
	wr(VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	CHECK_MSG(rd(VIRTIO_PCI_COMMON_DF, 4) == 1,
		  "VERSION_1 is offered (bit 32)");
	wr(VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	CHECK(rd(VIRTIO_PCI_COMMON_DF, 4) == 0x5);
	wr(VIRTIO_PCI_COMMON_DFSELECT, 7, 4);
	CHECK(rd(VIRTIO_PCI_COMMON_DF, 4) == 0);
	wr(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
	wr(VIRTIO_PCI_COMMON_STATUS, 3, 1);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(VIRTIO_PCI_COMMON_GF, 0x1, 4);
	wr(VIRTIO_PCI_COMMON_STATUS, 3 | VIRTIO_CONFIG_S_FEATURES_OK, 1);
	CHECK_MSG(status() == 3, "FEATURES_OK does not stick without VERSION_1");
	wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(VIRTIO_PCI_COMMON_GF, 1, 4);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(VIRTIO_PCI_COMMON_GF, 0x3, 4); /* bit 1 is not offered */
	wr(VIRTIO_PCI_COMMON_STATUS, 3 | VIRTIO_CONFIG_S_FEATURES_OK, 1);
	CHECK_MSG(status() == 3, "nor with a feature that was not offered");
	wr(VIRTIO_PCI_COMMON_GF, 0x4, 4);
	wr(VIRTIO_PCI_COMMON_STATUS, 3 | VIRTIO_CONFIG_S_FEATURES_OK, 1);
	CHECK_MSG(status() == 11, "a subset with VERSION_1 is accepted");
	wr(VIRTIO_PCI_COMMON_GF, 0x1, 4);
	CHECK_MSG(rd(VIRTIO_PCI_COMMON_GF, 4) == 0x4 && virtio_has(&echo.vd, 2) &&
			  virtio_has(&echo.vd, VIRTIO_F_VERSION_1) &&
			  !virtio_has(&echo.vd, 0),
		  "features are fixed once FEATURES_OK is set");
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	CHECK_MSG(status() == 0 && echo.resets == 1 &&
			  !virtio_has(&echo.vd, VIRTIO_F_VERSION_1),
		  "writing 0 resets the device (and the model)");
	wr(VIRTIO_PCI_COMMON_STATUS, 3 | VIRTIO_CONFIG_S_DRIVER_OK, 1);
	CHECK_MSG(status() & VIRTIO_CONFIG_S_NEEDS_RESET,
		  "DRIVER_OK without FEATURES_OK: the device needs a reset");
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	CHECK(status() == 0);
}

/* ACKNOWLEDGE, DRIVER, VERSION_1, FEATURES_OK. */
static void negotiate(void)
{
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	wr(VIRTIO_PCI_COMMON_STATUS, 3, 1);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(VIRTIO_PCI_COMMON_GF, 1, 4);
	wr(VIRTIO_PCI_COMMON_STATUS, 11, 1);
}

/* MSI-X on, entry @i to vector 0x40 + @i, unmasked. */
static void msix_on(unsigned int nr)
{
	unsigned int i;

	cfg_wr(0x42, PCI_MSIX_FLAGS_ENABLE, 2);
	for (i = 0; i < nr; i++) {
		fake_mmio_write(&env, bar(1) + 16 * i, 0xfee00000, 4);
		fake_mmio_write(&env, bar(1) + 16 * i + 4, 0, 4);
		fake_mmio_write(&env, bar(1) + 16 * i + 8, 0x40 + i, 4);
		fake_mmio_write(&env, bar(1) + 16 * i + 12, 0, 4);
	}
}

static void test_queues_and_msix(void)
{
	uint64_t addr;
	uint32_t data;
	int gsi;

	negotiate();
	msix_on(3);
	gsi = echo.vd.msix.v[0].gsi;
	CHECK_MSG(gsi >= 0 && fake_kvm_route((uint32_t)gsi, &addr, &data) &&
			  addr == 0xfee00000 && data == 0x40 &&
			  fake_kvm_irqfd_gsi(echo.vd.msix.v[0].efd) == gsi,
		  "an unmasked MSI-X entry is a KVM route with an irqfd");
	wr(VIRTIO_PCI_COMMON_MSIX, 2, 2);
	CHECK(rd(VIRTIO_PCI_COMMON_MSIX, 2) == 2);
	wr(VIRTIO_PCI_COMMON_MSIX, 3, 2);
	CHECK_MSG(rd(VIRTIO_PCI_COMMON_MSIX, 2) == VIRTIO_MSI_NO_VECTOR,
		  "a vector the device does not have reads back NO_VECTOR");
	wr(VIRTIO_PCI_COMMON_MSIX, 2, 2);
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	CHECK_MSG(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2) == 16 &&
			  rd(VIRTIO_PCI_COMMON_NUMQ, 2) == 2,
		  "two queues of 16 entries are offered");
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 2);
	CHECK_MSG(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2) == 0,
		  "a queue that does not exist has size 0");
	setup_queue(0, 8, 0);
	setup_queue(1, 8, 1);
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	CHECK(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2) == 1 &&
	      rd(VIRTIO_PCI_COMMON_Q_DESCLO, 4) == RING(0) &&
	      rd(VIRTIO_PCI_COMMON_Q_AVAILLO, 8) == RING(0) + 0x1000);
	wr(VIRTIO_PCI_COMMON_Q_DESCLO, 0x5000, 4);
	CHECK_MSG(rd(VIRTIO_PCI_COMMON_Q_DESCLO, 4) == RING(0),
		  "an enabled queue's rings cannot move");
	request(0, 0, "hello");
	wr(VIRTIO_PCI_COMMON_STATUS, 15, 1);
	CHECK_MSG(wait_used(0, 1) && memcmp(g(BUF + 0x80), "olleh", 5) == 0,
		  "what was queued before DRIVER_OK is worked on at DRIVER_OK");
	CHECK_MSG(efd_wait(echo.vd.msix.v[0].efd) == 1,
		  "the queue's MSI-X vector was signalled");
	request(0, 1, "ioeventfd");
	kick_ioeventfd(0);
	CHECK_MSG(wait_used(0, 2) && memcmp(g(BUF + 0x180), "dftneveoi", 9) == 0,
		  "a doorbell through its ioeventfd");
	request(1, 0, "trapped");
	wr(VIRTIO_NOTIFY_OFF + 4, 1, 4); /* 4 bytes: no ioeventfd matches */
	CHECK_MSG(wait_used(1, 1) && echo.vd.stats.trapped_kicks == 1,
		  "a doorbell that exits to ferry works the same");
	CHECK(efd_wait(echo.vd.msix.v[1].efd) == 1);

	/* Masked: the interrupt waits in the PBA. */
	fake_mmio_write(&env, bar(1) + 12, 1, 4);
	CHECK_MSG(fake_kvm_irqfd_gsi(echo.vd.msix.v[0].efd) < 0,
		  "masking a vector detaches its irqfd");
	request(0, 2, "masked");
	kick_ioeventfd(0);
	CHECK(wait_used(0, 3));
	CHECK_MSG((fake_mmio_read(&env, bar(1) + VIRTIO_PBA_OFF, 4) & 1) == 1,
		  "a masked vector's interrupt shows in the PBA");
	fake_mmio_write(&env, bar(1) + 12, 0, 4);
	CHECK_MSG(fake_kvm_irqfd_gsi(echo.vd.msix.v[0].efd) == gsi,
		  "unmasked, it is attached again (KVM delivers the pending one)");
	(void)efd_count(echo.vd.msix.v[0].efd);

	/* The PCI_CFG window reads the common config too. */
	cfg_wr(0x90 + 4, 0, 1);
	cfg_wr(0x90 + 8, VIRTIO_PCI_COMMON_NUMQ, 4);
	cfg_wr(0x90 + 12, 2, 4);
	CHECK_MSG(cfg_rd(0xa0, 2) == 2,
		  "the PCI_CFG capability reaches BAR0 (num_queues)");
}

static void test_hostile(void)
{
	unsigned int before = echo.requests;
	uint64_t k = kicks();

	request(0, 3, "BREAK the device");
	kick_ioeventfd(0);
	CHECK(wait_kicks(k + 1));
	CHECK_MSG(status() & VIRTIO_CONFIG_S_NEEDS_RESET,
		  "a driver breaking a queue: DEVICE_NEEDS_RESET");
	CHECK_MSG(efd_wait(echo.vd.msix.v[2].efd) == 1,
		  "and a config change interrupt");
	request(0, 4, "ignored");
	kick_ioeventfd(0);
	CHECK(wait_kicks(k + 2));
	CHECK_MSG(echo.requests == before && used_idx(0) == 3,
		  "a broken device works on nothing");
	wr(VIRTIO_PCI_COMMON_STATUS, 15, 1);
	CHECK_MSG(status() & VIRTIO_CONFIG_S_NEEDS_RESET,
		  "the driver cannot clear NEEDS_RESET itself");
	negotiate();
	CHECK(status() == 11);
	setup_queue(0, 6, 0);
	CHECK_MSG(status() & VIRTIO_CONFIG_S_NEEDS_RESET,
		  "enabling a queue of 6 entries breaks the device");
	negotiate();
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, 8, 2);
	wr(VIRTIO_PCI_COMMON_Q_DESCLO, RAM - 0x40, 4);
	wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	CHECK_MSG((status() & VIRTIO_CONFIG_S_NEEDS_RESET) &&
			  !rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2),
		  "so does a descriptor table running past guest RAM");
	negotiate();
	setup_queue(0, 8, 0);
	wr(VIRTIO_PCI_COMMON_STATUS, 15, 1);
	request(0, 0, "again");
	kick_ioeventfd(0);
	CHECK_MSG(wait_used(0, 1) && memcmp(g(BUF + 0x80), "niaga", 5) == 0,
		  "after a reset the device works again");
	(void)efd_count(echo.vd.msix.v[0].efd);
}

static void test_intx(void)
{
	unsigned int line = echo.vd.pci.irq_line;

	cfg_wr(0x42, 0, 2); /* MSI-X off */
	CHECK_MSG(fake_kvm_irqfd_gsi(echo.vd.msix.v[0].efd) < 0 &&
			  echo.vd.msix.v[0].gsi < 0,
		  "MSI-X off: no irqfd, no route");
	request(0, 1, "intx");
	kick_ioeventfd(0);
	CHECK(wait_used(0, 2));
	CHECK_MSG(fake_kvm.irq_level[line] == 1, "INTx is asserted");
	CHECK_MSG(rd(VIRTIO_ISR_OFF, 1) == 1 && fake_kvm.irq_level[line] == 0,
		  "reading the ISR returns the queue bit and deasserts");
	CHECK(rd(VIRTIO_ISR_OFF, 1) == 0);
}

int main(void)
{
	int fds;

	log_max_level = LOG_ERR;
	fds = fake_count_fds();
	if (fake_env_init(&env) || mem_create(&env.vm.mem, RAM, 0) ||
	    mem_add_region(&env.vm.mem, 0, RAM))
		return 1;
	echo.vd.info = (struct virtio_dev_info){
		.name = "echo", .device_id = 42, .class_code = 0x088000,
		.features = 0x5, .nr_queues = 2, .queue_size = 16,
		.cfg_size = 8,
	};
	echo.vd.ops = &echo_ops;
	CHECK(virtio_pci_init(&echo.vd, &env.vm, &env.pci, &env.vm.mem,
			      SLOT) == 0);
	test_config_space();
	test_features();
	test_queues_and_msix();
	test_hostile();
	test_intx();
	virtio_pci_destroy(&echo.vd);
	virtio_pci_destroy(&echo.vd);
	CHECK_MSG(fake_kvm.ioeventfds == 0 && fake_kvm.irqfds == 0 &&
			  !env.pci.slots[SLOT],
		  "destroyed (twice): no doorbell, irqfd or slot left");
	mem_destroy(&env.vm.mem);
	fake_env_destroy(&env);
	CHECK_MSG(fake_count_fds() == fds, "every descriptor closed");
	return test_done();
}
