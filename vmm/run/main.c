// SPDX-License-Identifier: MIT
/* ferry's entry point: parse the command line, run the machine. */
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include "../exitcode.h"
#include "../log.h"
#include "../stopsig.h"
#include "machine.h"
#include "opts.h"
#include "version.h"

/* Refuse guest RAM the host could never back (RAM plus swap). */
static int check_host_memory(uint64_t want)
{
	struct sysinfo si;
	uint64_t have;

	if (sysinfo(&si) < 0)
		return 0; /* cannot tell: let mem_create() decide */
	have = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
	if (want <= have)
		return 0;
	err("--memory %llu MiB is more than this host's %llu MiB of RAM and "
	    "swap; give less", (unsigned long long)(want >> 20),
	    (unsigned long long)(have >> 20));
	return -1;
}

int main(int argc, char *argv[])
{
	struct run_opts opts;
	char why[256];
	int ret;

	/* Before anything else: a stop signal now ends ferry through its
	 * teardown with status 12, never by the signal's default action. */
	ret = stopsig_block();
	if (ret) {
		err("cannot block the stop signals: %s", strerror(-ret));
		return FERRY_EXIT_HOST;
	}

	switch (opts_parse(argc, argv, &opts, why, sizeof(why))) {
	case OPTS_HELP:
		fputs(opts_help_text, stdout);
		return FERRY_EXIT_OK;
	case OPTS_VERSION:
		printf("ferry %s\n", FERRY_VERSION);
		return FERRY_EXIT_OK;
	case OPTS_ERROR:
		err("%s", why);
		return FERRY_EXIT_USAGE;
	case OPTS_RUN:
		break;
	}
	if (opts.verbosity < 0)
		log_max_level = LOG_ERR;
	else if (opts.verbosity == 1)
		log_max_level = LOG_INFO;
	else if (opts.verbosity > 1)
		log_max_level = LOG_DEBUG;
	if (!opts.dump_dtb && !opts.dump_acpi &&
	    check_host_memory(opts.memory))
		return FERRY_EXIT_USAGE;
	return machine_run(&opts);
}
