// SPDX-License-Identifier: MIT
/* An ACPI Machine Language (AML) encoder: the few terms a VMM's DSDT needs. */
#include <errno.h>
#include "aml.h"

/* Opcodes and prefixes (ACPI 6.x section 20.3). */
enum {
	ZERO_OP = 0x00, ONE_OP = 0x01, NAME_OP = 0x08, BYTE_PREFIX = 0x0a,
	WORD_PREFIX = 0x0b, DWORD_PREFIX = 0x0c, STRING_PREFIX = 0x0d,
	QWORD_PREFIX = 0x0e, SCOPE_OP = 0x10, BUFFER_OP = 0x11,
	PACKAGE_OP = 0x12, METHOD_OP = 0x14, DUAL_NAME_PREFIX = 0x2e,
	MULTI_NAME_PREFIX = 0x2f, EXT_OP_PREFIX = 0x5b, ROOT_CHAR = 0x5c,
	PARENT_PREFIX = 0x5e, DEVICE_OP = 0x82, NULL_NAME = 0x00,
};

/* Resource descriptor tags (section 6.4). */
enum {
	RES_IRQ_NOFLAGS = 0x22, RES_IO = 0x47, RES_END = 0x79,
	RES_MEM32_FIXED = 0x86, RES_DWORD_SPACE = 0x87, RES_WORD_SPACE = 0x88,
	RES_EXT_IRQ = 0x89, RES_QWORD_SPACE = 0x8a,
};
enum { SPACE_MEM = 0, SPACE_IO = 1, SPACE_BUS = 2 };
/* General flags of a bridge window: producer, MinFixed, MaxFixed, PosDecode. */
#define WINDOW_FLAGS 0x0c
#define MEM_RW 0x01
#define MEM_PREFETCH (3 << 1)
#define IO_ENTIRE_RANGE 0x03
/* Extended interrupt flags: consumer; level (bit 1 clear); high (bit 2
 * clear); shared. */
#define EXT_IRQ_CONSUMER_LEVEL_HIGH_SHARED 0x09

void aml_init(struct aml *a, void *buf, size_t cap)
{
	a->buf = buf;
	a->len = 0;
	a->cap = cap;
	a->err = 0;
}

int aml_finish(const struct aml *a)
{
	return a->err ? a->err : (int)a->len;
}

void aml_bytes(struct aml *a, const void *p, size_t len)
{
	if (a->err)
		return;
	if (len > a->cap - a->len) {
		a->err = -E2BIG;
		return;
	}
	memcpy(a->buf + a->len, p, len);
	a->len += len;
}

void aml_u8(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

void aml_u16(struct aml *a, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	aml_bytes(a, b, sizeof(b));
}

void aml_u32(struct aml *a, uint32_t v)
{
	aml_u16(a, (uint16_t)v);
	aml_u16(a, (uint16_t)(v >> 16));
}

void aml_u64(struct aml *a, uint64_t v)
{
	aml_u32(a, (uint32_t)v);
	aml_u32(a, (uint32_t)(v >> 32));
}

static int lead_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

/* One segment of @n (1-4) characters at @s, padded to four; 0 or -EINVAL. */
static int name_seg(struct aml *a, const char *s, size_t n)
{
	char seg[4] = { '_', '_', '_', '_' };
	size_t i;

	if (n < 1 || n > 4 || !lead_char(s[0]))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!lead_char(s[i]) && !(s[i] >= '0' && s[i] <= '9'))
			return -EINVAL;
		seg[i] = s[i];
	}
	aml_bytes(a, seg, 4);
	return 0;
}

void aml_name(struct aml *a, const char *path)
{
	const char *p = path, *dot;
	unsigned int nsegs = 0;

	if (*p == '\\') {
		aml_u8(a, ROOT_CHAR);
		p++;
	} else {
		while (*p == '^') {
			aml_u8(a, PARENT_PREFIX);
			p++;
		}
	}
	if (*p) {
		const char *q;

		for (q = p, nsegs = 1; *q; q++)
			nsegs += *q == '.';
	}
	if (nsegs > 255) {
		a->err = a->err ? a->err : -EINVAL;
		return;
	}
	if (nsegs == 0)
		aml_u8(a, NULL_NAME);
	else if (nsegs == 2)
		aml_u8(a, DUAL_NAME_PREFIX);
	else if (nsegs > 2) {
		aml_u8(a, MULTI_NAME_PREFIX);
		aml_u8(a, (uint8_t)nsegs);
	}
	for (; nsegs; nsegs--) {
		dot = strchr(p, '.');
		if (name_seg(a, p, dot ? (size_t)(dot - p) : strlen(p))) {
			a->err = a->err ? a->err : -EINVAL;
			return;
		}
		p = dot ? dot + 1 : p + strlen(p);
	}
}

void aml_int(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_u8(a, ZERO_OP);
	} else if (v == 1) {
		aml_u8(a, ONE_OP);
	} else if (v <= 0xff) {
		aml_u8(a, BYTE_PREFIX);
		aml_u8(a, (uint8_t)v);
	} else if (v <= 0xffff) {
		aml_u8(a, WORD_PREFIX);
		aml_u16(a, (uint16_t)v);
	} else if (v <= 0xffffffff) {
		aml_u8(a, DWORD_PREFIX);
		aml_u32(a, (uint32_t)v);
	} else {
		aml_u8(a, QWORD_PREFIX);
		aml_u64(a, v);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_u8(a, STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v = 0;
	int i;

	/* Three letters of five bits each, then four hex digits; the
	 * bytes in that order, read as a little-endian DWord. */
	if (strlen(id) != 7) {
		a->err = a->err ? a->err : -EINVAL;
		return;
	}
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			a->err = a->err ? a->err : -EINVAL;
			return;
		}
	}
	for (i = 3; i < 7; i++) {
		if (hex_digit(id[i]) < 0) {
			a->err = a->err ? a->err : -EINVAL;
			return;
		}
	}
	v |= (uint32_t)(((id[0] - 0x40) << 2) | ((id[1] - 0x40) >> 3));
	v |= (uint32_t)((((id[1] - 0x40) & 7) << 5) | (id[2] - 0x40)) << 8;
	v |= (uint32_t)(hex_digit(id[3]) << 4 | hex_digit(id[4])) << 16;
	v |= (uint32_t)(hex_digit(id[5]) << 4 | hex_digit(id[6])) << 24;
	aml_u8(a, DWORD_PREFIX);
	aml_u32(a, v);
}

void aml_name_decl(struct aml *a, const char *path)
{
	aml_u8(a, NAME_OP);
	aml_name(a, path);
}

/* The PkgLength goes at the mark when the term closes. */
static size_t open_term(struct aml *a)
{
	return a->len;
}

void aml_close(struct aml *a, size_t mark)
{
	size_t body, total, n;
	uint8_t enc[4];

	if (a->err)
		return;
	body = a->len - mark;
	/* The encoding counts itself: 1 byte up to 63, then 2-4 bytes
	 * of 4 + 8k bits. */
	for (n = 1; n <= 4; n++) {
		total = body + n;
		if ((n == 1 && total <= 0x3f) ||
		    (n > 1 && total < (1ULL << (4 + 8 * (n - 1)))))
			break;
	}
	if (n > 4 || n > a->cap - a->len) {
		a->err = -E2BIG;
		return;
	}
	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		size_t i;

		enc[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
		for (i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	memmove(a->buf + mark + n, a->buf + mark, body);
	memcpy(a->buf + mark, enc, n);
	a->len += n;
}

size_t aml_scope_open(struct aml *a, const char *path)
{
	size_t mark;

	aml_u8(a, SCOPE_OP);
	mark = open_term(a);
	aml_name(a, path);
	return mark;
}

size_t aml_device_open(struct aml *a, const char *path)
{
	size_t mark;

	aml_u8(a, EXT_OP_PREFIX);
	aml_u8(a, DEVICE_OP);
	mark = open_term(a);
	aml_name(a, path);
	return mark;
}

size_t aml_method_open(struct aml *a, const char *path, unsigned int nargs)
{
	size_t mark;

	aml_u8(a, METHOD_OP);
	mark = open_term(a);
	aml_name(a, path);
	if (nargs > 7)
		a->err = a->err ? a->err : -EINVAL;
	aml_u8(a, (uint8_t)(nargs & 7)); /* NotSerialized, SyncLevel 0 */
	return mark;
}

size_t aml_package_open(struct aml *a, unsigned int nelems)
{
	size_t mark;

	aml_u8(a, PACKAGE_OP);
	mark = open_term(a);
	if (nelems > 255)
		a->err = a->err ? a->err : -EINVAL;
	aml_u8(a, (uint8_t)nelems);
	return mark;
}

void aml_buffer(struct aml *a, const void *p, size_t len)
{
	size_t mark;

	aml_u8(a, BUFFER_OP);
	mark = open_term(a);
	aml_int(a, len);
	aml_bytes(a, p, len);
	aml_close(a, mark);
}

void aml_res_io(struct aml *a, uint16_t port, uint8_t len)
{
	aml_u8(a, RES_IO);
	aml_u8(a, 1); /* 16-bit decode */
	aml_u16(a, port);
	aml_u16(a, port);
	aml_u8(a, 1); /* alignment */
	aml_u8(a, len);
}

void aml_res_irq(struct aml *a, unsigned int irq)
{
	if (irq > 15)
		a->err = a->err ? a->err : -EINVAL;
	aml_u8(a, RES_IRQ_NOFLAGS);
	aml_u16(a, (uint16_t)(1u << (irq & 15)));
}

void aml_res_irq_level_high(struct aml *a, uint32_t gsi)
{
	aml_u8(a, RES_EXT_IRQ);
	aml_u16(a, 6);
	aml_u8(a, EXT_IRQ_CONSUMER_LEVEL_HIGH_SHARED);
	aml_u8(a, 1); /* one interrupt */
	aml_u32(a, gsi);
}

void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	aml_u8(a, RES_MEM32_FIXED);
	aml_u16(a, 9);
	aml_u8(a, MEM_RW);
	aml_u32(a, base);
	aml_u32(a, len);
}

/* Word, DWord and QWord address spaces differ in field width only. */
static void space(struct aml *a, uint8_t tag, unsigned int width, uint8_t type,
		  uint8_t type_flags, uint64_t first, uint64_t last)
{
	uint64_t f[5] = { 0, first, last, 0, last - first + 1 };
	unsigned int i;

	if (last < first)
		a->err = a->err ? a->err : -EINVAL;
	aml_u8(a, tag);
	aml_u16(a, (uint16_t)(3 + 5 * width));
	aml_u8(a, type);
	aml_u8(a, WINDOW_FLAGS);
	aml_u8(a, type_flags);
	/* granularity, minimum, maximum, translation, length */
	for (i = 0; i < 5; i++) {
		if (width == 2)
			aml_u16(a, (uint16_t)f[i]);
		else if (width == 4)
			aml_u32(a, (uint32_t)f[i]);
		else
			aml_u64(a, f[i]);
	}
}

void aml_res_bus_range(struct aml *a, uint16_t first, uint16_t last)
{
	space(a, RES_WORD_SPACE, 2, SPACE_BUS, 0, first, last);
}

void aml_res_io_window(struct aml *a, uint16_t first, uint16_t last)
{
	space(a, RES_WORD_SPACE, 2, SPACE_IO, IO_ENTIRE_RANGE, first, last);
}

void aml_res_mem32_window(struct aml *a, uint32_t first, uint32_t last)
{
	space(a, RES_DWORD_SPACE, 4, SPACE_MEM, MEM_RW, first, last);
}

void aml_res_mem64_window(struct aml *a, uint64_t first, uint64_t last)
{
	space(a, RES_QWORD_SPACE, 8, SPACE_MEM, MEM_RW | MEM_PREFETCH, first,
	      last);
}

void aml_res_end(struct aml *a)
{
	aml_u8(a, RES_END);
	aml_u8(a, 0); /* checksum 0: "the template sums correctly" */
}
