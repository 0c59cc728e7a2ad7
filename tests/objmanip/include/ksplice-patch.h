/* SPDX-License-Identifier: GPL-2.0 */
/* The patch authors' header itself (with the stand-ins of linux/). */
#include "../../../kmodsrc/ksplice-patch.h"
