// SPDX-License-Identifier: MIT
/* The AML encoder: names, integers, PkgLength boundaries, descriptors. */
#include <errno.h>
#include "../../vmm/aml.h"
#include "test.h"

static uint8_t buf[8192];

/* Encode with @fn into a fresh buffer; compare with @want. */
#define ENCODES(stmt, ...)                                                     \
	({                                                                     \
		static const uint8_t want_[] = { __VA_ARGS__ };                \
		struct aml a_;                                                 \
		aml_init(&a_, buf, sizeof(buf));                               \
		struct aml *a = &a_;                                           \
		stmt;                                                          \
		aml_finish(a) == (int)sizeof(want_) &&                         \
			memcmp(buf, want_, sizeof(want_)) == 0;                \
	})

static int name_fails(const char *path)
{
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, path);
	return aml_finish(&a) == -EINVAL;
}

/* A package holding @body bytes of raw content: its PkgLength bytes. */
static int pkglen_bytes(size_t body)
{
	static uint8_t raw[70000];
	struct aml a;
	size_t m;
	int len;

	aml_init(&a, buf, sizeof(buf));
	m = aml_package_open(&a, 0);
	/* NumElements is one byte of the body. */
	aml_bytes(&a, raw, body - 1);
	aml_close(&a, m);
	len = aml_finish(&a);
	if (len < 0)
		return len;
	return len - 1 - (int)body; /* less PackageOp and the body */
}

/* The PkgLength at buf[1] of a package, decoded. */
static size_t pkglen_value(void)
{
	unsigned int n = buf[1] >> 6, i;
	size_t v;

	if (n == 0)
		return buf[1] & 0x3f;
	v = buf[1] & 0x0f;
	for (i = 0; i < n; i++)
		v |= (size_t)buf[2 + i] << (4 + 8 * i);
	return v;
}

static void check_overflow(void)
{
	unsigned int cap, bad = 0;
	uint8_t guard[64];
	struct aml a;
	int full;

	/* A device with a template: every capacity short of the whole must
	 * fail with -E2BIG and never write past the capacity. */
	for (cap = 0; cap < 200; cap++) {
		uint8_t t[64];
		struct aml r;
		size_t d;

		memset(buf, 0xa5, sizeof(buf));
		aml_init(&a, buf, cap);
		d = aml_device_open(&a, "\\_SB.COM1");
		aml_name_decl(&a, "_HID");
		aml_eisaid(&a, "PNP0501");
		aml_init(&r, t, sizeof(t));
		aml_res_io(&r, 0x3f8, 8);
		aml_res_irq(&r, 4);
		aml_res_end(&r);
		aml_name_decl(&a, "_CRS");
		aml_buffer(&a, t, r.len);
		aml_close(&a, d);
		full = aml_finish(&a);
		memset(guard, 0xa5, sizeof(guard));
		if (memcmp(buf + cap, guard, sizeof(guard)) != 0)
			bad++;
		if (full >= 0) {
			CHECK_MSG((unsigned int)full <= cap,
				  "the device fits where it says it does");
			break;
		}
		if (full != -E2BIG)
			bad++;
	}
	CHECK_MSG(full > 0 && cap == (unsigned int)full,
		  "a device fits exactly in its own length");
	CHECK_MSG(bad == 0, "short buffers: -E2BIG, nothing written past them");
}

int main(void)
{
	/* Names. */
	CHECK_MSG(ENCODES(aml_name(a, "\\_SB"), '\\', '_', 'S', 'B', '_'),
		  "\\_SB: root, padded segment");
	CHECK_MSG(ENCODES(aml_name(a, "RTC"), 'R', 'T', 'C', '_'),
		  "RTC is RTC_");
	CHECK_MSG(ENCODES(aml_name(a, "_SB.PCI0"), 0x2e, '_', 'S', 'B', '_',
			  'P', 'C', 'I', '0'),
		  "two segments: DualNamePrefix");
	CHECK_MSG(ENCODES(aml_name(a, "\\_SB.PCI0.GSI7"), '\\', 0x2f, 3, '_',
			  'S', 'B', '_', 'P', 'C', 'I', '0', 'G', 'S', 'I',
			  '7'),
		  "three segments: MultiNamePrefix and a count");
	CHECK_MSG(ENCODES(aml_name(a, "^^ABCD"), '^', '^', 'A', 'B', 'C', 'D'),
		  "parent prefixes");
	CHECK_MSG(ENCODES(aml_name(a, "\\"), '\\', 0), "the root: NullName");
	CHECK_MSG(name_fails("1ABC") && name_fails("ABCDE") &&
			  name_fails("ab") && name_fails("A..B") &&
			  name_fails("A-B"),
		  "bad names: -EINVAL");

	/* Integers, shortest first. */
	CHECK(ENCODES(aml_int(a, 0), 0x00));
	CHECK(ENCODES(aml_int(a, 1), 0x01));
	CHECK(ENCODES(aml_int(a, 0xff), 0x0a, 0xff));
	CHECK(ENCODES(aml_int(a, 0x100), 0x0b, 0x00, 0x01));
	CHECK(ENCODES(aml_int(a, 0x10000), 0x0c, 0x00, 0x00, 0x01, 0x00));
	CHECK(ENCODES(aml_int(a, 0x140000000ULL), 0x0e, 0, 0, 0, 0x40, 1, 0,
		      0, 0));
	CHECK(ENCODES(aml_string(a, "ab"), 0x0d, 'a', 'b', 0));
	CHECK_MSG(ENCODES(aml_eisaid(a, "PNP0A08"), 0x0c, 0x41, 0xd0, 0x0a,
			  0x08),
		  "EisaId(PNP0A08) = 0x080AD041, as iasl compiles it");
	CHECK_MSG(ENCODES(aml_eisaid(a, "PNP0501"), 0x0c, 0x41, 0xd0, 0x05,
			  0x01),
		  "EisaId(PNP0501) = 0x0105D041");

	/* PkgLength: 1 byte up to 63 in all, then 2 up to 4095, then 3. */
	CHECK_MSG(pkglen_bytes(62) == 1 && pkglen_value() == 63,
		  "62 bytes of body: one PkgLength byte, value 63");
	CHECK_MSG(pkglen_bytes(63) == 2 && pkglen_value() == 65,
		  "63 bytes of body: two PkgLength bytes, value 65");
	CHECK_MSG(pkglen_bytes(4093) == 2 && pkglen_value() == 4095,
		  "4093 bytes: two bytes, value 4095");
	CHECK_MSG(pkglen_bytes(4094) == 3 && pkglen_value() == 4097,
		  "4094 bytes: three bytes, value 4097");

	/* Terms and descriptors. */
	CHECK_MSG(ENCODES(({
		size_t m = aml_method_open(a, "_SRS", 1);
		aml_close(a, m);
	}), 0x14, 0x06, '_', 'S', 'R', 'S', 0x01),
		  "Method(_SRS, 1) {}: PkgLength counts itself");
	CHECK_MSG(ENCODES(aml_buffer(a, "\x79\x00", 2), 0x11, 0x05, 0x0a, 0x02,
			  0x79, 0x00),
		  "Buffer(2) { EndTag }");
	CHECK_MSG(ENCODES(aml_res_io(a, 0x3f8, 8), 0x47, 0x01, 0xf8, 0x03, 0xf8,
			  0x03, 0x01, 0x08),
		  "IO(Decode16, 0x3f8, 0x3f8, 1, 8)");
	CHECK_MSG(ENCODES(aml_res_irq(a, 4), 0x22, 0x10, 0x00),
		  "IRQNoFlags(){4}");
	CHECK_MSG(ENCODES(aml_res_irq_level_high(a, 17), 0x89, 0x06, 0x00, 0x09,
			  0x01, 0x11, 0x00, 0x00, 0x00),
		  "Interrupt(Consumer, Level, ActiveHigh, Shared){17}");
	CHECK_MSG(ENCODES(aml_res_bus_range(a, 0, 0), 0x88, 0x0d, 0x00, 0x02,
			  0x0c, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0),
		  "WordBusNumber 0-0: length 1");
	CHECK_MSG(ENCODES(aml_res_mem32_fixed(a, 0xe0000000, 0x100000), 0x86,
			  0x09, 0x00, 0x01, 0, 0, 0, 0xe0, 0, 0, 0x10, 0),
		  "Memory32Fixed(ReadWrite, 0xe0000000, 1 MiB)");
	{
		struct aml a;

		aml_init(&a, buf, sizeof(buf));
		aml_res_mem64_window(&a, 0x140000000ULL, 0x113fffffffULL);
		CHECK_MSG(aml_finish(&a) == 46 && buf[0] == 0x8a &&
				  buf[1] == 43 && buf[3] == 0 &&
				  buf[5] == 0x07,
			  "QWordMemory: 46 bytes, memory, prefetchable RW");
		CHECK_MSG(memcmp(buf + 6 + 8, "\0\0\0\x40\x01\0\0\0", 8) == 0 &&
				  memcmp(buf + 6 + 32, "\0\0\0\0\x10\0\0\0",
					 8) == 0,
			  "QWordMemory: minimum and length");
		aml_init(&a, buf, sizeof(buf));
		aml_res_io_window(&a, 0x10, 0x0f);
		CHECK_MSG(aml_finish(&a) == -EINVAL,
			  "a window ending before it starts: -EINVAL");
	}
	check_overflow();
	printf("1..%d\n", test_count);
	return test_failed ? 1 : 0;
}
