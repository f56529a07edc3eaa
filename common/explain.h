/* explain: bounce-parse --explain. What an enhanced status code means, or how
 * a reply line is classified, with the rules that decided and their sources. */
#ifndef BK_EXPLAIN_H
#define BK_EXPLAIN_H

/* arg: an enhanced status code ("5.1.1"), a reply line ("550 5.1.1 <x@y>:
 * User unknown", optionally after the SMTP command it answered: "RCPT TO:
 * 550 ..."), "rules" (every rule with its source), or "-" (reply lines on
 * standard input, one a line). Writes JSON lines to stdout; returns BK_OK,
 * or BK_ERR after a diagnostic. */
int explain_main(const char *arg);

#endif
