/* sqlmem: the memory SQLite asks for, its page buffers from huge pages
 * (a page fault each 4 KB of fresh memory is dear in a virtual machine). */
#ifndef BK_SQLMEM_H
#define BK_SQLMEM_H

#include <stddef.h>

/* Gives SQLite its allocator; before its first use (sqldb_open calls it),
 * once; later calls do nothing. */
void sqlmem_init(void);

/* Fresh memory for an array of n elements of size bytes that a run of a
 * store keeps to itself (a first run's changes: 80 MB at a million plans),
 * from huge pages as SQLite's page buffers are: a page fault each 2 MB, not
 * each 4 KB. Under a huge page: malloc(3). Exits when there is none, as
 * util_xmalloc. sqlmem_unmap frees it, given the same n and size. */
void *sqlmem_map(size_t n, size_t size);
void sqlmem_unmap(void *p, size_t n, size_t size);

#endif
