/* sqlmem: the memory SQLite asks for, its page buffers from huge pages
 * (a page fault each 4 KB of fresh memory is dear in a virtual machine). */
#ifndef BK_SQLMEM_H
#define BK_SQLMEM_H

/* Gives SQLite its allocator; before its first use (sqldb_open calls it),
 * once; later calls do nothing. */
void sqlmem_init(void);

#endif
