/* pgconn: what the PostgreSQL stores share (plans, the suppression list):
 * loading libpq, connecting without a secret in sight, the versioned schema
 * of each part, advisory locks, and one way to report what went wrong.
 *
 * A store is named postgresql://..., postgres://... (a libpq URI) or
 * postgresql:[keyword=value ...] (empty: the PG* environment). A password in
 * the name would be seen by every user in ps(1) and in the diagnostics that
 * name the store, so it is refused; libpq reads it from PGPASSFILE
 * (~/.pgpass) or a service file instead.
 *
 * libpq is loaded when a run opens a PostgreSQL store, not linked: its
 * libraries (TLS, Kerberos, LDAP) would cost every start of a program
 * several times what it does on a small state. The calls go through the
 * table pgconn_pq (the macros below). */
#ifndef BK_PGCONN_H
#define BK_PGCONN_H

#if defined(__has_include)
#if !__has_include(<libpq-fe.h>)
#error "libpq-fe.h not found: the PostgreSQL stores need libpq (Debian: libpq-dev; sh tools/deps.sh --install build)"
#endif
#endif
#include <libpq-fe.h>

#include "util.h"

#define PQ_FUNCS(X) X(PQclear) X(PQconnectdbParams) X(PQconninfoFree) \
	X(PQconninfoParse) X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexecPrepared) \
	X(PQfinish) X(PQfreemem) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQntuples) \
	X(PQprepare) X(PQresultErrorMessage) X(PQresultStatus) X(PQserverVersion) \
	X(PQsetNoticeProcessor) X(PQstatus)
#define PQ_MEMBER(f) __typeof__(f) *f;
struct pgconn_pq {
	PQ_FUNCS(PQ_MEMBER)
};
#undef PQ_MEMBER
extern struct pgconn_pq pgconn_pq;
#define PQclear pgconn_pq.PQclear
#define PQconnectdbParams pgconn_pq.PQconnectdbParams
#define PQconninfoFree pgconn_pq.PQconninfoFree
#define PQconninfoParse pgconn_pq.PQconninfoParse
#define PQerrorMessage pgconn_pq.PQerrorMessage
#define PQexec pgconn_pq.PQexec
#define PQexecParams pgconn_pq.PQexecParams
#define PQexecPrepared pgconn_pq.PQexecPrepared
#define PQfinish pgconn_pq.PQfinish
#define PQfreemem pgconn_pq.PQfreemem
#define PQgetisnull pgconn_pq.PQgetisnull
#define PQgetlength pgconn_pq.PQgetlength
#define PQgetvalue pgconn_pq.PQgetvalue
#define PQntuples pgconn_pq.PQntuples
#define PQprepare pgconn_pq.PQprepare
#define PQresultErrorMessage pgconn_pq.PQresultErrorMessage
#define PQresultStatus pgconn_pq.PQresultStatus
#define PQserverVersion pgconn_pq.PQserverVersion
#define PQsetNoticeProcessor pgconn_pq.PQsetNoticeProcessor
#define PQstatus pgconn_pq.PQstatus

/* pg_advisory_xact_lock(int, int) class of bouncekit's locks: "bkpl". */
#define PGCONN_LOCK_CLASS 0x626b706c

struct pgconn {
	PGconn *conn;
	const char *path;	/* the store's name, for messages */
	int failed;		/* a failure was reported: the run is over */
};

/* A part of the schema (a table and its indexes), versioned in the table
 * bouncekit_schema that the parts share. */
struct pgconn_schema {
	const char *part;	/* its row in bouncekit_schema: "plans" */
	const char *table;	/* its main table: "bouncekit_plans" */
	const char *what;	/* for messages: "plan" */
	int version;		/* of create */
	const char *create;	/* the part, newest version (and its schema row) */
	int lock;		/* advisory lock key of the run that makes it */
};

/* Whether path names a PostgreSQL store. */
int pgconn_is_pg(const char *path);
/* Loads libpq, checks the name (no password in it), connects. 0, or -1
 * (reported; call pgconn_close all the same). */
int pgconn_open(struct pgconn *c, const char *path);
/* The version of sc in the database: 0 none yet, -1 foreign, newer or failed
 * (reported). With writes, a part not there yet is made (by one of the runs
 * racing here) and its version returned. Before the run's transaction. */
int pgconn_schema(struct pgconn *c, const struct pgconn_schema *sc, int writes);
/* Reports r's error (or the connection's) as done while doing what; -1. */
int pgconn_fail(struct pgconn *c, const char *what, const PGresult *r);
/* Runs sql (no parameters): 0, or -1 reported. */
int pgconn_exec(struct pgconn *c, const char *sql);
/* The one value of a one-row query, or NULL (reported). Free it. */
char *pgconn_value(struct pgconn *c, const char *sql);
/* The transaction's advisory lock key (PGCONN_LOCK_CLASS): waits for it
 * with wait, else 1 got, 0 another run holds it; -1 (reported). */
int pgconn_lock(struct pgconn *c, int key, int wait);
/* The result of the prepared statement named name (sql, prepared on its
 * first use: *prepared says it was) with n text parameters; NULL when it
 * failed (reported as done while doing what). PQclear it. */
PGresult *pgconn_run(struct pgconn *c, int *prepared, const char *name, const char *sql,
    int n, const char *const *params, const char *what);
/* Elements of array literals ("{...}", closed by the caller) for parameters
 * that carry many rows at once: a text of n bytes (NULL: null), a number
 * (null: null). */
void pgconn_array_text(struct util_buf *a, const char *v, size_t n);
void pgconn_array_int(struct util_buf *a, long long v, int null);
/* Closes the connection: what was not committed is rolled back. */
void pgconn_close(struct pgconn *c);

#endif
