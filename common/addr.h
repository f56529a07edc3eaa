/* addr: recipient addresses. Local part kept as given, domain lower-cased. */
#ifndef BK_ADDR_H
#define BK_ADDR_H

#include <stddef.h>

#define ADDR_MAX 512

/* Normalises the address in s[0..n): surrounding white space, "<>", a
 * "rfc822;" type prefix and a trailing dot on the domain are dropped; the
 * domain is lower-cased. With fold_local, the local part is lower-cased too.
 * Writes a NUL-terminated copy to out (ADDR_MAX bytes) and returns the offset
 * of the domain in out, or -1 when s is not an address. */
int addr_normalize(const char *s, size_t n, int fold_local, char *out);
/* The domain part of a normalised address, or NULL. */
const char *addr_domain(const char *addr);
/* Whether s looks like a domain name (for "@domain" entries). */
int addr_is_domain(const char *s, size_t n);

#endif
