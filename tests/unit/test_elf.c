// SPDX-License-Identifier: MIT
/* ELF64 loader: a good image loads; each kind of bad image is refused. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include "loader.h"
#include "test.h"

#define RAM (8 * MiB)

static uint8_t ram[RAM];
static struct guest_mem mem;
static const struct gpa_range reserved[] = { { 0, MiB } };
static const struct elf_rules rules = {
	.machine = EM_X86_64, .reserved = reserved, .nr_reserved = 1,
};

struct img {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	uint8_t payload[64];
};
static_assert(offsetof(struct img, payload) + 64 == sizeof(struct img),
	      "the payload ends the image: no padding after it");

/* A valid image: one RX segment with the payload at 0x200000. */
static void make(struct img *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = 0x200004;
	e->eh.e_phoff = offsetof(struct img, ph);
	e->eh.e_ehsize = sizeof(Elf64_Ehdr);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 1;
	e->ph[0].p_type = PT_LOAD;
	e->ph[0].p_flags = PF_R | PF_X;
	e->ph[0].p_offset = offsetof(struct img, payload);
	e->ph[0].p_vaddr = e->ph[0].p_paddr = 0x200000;
	e->ph[0].p_filesz = sizeof(e->payload);
	e->ph[0].p_memsz = 0x1000;
	memset(e->payload, 0xab, sizeof(e->payload));
}

static int load(const void *buf, size_t size, char *why)
{
	struct elf_image out;

	return elf_load(&mem, buf, size, &rules, &out, why, 200);
}

#define EXPECT_REFUSED(mutation, err_, words)                                  \
	do {                                                                   \
		struct img im_;                                                \
		char why_[200] = "";                                           \
		make(&im_);                                                    \
		{ struct img *e = &im_; mutation; }                           \
		int r_ = load(&im_, sizeof(im_), why_);                        \
		check_(r_ == (err_) && strstr(why_, words) != NULL,            \
		       #mutation " -> " words, __FILE__, __LINE__);            \
		if (r_ != (err_) || !strstr(why_, words))                      \
			printf("# got %d: %s\n", r_, why_);                    \
	} while (0)

static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/*
 * Load the first @size bytes of @e from a heap buffer of exactly @size
 * bytes, so that under ASan a read one byte past the file is an error
 * even when the loader's own bound check is wrong.
 */
static int load_exact(const struct img *e, size_t size, char *why)
{
	uint8_t *buf = malloc(size);
	int ret;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, e, size);
	ret = load(buf, size, why);
	free(buf);
	return ret;
}

/* Segment and program-header bounds, byte-exact at the end of the file. */
static void check_file_bounds(void)
{
	size_t end = sizeof(struct img);
	struct img e;
	char why[200];
	size_t past;

	make(&e);
	CHECK_MSG(load_exact(&e, end, why) == 0,
		  "a segment ending on the file's last byte loads");
	for (past = 1; past <= 32; past++) {
		why[0] = 0;
		if (load_exact(&e, end - past, why) != -EINVAL ||
		    !strstr(why, "truncated"))
			break;
	}
	CHECK_MSG(past > 32, "a segment ending 1 to 32 bytes past the file "
		  "is refused (exact-size heap buffer)");
	if (past <= 32)
		printf("# %zu bytes past: %s\n", past, why);

	/* The program headers: two, so the table ends inside ph[1]. */
	make(&e);
	e.eh.e_phnum = 2;
	e.ph[1].p_type = PT_NULL;
	end = offsetof(struct img, ph) + 2 * sizeof(Elf64_Phdr);
	e.ph[0].p_offset = 0;
	e.ph[0].p_filesz = end;
	CHECK_MSG(load_exact(&e, end, why) == 0,
		  "program headers ending on the file's last byte load");
	for (past = 1; past <= 32; past++) {
		why[0] = 0;
		e.ph[0].p_filesz = end - past;
		if (load_exact(&e, end - past, why) != -ENOEXEC ||
		    !strstr(why, "program headers end past"))
			break;
	}
	CHECK_MSG(past > 32, "program headers ending 1 to 32 bytes past the "
		  "file are refused (exact-size heap buffer)");
	if (past <= 32)
		printf("# %zu bytes past: %s\n", past, why);
}

int main(int argc, char **argv)
{
	struct elf_image out;
	struct img good;
	char why[200];
	unsigned int i;
	int ok;

	mem.fd = -1;
	mem.base = ram;
	mem.size = RAM;
	CHECK(mem_add_region(&mem, 0, RAM) == 0);

	make(&good);
	memset(ram, 0x55, RAM);
	CHECK(elf_load(&mem, &good, sizeof(good), &rules, &out, why,
		       sizeof(why)) == 0);
	CHECK(out.entry == 0x200004 && out.lo == 0x200000 &&
	      out.hi == 0x201000 && out.nr_segments == 1);
	CHECK_MSG(ram[0x200000] == 0xab && ram[0x20003f] == 0xab,
		  "file bytes copied");
	ok = 1;
	for (i = 0x200040; i < 0x201000; i++)
		ok &= ram[i] == 0;
	CHECK_MSG(ok, "memsz beyond filesz zeroed");
	CHECK_MSG(ram[0x201000] == 0x55, "nothing written past the segment");

	CHECK(loader_detect(&good, sizeof(good)) == KERNEL_ELF64);
	CHECK(loader_detect("nope", 4) == KERNEL_UNKNOWN);
	{
		static uint8_t bz[0x300];

		memcpy(bz + 0x202, "HdrS", 4);
		CHECK(loader_detect(bz, sizeof(bz)) == KERNEL_BZIMAGE);
	}

	CHECK(load(&good, 10, why) == -ENOEXEC && strstr(why, "not an ELF"));
	CHECK(load(&good, offsetof(struct img, ph) + 10, why) == -ENOEXEC &&
	      strstr(why, "truncated"));
	CHECK(load(&good, offsetof(struct img, payload) + 8, why) == -EINVAL &&
	      strstr(why, "truncated"));
	EXPECT_REFUSED(e->eh.e_ident[EI_CLASS] = ELFCLASS32, -ENOEXEC,
		       "32-bit");
	EXPECT_REFUSED(e->eh.e_ident[EI_DATA] = ELFDATA2MSB, -ENOEXEC,
		       "big-endian");
	EXPECT_REFUSED(e->eh.e_machine = EM_AARCH64, -ENOEXEC, "machine");
	EXPECT_REFUSED(e->eh.e_type = ET_DYN, -ENOEXEC, "position-indep");
	EXPECT_REFUSED(e->eh.e_type = ET_REL, -ENOEXEC, "not an executable");
	EXPECT_REFUSED(e->eh.e_phentsize = 10, -ENOEXEC, "header size");
	EXPECT_REFUSED(e->eh.e_phnum = 0, -ENOEXEC, "program headers");
	EXPECT_REFUSED(e->eh.e_phnum = 1000, -ENOEXEC, "program headers");
	EXPECT_REFUSED(e->eh.e_phoff = UINT64_MAX - 8, -ENOEXEC, "truncated");
	EXPECT_REFUSED(e->ph[0].p_filesz = 0x2000, -EINVAL, "more file bytes");
	EXPECT_REFUSED(e->ph[0].p_offset = UINT64_MAX, -EINVAL, "truncated");
	EXPECT_REFUSED(e->ph[0].p_vaddr = 0xffffffff80200000ULL, -EINVAL,
		       "identity");
	EXPECT_REFUSED(e->ph[0].p_paddr = e->ph[0].p_vaddr = RAM - 0x800;
		       e->eh.e_entry = RAM - 0x800, -EINVAL,
		       "outside guest RAM");
	EXPECT_REFUSED(e->ph[0].p_paddr = e->ph[0].p_vaddr = UINT64_MAX - 4;
		       e->eh.e_entry = UINT64_MAX - 4, -EINVAL,
		       "outside guest RAM");
	EXPECT_REFUSED(e->ph[0].p_paddr = e->ph[0].p_vaddr = 0x8000;
		       e->eh.e_entry = 0x8000, -EINVAL, "boot data");
	EXPECT_REFUSED(e->eh.e_entry = 0x300000, -EINVAL, "entry point");
	/* The entry's bound is exclusive: the last byte is in, one past not. */
	EXPECT_REFUSED(e->eh.e_entry = 0x201000, -EINVAL, "entry point");
	EXPECT_REFUSED(e->eh.e_entry = 0x1fffff, -EINVAL, "entry point");
	EXPECT_REFUSED(e->ph[0].p_flags = PF_R, -EINVAL, "entry point");
	EXPECT_REFUSED(e->ph[0].p_type = PT_NOTE, -ENOEXEC, "no loadable");
	EXPECT_REFUSED(e->eh.e_phnum = 2; e->ph[1] = e->ph[0];
		       e->ph[1].p_paddr = e->ph[1].p_vaddr = 0x200800,
		       -EINVAL, "overlaps another segment");
	{
		/* A refused image leaves RAM untouched. */
		make(&good);
		good.eh.e_phnum = 2;
		good.ph[1] = good.ph[0];
		good.ph[1].p_paddr = good.ph[1].p_vaddr = RAM;
		memset(ram, 0x55, RAM);
		CHECK(load(&good, sizeof(good), why) == -EINVAL);
		CHECK_MSG(ram[0x200000] == 0x55,
			  "a refused image writes nothing to RAM");
	}

	{
		/* Entry points on the segment's first and last byte load. */
		make(&good);
		good.eh.e_entry = 0x200000;
		CHECK_MSG(load(&good, sizeof(good), why) == 0,
			  "entry at the segment's first byte");
		good.eh.e_entry = 0x200fff;
		CHECK_MSG(load(&good, sizeof(good), why) == 0,
			  "entry at the segment's last byte (memsz)");
	}
	check_file_bounds();

	/* The real test guest built alongside, when given: FILE [RAM-GPA]
	 * (x86_64 guests at 1 MiB in RAM from 0; aarch64 ones at the start
	 * of RAM, given). */
	if (argc > 1) {
		uint64_t base = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
		struct gpa_range none = { base + RAM, 1 };
		struct elf_rules board = {
			.machine = argc > 2 ? EM_AARCH64 : EM_X86_64,
			.reserved = argc > 2 ? &none : reserved,
			.nr_reserved = 1,
		};
		struct guest_mem gm;
		size_t size;
		uint8_t *buf = read_all(argv[1], &size);

		CHECK_MSG(buf != NULL, "read the hello guest");
		CHECK(mem_create(&gm, 64 * MiB, MEM_ANON) == 0 &&
		      mem_add_region(&gm, base, 64 * MiB) == 0);
		CHECK_MSG(buf && elf_load(&gm, buf, size, &board, &out, why,
					  sizeof(why)) == 0 &&
				  out.lo == (base ? base : MiB),
			  "the hello guest loads where its board expects it");
		mem_destroy(&gm);
		free(buf);
	}
	return test_done();
}
