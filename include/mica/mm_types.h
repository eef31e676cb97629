/*
 * Frame and address types that keep the address spaces apart: a guest frame
 * (gfn_t) cannot be passed where a machine frame (mfn_t) is expected, or the
 * reverse, without an explicit conversion the reader can see.
 */
#ifndef MICA_MM_TYPES_H
#define MICA_MM_TYPES_H

#include <mica/types.h>

typedef struct {
	uint64_t gfn;
} gfn_t; /* guest-physical frame number */

typedef struct {
	uint64_t mfn;
} mfn_t; /* machine frame number */

typedef struct {
	uint64_t gpa;
} gpa_t; /* guest-physical address */

static inline gfn_t _gfn(uint64_t x)
{
	return (gfn_t){x};
}
static inline uint64_t gfn_x(gfn_t g)
{
	return g.gfn;
}
static inline mfn_t _mfn(uint64_t x)
{
	return (mfn_t){x};
}
static inline uint64_t mfn_x(mfn_t m)
{
	return m.mfn;
}
static inline gpa_t _gpa(uint64_t x)
{
	return (gpa_t){x};
}
static inline uint64_t gpa_x(gpa_t a)
{
	return a.gpa;
}

#define INVALID_GFN ((gfn_t){~0ULL})
#define INVALID_MFN ((mfn_t){~0ULL})

static inline bool gfn_eq(gfn_t a, gfn_t b)
{
	return a.gfn == b.gfn;
}
static inline bool mfn_eq(mfn_t a, mfn_t b)
{
	return a.mfn == b.mfn;
}
static inline gfn_t gfn_add(gfn_t g, uint64_t n)
{
	return _gfn(g.gfn + n);
}
static inline mfn_t mfn_add(mfn_t m, uint64_t n)
{
	return _mfn(m.mfn + n);
}

static inline gpa_t gfn_to_gpa(gfn_t g)
{
	return _gpa(g.gfn << PAGE_SHIFT);
}
static inline gfn_t gpa_to_gfn(gpa_t a)
{
	return _gfn(a.gpa >> PAGE_SHIFT);
}
static inline paddr_t mfn_to_maddr(mfn_t m)
{
	return m.mfn << PAGE_SHIFT;
}
static inline mfn_t maddr_to_mfn(paddr_t pa)
{
	return _mfn(pa >> PAGE_SHIFT);
}

#endif
