// SPDX-License-Identifier: MIT
/*
 * vfio/config.c against fake devices: the capability chain the guest sees
 * (capabilities at the very end of config space, loops, duplicates),
 * writes to hidden capabilities, and the function-level reset message.
 */
#include "fake_vfio.h"
#include "test.h"

#define CAP_PM 0x01
#define CAP_MSI 0x05
#define CAP_VENDOR 0x09
#define CAP_PCIE 0x10
#define CAP_MSIX 0x11

static struct fake_env env;
static struct fake_dev dev;

static int up(const char *name)
{
	return fake_env_init(&env) == 0 && fake_dev_add(&env, &dev, name) == 0;
}

/*
 * The chain as the guest walks it: "id@off id@off ...", at most 48 steps
 * (a loop shows as 48 entries).
 */
static const char *guest_chain(char *buf, size_t len)
{
	uint32_t ptr = fake_cfg_read(&env, &dev, 0x34, 1);
	size_t n = 0;
	int i;

	buf[0] = 0;
	if (!(fake_cfg_read(&env, &dev, 0x06, 1) & 0x10))
		return buf;
	for (i = 0; ptr && i < 48 && n + 12 < len; i++) {
		n += (size_t)snprintf(buf + n, len - n, "%s%02x@%02x",
				      n ? " " : "",
				      fake_cfg_read(&env, &dev, ptr, 1), ptr);
		ptr = fake_cfg_read(&env, &dev, ptr + 1, 1) & 0xfc;
	}
	return buf;
}

/* Finding 7: nothing of a capability may lie past byte 255. */
static void caps_at_the_end(void)
{
	char chain[512];

	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	fake_dev_cap(&dev, 0x40, CAP_PCIE);
	dev.cfg[0x42] = 2;
	fake_dev_msi(&dev, 0xf4, 0x0000);	/* 32-bit: 10 bytes, fits */
	fake_dev_msix(&dev, 0xf8, 16, 0, 0, 0x1000); /* 12 bytes: no */
	CHECK(up("0000:02:00.0"));
	CHECK_MSG(strcmp(guest_chain(chain, sizeof(chain)),
			 "10@40 05@f4") == 0,
		  "MSI-X at 0xf8 (it needs 12 bytes) is hidden, MSI at 0xf4 "
		  "(10 bytes) is shown");
	printf("# chain: %s\n", chain);
	CHECK_MSG(dev.vdev->msix.off == 0 && dev.vdev->msix.table == NULL,
		  "and nothing of MSI-X was set up from bytes past 255");
	fake_cfg_write(&env, &dev, 0xf4 + 4, 0xfee00000, 4);
	fake_cfg_write(&env, &dev, 0xf4 + 2, 0x0001, 2);
	CHECK_MSG(dev.irq_type == VFIO_PCI_MSI_IRQ_INDEX &&
		  fake_kvm.msi_routes == 1,
		  "the MSI capability at 0xf4 works");
	CHECK_MSG(fake_cfg_read(&env, &dev, 0x100, 4) == 0,
		  "extended config space reads as empty");
	fake_env_destroy(&env);

	fake_dev_init(&dev);
	fake_dev_msi(&dev, 0x40, 0x0180);	/* 64-bit maskable: 0x18 */
	fake_dev_msi(&dev, 0xfc, 0x0000);	/* needs 0x0a: crosses */
	fake_dev_cap(&dev, 0xe0, CAP_PCIE);	/* v2 needs 0x3c: crosses */
	dev.cfg[0xe2] = 2;
	CHECK(up("0000:02:00.1"));
	CHECK_MSG(strcmp(guest_chain(chain, sizeof(chain)), "05@40") == 0,
		  "MSI at 0xfc and PCI Express at 0xe0 run past 0xff and "
		  "are hidden");
	printf("# chain: %s\n", chain);
	CHECK_MSG(dev.vdev->pcie_off == 0 && !dev.vdev->is_pcie,
		  "no PCI Express capability taken from past the end");
	fake_env_destroy(&env);

	/* v1: an endpoint's ends after Link Status (0x14 bytes), a root
	 * port's after Root Status (0x24). */
	fake_dev_init(&dev);
	fake_dev_cap(&dev, 0xe0, CAP_PCIE);
	dev.cfg[0xe2] = 1;			/* v1 endpoint: 0xe0-0xf3 */
	CHECK(up("0000:02:00.2"));
	CHECK_MSG(strcmp(guest_chain(chain, sizeof(chain)), "10@e0") == 0 &&
		  dev.vdev->pcie_off == 0xe0 && dev.vdev->is_pcie,
		  "a v1 endpoint's PCI Express capability at 0xe0 (e1000e) "
		  "fits and is shown");
	fake_env_destroy(&env);
	fake_dev_init(&dev);
	fake_dev_cap(&dev, 0xe0, CAP_PCIE);
	dev.cfg[0xe2] = 0x41;			/* v1 root port: 0xe0-0x103 */
	CHECK(up("0000:02:00.3"));
	CHECK_MSG(strcmp(guest_chain(chain, sizeof(chain)), "") == 0 &&
		  !dev.vdev->is_pcie,
		  "a v1 root port's at 0xe0 runs past 0xff and is hidden");
	fake_env_destroy(&env);
}

/* Loops, duplicates and MSI-X tables outside the BARs. */
static void odd_chains(void)
{
	char chain[512];

	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	fake_dev_msix(&dev, 0x40, 8, 0, 0, 0x1000);
	fake_dev_msix(&dev, 0x50, 8, 0, 0x2000, 0x3000);
	fake_dev_msi(&dev, 0x60, 0x0000);
	dev.cfg[0x61] = 0x40; /* back to the start: a loop */
	CHECK(up("0000:03:00.0"));
	CHECK_MSG(strcmp(guest_chain(chain, sizeof(chain)),
			 "11@40 05@60") == 0,
		  "a looping chain ends; a second MSI-X is hidden");
	printf("# chain: %s\n", chain);
	CHECK_MSG(dev.vdev->msix.table_off == 0,
		  "the first MSI-X capability is the one used");
	fake_env_destroy(&env);

	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x1000, 1, 0);
	fake_dev_msix(&dev, 0x40, 512, 0, 0, 0x800); /* 8 KiB in 4 KiB */
	fake_dev_msix(&dev, 0x50, 8, 6, 0, 0);	     /* BIR 6: reserved */
	CHECK(up("0000:03:00.1"));
	CHECK_MSG(strcmp(guest_chain(chain, sizeof(chain)), "") == 0 &&
		  dev.vdev->msix.off == 0,
		  "MSI-X with its table past the BAR's end or in BIR 6 is "
		  "hidden");
	fake_env_destroy(&env);
}

/*
 * Finding 3: hidden capabilities are not the guest's to write. A D3hot
 * written to the power management capability would take the BARs'
 * mappings away under the vCPUs (KVM_RUN -EFAULT on every one of them).
 */
static void hidden_writes(void)
{
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	fake_dev_cap(&dev, 0x40, CAP_PM);
	fake_dev_cap(&dev, 0x48, CAP_VENDOR);
	dev.cfg[0x4a] = 8;
	fake_dev_cap(&dev, 0x60, CAP_PCIE);
	dev.cfg[0x62] = 2;
	CHECK(up("0000:04:00.0"));
	fake_cfg_write(&env, &dev, 0x44, 0x0003, 2);
	CHECK_MSG(fake_dev_cfg_byte(&dev, 0x44) == 0,
		  "a D3hot write to the hidden PM capability is dropped");
	fake_cfg_write(&env, &dev, 0x4c, 0xdeadbeef, 4);
	fake_cfg_write(&env, &dev, 0x5c, 0xdeadbeef, 4);
	CHECK_MSG(fake_dev_cfg_byte(&dev, 0x4c) == 0 &&
		  fake_dev_cfg_byte(&dev, 0x5c) == 0,
		  "so are writes anywhere in a hidden capability");
	{
		char out[1024];

		capture_begin();
		vfio_print_stats(env.vfio);
		capture_end(out, sizeof(out));
		CHECK_MSG(strstr(out, "hidden-cap-writes=3") != NULL,
			  "--stats counts the dropped writes");
	}
	CHECK_MSG(fake_cfg_read(&env, &dev, 0x40, 1) == CAP_PM,
		  "hidden capabilities still read as the device has them");
	fake_cfg_write(&env, &dev, 0x60 + 8, 0x0010, 2);
	CHECK_MSG(fake_dev_cfg_byte(&dev, 0x68) == 0x10,
		  "a write to the shown PCI Express capability reaches it");
	fake_cfg_write(&env, &dev, 0x0c, 0x10, 1);
	CHECK_MSG(fake_dev_cfg_byte(&dev, 0x0c) == 0x10,
		  "and one to the header (cache line size)");
	fake_env_destroy(&env);
}

/* Finding 11: a guest resetting in a loop cannot flood the log at -v. */
static void flr_message(void)
{
	char out[16384];
	int i;

	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	fake_dev_cap(&dev, 0x40, CAP_PCIE);
	dev.cfg[0x42] = 2;
	CHECK(up("0000:05:00.0"));
	log_max_level = LOG_INFO;
	capture_begin();
	for (i = 0; i < 50; i++)
		fake_cfg_write(&env, &dev, 0x40 + 8, 0x8000, 2);
	capture_end(out, sizeof(out));
	log_max_level = LOG_ERR;
	CHECK_MSG(dev.vdev->stats.guest_resets == 50, "50 resets counted");
	CHECK_MSG(count_str(out, "function-level reset") <= LOG_BURST,
		  "at most a burst of FLR messages at -v for 50 resets");
	CHECK_MSG(count_str(out, "suppressed") == 1,
		  "and one line saying the rest are suppressed");
	fake_env_destroy(&env);
}

/*
 * A mediated device's config region can be shorter than 256 bytes
 * (mtty's and mbochs's are 0xff): the device comes up, the bytes it has
 * read through, the rest read as 0, and writes past it are dropped.
 */
static void short_config(void)
{
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	dev.region[VFIO_PCI_CONFIG_REGION_INDEX].size = 0xff;
	dev.cfg[0xfc] = 0x11;
	dev.cfg[0xfd] = 0x22;
	dev.cfg[0xfe] = 0x33;
	dev.cfg[0xff] = 0x44; /* past the region: the device has no such byte */
	if (!up("mdev-short-config")) {
		CHECK_MSG(0, "a device with a 255-byte config region comes up");
		fake_env_destroy(&env);
		return;
	}
	CHECK_MSG(1, "a device with a 255-byte config region comes up");
	CHECK_MSG(fake_cfg_read(&env, &dev, 0xfc, 4) == 0x00332211,
		  "a dword read across its end gets the device's 3 bytes and 0");
	CHECK_MSG(fake_cfg_read(&env, &dev, 0xff, 1) == 0,
		  "its last byte past the region reads as 0");
	fake_cfg_write(&env, &dev, 0xfc, 0xaabbccdd, 4);
	CHECK_MSG(fake_dev_cfg_byte(&dev, 0xfc) == 0xdd &&
		  fake_dev_cfg_byte(&dev, 0xff) == 0x44,
		  "a write across the end reaches the bytes the region has, "
		  "no more");
	fake_env_destroy(&env);

	fake_dev_init(&dev);
	dev.region[VFIO_PCI_CONFIG_REGION_INDEX].size = 0x3f;
	CHECK_MSG(!up("mdev-tiny-config"),
		  "a config region without the whole 64-byte header is refused");
	fake_env_destroy(&env);
}

/* An extended capability header at @off: @id, version 1, @next. */
static void ext_cap(uint16_t off, uint16_t id, uint16_t next)
{
	uint32_t h = (uint32_t)id | 1u << 16 | (uint32_t)next << 20;

	memcpy(&dev.cfg[off], &h, 4);
}

/* The extended chain as the guest walks it: "id@off ...", at most 64. */
static const char *guest_ext_chain(char *buf, size_t len)
{
	uint32_t off = 0x100, h;
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 0; off >= 0x100 && i < 64 && n + 12 < len; i++) {
		h = fake_cfg_read(&env, &dev, off, 4);
		if (!h)
			break;
		n += (size_t)snprintf(buf + n, len - n, "%s%x@%x", n ? " " : "",
				      h & 0xffff, off);
		off = (h >> 20) & 0xffc;
	}
	return buf;
}

/* A PCI Express endpoint whose ext caps the test then places. */
static void pcie_dev(void)
{
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	fake_dev_cap(&dev, 0x40, CAP_PCIE);
	dev.cfg[0x42] = 2;
}

static void ext_caps(void)
{
	char chain[1024];
	unsigned int i;
	uint32_t dsn_lo;

	/* AER, PASID, DSN, ATS, and PRI pointing back to AER: a loop. */
	pcie_dev();
	ext_cap(0x100, 0x0001, 0x148);		/* AER */
	dev.cfg[0x104] = 0x10;			/* uncorrectable status */
	ext_cap(0x148, 0x001b, 0x150);		/* PASID */
	dev.cfg[0x14e] = 0x14;			/* 20 bits */
	ext_cap(0x150, 0x0003, 0x15c);		/* DSN */
	dev.cfg[0x154] = 0x5a;
	ext_cap(0x15c, 0x000f, 0x170);		/* ATS */
	ext_cap(0x170, 0x0013, 0x100);		/* PRI -> AER: loop */
	CHECK(up("0000:03:00.0"));
	CHECK_MSG(strcmp(guest_ext_chain(chain, sizeof(chain)),
			 "1@100 3@150") == 0,
		  "the guest's chain: AER and DSN; PASID, ATS, PRI hidden; the "
		  "loop back to AER ends the walk");
	printf("# ext chain: %s\n", chain);
	CHECK_MSG(dev.vdev->ext.nr == 5 && dev.vdev->ext.nr_shown == 2 &&
		  dev.vdev->ext.nr_hidden == 3, "five seen, two shown");
	CHECK_MSG(fake_cfg_read(&env, &dev, 0x104, 4) == 0x10 &&
		  fake_cfg_read(&env, &dev, 0x154, 1) == 0x5a,
		  "AER status and the serial number read as the device has them");
	CHECK_MSG(fake_cfg_read(&env, &dev, 0x148, 4) == 0 &&
		  fake_cfg_read(&env, &dev, 0x14c, 4) == 0 &&
		  fake_cfg_read(&env, &dev, 0x15c, 4) == 0,
		  "hidden PASID and ATS read as zero");
	dsn_lo = fake_cfg_read(&env, &dev, 0x154, 4);
	fake_cfg_write(&env, &dev, 0x154, 0xffffffff, 4);
	fake_cfg_write(&env, &dev, 0x104, 0x10, 4); /* RW1C on hardware */
	fake_cfg_write(&env, &dev, 0x100, 0, 4);
	CHECK_MSG(fake_dev_cfg_byte(&dev, 0x104) == 0x10 &&
		  fake_dev_cfg_byte(&dev, 0x100) == 0x01 &&
		  fake_cfg_read(&env, &dev, 0x154, 4) == dsn_lo,
		  "shown capabilities are read-only: writes do not reach the "
		  "device");
	fake_cfg_write(&env, &dev, 0x14c, 0x1, 4); /* PASID enable */
	CHECK_MSG(fake_dev_cfg_byte(&dev, 0x14c) == 0 &&
		  dev.vdev->stats.hidden_cap_writes == 1,
		  "a write to hidden PASID is dropped and counted");
	fake_env_destroy(&env);

	/* The first one hidden: a null header at 0x100 links to AER. */
	pcie_dev();
	ext_cap(0x100, 0x000f, 0x200);		/* ATS */
	ext_cap(0x200, 0x0001, 0xffc);		/* AER */
	ext_cap(0xffc, 0x000b, 0);		/* VSEC, the last dword */
	CHECK(up("0000:03:00.1"));
	CHECK_MSG(strcmp(guest_ext_chain(chain, sizeof(chain)),
			 "0@100 1@200 b@ffc") == 0 &&
		  fake_cfg_read(&env, &dev, 0x100, 4) == 0x20000000u &&
		  (fake_cfg_read(&env, &dev, 0x200, 4) >> 20) == 0xffc &&
		  (fake_cfg_read(&env, &dev, 0xffc, 4) & 0xffff) == 0x000b,
		  "hidden ATS at 0x100 becomes a null header pointing at AER; "
		  "a VSEC in the last dword is shown");
	printf("# ext chain: %s\n", chain);
	fake_env_destroy(&env);

	/* A chain longer than ferry keeps: bounded, never past 4 KiB. */
	pcie_dev();
	for (i = 0; i < 200; i++)
		ext_cap((uint16_t)(0x100 + i * 8), 0x0003,
			(uint16_t)(i < 199 ? 0x100 + (i + 1) * 8 : 0));
	CHECK(up("0000:03:00.2"));
	CHECK_MSG(dev.vdev->ext.nr == VFIO_EXT_MAX &&
		  dev.vdev->ext.nr_shown == VFIO_EXT_MAX,
		  "200 capabilities: the first 64 are kept");
	fake_env_destroy(&env);

	/* A pointer that is not dword-aligned or points below 0x100. */
	pcie_dev();
	ext_cap(0x100, 0x0001, 0x0ff);		/* 0xff & ~3 = 0xfc: ends */
	CHECK(up("0000:03:00.3"));
	CHECK_MSG(strcmp(guest_ext_chain(chain, sizeof(chain)), "1@100") == 0,
		  "a next pointer into standard space ends the chain");
	fake_env_destroy(&env);

	/* Not PCI Express: no extended space at all. */
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x4000, 1, 0);
	ext_cap(0x100, 0x0001, 0);
	CHECK(up("0000:03:00.4"));
	CHECK_MSG(fake_cfg_read(&env, &dev, 0x100, 4) == 0 &&
		  dev.vdev->ext.nr == 0,
		  "a conventional PCI device shows no extended capabilities");
	fake_env_destroy(&env);
}

int main(void)
{
	int fds = fake_count_fds();

	log_max_level = LOG_ERR;
	caps_at_the_end();
	odd_chains();
	hidden_writes();
	flr_message();
	short_config();
	ext_caps();
	CHECK_MSG(fake_count_fds() == fds, "no descriptor left behind");
	return test_done();
}
