/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Typed growable arrays.
 *
 *   DEFINE_VECTOR_TYPE (string_vector, char *);
 *   string_vector v = EMPTY_VECTOR;
 *   if (string_vector_append (&v, s) == -1) ... (errno is set)
 *   v.ptr[i], v.len; free (v.ptr);
 */

#ifndef GC_VECTOR_H
#define GC_VECTOR_H

#include <stdlib.h>
#include <string.h>
#include <errno.h>

/* Grow v (of elements of size itemsize) to hold at least n more. */
static inline int
gc_vector_reserve (void **ptr, size_t *cap, size_t len, size_t n,
                   size_t itemsize)
{
  if (len + n <= *cap)
    return 0;
  size_t newcap = *cap ? *cap * 2 : 8;
  while (newcap < len + n)
    newcap *= 2;
  if (newcap > ((size_t) -1) / itemsize) {
    errno = ENOMEM;
    return -1;
  }
  void *p = realloc (*ptr, newcap * itemsize);
  if (p == NULL)
    return -1;
  *ptr = p;
  *cap = newcap;
  return 0;
}

#define DEFINE_VECTOR_TYPE(name, type)                                  \
  typedef struct {                                                      \
    type *ptr;                                                          \
    size_t len;                                                         \
    size_t cap;                                                         \
  } name;                                                               \
  static inline __attribute__ ((__unused__)) int                        \
  name##_reserve (name *v, size_t n)                                    \
  {                                                                     \
    return gc_vector_reserve ((void **) &v->ptr, &v->cap, v->len, n,    \
                              sizeof (type));                           \
  }                                                                     \
  static inline __attribute__ ((__unused__)) int                        \
  name##_append (name *v, type elem)                                    \
  {                                                                     \
    if (name##_reserve (v, 1) == -1)                                    \
      return -1;                                                        \
    v->ptr[v->len++] = elem;                                            \
    return 0;                                                           \
  }                                                                     \
  static inline __attribute__ ((__unused__)) void                       \
  name##_reset (name *v)                                                \
  {                                                                     \
    free (v->ptr);                                                      \
    v->ptr = NULL;                                                      \
    v->len = v->cap = 0;                                                \
  }

#define EMPTY_VECTOR { .ptr = NULL, .len = 0, .cap = 0 }

DEFINE_VECTOR_TYPE (string_vector, char *);

#endif /* GC_VECTOR_H */
