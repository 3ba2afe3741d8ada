// SPDX-License-Identifier: MIT
/* vfio_info_cap(): one bounded walk of a VFIO info capability chain. */
#include <string.h>
#include "../../vfio/iommu.h"
#include "test.h"

static uint8_t buf[256];

/* A capability header at @off: @id, version 1, next @next. */
static void cap(uint32_t off, uint16_t id, uint32_t next)
{
	struct vfio_info_cap_header h = { .id = id, .version = 1, .next = next };

	memcpy(buf + off, &h, sizeof(h));
}

int main(void)
{
	struct vfio_info_cap_header *h;

	cap(16, 7, 48);
	cap(48, 9, 96);
	cap(96, 3, 0);
	h = vfio_info_cap(buf, sizeof(buf), 16, 3, 0);
	CHECK_MSG(h == (void *)(buf + 96), "the third capability is found");
	CHECK_MSG(vfio_info_cap(buf, sizeof(buf), 16, 4, 0) == NULL,
		  "a missing one is NULL at the end of the chain");
	CHECK_MSG(vfio_info_cap(buf, sizeof(buf), 16, 3, 200) == NULL,
		  "one too short for what the caller reads is not returned");
	CHECK_MSG(vfio_info_cap(buf, 100, 16, 3, 0) == NULL,
		  "a header running past the reply is not read");

	cap(96, 3, 48); /* a loop back to the second */
	CHECK_MSG(vfio_info_cap(buf, sizeof(buf), 16, 4, 0) == NULL,
		  "a chain that loops ends (backwards pointer)");
	cap(48, 9, 48); /* points at itself */
	CHECK_MSG(vfio_info_cap(buf, sizeof(buf), 16, 4, 0) == NULL,
		  "a capability pointing at itself ends the walk");
	CHECK_MSG(vfio_info_cap(buf, sizeof(buf), 0, 7, 0) == NULL,
		  "offset 0 means no capabilities");
	cap(16, 7, 0xfffffff0u);
	CHECK_MSG(vfio_info_cap(buf, sizeof(buf), 16, 4, 0) == NULL,
		  "a next pointer far past the reply ends the walk");
	return test_done();
}
