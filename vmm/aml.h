/* SPDX-License-Identifier: MIT */
/* An ACPI Machine Language (AML) encoder: the few terms a VMM's DSDT needs. */
#ifndef FERRY_AML_H
#define FERRY_AML_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/*
 * Bytecode is appended to a caller-owned buffer. A write that does not fit
 * sets @err (-E2BIG) and every later call does nothing, so a builder runs
 * to its end and checks aml_finish() once. A name that is not a valid
 * ACPI name sets -EINVAL the same way. Not thread-safe; no allocation.
 */
struct aml {
	uint8_t *buf;
	size_t len, cap;
	int err;
};

void aml_init(struct aml *a, void *buf, size_t cap);

/* The bytes written, or the first error (-E2BIG, -EINVAL). */
int aml_finish(const struct aml *a) __must_check;

void aml_bytes(struct aml *a, const void *p, size_t len);
void aml_u8(struct aml *a, uint8_t v);
void aml_u16(struct aml *a, uint16_t v); /* little-endian, as AML is */
void aml_u32(struct aml *a, uint32_t v);
void aml_u64(struct aml *a, uint64_t v);

/*
 * A NameString: "\\" for the root, "^" for the parent, then segments of
 * 1-4 characters (A-Z, 0-9, _; not a digit first) separated by '.'; short
 * segments are padded with '_' ("RTC" is "RTC_").
 */
void aml_name(struct aml *a, const char *path);

/* An integer in its shortest encoding (Zero, One, Byte ... QWord). */
void aml_int(struct aml *a, uint64_t v);
/* A String constant (ASCII, without NULs). */
void aml_string(struct aml *a, const char *s);
/* EisaId("PNP0A08"): the 32-bit compressed form of a PNP ID. */
void aml_eisaid(struct aml *a, const char *id);
/* Name(PATH, ...): the caller writes the object next. */
void aml_name_decl(struct aml *a, const char *path);
/* Buffer(){@p, @len bytes} */
void aml_buffer(struct aml *a, const void *p, size_t len);

/*
 * Terms with a PkgLength: open one, write its contents, close it with
 * the mark open returned. Opens nest; close in reverse order.
 */
size_t aml_scope_open(struct aml *a, const char *path);
size_t aml_device_open(struct aml *a, const char *path);
/* Method(PATH, @nargs (0-7), NotSerialized) */
size_t aml_method_open(struct aml *a, const char *path, unsigned int nargs);
/* Package(@nelems){...}: the caller writes exactly @nelems objects. */
size_t aml_package_open(struct aml *a, unsigned int nelems);
void aml_close(struct aml *a, size_t mark);

/*
 * Resource descriptors (ACPI 6.x section 6.4), for a resource template
 * built in its own struct aml and then wrapped with aml_buffer(). The
 * template must end with aml_res_end().
 */
void aml_res_io(struct aml *a, uint16_t port, uint8_t len);
void aml_res_irq(struct aml *a, unsigned int irq); /* IRQNoFlags: ISA, edge */
/* Interrupt(ResourceConsumer, Level, ActiveHigh, Shared){@gsi} */
void aml_res_irq_level_high(struct aml *a, uint32_t gsi);
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len);
/* Bridge windows (ResourceProducer, MinFixed, MaxFixed, PosDecode). */
void aml_res_bus_range(struct aml *a, uint16_t first, uint16_t last);
void aml_res_io_window(struct aml *a, uint16_t first, uint16_t last);
void aml_res_mem32_window(struct aml *a, uint32_t first, uint32_t last);
/* A prefetchable 64-bit window. */
void aml_res_mem64_window(struct aml *a, uint64_t first, uint64_t last);
void aml_res_end(struct aml *a);

#endif
