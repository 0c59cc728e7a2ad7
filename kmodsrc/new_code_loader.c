// SPDX-License-Identifier: GPL-2.0
/* Loader of an update's replacement code for one target (see README). */
#define KSPLICE_PART_KIND KSPLICE_PART_NEW
#include "ksplice-loader-common.h"
MODULE_DESCRIPTION("ksplice update " KSPLICE_STR(KSPLICE_ID) ": new code for " KSPLICE_TARGET);
