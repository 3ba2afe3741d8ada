// SPDX-License-Identifier: MIT
/* bzImage loader: boot_params contents and every refusal. */
#include <errno.h>
#include <stdlib.h>
#include <asm/bootparam.h>
#include "x86/bzimage.h"
#include "x86/layout.h"
#include "test.h"

#define RAM (64 * MiB)
#define SETUP_SECTS 2
#define KERNEL_BYTES 8192

static uint8_t ram[RAM];
static struct guest_mem mem;
static uint8_t image[(SETUP_SECTS + 1) * 512 + KERNEL_BYTES];

static struct setup_header *hdr(void)
{
	return (struct setup_header *)(image + 0x1f1);
}

static void make(void)
{
	struct setup_header *h;
	size_t i;

	memset(image, 0, sizeof(image));
	h = hdr();
	h->setup_sects = SETUP_SECTS;
	h->boot_flag = 0xaa55;
	h->jump = 0x66eb; /* header ends at 0x202 + 0x66 = 0x268 */
	image[0x201] = 0x66;
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->initrd_addr_max = 0x7fffffff;
	h->kernel_alignment = 0x200000;
	h->relocatable_kernel = 1;
	h->xloadflags = XLF_KERNEL_64;
	h->cmdline_size = 2047;
	h->pref_address = 0x1000000;
	h->init_size = 0x100000;
	for (i = 0; i < KERNEL_BYTES; i++)
		image[(SETUP_SECTS + 1) * 512 + i] = (uint8_t)(i * 7);
}

static int load(const char *cmdline, uint64_t initrd_gpa, uint64_t initrd_size,
		struct bzimage_boot *b, char *why)
{
	return bzimage_load(&mem, image, sizeof(image), cmdline, initrd_gpa,
			    initrd_size, b, why, 200);
}

int main(void)
{
	struct bzimage_boot b;
	struct bzimage_hdr h;
	struct boot_params *bp = (struct boot_params *)(ram + X86_ZERO_PAGE_GPA);
	char why[200], longcmd[3000];
	uint64_t total = 0;
	unsigned int i;
	int ok;

	mem.fd = -1;
	mem.base = ram;
	mem.size = RAM;
	CHECK(mem_add_region(&mem, 0, RAM) == 0);

	make();
	CHECK(bzimage_parse(image, sizeof(image), &h, why, sizeof(why)) == 0);
	CHECK(h.setup_size == 3 * 512 && h.load_gpa == 0x1000000 &&
	      h.init_size == 0x100000 && h.cmdline_size == 2047);
	CHECK(load("console=ttyS0 root=/dev/ram", 0x2000000, 0x12345, &b,
		   why) == 0);
	CHECK_MSG(b.entry == 0x1000200, "64-bit entry is load address + 0x200");
	CHECK(b.zero_page == X86_ZERO_PAGE_GPA);
	CHECK_MSG(memcmp(ram + 0x1000000, image + 3 * 512, KERNEL_BYTES) == 0,
		  "kernel copied to its preferred address");
	CHECK_MSG(bp->hdr.header == 0x53726448 && bp->hdr.version == 0x020f,
		  "setup header copied into boot_params");
	CHECK(bp->hdr.type_of_loader == 0xff);
	CHECK(bp->hdr.cmd_line_ptr == X86_CMDLINE_GPA &&
	      strcmp((char *)ram + X86_CMDLINE_GPA,
		     "console=ttyS0 root=/dev/ram") == 0);
	CHECK(bp->hdr.ramdisk_image == 0x2000000 &&
	      bp->hdr.ramdisk_size == 0x12345 && bp->ext_ramdisk_image == 0);
	CHECK_MSG(b.version == 0x020f, "the boot protocol comes back");
	CHECK_MSG(bp->e820_entries == 4,
		  "e820: low RAM, EBDA, ACPI and BIOS area, high RAM");
	CHECK(bp->e820_table[0].addr == 0 && bp->e820_table[0].type == 1 &&
	      bp->e820_table[0].size == X86_EBDA_GPA);
	CHECK(bp->e820_table[1].type == 2 && bp->e820_table[2].type == 2 &&
	      bp->e820_table[2].addr == 0xe0000 &&
	      bp->e820_table[2].addr + bp->e820_table[2].size == MiB);
	CHECK(bp->e820_table[3].addr == MiB && bp->e820_table[3].type == 1);
	for (i = 0; i < bp->e820_entries; i++)
		total += bp->e820_table[i].size;
	CHECK_MSG(total == RAM - (0xe0000 - 0xa0000),
		  "e820 covers all RAM but the VGA and option-ROM hole");

	CHECK(load(NULL, 0, 0, &b, why) == 0 && bp->hdr.ramdisk_image == 0 &&
	      ram[X86_CMDLINE_GPA] == 0);

	memset(longcmd, 'x', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = 0;
	CHECK(load(longcmd, 0, 0, &b, why) == -E2BIG &&
	      strstr(why, "at most 2047"));
	/* Byte-exact: cmdline_size (2047) characters fit, one more not. */
	longcmd[2047] = 0;
	CHECK_MSG(load(longcmd, 0, 0, &b, why) == 0 &&
			  strlen((char *)ram + X86_CMDLINE_GPA) == 2047,
		  "a command line of exactly cmdline_size bytes loads whole");
	longcmd[2047] = 'x';
	longcmd[2048] = 0;
	CHECK_MSG(load(longcmd, 0, 0, &b, why) == -E2BIG,
		  "cmdline_size + 1 bytes are refused");
	/* A kernel taking more than ferry's page: ferry's limit holds. */
	{
		static char page[4097];

		hdr()->cmdline_size = 8191;
		memset(page, 'y', 4095);
		page[4095] = 0;
		CHECK_MSG(load(page, 0, 0, &b, why) == 0 &&
				  ram[X86_CMDLINE_GPA + 4095] == 0,
			  "4095 bytes fit ferry's 4 KiB command-line page");
		page[4095] = 'y';
		page[4096] = 0;
		CHECK_MSG(load(page, 0, 0, &b, why) == -E2BIG &&
				  strstr(why, "at most 4095"),
			  "4096 bytes do not (no room for the NUL)");
		hdr()->cmdline_size = 2047;
	}
	CHECK(load("x", 0x1000000, 0x1000, &b, why) == -EINVAL &&
	      strstr(why, "does not fit above the kernel"));
	hdr()->initrd_addr_max = 0x1ffffff;
	CHECK(load("x", 0x2000000, 0x1000, &b, why) == -EINVAL &&
	      strstr(why, "cannot reach"));

#define REFUSE(mutation, words)                                                \
	do {                                                                   \
		make();                                                        \
		mutation;                                                      \
		memset(ram + 0x1000000, 0x55, 16);                             \
		int r_ = load("x", 0, 0, &b, why);                             \
		check_(r_ < 0 && strstr(why, words) &&                         \
			       ram[0x1000000] == 0x55,                         \
		       #mutation " -> " words, __FILE__, __LINE__);            \
	} while (0)

	REFUSE(hdr()->boot_flag = 0, "no Linux setup header");
	REFUSE(hdr()->header = 0, "no Linux setup header");
	REFUSE(hdr()->version = 0x0209, "older than 2.12");
	REFUSE(hdr()->xloadflags = 0, "no 64-bit entry");
	/* fuzz_bzimage found it: a jump of 0 made a 17-byte header, and the
	 * guest got a boot_params without the version it was loaded for. */
	REFUSE(image[0x201] = 0, "setup header ends at 0x202");
	REFUSE(image[0x201] = 0x65, "setup header ends at 0x267");
	REFUSE(hdr()->loadflags = 0, "zImage");
	REFUSE(hdr()->setup_sects = 200, "truncated");
	REFUSE(hdr()->pref_address = 0x8000, "load address");
	REFUSE(hdr()->init_size = 0x7fffffff, "give more --memory");
	REFUSE(hdr()->pref_address = 0xfffffffffffff000ULL, "give more");

	make();
	CHECK(bzimage_parse(image, 0x200, &h, why, sizeof(why)) == -ENOEXEC &&
	      strstr(why, "too short"));
	/* Every truncation of a good image is refused or loads in bounds. */
	ok = 1;
	for (i = 0; i < sizeof(image); i += 97) {
		int r = bzimage_load(&mem, image, i, "", 0, 0, &b, why, 200);

		ok &= r == 0 || r == -ENOEXEC;
	}
	CHECK_MSG(ok, "truncated images are refused cleanly");
	return test_done();
}
