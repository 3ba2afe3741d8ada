/* SPDX-License-Identifier: MIT */
/* VFIO internals shared by the files of vfio/. */
#ifndef FERRY_VFIO_PRIV_H
#define FERRY_VFIO_PRIV_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>
#include "../devices/pci.h"
#include "../vmm/log.h"
#include "barmap.h"
#include "iommu.h"
#include "vfio.h"

#define VFIO_MAX_DEVICES 16
#define VFIO_MAX_AREAS 8    /* mmappable pieces of one BAR */

struct vfio_pci_dev;

/*
 * The device-I/O seam: how ferry talks to one device. Kernel VFIO's
 * device fd (device.c) is the first implementation. Each returns 0 or
 * -errno unless it says otherwise.
 */
struct vfio_dev_io {
	int (*device_info)(struct vfio_pci_dev *d); /* into d->info */
	/* Region @index's info with its capabilities (caller frees), NULL
	 * if there is no such region. */
	struct vfio_region_info *(*region_info)(struct vfio_pci_dev *d,
						unsigned int index);
	int (*irq_info)(struct vfio_pci_dev *d, struct vfio_irq_info *ii);
	/* At @off of the device (region offset included): bytes, -errno. */
	ssize_t (*read)(struct vfio_pci_dev *d, void *buf, size_t len,
			uint64_t off);
	ssize_t (*write)(struct vfio_pci_dev *d, const void *buf, size_t len,
			 uint64_t off);
	/* A shared mapping of @len bytes at @off, or NULL (errno set). */
	void *(*mmap)(struct vfio_pci_dev *d, uint64_t off, size_t len);
	int (*set_irqs)(struct vfio_pci_dev *d, struct vfio_irq_set *set);
	int (*reset)(struct vfio_pci_dev *d);
	void (*close)(struct vfio_pci_dev *d);
};
extern const struct vfio_dev_io vfio_kernel_dev_io;

struct vfio_region {
	uint32_t flags;
	uint64_t size;
	uint64_t offset; /* in the device fd */
	struct {
		uint64_t off, size;
		void *hva;  /* our mapping of this area, or NULL */
	} areas[VFIO_MAX_AREAS];
	unsigned int nr_areas;
};

/* One interrupt vector: VFIO signals @efd, KVM injects @gsi. */
struct vfio_vector {
	int efd;
	int gsi;	     /* its MSI route, -1: none yet */
	int irqfd_on;
	int live;	     /* not masked: its irqfd should be attached */
	int staged;	     /* route changed, not yet committed (irq.c) */
	uint64_t addr;	     /* the message its route holds */
	uint32_t data;
	uint64_t prev_addr;  /* ... before the staged change */
	uint32_t prev_data;
};

/* A BAR's fast path; where it decodes is the PCI layer's pci_bar. */
struct vfio_bar {
	struct barmap map;     /* its mmapped pieces as KVM memory slots */
	int mappable;	       /* @map is set up: the BAR can be mapped */
};

enum vfio_irq_mode { IRQ_NONE, IRQ_INTX, IRQ_MSI, IRQ_MSIX };

#define VFIO_EXT_MAX 64 /* extended capabilities ferry keeps track of */

/* One PCIe extended capability of the device (config_ext.c). */
struct vfio_ext_cap {
	uint16_t off, end; /* where it lies: to the next one by address */
	uint16_t id;
	uint8_t ver;
	uint8_t shown;	   /* in the guest's chain (read-only) */
	uint16_t next;	   /* the next shown one, 0: the last */
};

/* The extended config space the guest sees: a virtual chain. */
struct vfio_ext {
	uint16_t size;	   /* 0x1000, or 0: the guest sees none */
	uint16_t first;	   /* the first shown capability, 0: none */
	unsigned int nr, nr_shown, nr_hidden;
	struct vfio_ext_cap caps[VFIO_EXT_MAX]; /* in the device's order */
};

struct vfio_stats {
	_Atomic uint64_t trapped_reads, trapped_writes;
	_Atomic uint64_t decode_on, decode_off; /* a BAR began/ended decoding */
	_Atomic uint64_t msix_table_writes;
	_Atomic uint64_t guest_resets;
	_Atomic uint64_t hidden_cap_writes; /* dropped */
};

struct vfio_pci_dev {
	struct pci_dev pci; /* embedded: container_of from PCI callbacks */
	struct vfio *vfio;
	const struct vfio_dev_io *io;
	struct vfio_iommu *iommu; /* its backend: vfio->iommu, or its own */
	void *iommu_handle; /* its IOMMU backend's attachment, or NULL */
	struct vfio_spec spec;
	int slot;	    /* where it goes on the PCI bus; -1: any */
	struct vfio_iommu_hw iommu_hw; /* the host IOMMU, if has_iommu_hw */
	int has_iommu_hw;
	char name[64];	    /* "0000:00:04.0" or the mdev UUID */
	int fd;		    /* the device fd (vfio_kernel_dev_io) */
	struct vfio_device_info info;
	struct vfio_region regions[VFIO_PCI_NUM_REGIONS];
	struct vfio_bar bars[PCI_NUM_BARS + 1];

	/* Config space: a snapshot for the read-only parts we reshape. */
	uint8_t cfg[256];
	uint8_t cap_exposed[256]; /* a capability the guest sees starts here */
	uint8_t cap_next[256];	  /* its virtual next pointer (0: the last) */
	uint8_t cap_hidden[256];  /* in a hidden capability: writes dropped */
	uint8_t cap_first;
	int is_pcie;
	uint8_t pcie_off; /* PCI Express capability, 0 if none */
	struct vfio_ext ext; /* extended config space (config_ext.c) */

	pthread_mutex_t irq_lock; /* everything below */
	int irq_ready;		  /* vfio_irq_init() made irq_lock */
	enum vfio_irq_mode irq_mode;
	struct {
		uint8_t off;	/* capability offset, 0 if none */
		uint16_t ctrl;
		uint32_t addr_lo, addr_hi;
		uint16_t data;
		int is64;
		uint32_t mask;	/* per-vector mask bits (if maskable) */
	} msi;
	struct {
		uint8_t off;
		uint16_t ctrl;
		unsigned int nr;
		int table_bar, pba_bar;
		uint64_t table_off, pba_off;
		uint32_t *table; /* nr * 4 dwords, as the guest wrote them */
	} msix;
	struct vfio_vector *vec; /* MSI or MSI-X vectors in use */
	unsigned int nr_vec;
	int intx_efd, intx_resample_efd, intx_on, intx_gsi;

	struct vfio_stats stats;
	struct log_ratelimit rl;     /* warnings about this device */
	struct log_ratelimit flr_rl; /* "guest requested an FLR" (-v) */
};

struct vfio {
	struct vm *vm;
	struct pci_bus *pci;
	/*
	 * Without a vIOMMU: guest RAM's identity domain, which @iommu (one
	 * backend for every device, made at the first) mirrors. With one:
	 * NULL, and each device has a backend of its own.
	 */
	struct dma_domain *ram;
	struct vfio_iommu *iommu;
	struct vfio_pci_dev *devs[VFIO_MAX_DEVICES];
	unsigned int nr_devs;
};

/* vfio.c: a device context named @name with nothing open; NULL: ENOMEM. */
struct vfio_pci_dev *vfio_dev_alloc(struct vfio *v, const char *name);

/*
 * vfio.c: bring up @d, whose device is open (d->fd, d->io): read its
 * regions, reset it, virtualise its config space, put it on the PCI bus
 * with its BARs and interrupts, and add it to @v (vfio_destroy() releases
 * it). On failure nothing of @d is left (its IOMMU attachment is given
 * back) and -errno is returned; the caller frees @d. The unit tests bring
 * up fake devices through here.
 */
int vfio_dev_setup(struct vfio *v, struct vfio_pci_dev *d) __must_check;

/* vfio.c: last component of the symlink @dir/@link (such as driver)
 * into @out; 0, or -errno (-ENOENT: no such link). */
int vfio_sysfs_link(const char *dir, const char *link, char *out,
		    size_t len) __must_check;

/* mdev.c: is @spec a mediated device (by its path or its mdev_type)? */
int vfio_spec_is_mdev(const struct vfio_spec *spec);
/*
 * mdev.c: the sysfs checks of a mediated device: it exists (else: is the
 * mdev core loaded, is any parent driver, how to create it), it is bound
 * to a driver, offers the vfio-pci API, has a VFIO group, and no other
 * process has that group open. Logs one sentence; 0, -ENODEV or -EBUSY.
 */
int vfio_mdev_check(const struct vfio_spec *spec) __must_check;

/*
 * dma.c: guest RAM in the IOMMU: v->iommu's listener attached to the
 * identity domain v->ram (IOVA == GPA), after checking RAM lies in the
 * usable IOVA ranges and RLIMIT_MEMLOCK allows it (raised when the hard
 * limit does). Logs one sentence; 0 or -errno, nothing left mapped.
 */
int vfio_map_ram(struct vfio *v) __must_check;
/*
 * dma.c: guest RAM is mapped but not pinned (mediated devices only), and
 * a device behind a real IOMMU is about to join, which pins all of it:
 * check RLIMIT_MEMLOCK as vfio_map_ram() does. 0 or -ENOMEM (said).
 */
int vfio_ram_check_pin(struct vfio *v) __must_check;
/* Unmap what vfio_map_ram() mapped (the listener detaches). */
int vfio_unmap_ram(struct vfio *v);
/* dma.c: make @io's listener (named "vfio @name"), attached nowhere. */
void vfio_listener_init(struct vfio_iommu *io, const char *name);
/*
 * dma.c: may @need bytes be pinned? Raises RLIMIT_MEMLOCK when the hard
 * limit allows; else one sentence saying what to set. 0 or -ENOMEM.
 */
int vfio_check_memlock(uint64_t need) __must_check;

/* device.c: regions of the open device, reset, region I/O. */
int vfio_device_open(struct vfio_pci_dev *d) __must_check;
void vfio_device_close(struct vfio_pci_dev *d);
int vfio_device_reset(struct vfio_pci_dev *d);
int vfio_region_read(struct vfio_pci_dev *d, unsigned int index,
		     uint64_t off, void *buf, size_t len);
int vfio_region_write(struct vfio_pci_dev *d, unsigned int index,
		      uint64_t off, const void *buf, size_t len);

/* config.c: virtualised config space. */
int vfio_config_init(struct vfio_pci_dev *d) __must_check;
extern const struct pci_dev_ops vfio_pci_ops;

/*
 * config_ext.c: the extended capabilities (0x100-0xfff). vfio_ext_init()
 * walks the device's chain (after the PCI Express capability is known)
 * and decides what the guest sees: 0 or -ENOMEM. vfio_ext_read() serves
 * a guest read at @off >= 0x100; vfio_ext_write() drops a write (all of
 * extended space is read-only), counting those to hidden capabilities.
 */
int vfio_ext_init(struct vfio_pci_dev *d) __must_check;
void vfio_ext_read(struct vfio_pci_dev *d, uint32_t off, void *data,
		   uint32_t len);
void vfio_ext_write(struct vfio_pci_dev *d, uint32_t off, uint32_t len);
/* Is extended capability @id shown to guests? Its name, for messages. */
int vfio_ext_cap_shown(uint16_t id);
const char *vfio_ext_cap_name(uint16_t id);

/* bar.c: trapped BAR accesses and the lazy-mapping fast path. */
int vfio_bars_init(struct vfio_pci_dev *d) __must_check;
/* After pci_remove_device(): free the BARs' mapping state. */
void vfio_bars_release(struct vfio_pci_dev *d);
/* The pci_dev_ops BAR callbacks (devices/pci.h). */
void vfio_bar_read(struct pci_dev *pdev, int bar, uint64_t off, void *data,
		   uint32_t len);
void vfio_bar_write(struct pci_dev *pdev, int bar, uint64_t off,
		    const void *data, uint32_t len);
void vfio_bar_map(struct pci_dev *pdev, int bar, uint64_t gpa, int on);
/* Take every BAR's memory slots away; they map again on next access. */
void vfio_bars_revoke(struct vfio_pci_dev *d);

/* irq.c: INTx, MSI and MSI-X through irqfd. */
int vfio_irq_init(struct vfio_pci_dev *d) __must_check;
/* Safe on a device whose vfio_irq_init() never ran or failed. */
void vfio_irq_release(struct vfio_pci_dev *d);
/*
 * The guest changed the MSI or MSI-X capability (config.c updated the
 * shadow in d->msi / d->msix.ctrl): switch mode, routes and irqfds to
 * match. Called with irq_lock held.
 */
void vfio_irq_update(struct vfio_pci_dev *d);
/* MSI pending bits: masked vectors the device has signalled. */
uint32_t vfio_msi_pending(struct vfio_pci_dev *d);
void vfio_msix_table_read(struct vfio_pci_dev *d, uint64_t off, void *data,
			  uint32_t len);
void vfio_msix_table_write(struct vfio_pci_dev *d, uint64_t off,
			   const void *data, uint32_t len);

#define vfio_dev_err(d, fmt, ...) err("%s: " fmt, (d)->name, ##__VA_ARGS__)
#define vfio_dev_info(d, fmt, ...) info("%s: " fmt, (d)->name, ##__VA_ARGS__)
#define vfio_dev_warn_rl(d, fmt, ...)                                          \
	do {                                                                   \
		if (log_ratelimit_ok(&(d)->rl, (d)->name))                     \
			warn("%s: " fmt, (d)->name, ##__VA_ARGS__);            \
	} while (0)
#define vfio_dev_info_rl(d, rl, fmt, ...)                                      \
	do {                                                                   \
		if (log_ratelimit_ok_level(rl, LOG_INFO, (d)->name))           \
			info("%s: " fmt, (d)->name, ##__VA_ARGS__);            \
	} while (0)

#endif
