/* memmem(3): glibc declares it for _GNU_SOURCE; the BSDs always. */
#define _GNU_SOURCE
#include "reason.h"
#include "ascii.h"
#include "status.h"
#include "util.h"

#include <pthread.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct reason_desc reason_table[] = {
	{ "authfailure", "soft", "SPF, DKIM or DMARC check of the sender failed" },
	{ "badreputation", "soft", "the sending IP or domain has a bad reputation" },
	{ "blocked", "soft", "the sending IP is blocked (blacklist, no rDNS, policy)" },
	{ "contenterror", "soft", "the message content or format was refused" },
	{ "delivered", "none", "delivered (not a bounce)" },
	{ "exceedlimit", "soft", "a limit other than size was exceeded (recipients, ...)" },
	{ "expired", "soft", "delivery time expired: the MTA gave up retrying" },
	{ "feedback", "none", "an ARF feedback (abuse) report, not a bounce" },
	{ "filtered", "soft", "refused by a filter of the recipient (header, content)" },
	{ "hasmoved", "hard", "the mailbox has moved, no forwarding address" },
	{ "hostunknown", "hard", "the recipient domain or host does not exist" },
	{ "mailboxfull", "soft", "the recipient's mailbox is full (quota)" },
	{ "mailererror", "soft", "a local delivery program (mailer) failed" },
	{ "mesgtoobig", "soft", "the message is too big" },
	{ "networkerror", "soft", "network or DNS trouble on the way (timeouts, loops)" },
	{ "norelaying", "soft", "relaying denied" },
	{ "notaccept", "hard-if-5xx", "the host accepts no mail (null MX, 521/556)" },
	{ "notcompliantrfc", "soft", "the message violates an RFC" },
	{ "onhold", "soft", "the outcome is not known yet" },
	{ "policyviolation", "soft", "refused by a policy of the recipient's site" },
	{ "rejected", "soft", "the sender address was rejected" },
	{ "requireptr", "soft", "the sending IP has no (matching) reverse DNS" },
	{ "securityerror", "soft", "a security or policy check failed (authentication, encryption, X.7.x)" },
	{ "spamdetected", "soft", "the message was taken as spam" },
	{ "speeding", "soft", "rate limited: too many messages too fast" },
	{ "suppressed", "soft", "the provider suppressed the address without trying" },
	{ "suspend", "soft", "the mailbox is disabled or suspended" },
	{ "syntaxerror", "soft", "an SMTP syntax or protocol error" },
	{ "systemerror", "soft", "the receiving mail system had an error" },
	{ "systemfull", "soft", "the receiving mail system is out of storage" },
	{ "toomanyconn", "soft", "too many connections or recipients at once" },
	{ "undefined", "soft", "the reason could not be told" },
	{ "userunknown", "hard", "the recipient's mailbox does not exist" },
	{ "vacation", "none", "an automatic reply (vacation), not a bounce" },
	{ "virusdetected", "soft", "the message was taken as carrying a virus" },
	{ NULL, NULL, NULL },
};

/*
 * Where the texts and codes come from. Each rule names its source, so that a
 * reviewer can open it and read the text in its producer's own words
 * (bounce-parse --why shows it). MTA paths are of their source trees.
 */
#define RFC3463		"RFC 3463 (enhanced mail system status codes)"
#define RFC5321		"RFC 5321 4.2 (SMTP reply codes and texts)"
#define RFC5321_CMD	"RFC 5321 4.1 (SMTP commands, as quoted in transcripts)"
#define RFC7505		"RFC 7505 (null MX), RFC 7504 (521/556 replies)"
#define RFC7208		"RFC 7208 (SPF)"
#define RFC6376		"RFC 6376 (DKIM)"
#define RFC7489		"RFC 7489 (DMARC)"
#define RFC1035		"RFC 1035 4.1.1 (RCODE 3, name error: NXDOMAIN)"
#define GLIBC_ERRNO	"glibc strerror(3)/gai_strerror(3) texts, quoted by MTAs"
#define POSTFIX_SMTPD	"Postfix src/smtpd/smtpd_check.c"
#define POSTFIX_SMTP	"Postfix src/smtp/smtp_proto.c"
#define POSTFIX_TROUBLE	"Postfix src/smtp/smtp_trouble.c"
#define POSTFIX_ADDR	"Postfix src/smtp/smtp_addr.c"
#define POSTFIX_DNS	"Postfix src/dns/dns_lookup.c, dns_strerror.c"
#define POSTFIX_LOCAL	"Postfix src/local/, src/virtual/unknown.c"
#define POSTFIX_PIPE	"Postfix src/pipe/pipe.c, src/local/command.c"
#define POSTFIX_CLEANUP	"Postfix src/cleanup/cleanup_message.c (header/body_checks REJECT)"
#define POSTFIX_RBL	"Postfix src/global/mail_params.h (DEF_RBL_REPLY)"
#define EXIM_RETRY	"Exim src/src/retry.c"
#define EXIM_SMTP	"Exim src/src/transports/smtp.c"
#define EXIM_DNSLOOKUP	"Exim src/src/routers/dnslookup.c"
#define EXIM_ROUTE	"Exim src/src/route.c"
#define EXIM_APPENDFILE	"Exim src/src/transports/appendfile.c"
#define EXIM_DELIVER	"Exim src/src/deliver.c"
#define EXIM_ACL	"Exim src/src/acl.c, src/src/configure.default"
#define EXIM_SMTPIN	"Exim src/src/smtp_in.c"
#define EXIM_SPEC	"Exim doc/doc-docbook/spec.xfpt (ACL and dnslists examples)"
#define SENDMAIL_ENV	"Sendmail sendmail/envelope.c"
#define SENDMAIL_ERR	"Sendmail libsm/strexit.c, sendmail/err.c"
#define USER_UNKNOWN	"Sendmail libsm/strexit.c (550 5.1.1 User unknown); Postfix src/smtpd/smtpd_check.c"
#define SENDMAIL_SRV	"Sendmail sendmail/srvrsmtp.c, sendmail/queue.c"
#define SENDMAIL_M4	"Sendmail cf/m4/proto.m4, cf/feature/dnsbl.m4"
#define SENDMAIL_TRANS	"Sendmail sendmail/usersmtp.c (session transcript >>> / <<<)"
#define QMAIL_REMOTE	"qmail/notqmail qmail-remote.c"
#define QMAIL_SEND	"qmail/notqmail qmail-send.c"
#define QMAIL_LOCAL	"qmail/notqmail qmail-local.c"
#define QMAIL_SMTPD	"qmail/notqmail qmail-smtpd.c"
#define OPENSMTPD_QUEUE	"OpenSMTPD usr.sbin/smtpd/queue.c, scheduler"
#define OPENSMTPD_MTA	"OpenSMTPD usr.sbin/smtpd/mta.c, mta_session.c"
#define OPENSMTPD_SMTP	"OpenSMTPD usr.sbin/smtpd/smtp_session.c"
#define COURIER		"Courier-MTA courier/module.esmtp/esmtpclient.C, courier/"
#define DMA		"DMA (DragonFly Mail Agent) dma.c, net.c"
#define HARAKA		"Haraka outbound/hmail.js"
#define KUMOMTA		"KumoMTA crates/kumod/src/queue/queue.rs"
#define EXCHANGE	"Exchange Online NDR reference (learn.microsoft.com .../ndr/non-delivery-reports-in-exchange-online)"
#define DOMINO		"HCL Domino SMTP router (Domino administrator help: delivery failure reports)"
#define GMAIL		"Gmail SMTP errors and codes (support.google.com/a/answer/3726730)"
#define GMAIL_HELP	"Gmail delivery status notification (support.google.com/mail/answer/7720, ?p=CustomFromDenied)"
#define GOOGLEGROUPS	"Google Groups delivery failure notice (support.google.com/groups)"
#define YAHOO		"Yahoo Sender Hub SMTP error codes (senders.yahooinc.com/smtp-error-codes), help.yahoo.com SLN3444"
#define OUTLOOKCOM	"Outlook.com postmaster troubleshooting (mail.live.com ... #errors)"
#define COMCAST		"Comcast/Xfinity SMTP error codes (postmaster.comcast.net/smtp-error-codes.php)"
#define GODADDY	"GoDaddy help 40685: fix rejected email with a bounce error"
#define SES_DOC	"Amazon SES developer guide: notification contents, suppression list"
#define COX		"Cox postmaster error codes (postmaster.cox.net ... Error+Codes)"
#define YANDEX		"Yandex Mail: message rejected under suspicion of spam (yandex.com/support/mail/bounces)"
#define DOVECOT		"Dovecot src/lmtp/, src/plugins/quota/ (userdb, quota texts)"
#define CYRUS		"Cyrus IMAP lmtpd (IMAP_INVALID_USER: No such user)"
#define ORANGE		"Orange postmaster error codes (postmaster.orange.fr, OFR_xxx)"
#define VPOPMAIL	"vpopmail vdelivermail.c"
#define EXCHANGE2003	"Exchange Server 2003 NDR texts (Microsoft KB 284204)"
#define POSTGREY	"postgrey(8) --greylist-text default"
#define OPENSMTPD_CONF	"OpenSMTPD smtpd.conf(5) filter check rdns"
#define OPENSMTPD_ESC	"OpenSMTPD usr.sbin/smtpd/esc.c (status code texts)"
#define POSTFIX_QMGR	"Postfix src/qmgr/ (postsuper -e: 4.7.0 message is administratively expired)"
#define IANA_7_13	"IANA SMTP Enhanced Status Codes registry X.7.13 (User Account Disabled)"
#define GMAIL_EXCHANGE_IP	"Gmail 5.7.1 (\"The IP you're using to send mail\"), Exchange Online 5.7.606-649 (banned sending IP)"
#define POSTFIX_SUSPEND	"Postfix src/qmgr/qmgr_deliver.c (delivery temporarily suspended: a destination's deferral)"
#define RFC3207		"RFC 3207 4 (STARTTLS: 530 Must issue a STARTTLS command first)"
#define IANA_7_8	"IANA SMTP Enhanced Status Codes registry X.7.8 (Authentication credentials invalid)"
#define EXIM_PIPE	"Exim src/src/transports/pipe.c"
#define SENDMAIL_DELIVER	"Sendmail sendmail/deliver.c, sendmail/usersmtp.c (timeouts, read errors)"
#define RFC2308		"RFC 2308 7.1 (SERVFAIL: server failure, cached only for a short time)"
#define RFC4954		"RFC 4954 6 (SMTP AUTH: 530 5.7.0 Authentication required)"
#define MS_OXCMAIL	"[MS-OXCMAIL] 2.2.3.7.1.3 (Exchange reads an unknown subject or detail as 0)"
#define EXCHANGE2007	"Exchange Server 2007-2019 DSN texts (learn.microsoft.com: DSNs and NDRs in Exchange Server)"
#define EXCHANGE_NDR	"Exchange Online NDR format (learn.microsoft.com .../ndr/non-delivery-reports-in-exchange-online: 'wasn't found at', 'Despite repeated attempts')"
#define YANDEX_BOUNCES	"Yandex: report on non-delivery to Yandex (yandex.com/support/mail/bounces/yandex.html: error codes table)"
#define JP_ISP		"Japanese ISPs' published error-mail guides (BIGLOBE FAQ 10621, megaegg FAQ 296: 'mail box is full', 'user name is unknown')"
#define MAILUTILS	"GNU Mailutils manual, mda Mailbox Quotas ('message would exceed maximum mailbox size')"
#define CYRUS_LMTP	"Cyrus IMAP imap/lmtpengine.c (550-Mailbox unknown. Either there is no mailbox ...)"
#define POSTFIX_SMTPD_PIPE	"Postfix src/smtpd/smtpd.c (554 5.5.0 Error: improper use of SMTP command pipelining)"
#define EXIM_LOCALHOST	"Exim src/src/routers/rf_lookup_hostlist.c, dnslookup.c (lowest numbered MX record points to local host)"
#define SENDER_SIDE	"RFC 3463 X.1.7/X.1.8 (the sender's address or domain), RFC 7505 X.7.27; RFC 5321 2.3.1 (replies speak to the client: 'your')"
#define EXIM_TEMP	"Exim src/src/smtp_in.c, acl.c (451 Temporary local problem - please try later)"
#define POSTFIX_TEMPLOOKUP	"Postfix src/smtpd/smtpd_check.c (451 4.3.0 Temporary lookup failure)"
#define RFC5321_TEMP	"RFC 5321 4.2.1 (4yz: the error condition is temporary; 'temporarily' says so in any reply)"
#define GMX_SUPPORT	"GMX help: email returned as undeliverable (support.gmx.com ... bounce-reject.html: 'User has too many messages on server')"
#define HMAILSERVER	"hMailServer source/Server/SMTP/ExternalDelivery.cpp, SMTPClientConnection.cpp (bounce texts: 'hMailServer sent:', 'Remote server replied:', 'Tried %d time(s)')"
#define KONTO_PL	"konto.pl help a2286: bounce reasons ('User not found', 'not a valid mailbox', 'No such user')"
#define SITEPACKAGE	"Sitepackage (ESP) documentation: typical non-delivery messages per provider (GMX, Web.de, T-Online, ...)"
#define PLESK		"Plesk: mail to a nonexistent user is returned with 'This address no longer accepts mail' (psa-locale-ru: 'этот адрес больше не принимает писем')"
#define JP_CATV		"Japanese ISP help on error mails (catv-yokohama.ne.jp FAQ 11387: notices say 宛先不明, recipient unknown)"
#define MAILRU		"Mail.ru MX replies (no published code list; the reply as public Postfix logs quote it: '550 Message was not accepted -- invalid mailbox')"
#define AOL_PM		"AOL postmaster error codes (postmaster.aol.com/errors: RTR, HVU, DNS, RLY, DYN, CON blocks)"
#define UI_NEMESIS	"1&1/IONOS (United Internet) relay notices, 'Reason: multiple delivery attempts failed' (no published reference; the notice as public copies show it)"

/* What a phrase says besides its reason. */
enum {
	F_WEAK = 1,		/* vague: a specific status code says more */
	F_TEMP = 2,		/* the failure is temporary: never hard */
	F_CONN = 4,		/* a failure to connect (given up on: expired) */
	F_EXCUSE = 8,		/* "user unknown" that filters also give as excuse */
	F_LAST = 16,		/* said before any restriction's own text */
	F_FOLLOWS = 32,		/* a command mark said after the reply it names */
	F_DBEB = 64,		/* Exchange Online's recipient check: wins over X.4.1 */
};

/* Marks: phrases that tell something about the reply, not its reason. */
enum {
	MK_MAIL = 1,		/* answered MAIL FROM: about the sender */
	MK_RCPT = 2,		/* answered RCPT TO: about the recipient */
	MK_DATA = 4,		/* answered DATA or the end of the content */
	MK_CONN = 8,		/* answered the connection, HELO/EHLO */
	MK_EXPIRY = 16,		/* the MTA gave up: the queue lifetime ran out */
	MK_QUOTE = 32,		/* a remote server's reply is quoted */
	MK_TEMP = 64,		/* said to be temporary */
};
#define NMARKBITS 7

static const struct phrase {
	struct reason_rule rule;	/* name: the phrase, lower case */
	const char *reason;		/* NULL for a mark */
	unsigned char mark;		/* MK_* of a mark */
	unsigned char flags;		/* F_* of a reason phrase */
} phrases[] = {
#define MARK(m, text, src) { { text, src }, NULL, m, 0 }
#define MARKF(m, text, src) { { text, src }, NULL, m, F_FOLLOWS }
#define P(reason, text, src) { { text, src }, reason, 0, 0 }
#define PF(reason, text, src, f) { { text, src }, reason, 0, f }
	/* Marks come first (the search looks for all of them). */
	MARKF(MK_MAIL, "in reply to mail from", POSTFIX_SMTP),
	MARK(MK_MAIL, "after mail from", EXIM_SMTP),
	MARK(MK_MAIL, "after pipelined mail from", EXIM_SMTP),
	MARK(MK_MAIL, ">>> mail from", SENDMAIL_TRANS),
	MARK(MK_MAIL, "sender was rejected", QMAIL_REMOTE),
	MARKF(MK_RCPT, "in reply to rcpt to", POSTFIX_SMTP),
	MARK(MK_RCPT, "after rcpt to", EXIM_SMTP),
	MARK(MK_RCPT, ">>> rcpt to", SENDMAIL_TRANS),
	MARK(MK_RCPT, "does not like recipient", QMAIL_REMOTE),
	MARK(MK_MAIL, "did not like our mail from", DMA),
	/* hMailServer: "Remote server (%s) issued an error. hMailServer sent:
	 * %s Remote server replied: %s", the command it sent last. */
	MARK(MK_MAIL, "hmailserver sent: mail from", HMAILSERVER),
	MARK(MK_RCPT, "hmailserver sent: rcpt to", HMAILSERVER),
	MARK(MK_CONN, "hmailserver sent: ehlo", HMAILSERVER),
	MARK(MK_CONN, "hmailserver sent: helo", HMAILSERVER),
	/* The reply names the sender's domain or address: about the sender,
	 * whatever the command ("550 5.1.1 Sender domain does not exist"). */
	MARK(MK_MAIL, "sender domain", SENDER_SIDE),
	MARK(MK_MAIL, "sender's domain", SENDER_SIDE),
	MARK(MK_MAIL, "your domain", SENDER_SIDE),
	MARK(MK_MAIL, "envelope sender", QMAIL_SMTPD),
	MARK(MK_RCPT, "rcpt", RFC5321_CMD),
	MARKF(MK_DATA, "in reply to end of data", POSTFIX_SMTP),
	MARK(MK_DATA, "after end of data", EXIM_SMTP),
	MARK(MK_DATA, "after pipelined data", EXIM_SMTP),
	MARK(MK_DATA, "after pipelined end of data", EXIM_SMTP),
	MARKF(MK_DATA, "in reply to data", POSTFIX_SMTP),
	MARK(MK_DATA, "after data", EXIM_SMTP),
	MARK(MK_DATA, ">>> data", SENDMAIL_TRANS),
	MARK(MK_DATA, "did not like our data", DMA),
	MARK(MK_DATA, "did not like our final data", DMA),
	MARK(MK_DATA, "failed after i sent the message", QMAIL_REMOTE),
	MARK(MK_CONN, "initial server greeting", POSTFIX_SMTP),
	MARKF(MK_CONN, "in reply to ehlo", POSTFIX_SMTP),
	MARKF(MK_CONN, "in reply to helo", POSTFIX_SMTP),
	MARK(MK_CONN, "after initial connection", EXIM_SMTP),
	MARK(MK_CONN, "after ehlo", EXIM_SMTP),
	MARK(MK_CONN, "after helo", EXIM_SMTP),
	MARK(MK_CONN, "could not perform server greeting", DMA),
	MARK(MK_CONN, "my name was rejected", QMAIL_REMOTE),
	MARK(MK_CONN, "but greeting failed", QMAIL_REMOTE),
	MARK(MK_EXPIRY, "retry timeout exceeded", EXIM_RETRY),
	MARK(MK_EXPIRY, "after a long failure period", EXIM_SMTP),
	MARK(MK_EXPIRY, "administratively expired", POSTFIX_QMGR),
	MARK(MK_EXPIRY, "have been failing for a long time", EXIM_SMTP),
	MARK(MK_EXPIRY, "envelope expired", OPENSMTPD_QUEUE),
	MARK(MK_EXPIRY, "in the queue too long", QMAIL_SEND),
	MARK(MK_EXPIRY, "could not deliver for the last", DMA),
	MARK(MK_EXPIRY, "could not be delivered for", SENDMAIL_ENV),
	MARK(MK_EXPIRY, "cannot send message for", SENDMAIL_ENV),
	MARK(MK_EXPIRY, "delivery time expired", RFC3463),
	MARK(MK_EXPIRY, "message expired", EXCHANGE),
	MARK(MK_EXPIRY, "exceeds the expiry time", KUMOMTA),
	MARK(MK_EXPIRY, "too many failures", HARAKA),
	MARK(MK_EXPIRY, "time limit specified", EXCHANGE2003),
	MARK(MK_EXPIRY, "despite repeated attempts", EXCHANGE_NDR),
	MARK(MK_EXPIRY, "time(s)", HMAILSERVER),
	MARK(MK_EXPIRY, "multiple delivery attempts failed", UI_NEMESIS),
	MARK(MK_QUOTE, "said:", POSTFIX_SMTP),
	MARK(MK_QUOTE, "did not like our", DMA),
	MARK(MK_QUOTE, "smtp error from remote", EXIM_SMTP),
	MARK(MK_QUOTE, "<<< ", SENDMAIL_TRANS),
	MARK(MK_QUOTE, "remote server replied:", HMAILSERVER),
	MARK(MK_TEMP, "try again later", POSTFIX_SMTPD),
	MARK(MK_TEMP, "temporarily deferred", YAHOO),
	MARK(MK_TEMP, "temporary failure", GLIBC_ERRNO),
	MARK(MK_TEMP, "greylist", POSTGREY),
	MARK(MK_TEMP, "delivery temporarily suspended", POSTFIX_SUSPEND),
	MARK(MK_TEMP, "temporarily", RFC5321_TEMP),
	MARK(MK_TEMP, "temporary error", RFC5321_TEMP),
	MARK(MK_TEMP, "temporary problem", GMAIL),
	MARK(MK_TEMP, "temporary lookup failure", POSTFIX_TEMPLOOKUP),
	MARK(MK_TEMP, "temporary local problem", EXIM_TEMP),

	/* Reasons, the most specific first: the first found in this order wins. */
	/* Temporary DNS trouble, before the "not found" it contains. */
	PF("networkerror", "host not found, try again", POSTFIX_DNS, F_TEMP),
	PF("networkerror", "malformed or unexpected name server reply", POSTFIX_DNS, F_TEMP),
	PF("networkerror", "host lookup did not complete", EXIM_DNSLOOKUP, F_TEMP),
	PF("networkerror", "dns query failed", EXCHANGE, F_TEMP),
	PF("networkerror", "unable to find primary relay", POSTFIX_ADDR, F_TEMP),
	/* A name server failed (SERVFAIL): not a sign that the domain does
	 * not exist. */
	P("networkerror", "non-recoverable error", POSTFIX_DNS),
	PF("networkerror", "temporary failure in mx lookup", OPENSMTPD_MTA, F_TEMP),
	PF("networkerror", "temporary mx lookup error", HARAKA, F_TEMP),
	PF("networkerror", "temporary failure in name resolution", GLIBC_ERRNO, F_TEMP),
	PF("networkerror", "servfail", RFC2308, F_TEMP),
	PF("networkerror", "the dns query has failed", HMAILSERVER, F_TEMP),
	/* qmail-remote: "CNAME lookup failed temporarily. (#4.4.3)". */
	PF("networkerror", "lookup failed temporarily", QMAIL_REMOTE, F_TEMP),
	/* OpenSMTPD mta.c: the routes are blocked here (before "blocked"). */
	PF("networkerror", "all routes to destination blocked", OPENSMTPD_MTA, F_CONN),
	/* Lotus Notes and Domino: the recipient is not in the directory
	 * (not a block list's "listed in"). */
	P("userunknown", "not listed in public name & address book", DOMINO),
	P("userunknown", "not listed in domino directory", DOMINO),
	/* The sending provider did not try: the address is on its
	 * suppression list. */
	P("suppressed", "suppressed sending to this address", SES_DOC),
	P("suppressed", "on the suppression list", SES_DOC),
	/* RFC 7505: the domain says it takes no mail. */
	P("notaccept", "null mx", RFC7505),
	P("notaccept", "nullmx", POSTFIX_DNS),
	P("notaccept", "does not accept mail", RFC7505),
	P("notaccept", "indicated no smtp service", EXIM_DNSLOOKUP),
	/* The sender: before the recipient words they contain. */
	P("rejected", "sender address rejected", POSTFIX_SMTPD),
	P("rejected", "domain of sender address", SENDMAIL_M4),
	P("rejected", "sender verify failed", EXIM_ACL),
	P("rejected", "sender rejected", EXIM_ACL),
	P("rejected", "permissions to send as this sender", EXCHANGE),
	P("rejected", "sender denied", EXCHANGE),
	/* Yahoo: the envelope sender's domain does not resolve. */
	P("rejected", "unresolvable rfc.5321 from domain", YAHOO),
	P("rejected", "allowed-senders", EXCHANGE),
	P("rejected", "permission to post", GOOGLEGROUPS),
	/* Google Groups answers a post it refuses (no such group, or no
	 * permission to post) with a notice in the poster's language that
	 * links its help: the link says what the words do. */
	P("rejected", "groups.google.com/support", GOOGLEGROUPS),
	P("rejected", "send mail as", GMAIL_HELP),
	P("blocked", "my name was rejected", QMAIL_REMOTE),
	P("blocked", "refused to talk to me", POSTFIX_SMTP),
	P("requireptr", "cannot find your hostname", POSTFIX_SMTPD),
	P("requireptr", "cannot find your reverse hostname", POSTFIX_SMTPD),
	P("blocked", "helo command rejected", POSTFIX_SMTPD),
	P("blocked", "blocked using", POSTFIX_RBL),
	P("blocked", "permanently deferred", YAHOO),
	P("blocked", "not authorized to send email directly", GMAIL),
	P("blocked", "banned sending ip", EXCHANGE),
	/* Exchange Online 5.7.505 "Access denied, banned recipient": the
	 * recipient is not valid. */
	P("userunknown", "banned recipient", EXCHANGE),
	P("blocked", "bad helo", EXCHANGE),
	P("blocked", "access denied, rejected by recipient", EXCHANGE),
	P("speeding", "exceeded permitted limits", EXCHANGE),
	/* 4.3.2 "STOREDRV.Deliver; recipient thread limit exceeded": the
	 * mailbox receives too many messages too quickly. */
	P("speeding", "thread limit exceeded", EXCHANGE),
	PF("blocked", "greylist", POSTGREY, F_TEMP),
	P("blocked", "client host rejected", POSTFIX_SMTPD),
	/* RFC 5321 3.1: a server that will not talk to this client may
	 * answer the connection with "554 No SMTP service here". */
	P("blocked", "no smtp service here", RFC5321),
	P("blocked", "not in whitelist", GMAIL),
	P("authfailure", "unauthenticated email", GMAIL),
	P("authfailure", "mail is unauthenticated", GMAIL),
	P("policyviolation", "content presents a potential", GMAIL),
	P("badreputation", "user complaints", YAHOO),
	P("policyviolation", "not accepted for policy reasons", YAHOO),
	P("policyviolation", "has a policy that prohibited", GMAIL),
	P("blocked", "service refuse", ORANGE),
	P("badreputation", "low reputation", GMAIL),
	PF("userunknown", "recipient address rejected: access denied", POSTFIX_SMTPD, F_LAST | F_DBEB),
	P("userunknown", "user doesn't have a", YAHOO),
	P("userunknown", "user does not have a", YAHOO),
	P("userunknown", "email account that you tried to reach does not exist", GMAIL),
	P("userunknown", "address couldn't be found", GMAIL),
	P("userunknown", "recipient not found", EXCHANGE),
	P("notcompliantrfc", "duplicate header", EXIM_ACL),
	P("notcompliantrfc", "multiple addresses in from", GMAIL),
	P("notcompliantrfc", "missing a valid address in from", GMAIL),
	P("notcompliantrfc", "rfc 5322", EXCHANGE),
	/* Exim's transports (message_linelength_limit, RFC 5322 2.1.1's
	 * 998 characters): "message has lines too long for transport". */
	P("notcompliantrfc", "lines too long", EXIM_SMTP),
	/* Exchange Online 5.7.1 "Client was not authenticated to send
	 * anonymous mail during MAIL FROM", 5.7.57 "Client not authenticated
	 * to send mail". */
	P("securityerror", "not authenticated to send", EXCHANGE),
	P("securityerror", "application-specific password required", GMAIL),
	P("securityerror", "tls required", OPENSMTPD_MTA),
	P("securityerror", "tls session", EXIM_SMTP),
	P("securityerror", "dane error", EXIM_SMTP),
	/* Exchange Online 4.7.322-325 / 5.7.322-325 (TLS and DANE). */
	P("securityerror", "certificate-expired", EXCHANGE),
	P("securityerror", "tlsa-invalid", EXCHANGE),
	P("securityerror", "dnssec-invalid", EXCHANGE),
	P("securityerror", "certificate-host-mismatch", EXCHANGE),
	/* Postfix smtp(8) with a TLS policy of encrypt or verify: "TLS is
	 * required, but was not offered by host %s", "Cannot start TLS:
	 * handshake failure", "Server certificate not verified". */
	P("securityerror", "tls is required", POSTFIX_SMTP),
	P("securityerror", "cannot start tls", POSTFIX_SMTP),
	P("securityerror", "server certificate not", POSTFIX_SMTP),
	/* "SMTPUTF8 is required, but was not offered by host %s" (5.6.7). */
	P("contenterror", "smtputf8 is required", POSTFIX_SMTP),
	/* OpenSMTPD mta.c, mta_on_secret() (temporary). */
	PF("securityerror", "could not retrieve credentials", OPENSMTPD_MTA, F_TEMP),
	P("authfailure", "fails to pass authentication checks", GMAIL),
	P("authfailure", "does not have authentication information", GMAIL),
	P("authfailure", "dmarc", RFC7489),
	P("norelaying", "relay access denied", POSTFIX_SMTPD),
	P("norelaying", "relaying denied", SENDMAIL_M4),
	P("norelaying", "relay not permitted", EXIM_ACL),
	P("norelaying", "unable to relay", EXCHANGE),
	P("norelaying", "relay denied", GMAIL),
	/* Sendmail's "Relaying denied. Proper authentication required.",
	 * "Relaying temporarily denied. Cannot resolve PTR record": any
	 * refusal that speaks of relaying refuses to relay. */
	P("norelaying", "relaying", SENDMAIL_M4),
	P("securityerror", "authentication required", RFC4954),
	P("norelaying", "isn't in my list of allowed rcpthosts", QMAIL_SMTPD),
	P("spamdetected", "message content rejected", POSTFIX_CLEANUP),
	P("mailererror", "command died", POSTFIX_PIPE),
	P("mailererror", "command time limit exceeded", POSTFIX_PIPE),
	P("mailererror", "command output", POSTFIX_PIPE),
	P("mailererror", "mailer error", SENDMAIL_ERR),
	/* Sendmail's sysexits texts (sendmail/sysexits.c SysExMsg): a local
	 * delivery agent that could not write (EX_CANTCREAT), an I/O error
	 * (EX_IOERR), a missing system file (EX_OSFILE). */
	P("mailererror", "can't create output", SENDMAIL_ERR),
	P("systemerror", "system file missing", SENDMAIL_ERR),
	PF("systemerror", "i/o error", SENDMAIL_ERR, F_WEAK),
	P("mailererror", "local delivery failed", EXIM_DELIVER),
	/* "Child process of pipe transport returned 69 ... from command",
	 * "pipe delivery process timed out". */
	P("mailererror", "transport returned", EXIM_PIPE),
	P("mailererror", "pipe delivery process", EXIM_PIPE),
	P("hostunknown", "unrouteable address", EXIM_ROUTE),
	P("speeding", "receiving mail at a rate", GMAIL),
	P("speeding", "receiving mail too quickly", GMAIL),
	P("policyviolation", "protocol violation", GMAIL),
	/* "530 Must issue a STARTTLS command first"; Exchange Online's
	 * 4.7.321 "starttls-not-supported". */
	P("securityerror", "starttls", RFC3207),
	P("securityerror", "password not accepted", GMAIL),
	P("securityerror", "invalid credentials", IANA_7_8),
	/* DMA net.c: "SMTP login to %s failed" (its SMTP AUTH). */
	P("securityerror", "smtp login to", DMA),
	P("systemerror", "upstream error", HARAKA),
	P("systemerror", "service currently unavailable", POSTFIX_SMTPD),
	P("requireptr", "rdns", OPENSMTPD_CONF),
	P("systemfull", "insufficient system storage", RFC5321),
	P("systemfull", "mail system full", RFC3463),
	P("systemfull", "insufficient disk space", SENDMAIL_SRV),
	P("systemfull", "out of disk space", SENDMAIL_SRV),
	P("systemfull", "no space left on device", GLIBC_ERRNO),
	P("systemfull", "space shortage", EXIM_SMTPIN),
	P("mailboxfull", "mailbox file count quota exceeded", EXIM_APPENDFILE),
	P("mailboxfull", "mailbox full", RFC3463),
	P("mailboxfull", "mailbox is full", EXIM_APPENDFILE),
	P("speeding", "daily user sending", GMAIL),
	P("speeding", "submission quota", EXCHANGE),
	P("speeding", "daily limit", EXCHANGE),
	P("speeding", "receive limit", EXCHANGE),
	P("speeding", "sending quota", GMAIL),
	P("speeding", "relay limit exceeded", GMAIL),
	/* "Daily SMTP relay sending limit exceeded for customer". */
	P("speeding", "sending limit exceeded", GMAIL),
	P("mailboxfull", "mailfolder is full", VPOPMAIL),
	P("mailboxfull", "mail box is full", JP_ISP),
	P("mailboxfull", "mail box full", JP_ISP),
	P("mailboxfull", "mailbox size exceeded", YANDEX_BOUNCES),
	P("mailboxfull", "mailbox size limit exceeded", YANDEX_BOUNCES),
	P("mailboxfull", "exceed maximum mailbox size", MAILUTILS),
	P("mailboxfull", "exhausted allowed storage", SITEPACKAGE),
	P("mailboxfull", "speichervolumen", SITEPACKAGE),
	P("mailboxfull", "zuviele mails", SITEPACKAGE),
	P("mailboxfull", "mailbox for user is full", DOVECOT),
	P("mailboxfull", "disk quota exceeded", GLIBC_ERRNO),
	/* Postfix local(8) past mailbox_size_limit: "error writing message:
	 * File too large" (EFBIG), 5.2.2. */
	P("mailboxfull", "file too large", POSTFIX_LOCAL),
	P("mailboxfull", "quota exceeded", EXIM_APPENDFILE),
	P("mailboxfull", "would exceed quota", DOVECOT),
	P("mailboxfull", "over quota", GMAIL),
	P("mailboxfull", "overquota", COURIER),
	P("mailboxfull", "exceeded storage allocation", RFC5321),
	P("mesgtoobig", "message too large", POSTFIX_SMTP),
	P("mesgtoobig", "message is too large", SENDMAIL_SRV),
	P("mesgtoobig", "message exceeds maximum", SENDMAIL_SRV),
	P("mesgtoobig", "message size limit", GMAIL),
	P("mesgtoobig", "message too big", RFC3463),
	P("mesgtoobig", "message is too big", EXIM_ACL),
	P("mesgtoobig", "message size exceeds", SENDMAIL_SRV),
	P("mesgtoobig", "exceeds size limit", POSTFIX_SMTPD),
	P("mesgtoobig", "message file too big", POSTFIX_SMTPD),
	P("exceedlimit", "exceeds administrative limit", RFC3463),
	P("hasmoved", "has moved", RFC3463),
	P("suspend", "mailbox disabled", RFC3463),
	/* Yandex: the recipient's account is blocked. */
	P("suspend", "policy rejection on the target address", YANDEX_BOUNCES),
	P("suspend", "user is inactive", SITEPACKAGE),
	P("suspend", "mailbox is disabled", YAHOO),
	P("suspend", "account has been disabled", YAHOO),
	P("suspend", "account is disabled", IANA_7_13),
	P("suspend", "account disabled", RFC3463),
	P("suspend", "tried to reach is disabled", GMAIL),
	P("suspend", "account is locked", VPOPMAIL),
	P("userunknown", "recipient name is not recognized", EXCHANGE2003),
	P("userunknown", "address you entered couldn't be found", EXCHANGE2007),
	P("userunknown", "format of the e-mail address is incorrect", EXCHANGE2003),
	P("userunknown", "e-mail address was not found", EXCHANGE2007),
	P("userunknown", "email address was not found", EXCHANGE2007),
	/* "Your message to x@example.org couldn't be delivered. x wasn't
	 * found at example.org." */
	P("userunknown", "wasn't found at", EXCHANGE_NDR),
	P("userunknown", "mailbox unknown", CYRUS_LMTP),
	P("userunknown", "user name is unknown", JP_ISP),
	P("userunknown", "no correct recipients", YANDEX_BOUNCES),
	P("userunknown", "bad recipient address syntax", YANDEX_BOUNCES),
	P("userunknown", "bad address mailbox syntax", YANDEX_BOUNCES),
	P("userunknown", "not a valid mailbox", KONTO_PL),
	/* Mail.ru answers the end of DATA with "550 Message was not accepted
	 * -- invalid mailbox. Local mailbox x is unavailable: user not found":
	 * not a filter's excuse. */
	P("userunknown", "invalid mailbox", MAILRU),
	PF("userunknown", "user not found", KONTO_PL, F_EXCUSE),
	PF("userunknown", "user is unknown", SITEPACKAGE, F_EXCUSE),
	P("userunknown", "benutzer nicht bekannt", SITEPACKAGE),
	P("userunknown", "no such mailbox", SITEPACKAGE),
	P("userunknown", "no longer accepts mail", PLESK),
	P("userunknown", "этот адрес больше не принимает писем", PLESK),
	P("userunknown", "宛先不明", JP_CATV),
	PF("userunknown", "unknown user", POSTFIX_LOCAL, F_EXCUSE),
	PF("userunknown", "user unknown", USER_UNKNOWN, F_EXCUSE),
	P("userunknown", "no mailbox here by that name", QMAIL_LOCAL),
	P("userunknown", "invalid recipient", OPENSMTPD_SMTP),
	PF("userunknown", "addressee unknown", SENDMAIL_SRV, F_EXCUSE),
	P("userunknown", "bad destination mailbox address", OPENSMTPD_ESC),
	P("userunknown", "mailbox not found", YAHOO),
	P("userunknown", "account does not exist", GODADDY),
	P("userunknown", "undeliverable address", POSTFIX_SMTPD),
	P("userunknown", "unknown local part", EXIM_ACL),
	PF("userunknown", "mailbox unavailable", RFC5321, F_WEAK),
	PF("userunknown", "no valid recipients", POSTFIX_SMTPD, F_WEAK),
	PF("userunknown", "user doesn't exist", DOVECOT, F_EXCUSE),
	PF("userunknown", "no such user", CYRUS, F_EXCUSE),
	P("userunknown", "recipnotfound", EXCHANGE),
	P("hostunknown", "domain does not exist", COURIER),
	/* Exchange Online 5.4.310: "DNS domain <domain> does not exist". */
	P("hostunknown", "dns domain", EXCHANGE),
	P("userunknown", "mailbox does not exist", RFC3463),
	P("userunknown", "address does not exist", RFC3463),
	PF("userunknown", "does not exist", EXIM_ACL, F_EXCUSE),
	PF("userunknown", "invalid address", RFC3463, F_WEAK),
	/* Domains: after the sender's "domain not found". */
	PF("hostunknown", "couldn't find any host", QMAIL_REMOTE, 0),
	P("hostunknown", "host or domain name not found", POSTFIX_DNS),
	P("hostunknown", "find the recipient domain", GMAIL),
	P("hostunknown", "nonexistentdomain", EXCHANGE),
	P("hostunknown", "dns lookup failure: host", DMA),
	P("hostunknown", "all relevant mx records point to non-existent hosts", EXIM_DNSLOOKUP),
	P("hostunknown", "unrouteable mail domain", EXIM_ACL),
	P("hostunknown", "nxdomain", RFC1035),
	/* Gmail's DSN: "DNS Error: ... Domain name not found: example.org". */
	P("hostunknown", "domain name not found", GMAIL_HELP),
	/* OpenSMTPD mta.c, mta_on_mx(): DNS_EINVAL, a permanent failure. */
	P("hostunknown", "invalid domain name", OPENSMTPD_MTA),
	P("hostunknown", "host not found", POSTFIX_DNS),
	P("hostunknown", "host unknown", SENDMAIL_ERR),
	P("hostunknown", "host name is unknown", JP_ISP),
	/* Exchange 2000/2003 #5.4.0: "The destination server for this
	 * recipient could not be found in Domain Name Service (DNS)." */
	P("hostunknown", "could not be found in domain name service", EXCHANGE2003),
	P("hostunknown", "domain not found", POSTFIX_SMTPD),
	P("hostunknown", "no such domain", COURIER),
	P("hostunknown", "name or service not known", GLIBC_ERRNO),
	P("hostunknown", "no address associated with hostname", GLIBC_ERRNO),
	P("hostunknown", "no mx found for", OPENSMTPD_MTA),
	P("hostunknown", "no mx for", HARAKA),
	P("hostunknown", "no mx record", EXIM_DNSLOOKUP),
	P("hostunknown", "no mail servers appear to exist", HMAILSERVER),
	/* Any other quota: RFC 3463 X.2.2, "a per-mailbox administrative
	 * quota", after the sending limits above. */
	PF("mailboxfull", "quota", RFC3463, F_WEAK),
	P("speeding", "rate limit", EXIM_ACL),
	P("speeding", "ratelimit", EXIM_ACL),
	P("mailboxfull", "too many messages on", GMX_SUPPORT),
	P("speeding", "too many messages", OPENSMTPD_SMTP),
	P("speeding", "unusual rate", GMAIL),
	P("toomanyconn", "too many connections", EXIM_ACL),
	P("toomanyconn", "too many concurrent", EXIM_ACL),
	P("toomanyconn", "connection limit", EXIM_SMTP),
	P("toomanyconn", "too many sessions", COMCAST),
	P("toomanyconn", "too many recipients", RFC3463),
	P("virusdetected", "virus", EXIM_SPEC),
	P("virusdetected", "malware", EXIM_SPEC),
	P("blocked", "spamhaus", COMCAST),
	/* Providers' block codes: Comcast's ES (dynamic IP space) and BL
	 * (block lists), RL (rate limit); Cox's CXBL, CDRBL and IPBL. */
	P("blocked", "es0000", COMCAST),
	P("blocked", "bl000", COMCAST),
	P("speeding", "rl0000", COMCAST),
	P("blocked", "aup#cxbl", COX),
	P("blocked", "cdrbl", COX),
	P("blocked", "ipbl", COX),
	/* AOL's postmaster codes (RTR, DNS, RLY, DYN, HVU, CON blocks): all
	 * about the sending IP. */
	P("requireptr", "rtr:rd", AOL_PM),
	P("requireptr", "dns:nr", AOL_PM),
	P("rejected", "rly:sn", AOL_PM),
	P("toomanyconn", "con:b1", AOL_PM),
	P("blocked", " rtr:", AOL_PM),
	P("blocked", " rly:", AOL_PM),
	P("blocked", " dyn:", AOL_PM),
	P("blocked", " hvu:", AOL_PM),
	P("blocked", "connections will not be accepted", YAHOO),
	P("spamdetected", "spam", YANDEX),
	P("spamdetected", "unsolicited", GMAIL),
	P("requireptr", "reverse dns", COMCAST),
	P("requireptr", "ptr record", GMAIL),
	P("requireptr", "reverse lookup", EXIM_ACL),
	P("authfailure", "spf", RFC7208),
	P("authfailure", "dkim", RFC6376),
	/* Exchange Online 5.7.1 "Client was not authenticated", 5.7.12,
	 * 5.7.133-136 "Sender was not authenticated for group/mailbox": after
	 * the SPF, DKIM and DMARC texts, which say more. */
	P("securityerror", "not authenticated", EXCHANGE),
	P("badreputation", "reputation", GMAIL),
	P("blocked", "listed at", SENDMAIL_M4),
	P("blocked", "is listed in", EXIM_ACL),
	P("blocked", "black list", EXIM_SPEC),
	P("blocked", "blacklist", EXIM_SPEC),
	P("blocked", "block list", OUTLOOKCOM),
	P("blocked", "blocklist", OUTLOOKCOM),
	P("blocked", "dnsbl", EXIM_SPEC),
	P("blocked", "rbl", POSTFIX_RBL),
	PF("blocked", "access denied", POSTFIX_SMTPD, F_WEAK),
	/* A reply about the client's IP address is about the sender. */
	PF("blocked", " ip ", GMAIL_EXCHANGE_IP, F_WEAK),
	PF("blocked", "blocked", POSTFIX_RBL, F_WEAK),
	/* A delay notice: "no action is required ... delivery attempts will
	 * continue". */
	P("expired", "delivery attempts will continue", EXIM_DELIVER),
	PF("expired", "technical details of temporary failure", GMAIL_HELP, F_TEMP),
	PF("expired", "will be retried for", GMAIL_HELP, F_TEMP),
	PF("networkerror", "did not accept our requests to connect", GMAIL_HELP, F_CONN),
	PF("networkerror", "name server timeout", SENDMAIL_ERR, F_TEMP),
	PF("networkerror", "connection timed out", GLIBC_ERRNO, F_CONN),
	PF("networkerror", "connection refused", GLIBC_ERRNO, F_CONN),
	PF("networkerror", "timed out", POSTFIX_TROUBLE, F_CONN),
	PF("networkerror", "smtp timeout", EXIM_SMTP, F_CONN),
	PF("networkerror", "command timeout", EXIM_SMTPIN, F_CONN),
	PF("networkerror", "timeout waiting for input", SENDMAIL_DELIVER, F_CONN),
	PF("networkerror", "timeout writing message", SENDMAIL_DELIVER, F_CONN),
	PF("networkerror", "read error from", SENDMAIL_DELIVER, F_CONN),
	PF("networkerror", "lost connection", POSTFIX_TROUBLE, F_CONN),
	PF("networkerror", "remote host closed connection", EXIM_SMTP, F_CONN),
	PF("networkerror", "network is unreachable", GLIBC_ERRNO, F_CONN),
	PF("networkerror", "no route to host", GLIBC_ERRNO, F_CONN),
	PF("networkerror", "connection reset", GLIBC_ERRNO, F_CONN),
	PF("networkerror", "network error on destination", OPENSMTPD_MTA, F_CONN),
	PF("networkerror", "tried all mxs", HARAKA, F_CONN),
	/* Exim: every host of the domain is waiting for its retry time. */
	PF("networkerror", "retry time not reached", EXIM_SMTP, F_CONN),
	P("networkerror", "address family mismatch", OPENSMTPD_MTA),
	/* OpenSMTPD mta.c, mta_on_source(): temporary failures to find a route
	 * to the destination's MXs. */
	PF("networkerror", "no valid route to", OPENSMTPD_MTA, F_CONN),
	PF("networkerror", "could not retrieve source address", OPENSMTPD_MTA, F_TEMP),
	PF("networkerror", "wasn't able to establish an smtp connection", QMAIL_REMOTE, F_CONN),
	P("networkerror", "message is looping", QMAIL_LOCAL),
	P("networkerror", "loops back to myself", POSTFIX_ADDR),
	/* Exchange Online 5.4.4 "SMTPSEND.DNS.MxLoopback; DNS records for
	 * this domain are configured in a loop": not a missing domain. */
	P("networkerror", "mxloopback", EXCHANGE),
	P("networkerror", "mail loops back", COURIER),
	P("networkerror", "routing loop", RFC3463),
	P("networkerror", "loop detected", OPENSMTPD_SMTP),
	P("networkerror", "mail loop", EXIM_ACL),
	P("networkerror", "mail forwarding loop", POSTFIX_LOCAL),
	P("networkerror", "points to local host", EXIM_LOCALHOST),
	/* Exchange 2003 #5.4.6: "... caused the message to bounce between
	 * two servers or to be split into too many parts". */
	P("networkerror", "bounce between two servers", EXCHANGE2003),
	P("networkerror", "too many hops", SENDMAIL_SRV),
	/* Exchange Online 5.4.14 "Hop count exceeded - possible mail loop";
	 * Domino "Message has exceeded maximum hop count". */
	P("networkerror", "hop count", EXCHANGE),
	PF("networkerror", "host name lookup failure", SENDMAIL_ERR, F_TEMP),
	PF("networkerror", "dns error", GMAIL, F_WEAK),
	PF("policyviolation", "policy", RFC5321, F_WEAK),
	PF("policyviolation", "administrative prohibition", EXIM_ACL, F_WEAK),
	PF("policyviolation", "not authorized", RFC3463, F_WEAK),
	PF("filtered", "content rejected", POSTFIX_CLEANUP, F_WEAK),
	PF("filtered", "filter", EXIM_SPEC, F_WEAK),
	PF("systemerror", "system error", RFC3463, F_WEAK),
	PF("systemerror", "internal error", EXIM_DELIVER, F_WEAK),
	PF("systemerror", "local error", RFC5321, F_WEAK),
	PF("systemerror", "configuration error", EXIM_DELIVER, F_WEAK),
	PF("systemerror", "transaction failed", RFC5321, F_WEAK),
	PF("systemerror", "try again later", POSTFIX_SMTPD, F_WEAK | F_TEMP),
	PF("systemerror", "temporary failure", GLIBC_ERRNO, F_WEAK | F_TEMP),
	PF("syntaxerror", "syntax error", RFC5321, F_WEAK),
	P("syntaxerror", "malformed smtp reply", EXIM_SMTP),
	P("syntaxerror", "improper use of smtp command pipelining", POSTFIX_SMTPD_PIPE),
	PF("syntaxerror", "command unrecognized", RFC5321, F_WEAK),
	PF("syntaxerror", "bad sequence of commands", RFC5321, F_WEAK),
	/* Last resort: Postfix says this before any restriction's own text. */
	PF("userunknown", "address rejected", POSTFIX_SMTPD, F_LAST),
#undef MARK
#undef MARKF
#undef P
#undef PF
};

/* How much of a reply text is looked at: servers put the reason up front. */
#define SCAN_MAX 8192

#define NPHRASES (sizeof phrases / sizeof phrases[0])

#define CMD_MAX 24

/* What a search of a text found: the first reason phrase, and the marks
 * with the first phrase of each. */
struct match {
	long i;				/* index in phrases[], -1 if none */
	unsigned marks;			/* MK_* */
	short first[NMARKBITS];		/* per mark bit, its first phrase, -1 */
	unsigned last[NMARKBITS];	/* per mark bit, 1 + where it last ended */
	unsigned char ncmd;		/* command marks found, the first CMD_MAX */
	struct {
		unsigned start, end;
		unsigned char bit, follows;
	} cmd[CMD_MAX];
};
#define MKB_EXPIRY 4			/* the bit of MK_EXPIRY */

/* Marks are phrases[0 .. nmarks). */
static size_t nmarks;
#define NMARKS nmarks

static void
mark_found(struct match *m, size_t i, size_t start, size_t len)
{
	size_t end = start + len - 1;

	unsigned bit = phrases[i].mark;
	int b = 0;

	while (bit >> (b + 1))
		b++;
	if (!(m->marks & bit))
		m->first[b] = (short)i;
	m->last[b] = (unsigned)end + 1;
	m->marks |= bit;
	if (bit & (MK_MAIL | MK_RCPT | MK_DATA | MK_CONN) && m->ncmd < CMD_MAX) {
		m->cmd[m->ncmd].start = (unsigned)start;
		m->cmd[m->ncmd].end = (unsigned)end + 1;
		m->cmd[m->ncmd].bit = (unsigned char)b;
		m->cmd[m->ncmd].follows = (phrases[i].flags & F_FOLLOWS) != 0;
		m->ncmd++;
	}
}

/*
 * Phrase search. Each phrase has an anchor: three of its bytes, the ones
 * fewest other phrase positions share a hash bucket with. One pass over the
 * text keeps its last bytes (as matched) in an integer and looks the last
 * three up in a hash table of the anchors; where they are a phrase's anchor,
 * the phrase is compared at the place the anchor puts it. That finds every
 * occurrence of every phrase at about a dozen instructions a byte, instead of
 * a substring search per phrase, and a hit compares few phrases.
 */
#define ANCHOR_LEN 3		/* the shortest phrases ("spf", "rbl") */
#define ANCHOR_MASK 0xffffffu	/* the last ANCHOR_LEN bytes of a key */
#define ANCHOR_BITS 12
#define ANCHOR_BUCKETS (1u << ANCHOR_BITS)

struct anchor {
	uint32_t key;		/* the anchor's bytes, the first one highest */
	unsigned short phrase;	/* index in phrases[] */
	unsigned short off;	/* where in the phrase the anchor starts */
};

/* The anchors of a bucket are anchors[first .. first + count), in table
 * order. */
static struct anchor anchors[NPHRASES];
static struct bucket {
	unsigned short first, count;
} buckets[ANCHOR_BUCKETS];
static unsigned short phrase_len[NPHRASES];
/* Bytes as matched: ASCII lower case, white space and NUL folded to a space
 * (so that "mailbox  full" and line breaks match). */
static unsigned char match_fold[256];
static pthread_once_t phrases_once = PTHREAD_ONCE_INIT;

/* The bucket of the last three bytes of key. Multiplicative hashing: the top
 * bits of the product depend on all the bits below; a factor that is a
 * multiple of 256 drops the top byte of the key, the one before the three,
 * so that the search need not mask it off. */
static unsigned
anchor_hash(uint32_t key)
{
	return (unsigned)((uint32_t)(key * (UINT32_C(0x9e3779b1) << 8)) >> (32 - ANCHOR_BITS));
}

static void
phrases_init(void)
{
	/* How many phrase positions hash to each bucket: an anchor in a
	 * crowded bucket would be looked at often for nothing. */
	unsigned short crowd[ANCHOR_BUCKETS] = {0};
	unsigned short fill[ANCHOR_BUCKETS] = {0};
	struct anchor by_phrase[NPHRASES];
	unsigned short hash_of[NPHRASES];

	while (phrases[nmarks].reason == NULL)
		nmarks++;
	for (unsigned c = 0; c < 256; c++)
		match_fold[c] = (unsigned char)(c == '\t' || c == '\r' || c == '\n' || c == '\0' ?
		    ' ' : c >= 'A' && c <= 'Z' ? c + 32 : c);
	for (size_t i = 0; i < NPHRASES; i++) {
		const char *t = phrases[i].rule.name;
		size_t len = strlen(t);
		uint32_t key = 0;

		/* The built-in phrases are tested: marks first, reasons known. */
		if (len < ANCHOR_LEN || len > USHRT_MAX || (phrases[i].reason == NULL) !=
		    (i < NMARKS) || (phrases[i].reason && reason_describe(phrases[i].reason) == NULL))
			abort();
		phrase_len[i] = (unsigned short)len;
		for (size_t k = 0; k < len; k++) {
			key = key << 8 | (unsigned char)t[k];
			if (k + 1 >= ANCHOR_LEN)
				crowd[anchor_hash(key)]++;
		}
	}
	/* Each phrase's anchor: in the least crowded bucket, the first such. */
	for (size_t i = 0; i < NPHRASES; i++) {
		const char *t = phrases[i].rule.name;
		unsigned best = UINT_MAX;
		uint32_t key = 0;

		for (size_t k = 0; k < phrase_len[i]; k++) {
			unsigned h;

			key = key << 8 | (unsigned char)t[k];
			if (k + 1 < ANCHOR_LEN || crowd[h = anchor_hash(key)] >= best)
				continue;
			best = crowd[h];
			hash_of[i] = (unsigned short)h;
			by_phrase[i].key = key & ANCHOR_MASK;
			by_phrase[i].phrase = (unsigned short)i;
			by_phrase[i].off = (unsigned short)(k + 1 - ANCHOR_LEN);
		}
		buckets[hash_of[i]].count++;
	}
	/* Into their buckets, in table order within each (a counting sort). */
	for (size_t h = 1; h < ANCHOR_BUCKETS; h++)
		buckets[h].first = buckets[h - 1].first + buckets[h - 1].count;
	for (size_t i = 0; i < NPHRASES; i++)
		anchors[buckets[hash_of[i]].first + fill[hash_of[i]]++] = by_phrase[i];
}

/* Whether phrase i is in text at s, bytes as matched. */
static int
phrase_at(const char *text, size_t s, size_t i)
{
	const unsigned char *p = (const unsigned char *)phrases[i].rule.name;

	for (size_t k = 0; k < phrase_len[i]; k++)
		if (match_fold[(unsigned char)text[s + k]] != p[k])
			return 0;
	return 1;
}

/* The first reason phrase (in table order, before found) whose anchor in
 * bucket b is the one ending at text[j], key the bytes up to there; or found.
 * Marks found on the way are added to m. */
static size_t
bucket_match(const char *text, size_t n, size_t j, uint32_t key, const struct bucket *b,
    size_t found, struct match *m)
{
	for (const struct anchor *a = &anchors[b->first]; a < &anchors[b->first + b->count]; a++) {
		size_t at;	/* where the phrase would start */

		if (a->phrase >= found)
			break;	/* an earlier phrase is found already */
		if (a->key != (key & ANCHOR_MASK) || j + 1 < ANCHOR_LEN + (size_t)a->off)
			continue;
		at = j + 1 - ANCHOR_LEN - a->off;
		if (at + phrase_len[a->phrase] > n || !phrase_at(text, at, a->phrase))
			continue;
		if (a->phrase >= NMARKS)
			return a->phrase;
		mark_found(m, a->phrase, at, phrase_len[a->phrase]);
	}
	return found;
}

/* The first reason phrase (in table order) found in text, and the marks. */
static void
phrase_match(const char *text, size_t n, struct match *m)
{
	/* The last text and its answer: a reply text is often classified twice
	 * in a row (once for context, once for the record). */
	static _Thread_local char last[SCAN_MAX];
	static _Thread_local size_t last_n = (size_t)-1;
	static _Thread_local struct match last_m;
	size_t found = NPHRASES;
	uint32_t key = 0;

	m->i = -1;
	m->marks = 0;
	m->ncmd = 0;
	for (int k = 0; k < NMARKBITS; k++) {
		m->first[k] = -1;
		m->last[k] = 0;
	}
	if (text == NULL || n == 0)
		return;
	pthread_once(&phrases_once, phrases_init);
	if (n > SCAN_MAX)
		n = SCAN_MAX;
	if (n == last_n && memcmp(text, last, n) == 0) {
		*m = last_m;
		return;
	}
	for (const char *p = text; p < text + n; p++) {
		const struct bucket *b;

		/* The bytes up to *p, folded. Most buckets are empty. */
		key = key << 8 | match_fold[(unsigned char)*p];
		b = &buckets[anchor_hash(key)];
		if (b->count != 0)
			found = bucket_match(text, n, (size_t)(p - text), key, b, found, m);
	}
	m->i = found < NPHRASES ? (long)found : -1;
	memcpy(last, text, n);
	last_n = n;
	last_m = *m;
}

/* Enhanced status codes (RFC 3463 and the IANA registry) and the reason each
 * gives. generic: the code says little (X.0.0, "not authorized"), so that any
 * reply text that names a reason says more. */
static const struct code_rule {
	struct reason_rule rule;
	unsigned char subject, detail, generic;
	const char *reason;	/* NULL: the text decides */
} code_rules[] = {
#define C(sub, det, gen, reason, name, src) { { name, src }, sub, det, gen, reason }
#define IANA "IANA SMTP Enhanced Status Codes registry (RFC 5248)"
	C(0, 0, 1, NULL, "status X.0.0 (other undefined status), or an unregistered X.0.Y", RFC3463 "; " MS_OXCMAIL),
	C(1, 0, 1, NULL, "status X.1.0 (other address status), or an unregistered X.1.Y", RFC3463 "; " MS_OXCMAIL),
	C(1, 1, 0, "userunknown", "status X.1.1 (bad destination mailbox address)", RFC3463),
	C(1, 2, 0, "hostunknown", "status X.1.2 (bad destination system address)", RFC3463),
	C(1, 3, 0, "userunknown", "status X.1.3 (bad destination mailbox address syntax)", RFC3463),
	C(1, 4, 0, "userunknown", "status X.1.4 (destination mailbox address ambiguous)", RFC3463),
	C(1, 6, 0, "hasmoved", "status X.1.6 (destination mailbox has moved)", RFC3463),
	C(1, 7, 0, "rejected", "status X.1.7 (bad sender's mailbox address syntax)", RFC3463),
	C(1, 8, 0, "rejected", "status X.1.8 (bad sender's system address)", RFC3463),
	C(1, 10, 0, "notaccept", "status X.1.10 (recipient address has null MX)", RFC7505),
	C(2, 0, 1, NULL, "status X.2.0 (other or undefined mailbox status), or an unregistered X.2.Y", RFC3463 "; " MS_OXCMAIL),
	C(2, 1, 0, "suspend", "status X.2.1 (mailbox disabled, not accepting messages)", RFC3463),
	C(2, 2, 0, "mailboxfull", "status X.2.2 (mailbox full)", RFC3463),
	C(2, 3, 0, "exceedlimit", "status X.2.3 (message length exceeds administrative limit)", RFC3463),
	C(2, 4, 0, "filtered", "status X.2.4 (mailing list expansion problem)", RFC3463),
	C(3, 0, 1, "systemerror", "status X.3.0 (other or undefined mail system status), or an unregistered X.3.Y", RFC3463 "; " MS_OXCMAIL),
	C(3, 1, 0, "systemfull", "status X.3.1 (mail system full)", RFC3463),
	/* "an immanent shutdown, excessive load, or system maintenance": the
	 * host, not a domain that takes no mail (that is X.1.10, 521, 556). */
	C(3, 2, 0, "systemerror", "status X.3.2 (system not accepting network messages)", RFC3463),
	C(3, 3, 0, "systemerror", "status X.3.3 (system not capable of selected features)", RFC3463),
	C(3, 4, 0, "mesgtoobig", "status X.3.4 (message too big for system)", RFC3463),
	C(3, 5, 0, "systemerror", "status X.3.5 (system incorrectly configured)", RFC3463),
	C(4, 0, 1, "networkerror", "status X.4.0 (other or undefined network or routing status), or an unregistered X.4.Y", RFC3463 "; " MS_OXCMAIL),
	C(4, 1, 0, "networkerror", "status X.4.1 (no answer from host)", RFC3463),
	C(4, 2, 0, "networkerror", "status X.4.2 (bad connection)", RFC3463),
	C(4, 3, 0, "systemerror", "status X.4.3 (directory server failure)", RFC3463),
	C(4, 4, 0, "hostunknown", "status X.4.4 (unable to route)", RFC3463),
	C(4, 5, 0, "toomanyconn", "status X.4.5 (mail system congestion)", RFC3463),
	C(4, 6, 0, "networkerror", "status X.4.6 (routing loop detected)", RFC3463),
	C(4, 7, 0, "expired", "status X.4.7 (delivery time expired)", RFC3463),
	C(5, 0, 1, NULL, "status X.5.0 (other or undefined protocol status), or an unregistered X.5.Y", RFC3463 "; " MS_OXCMAIL),
	C(5, 1, 0, "syntaxerror", "status X.5.1 (invalid command)", RFC3463),
	C(5, 2, 0, "syntaxerror", "status X.5.2 (syntax error)", RFC3463),
	C(5, 3, 0, "exceedlimit", "status X.5.3 (too many recipients)", RFC3463),
	C(5, 4, 0, "syntaxerror", "status X.5.4 (invalid command arguments)", RFC3463),
	C(5, 5, 0, "syntaxerror", "status X.5.5 (wrong protocol version)", RFC3463),
	C(5, 6, 0, "syntaxerror", "status X.5.6 (authentication exchange line too long)", IANA),
	C(6, 0, 1, "contenterror", "status X.6.0 (other or undefined media error), or an unregistered X.6.Y", RFC3463 "; " MS_OXCMAIL),
	C(6, 1, 0, "contenterror", "status X.6.1 (media not supported)", RFC3463),
	C(6, 2, 0, "contenterror", "status X.6.2 (conversion required and prohibited)", RFC3463),
	C(6, 3, 0, "contenterror", "status X.6.3 (conversion required but not supported)", RFC3463),
	C(6, 4, 0, "contenterror", "status X.6.4 (conversion with loss performed)", RFC3463),
	C(6, 5, 0, "contenterror", "status X.6.5 (conversion failed)", RFC3463),
	C(6, 6, 0, "contenterror", "status X.6.6 (message content not available)", IANA),
	C(6, 7, 0, "contenterror", "status X.6.7 (non-ASCII addresses not permitted)", IANA),
	C(6, 8, 0, "contenterror", "status X.6.8 (UTF-8 string reply is required)", IANA),
	C(6, 9, 0, "contenterror", "status X.6.9 (UTF-8 header cannot be transferred)", IANA),
	C(6, 10, 0, "contenterror", "status X.6.10 (UTF-8 string reply is required)", IANA),
	/* RFC 3463 3.8: X.7 is the security or policy status; X.0 and X.1
	 * alone say no more than that a security or policy check refused the
	 * message (the sender's address is X.1.7/X.1.8). */
	C(7, 0, 1, "securityerror", "status X.7.0 (other or undefined security status), or an unregistered X.7.Y", RFC3463 "; " MS_OXCMAIL),
	C(7, 1, 1, "securityerror", "status X.7.1 (delivery not authorized, message refused)", RFC3463),
	C(7, 2, 0, "rejected", "status X.7.2 (mailing list expansion prohibited)", RFC3463),
	C(7, 3, 0, "securityerror", "status X.7.3 (security conversion required but not possible)", RFC3463),
	C(7, 4, 0, "securityerror", "status X.7.4 (security features not supported)", RFC3463),
	C(7, 5, 0, "securityerror", "status X.7.5 (cryptographic failure)", RFC3463),
	C(7, 6, 0, "securityerror", "status X.7.6 (cryptographic algorithm not supported)", RFC3463),
	C(7, 7, 0, "securityerror", "status X.7.7 (message integrity failure)", RFC3463),
	C(7, 8, 0, "securityerror", "status X.7.8 (authentication credentials invalid)", IANA),
	C(7, 9, 0, "securityerror", "status X.7.9 (authentication mechanism is too weak)", IANA),
	C(7, 10, 0, "securityerror", "status X.7.10 (encryption needed)", IANA),
	C(7, 11, 0, "securityerror", "status X.7.11 (encryption required for the mechanism)", IANA),
	C(7, 12, 0, "securityerror", "status X.7.12 (a password transition is needed)", IANA),
	C(7, 13, 0, "suspend", "status X.7.13 (user account disabled)", IANA),
	C(7, 14, 0, "securityerror", "status X.7.14 (trust relationship required)", IANA),
	C(7, 15, 0, "policyviolation", "status X.7.15 (priority level is too low)", IANA),
	C(7, 16, 0, "mesgtoobig", "status X.7.16 (message is too big for the priority)", IANA),
	C(7, 17, 0, "hasmoved", "status X.7.17 (mailbox owner has changed)", "RFC 7293 (RRVS)"),
	C(7, 18, 0, "hasmoved", "status X.7.18 (domain owner has changed)", "RFC 7293 (RRVS)"),
	C(7, 19, 0, "securityerror", "status X.7.19 (RRVS test cannot be completed)", "RFC 7293 (RRVS)"),
	C(7, 20, 0, "authfailure", "status X.7.20 (no passing DKIM signature)", "RFC 7372"),
	C(7, 21, 0, "authfailure", "status X.7.21 (no acceptable DKIM signature)", "RFC 7372"),
	C(7, 22, 0, "authfailure", "status X.7.22 (no valid author-matched DKIM signature)", "RFC 7372"),
	C(7, 23, 0, "authfailure", "status X.7.23 (SPF validation failed)", "RFC 7372"),
	C(7, 24, 0, "authfailure", "status X.7.24 (SPF validation error)", "RFC 7372"),
	C(7, 25, 0, "requireptr", "status X.7.25 (reverse DNS validation failed)", "RFC 7372"),
	C(7, 26, 0, "authfailure", "status X.7.26 (multiple authentication checks failed)", "RFC 7372"),
	C(7, 27, 0, "rejected", "status X.7.27 (sender address has null MX)", RFC7505),
	C(7, 28, 0, "speeding", "status X.7.28 (mail flood detected)", IANA),
	C(7, 29, 0, "authfailure", "status X.7.29 (ARC validation failure)", "RFC 8617 (ARC)"),
	C(7, 30, 0, "securityerror", "status X.7.30 (REQUIRETLS support required)", "RFC 8689 (REQUIRETLS)"),
#undef C
};

/* SMTP reply codes whose RFC 5321 text names a reason. */
static const struct reply_rule {
	struct reason_rule rule;
	int code;
	const char *reason;
} reply_rules[] = {
	{ { "reply code 421 (service not available, closing channel)", RFC5321 }, 421, "toomanyconn" },
	{ { "reply code 451 (local error in processing)", RFC5321 }, 451, "systemerror" },
	{ { "reply code 452 (insufficient system storage)", RFC5321 }, 452, "systemfull" },
	{ { "reply code 521 (host does not accept mail)", RFC7505 }, 521, "notaccept" },
	{ { "reply code 551 (user not local)", RFC5321 }, 551, "hasmoved" },
	{ { "reply code 552 (exceeded storage allocation)", RFC5321 }, 552, "mailboxfull" },
	{ { "reply code 553 (mailbox name not allowed)", RFC5321 }, 553, "userunknown" },
	{ { "reply code 556 (domain does not accept mail)", RFC7505 }, 556, "notaccept" },
};

/* Rules that are conditions rather than texts or codes. */
static const struct reason_rule
    r_delivered = { "action delivered, relayed or expanded: not a failure", "RFC 3464 2.3.3" },
    r_success = { "status 2.X.X: success", RFC3463 },
    r_mail_from = { "answered MAIL FROM or a sender's code: the sender was refused, not the recipient",
	"RFC 5321 3.3 (MAIL FROM), RFC 3463 X.1.7/X.1.8" },
    r_expired_input = { "the reporting MTA gave up when the queue lifetime ran out, and quotes no remote reply",
	"RFC 5321 4.5.4.1 (give-up time)" },
    r_failed_temp = { "failed with a temporary (4.X.X) status: retries ran out",
	"RFC 3464 2.3.3 (Action failed), RFC 3463 (class 4)" },
    r_excuse = { "\"user unknown\" with no X.1.x code and not in answer to RCPT TO: filters give it as an excuse",
	"RFC 5321 3.3 (a mailbox is refused at RCPT TO)" },
    r_rcpt_refused = { "a permanent refusal in answer to RCPT TO that names no other reason: the recipient's address was refused",
	"RFC 5321 3.3 (RCPT: a 550 reply when the recipient is not a deliverable address)" },
    r_dns_temp = { "a host or domain not found, reported as temporary (4.X.X): DNS trouble",
	"RFC 3463 2 (class 4), RFC 5321 5.1 (temporary DNS errors)" },
    r_delayed = { "delayed, and no text or code tells more than a temporary failure: still retrying, no reason yet (a warning is no expiry)",
	"RFC 3464 2.3.3 (Action delayed), 2.3.6 (Will-Retry-Until)" },
    r_default = { "no text, status or reply code tells the reason", "bouncekit-records(5)" };
const struct reason_rule reason_rule_input = { "set by the reader of the input (an ESP's bounce type, "
    "a feedback report, an auto-reply, a delivery program's exit status)", "bouncekit-records(5)" };

/* Rules of the class. */
static const struct reason_rule
    c_none = { "not a failure: delivered, feedback or auto-reply", "RFC 3464 2.3.3, RFC 5965, RFC 3834" },
    c_temp_status = { "soft: status 4.X.X, a persistent transient failure", "RFC 3463 2 (class 4)" },
    c_temp_code = { "soft: reply code 4xx, transient negative completion", "RFC 5321 4.2.1 (4yz)" },
    c_expiry = { "soft: the MTA gave up after temporary failures (queue lifetime)",
	"RFC 5321 4.5.4.1 (give-up time)" },
    c_temp_text = { "soft: the reply text says the failure is temporary (try again, greylisted, "
	"temporarily deferred)", "RFC 5321 4.2.1 (transient failures)" },
    c_soft_reason = { "soft: the reason is not a permanent failure of the recipient",
	"bouncekit-records(5) (hard only for a permanent recipient failure)" },
    c_sender_cmd = { "soft: refused at the connection, HELO or MAIL FROM: the sender's side",
	"RFC 5321 3.3, 4.2.5" },
    c_sender_status = { "soft: status X.1.7/X.1.8/X.7.27: the sender's address", RFC3463 },
    c_policy_status = { "soft: status X.7.X (security or policy) and no text that names the recipient's mailbox",
	"RFC 3463 3.8 (X.7.X security or policy status)" },
    c_hard_5xx = { "hard: a permanent failure (5.X.X or 5xx) about this recipient or its domain",
	"RFC 3463 (class 5), RFC 5321 4.2.1 (5yz)" },
    c_hard_failed = { "hard: failed with no sign of a temporary cause, about this recipient or its domain",
	"RFC 3464 2.3.3 (Action failed)" },
    c_weak_basis = { "soft: only a text that any restriction may follow (\"address rejected\") and a generic code",
	"bouncekit-records(5) (hard only on evidence)" },
    c_not_permanent = { "soft: no sign that the failure is permanent", "RFC 5321 4.2.1" };

static int
is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

/* The reasons that may be hard: a permanent failure of the recipient. */
static int
recipient_reason(const char *r)
{
	return is(r, "userunknown") || is(r, "hostunknown") || is(r, "hasmoved") ||
	    is(r, "notaccept");
}

/* Reasons of a vague refusal ("access denied", "blocked", "policy"): at
 * MAIL FROM it is the sender that was refused. */
static int
vague_refusal(const char *r)
{
	return is(r, "blocked") || is(r, "policyviolation");
}

/* Whether a reply says no more than that it refuses: besides its codes and
 * addresses only words such as "recipient rejected", "refused", "denied",
 * "not accepted". */
static int
bare_refusal(const char *diag, int code)
{
	static const char *const words[] = { "rejected", "refused", "denied", "recipient",
		"address", "rcpt", "to", "not", "accepted", "sorry", "no", NULL };
	int refused = 0;

	if (diag == NULL)
		return 0;
	/* A notice may put its own words before the reply ("SMTP error from
	 * remote mail server after RCPT TO:<...>: 542 ..."): the reply starts
	 * at its code. */
	if (code >= 200 && code <= 599) {
		for (const char *q = diag; (q = strchr(q, '0' + code / 100)) != NULL; q++) {
			if ((q == diag || q[-1] == ' ' || q[-1] == ':' || q[-1] == '\n') &&
			    status_find_reply(q, strlen(q), NULL) == code) {
				diag = q;
				break;
			}
		}
	}
	for (const char *p = diag; *p; ) {
		const char *w = p, *e;
		size_t n;
		int known = 0;

		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		e = p;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (memchr(w, '@', (size_t)(e - w)) || *w == '<')
			continue;	/* an address */
		while (w < e && !ascii_alpha((unsigned char)*w))
			w++;
		while (e > w && !ascii_alpha((unsigned char)e[-1]))
			e--;
		if (w == e)
			continue;	/* codes, punctuation */
		n = (size_t)(e - w);
		/* qmail-remote ends the quoted reply with "Giving up on
		 * 192.0.2.1.". */
		if (n == 6 && strncasecmp(w, "giving", 6) == 0 && strncasecmp(p, "up on", 5) == 0)
			break;
		for (const char *const *k = words; *k && !known; k++)
			if (strlen(*k) == n && strncasecmp(w, *k, n) == 0) {
				known = 1;
				refused |= k - words < 3 || strcmp(*k, "accepted") == 0;
			}
		if (!known)
			return 0;
	}
	return refused;
}

/* Reasons that say no more than "it did not work out": a quoted reply that
 * says only this does not explain an expiry. */
static int
generic_reason(const char *r)
{
	return is(r, "systemerror") || is(r, "undefined") || is(r, "onhold") ||
	    is(r, "expired") || is(r, "networkerror");
}

/* A code "C.S.D" in parts; 0 if status is not one. */
static int
status_parts(const char *status, int *sub, int *det)
{
	char *end;
	long s, d;

	if (status == NULL || (status[0] != '2' && status[0] != '4' && status[0] != '5') ||
	    status[1] != '.')
		return 0;
	s = strtol(status + 2, &end, 10);
	if (*end != '.' || end == status + 2)
		return 0;
	d = strtol(end + 1, &end, 10);
	if (*end != '\0')
		return 0;
	*sub = (int)s;
	*det = (int)d;
	return status[0] - '0';
}

static const struct code_rule *
code_rule(int sub, int det)
{
	for (size_t i = 0; i < sizeof code_rules / sizeof code_rules[0]; i++)
		if (code_rules[i].subject == sub && code_rules[i].detail == det)
			return &code_rules[i];
	return NULL;
}

static int
sender_status(int sub, int det)
{
	return (sub == 1 && (det == 7 || det == 8)) || (sub == 7 && det == 27);
}

/* The command the marks found name: the one named last. A session
 * transcript (Sendmail's ">>> RCPT TO", ">>> DATA", "<<< 550 ...") shows each
 * command sent, and the reply follows the last; a notice names the command
 * of each reply ("in reply to RCPT TO command"). */
static int
marks_command(const struct match *m)
{
	static const struct {
		int bit, cmd;
	} cmds[] = { { 0, REASON_CMD_MAIL }, { 1, REASON_CMD_RCPT }, { 2, REASON_CMD_DATA },
		{ 3, REASON_CMD_CONNECT } };
	unsigned best = 0;
	int cmd = REASON_CMD_UNKNOWN;

	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (m->last[cmds[i].bit] > best) {
			best = m->last[cmds[i].bit];
			cmd = cmds[i].cmd;
		}
	return cmd;
}

static const int bit_command[] = { REASON_CMD_MAIL, REASON_CMD_RCPT, REASON_CMD_DATA,
	REASON_CMD_CONNECT };

/* The command the reply diag answered, from a notice (ctx) that quotes it
 * (its first bytes, the last time) among others: Postfix names it just after
 * the reply ("(in reply to RCPT TO command)"), a transcript or Exim just
 * before (">>> RCPT To:<...>", "after RCPT TO:<...>:"). Where the reply is
 * not found in the notice, the command named last. */
static int
context_command(const struct match *mc, const char *ctx, size_t n, const char *diag)
{
	size_t dn = strlen(diag), key = dn < 24 ? dn : 24;
	const char *at = NULL, *next;
	size_t p, q;
	int cmd = REASON_CMD_UNKNOWN;

	/* The last time the reply is quoted: a transcript comes after the
	 * summary of the failures. */
	for (const char *from = ctx; key >= 8 && (size_t)(from - ctx) < n &&
	    (next = memmem(from, n - (size_t)(from - ctx), diag, key)) != NULL; from = next + 1)
		at = next;
	if (at == NULL)
		return marks_command(mc);
	p = (size_t)(at - ctx);
	q = p + dn;
	for (unsigned k = 0; k < mc->ncmd; k++) {
		if (mc->cmd[k].follows) {
			if (mc->cmd[k].start + 16 >= q && mc->cmd[k].start < q + 96)
				return bit_command[mc->cmd[k].bit];
		} else if (mc->cmd[k].end <= p) {
			cmd = bit_command[mc->cmd[k].bit];
		}
	}
	return cmd;
}

/* The class of reason r, and the rule that decided it. st: the status class
 * (0 if none), sub/det its parts; temp: the text says temporary; expiry: the
 * MTA gave up on the queue lifetime. */
static const char *
class_of(const char *r, int st, int sub, int det, int code, const char *action, int cmd,
    int temp, int expiry, int weak, int strong, const struct reason_rule **rule)
{
	const struct reason_desc *d = reason_describe(r);

	if (d == NULL || strcmp(d->class, "none") == 0) {
		*rule = d ? &c_none : &c_soft_reason;
		return d ? "none" : "soft";
	}
	if (st == 4) {
		*rule = &c_temp_status;
		return "soft";
	}
	if (code >= 400 && code < 500) {
		*rule = &c_temp_code;
		return "soft";
	}
	if (expiry) {
		*rule = &c_expiry;
		return "soft";
	}
	if (temp) {
		*rule = &c_temp_text;
		return "soft";
	}
	if (strcmp(d->class, "soft") == 0) {
		*rule = &c_soft_reason;
		return "soft";
	}
	/* A recipient's reason: hard only if nothing says it was about the
	 * sender, and something says it is permanent. */
	if (cmd == REASON_CMD_MAIL || cmd == REASON_CMD_CONNECT) {
		*rule = &c_sender_cmd;
		return "soft";
	}
	if (st && sender_status(sub, det)) {
		*rule = &c_sender_status;
		return "soft";
	}
	if (st && sub == 7 && det != 17 && det != 18 && !strong) {
		*rule = &c_policy_status;
		return "soft";
	}
	if (weak) {
		*rule = &c_weak_basis;
		return "soft";
	}
	if (st == 5 || (code >= 500 && code < 600)) {
		*rule = &c_hard_5xx;
		return "hard";
	}
	if (st == 0 && code == 0 && is(action, "failed")) {
		*rule = &c_hard_failed;
		return "hard";
	}
	*rule = &c_not_permanent;
	return "soft";
}

static int
delivered_action(const char *action)
{
	return action && (strcmp(action, "delivered") == 0 || strcmp(action, "relayed") == 0 ||
	    strcmp(action, "expanded") == 0);
}

void
reason_decide(const struct reason_input *in, struct reason_verdict *v)
{
	struct match m, mc;
	const struct code_rule *cr = NULL;
	const struct phrase *ph = NULL;
	const char *r = NULL;
	const struct reason_rule *rr = NULL;
	int st, sub = 0, det = 0, cmd, expiry, temp;

	memset(v, 0, sizeof *v);
	st = status_parts(in->status, &sub, &det);
	if (delivered_action(in->action) || st == 2) {
		v->reason = "delivered";
		v->class = "none";
		v->reason_rule = delivered_action(in->action) ? &r_delivered : &r_success;
		v->class_rule = &c_none;
		return;
	}
	if (st)
		cr = code_rule(sub, det) ? code_rule(sub, det) : code_rule(sub, 0);
	phrase_match(in->diag, in->diag ? strlen(in->diag) : 0, &m);
	if (m.i >= 0)
		ph = &phrases[m.i];
	cmd = in->command ? in->command : marks_command(&m);
	expiry = in->expired || (m.marks & MK_EXPIRY);
	temp = (m.marks & MK_TEMP) || (ph && (ph->flags & F_TEMP));

	/* The text against the code: a named reason beats a generic code, a
	 * specific code beats a vague phrase. */
	if (ph) {
		r = ph->reason;
		rr = &ph->rule;
		if (cr && cr->reason && !cr->generic && (ph->flags & (F_WEAK | F_LAST)) &&
		    !((ph->flags & F_DBEB) && sub == 4 && det == 1)) {
			r = cr->reason;
			rr = &cr->rule;
		} else if (cr && is(cr->reason, "hasmoved") && is(r, "userunknown")) {
			r = cr->reason;
			rr = &cr->rule;
		} else if ((ph->flags & F_CONN) && is(in->action, "failed") && st == 4) {
			r = "expired";
			rr = &r_failed_temp;
		}
	} else if (is(in->action, "failed") && st == 4 && (cr == NULL || cr->reason == NULL ||
	    is(cr->reason, "networkerror") || cr->generic)) {
		/* Failed with a temporary code: the MTA gave up retrying, unless
		 * a code says what was wrong (4.2.2 full mailbox, 4.4.3 directory
		 * server failure, 452). */
		r = "expired";
		rr = &r_failed_temp;
		/* 421 and 451 say no more than X.4.2 does. */
		for (size_t i = 0; i < sizeof reply_rules / sizeof reply_rules[0]; i++)
			if (reply_rules[i].code == in->code && (cr == NULL || cr->reason == NULL ||
			    (in->code != 421 && in->code != 451))) {
				r = reply_rules[i].reason;
				rr = &reply_rules[i].rule;
			}
	} else if (cr && cr->reason) {
		r = cr->reason;
		rr = &cr->rule;
	} else {
		for (size_t i = 0; i < sizeof reply_rules / sizeof reply_rules[0]; i++)
			if (reply_rules[i].code == in->code) {
				r = reply_rules[i].reason;
				rr = &reply_rules[i].rule;
			}
	}
	if (r == NULL) {
		r = "undefined";
		rr = &r_default;
	}
	/* Which command the reply answered matters for a recipient's reason
	 * only; the notice may tell it where the reply does not. */
	if (!cmd && in->context && (recipient_reason(r) || is(r, "undefined") ||
	    (ph && rr == &ph->rule && (ph->flags & F_WEAK) && vague_refusal(r)))) {
		size_t cn = strlen(in->context);

		phrase_match(in->context, cn, &mc);
		cmd = in->diag ? context_command(&mc, in->context, cn > SCAN_MAX ? SCAN_MAX : cn,
		    in->diag) : marks_command(&mc);
	}
	if ((recipient_reason(r) || is(r, "undefined") || (ph && rr == &ph->rule &&
	    (ph->flags & F_WEAK) && vague_refusal(r) && cmd == REASON_CMD_MAIL) ||
	    (cr && rr == &cr->rule && cr->generic && cmd == REASON_CMD_MAIL)) &&
	    (cmd == REASON_CMD_MAIL ||
	    (st && sender_status(sub, det) && (!(ph && rr == &ph->rule) || sub == 1)))) {
		/* The sender was refused: not the recipient's fault. X.1.7
		 * and X.1.8 name the sender's address outright, so that a
		 * recipient's word beside them ("Domain not found") is about
		 * the sender's. */
		r = "rejected";
		rr = cmd == REASON_CMD_MAIL || cr == NULL ? &r_mail_from : &cr->rule;
	} else if (ph && rr == &ph->rule && (ph->flags & F_EXCUSE) && cmd != REASON_CMD_RCPT &&
	    !(st && sub == 1 && det != 7 && det != 8)) {
		/* A mailbox is refused in answer to RCPT TO; "user unknown" in
		 * answer to DATA, with no 5.1.x code, is a content filter's
		 * excuse. */
		r = "filtered";
		rr = &r_excuse;
	} else if (is(r, "undefined") && cmd == REASON_CMD_RCPT && !(st && sub == 7) &&
	    (st == 5 || (st == 0 && in->code >= 500 && in->code < 600)) && bare_refusal(in->diag, in->code)) {
		/* Refused for good at RCPT TO, and the reply says nothing but
		 * that ("542 <who@example.org> Rejected"): the recipient's
		 * address. A text this classifier does not know is not
		 * "nothing". */
		r = "userunknown";
		rr = &r_rcpt_refused;
	}
	/* A delay notice is no expiry: the MTA is still retrying (RFC 3464
	 * 2.3.3), whatever its boilerplate says (Exim's deliver.c: "Delivery
	 * attempts will continue for some time"). A specific status says what
	 * there is to say; a notice that tells no more than that delivery is
	 * being retried (no code, no specific text) gives no reason yet. A
	 * delayed attempt with its own reply code is that reply. */
	if (is(in->action, "delayed") && !expiry && is(r, "expired") &&
	    !(cr && is(cr->reason, "expired"))) {
		r = cr && cr->reason && !cr->generic ? cr->reason : "undefined";
		rr = cr && cr->reason && !cr->generic ? &cr->rule : &r_delayed;
	}
	if (is(in->action, "delayed") && in->code == 0 && (st == 0 || (cr && cr->generic)) &&
	    (is(r, "undefined") || (is(r, "systemerror") && ph && rr == &ph->rule &&
	    (ph->flags & F_WEAK)))) {
		r = "undefined";
		rr = &r_delayed;
	}
	/* A host not found that the reporter will retry: DNS trouble. */
	if (is(r, "hostunknown") && st == 4) {
		r = "networkerror";
		rr = &r_dns_temp;
	}
	/* The queue lifetime ran out: expired (the time ran out on failures
	 * to connect), unless the last failure says more: a quoted remote
	 * reply, a text that names another cause (DNS lookups, a full
	 * mailbox), or a specific status (X.4.3 directory server failure). */
	if (expiry && !((m.marks & MK_QUOTE) && ph && rr == &ph->rule && !generic_reason(r)) &&
	    !(ph && rr == &ph->rule && !(ph->flags & (F_CONN | F_WEAK)) && !is(r, "expired")) &&
	    !(cr && rr == &cr->rule && !cr->generic && !(sub == 4 && (det == 1 || det == 2 ||
	    det == 7)))) {
		r = "expired";
		rr = in->expired || m.first[MKB_EXPIRY] < 0 ? &r_expired_input : &phrases[m.first[MKB_EXPIRY]].rule;
	}
	v->reason = reason_describe(r)->name;
	v->reason_rule = rr;
	v->command = cmd;
	v->class = class_of(v->reason, st, sub, det, in->code, in->action, cmd, temp, expiry,
	    ph && rr == &ph->rule && (ph->flags & F_LAST) && (cr == NULL || cr->generic),
	    ph && rr == &ph->rule && !(ph->flags & (F_WEAK | F_LAST)), &v->class_rule);
}

const char *
reason_classify(const char *action, const char *status, int code, const char *diag)
{
	return reason_classify_ctx(action, status, code, diag, NULL);
}

const char *
reason_classify_ctx(const char *action, const char *status, int code, const char *diag,
    const char *context)
{
	struct reason_input in = { action, status, code, diag, context, 0, 0 };
	struct reason_verdict v;

	reason_decide(&in, &v);
	return v.reason;
}

const char *
reason_from_text(const char *text, size_t n)
{
	struct match m;

	phrase_match(text, n, &m);
	return m.i < 0 ? NULL : phrases[m.i].reason;
}

int
reason_needs_command(const char *diag, const char *status)
{
	struct match m;
	int specific = status && status[0] && status[1] == '.' && strstr(status, ".0.0") == NULL;

	phrase_match(diag, strlen(diag), &m);
	if (m.i < 0) {
		int sub, det;
		const struct code_rule *cr;

		if (!specific || status_parts(status, &sub, &det) == 0)
			return 1;
		cr = code_rule(sub, det);
		return cr == NULL || recipient_reason(cr->reason);
	}
	if ((phrases[m.i].flags & F_WEAK) && vague_refusal(phrases[m.i].reason))
		return 1;
	/* A recipient's reason is hard only if the reply did not answer
	 * MAIL FROM or the connection, whatever the status ("550 5.1.1 User
	 * unknown" in reply to MAIL FROM is about the sender). */
	return recipient_reason(phrases[m.i].reason);
}

const char *
reason_class_why(const char *reason, const char *status, int code, const struct reason_rule **rule)
{
	const struct reason_rule *dummy;
	int sub = 0, det = 0, st = status_parts(status, &sub, &det);

	return class_of(reason ? reason : "undefined", st, sub, det, code, "failed", 0, 0, 0, 0, 0,
	    rule ? rule : &dummy);
}

const char *
reason_class(const char *reason, const char *status, int code)
{
	return reason_class_why(reason, status, code, NULL);
}

const struct reason_desc *
reason_describe(const char *name)
{
	/* The first byte first: most names differ there, and this is called
	 * for every event. */
	for (const struct reason_desc *r = reason_table; r->name; r++)
		if (r->name[0] == name[0] && strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

void
reason_rules_each(void (*fn)(void *arg, const struct reason_rule *r, const char *reason,
    const char *kind), void *arg)
{
	static const char *const mark_kind[NMARKBITS] = { "command MAIL FROM", "command RCPT TO",
		"command DATA", "command connection/HELO", "expiry", "quoted remote reply",
		"temporary" };
	static const struct reason_rule *const conds[] = { &r_delivered, &r_success, &r_mail_from,
		&r_expired_input, &r_failed_temp, &r_excuse, &r_rcpt_refused, &r_dns_temp, &r_delayed, &r_default,
		&reason_rule_input };
	static const struct reason_rule *const classes[] = { &c_none, &c_temp_status, &c_temp_code,
		&c_expiry, &c_temp_text, &c_soft_reason, &c_sender_cmd, &c_sender_status,
		&c_policy_status, &c_weak_basis, &c_hard_5xx, &c_hard_failed, &c_not_permanent };

	for (size_t i = 0; i < NPHRASES; i++) {
		int b = 0;

		while (phrases[i].mark >> (b + 1))
			b++;
		fn(arg, &phrases[i].rule, phrases[i].reason, phrases[i].reason ? "text" :
		    mark_kind[b]);
	}
	for (size_t i = 0; i < sizeof code_rules / sizeof code_rules[0]; i++)
		fn(arg, &code_rules[i].rule, code_rules[i].reason, "status");
	for (size_t i = 0; i < sizeof reply_rules / sizeof reply_rules[0]; i++)
		fn(arg, &reply_rules[i].rule, reply_rules[i].reason, "reply code");
	for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++)
		fn(arg, conds[i], NULL, "condition");
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
		fn(arg, classes[i], NULL, "class");
}
