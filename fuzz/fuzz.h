/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What every fuzz target shares: each defines LLVMFuzzerTestOneInput,
 * run by libFuzzer (meson -Dfuzz=true, clang) or by replay.c over the
 * corpus in the unit tests. */

#ifndef GC_FUZZ_H
#define GC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#endif /* GC_FUZZ_H */
