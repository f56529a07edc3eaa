/* reason_int.h: what the parts of the reason classifier share: the sources
 * that rules cite, the phrase rules and the phrase search. Private to
 * reason*.c. */
#ifndef BK_REASON_INT_H
#define BK_REASON_INT_H

#include "reason.h"

#include <stddef.h>

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
#define GLIBC_HERROR	"glibc resolv/herror.c h_errlist (hstrerror(3): HOST_NOT_FOUND 'Unknown host', NO_RECOVERY 'Unknown server error'), quoted by MTAs"
#define POSTFIX_SMTPD	"Postfix src/smtpd/smtpd_check.c"
#define POSTFIX_SMTP	"Postfix src/smtp/smtp_proto.c"
#define POSTFIX_TROUBLE	"Postfix src/smtp/smtp_trouble.c"
#define POSTFIX_ADDR	"Postfix src/smtp/smtp_addr.c"
#define POSTFIX_DNS	"Postfix src/dns/dns_lookup.c, dns_strerror.c"
#define POSTFIX_LOCAL	"Postfix src/local/, src/virtual/unknown.c"
#define POSTFIX_SYSEXITS "Postfix src/global/sys_exits.c (sys_exits_table: the text of a delivery command's sysexits(3) status, as pipe(8) and local(8) report it)"
#define RFC4954_CODES	"RFC 4954 6 (SMTP AUTH replies: 534 5.7.9, 535 5.7.8, 538 5.7.11, 432 4.7.12, 454 4.7.0)"
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
#define SMRSH		"Sendmail smrsh/smrsh.c ('%s: \"%s\" not available for sendmail programs', exit EX_UNAVAILABLE)"
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
#define COURIER_LOCAL	"Courier-MTA courier/module.local/local.C (550 'User <%s> unknown': no such local address), deliver.C (its local delivery agent: 'Unable to read .courier file.', '.courier file is globally writeable.', 'maildir.open: %s: %s', 'maildir.close: %s: %s')"
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
#define SES_SMTP	"Amazon SES developer guide: email sending errors, sending quota errors (docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html, manage-sending-quotas-errors.html)"
#define COX		"Cox postmaster error codes (postmaster.cox.net ... Error+Codes)"
#define YANDEX		"Yandex Mail: message rejected under suspicion of spam (yandex.com/support/mail/bounces)"
#define DOVECOT		"Dovecot src/lmtp/, src/plugins/quota/ (userdb, quota texts)"
#define CYRUS		"Cyrus IMAP lmtpd (IMAP_INVALID_USER: No such user)"
#define ORANGE		"Orange postmaster error codes (postmaster.orange.fr, OFR_xxx)"
#define VPOPMAIL	"vpopmail vdelivermail.c"
#define EXCHANGE2003	"Exchange Server 2003 NDR texts (Microsoft KB 284204)"
#define EXCHANGE55_IMS	"Exchange Server 5.5 IMS NDR code lines (Microsoft KB Q246881: 'MSEXCH:IMS:<org>:<site>:<server> 0 (000C05A6) Unknown Recipient' under 'The recipient name is not recognized')"
#define POSTGREY	"postgrey(8) --greylist-text default"
#define OPENSMTPD_CONF	"OpenSMTPD smtpd.conf(5) filter check rdns"
#define RFC3463_TITLES	"RFC 3463 3.1-3.8 (the titles of the status codes, as replies write them: OpenSMTPD usr.sbin/smtpd/esc.c esc_description())"
#define OPENSMTPD_MDA	"OpenSMTPD usr.sbin/smtpd/mda.c (IMSG_MDA_DONE: 'mda exited prematurely', or the delivery program's last line of output)"
#define OPENSMTPD_ESC	"OpenSMTPD usr.sbin/smtpd/esc.c (status code texts)"
#define POSTFIX_QMGR	"Postfix src/qmgr/ (postsuper -e: 4.7.0 message is administratively expired)"
#define IANA_7_13	"IANA SMTP Enhanced Status Codes registry X.7.13 (User Account Disabled)"
#define GMAIL_EXCHANGE_IP	"Gmail 5.7.1 (\"The IP you're using to send mail\"), Exchange Online 5.7.606-649 (banned sending IP)"
#define POSTFIX_SUSPEND	"Postfix src/qmgr/qmgr_deliver.c (delivery temporarily suspended: a destination's deferral)"
#define RFC3207		"RFC 3207 4 (STARTTLS: 530 Must issue a STARTTLS command first)"
#define IANA_7_8	"IANA SMTP Enhanced Status Codes registry X.7.8 (Authentication credentials invalid)"
#define EXIM_PIPE	"Exim src/src/transports/pipe.c"
#define EXIM_RETURN_OUTPUT	"Exim src/src/deliver.c (the output of a local transport's program, kept by return_output or return_fail_output: 'The following text was generated during the delivery attempt%s:', then '------ <address> ------' and the output), doc/doc-docbook/spec.xfpt (generic transport options; the default configuration's address_pipe returns its output)"
#define PROCMAIL	"procmail src/misc.c nlog() ('procmail: ' before each of the procmail(1) DIAGNOSTICS)"
#define SENDMAIL_DELIVER	"Sendmail sendmail/deliver.c, sendmail/usersmtp.c (timeouts, read errors)"
#define RFC2308		"RFC 2308 7.1 (SERVFAIL: server failure, cached only for a short time)"
#define RFC4954		"RFC 4954 6 (SMTP AUTH: 530 5.7.0 Authentication required)"
#define MS_OXCMAIL	"[MS-OXCMAIL] 2.2.3.7.1.3 (Exchange reads an unknown subject or detail as 0)"
#define EXCHANGE2007	"Exchange Server 2007-2019 DSN texts (learn.microsoft.com: DSNs and NDRs in Exchange Server)"
#define EXCHANGE_NDR	"Exchange Online NDR format (learn.microsoft.com .../ndr/non-delivery-reports-in-exchange-online: 'wasn't found at', 'Despite repeated attempts')"
#define YANDEX_BOUNCES	"Yandex: report on non-delivery to Yandex (yandex.com/support/mail/bounces/yandex.html: error codes table)"
#define IMAIL_HELP	"IMail (Ipswitch): an IMail site's help, sxu.edu info_svcs/imail/fullmailbox.asp ('User mailbox exceeds allowed size': the recipient's mailbox is full)"
#define JP_ISP		"Japanese ISPs' published error-mail guides (BIGLOBE FAQ 10621, megaegg FAQ 296: 'mail box is full', 'user name is unknown')"
#define JP_BBIQ		"BBIQ FAQ 7552 (faq.bbiq.jp: error messages and their causes: 'Message size exceeds remaining quota': the recipient's inbox has no space left)"
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
#define ATT_PM		"AT&T/BellSouth postmaster: error message summary (worldnet.att.net/general-info/bls_info/block_enduser.html: '550 [suspend] Mailbox currently suspended')"
#define AOL_PM		"AOL postmaster error codes (postmaster.aol.com/errors: RTR, HVU, DNS, RLY, DYN, CON blocks)"
#define MESSAGELABS	"Symantec Email Security.cloud (MessageLabs) knowledge base 162445: outbound mail returned by MAILER-DAEMON@messagelabs.com"
#define EXCHANGE_CFA	"Exchange Server content filter agent (learn.microsoft.com: content filtering, RejectionResponse default 'Message rejected due to content restrictions')"
#define SUN_MS		"Oracle Communications (Sun Java System) Messaging Server MTA error texts (Administration Guide: troubleshooting the MTA)"
#define PROOFPOINT	"Proofpoint PDR IP lookup FAQ (proofpoint.com/us/support-services/ip-blocked-faq: an IP is delayed or blocked for spam received from it; refusals link ipcheck.proofpoint.com)"
#define TONLINE		"T-Online postmaster (postmaster.t-online.de 4.7: why the t-online.de servers refused an SMTP connection, 6: IP troubleshooting); T-Online's answer quoted by spamresource.com (2020-06): hosts of bad or unknown reputation are not accepted"
#define DNSBL_DOCS	"Block lists' usage documentation: SpamCop (bl.spamcop.net), Barracuda Reputation Block List (b.barracudacentral.org), SORBS (dnsbl.sorbs.net)"
#define TENCENT		"Tencent QQ Mail help on returned mail (service.mail.qq.com: error codes, 'frequency limited')"
#define GMX_POSTMASTER	"GMX/Web.de postmaster: error messages (postmaster.gmx.com/en/error-messages: '554-No SMTP service 554-IP address is block listed')"
#define POSTFIX_SASL	"Postfix src/smtpd/smtpd_sasl_glue.c (535 5.7.8 Error: authentication failed), src/smtp/smtp_sasl_glue.c (SASL authentication failed)"
#define DOVECOT_STORAGE	"Dovecot src/lib-storage/mail-error.h (MAIL_ERRSTR_NO_SPACE: Not enough disk space)"
#define APACHE_JAMES	"Apache James server/mailet/mailets/.../remoteDelivery/DeliveryRunnable.java ('Too many retries failure. Bouncing after %d retries.')"
#define GMAIL_MSGID	"Gmail SMTP errors and codes (support.google.com/a/answer/3726730: '550 5.7.1 Messages missing a valid messageId header are not accepted')"
#define JP_DTI		"DTI (dream.jp) technical information on returned mail (support/techinfo/mail/error: 'Recipient: ... Reason: ...User unknown', in Japanese: 'のユーザーは登録されていません')"
#define JP_CARRIER	"NTT docomo mail FAQ (support.ntt.com/mail/faq pid2300000e64: 'Unknown user' is also the answer when the recipient's refusal settings turn mail away)"
#define COREMAIL	"Coremail support knowledge base, bounce notices (icoremail.vip/support, cate_id=84: 'User suspended', 'user disabled', 'This account has been temporarily suspended': the recipient's account is frozen or disabled)"
#define POSTFIX_LOCAL_DELIVER	"Postfix src/local/mailbox.c, maildir.c, file.c (local(8) could not write the recipient's mailbox: 'cannot update mailbox %s for user %s.', 'maildir delivery failed: %s', 'cannot append message to destination file %s: %s')"
#define POSTFIX_LOCAL_FILES	"Postfix src/local/file.c ('cannot append message to file %s: '), src/local/mailbox.c ('destination %s is not a regular file' 5.2.0, 'destination %s is not owned by recipient' 4.2.0)"
#define MAILDROP	"Courier maildrop maildrop/maildrop.C (Maildrop::trap(): argv[0] \": \" before each diagnostic), main.C (alarm_msg 'maildrop: Timeout quota exceeded.': its run time limit)"
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
	F_CLIENT = 128,		/* about the connecting client's IP, at any command */
	F_WRAPS = 256,		/* before a delivery program's own words, which say more */
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

/* A rule on reply text: a phrase that gives a reason, or a mark. */
struct phrase {
	struct reason_rule rule;	/* name: the phrase, lower case */
	const char *reason;		/* NULL for a mark */
	unsigned char mark;		/* MK_* of a mark */
	unsigned short flags;		/* F_* of a reason phrase */
};

/* The phrase rules in the order they are tried, marks first
 * (reason_rules.c). */
extern const struct phrase reason_phrases[];
extern const size_t reason_nphrases;

/* How much of a reply text is looked at: servers put the reason up front. */
#define SCAN_MAX 8192

#define CMD_MAX 24

/* What a search of a text found: the first reason phrase, and the marks
 * with the first phrase of each. */
struct match {
	long i;				/* index in reason_phrases[], -1 if none */
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

/* The first reason phrase (in table order) found in text[0..n), and the
 * marks (reason_match.c). */
void reason_phrase_match(const char *text, size_t n, struct match *m);

#endif
