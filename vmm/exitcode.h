/* SPDX-License-Identifier: MIT */
/* ferry's documented process exit codes (README "Exit codes"). */
#ifndef FERRY_EXITCODE_H
#define FERRY_EXITCODE_H

/*
 * Odd statuses belong to the guest: a write of value V to the debug-exit
 * port makes ferry exit with (V << 1) | 1, as QEMU's isa-debug-exit does.
 * ferry's own statuses are therefore even, so the two never collide.
 */
enum ferry_exit {
	FERRY_EXIT_OK = 0,	  /* guest reset or powered off */
	FERRY_EXIT_USAGE = 2,	  /* bad command line */
	FERRY_EXIT_LOAD = 4,	  /* kernel/initrd missing, unreadable, bad */
	FERRY_EXIT_HOST = 6,	  /* host cannot run the VM (KVM, memory) */
	FERRY_EXIT_GUEST_CRASH = 8, /* triple fault, KVM internal error */
	FERRY_EXIT_DEVICE = 10,	  /* a device (VFIO) could not be set up */
	FERRY_EXIT_SIGNAL = 12,	  /* stopped by SIGINT/SIGTERM/SIGHUP */
};

#endif
