// SPDX-License-Identifier: GPL-2.0
/* Loader of an update's pre code (run-pre matching material) for one target. */
#define KSPLICE_PART_KIND KSPLICE_PART_OLD
#include "ksplice-loader-common.h"
MODULE_DESCRIPTION("ksplice update " KSPLICE_STR(KSPLICE_ID) ": old code for " KSPLICE_TARGET);
