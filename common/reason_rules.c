/* reason_rules.c: the phrase rules of the reason classifier: reply-text
 * phrases and marks, each with the first source its words come from. */
#include "reason_int.h"

const struct phrase reason_phrases[] = {
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
	/* Symantec Email Security.cloud: "554 5.4.7 [internal] exceeded max
	 * time without delivery". */
	MARK(MK_EXPIRY, "exceeded max time without delivery", MESSAGELABS),
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
	/* Gmail's notices quote the remote reply: "The error that the other
	 * server returned was:", "The response from the remote server was:",
	 * "The response was:". */
	MARK(MK_QUOTE, "the error that the other server returned was", GMAIL_HELP),
	MARK(MK_QUOTE, "the response from the remote server was", GMAIL_HELP),
	MARK(MK_QUOTE, "the response was:", GMAIL_HELP),
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
	/* Yahoo: "554 Message not allowed - Headers are not RFC compliant". */
	P("notcompliantrfc", "not rfc compliant", YAHOO),
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
	/* Exchange's content filter agent (a spam confidence level over its
	 * reject threshold): "550 5.7.1 Message rejected due to content
	 * restrictions". */
	P("spamdetected", "rejected due to content restrictions", EXCHANGE_CFA),
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
	PF("systemerror", "operating system error", SENDMAIL_ERR, F_WEAK),
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
	/* "452 4.2.2 The recipient's inbox is out of storage space." */
	P("mailboxfull", "inbox is out of storage space", GMAIL),
	/* Gmail's notice "Recipient inbox full ... Their inbox is full". */
	P("mailboxfull", "inbox is full", GMAIL_HELP),
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
	P("suspend", "tried to reach is inactive", GMAIL),
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
	P("userunknown", "unknown or illegal alias", SUN_MS),
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
	P("hostunknown", "illegal host/domain name found", SUN_MS),
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
	/* Tencent (QQ Mail): "550 Connection frequency limited", "550 Ip
	 * frequency limited", "550 Domain frequency limited". */
	P("toomanyconn", "connection frequency limited", TENCENT),
	P("speeding", "frequency limited", TENCENT),
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
	/* Replies that name the block list that listed the client. */
	P("blocked", "spamcop", DNSBL_DOCS),
	P("blocked", "barracudacentral", DNSBL_DOCS),
	P("blocked", "sorbs.net", DNSBL_DOCS),
	/* Providers' block codes: Comcast's ES (dynamic IP space) and BL
	 * (block lists), RL (rate limit); Cox's CXBL, CDRBL and IPBL. */
	P("blocked", "es0000", COMCAST),
	/* Outlook.com's block codes: SC-001..004 (policy, reputation,
	 * complaints, open proxy), DY-001/002 (dynamic or compromised IP),
	 * OU-001/002 (policy). */
	P("blocked", "sc-001", OUTLOOKCOM),
	P("blocked", "sc-002", OUTLOOKCOM),
	P("blocked", "sc-003", OUTLOOKCOM),
	P("blocked", "sc-004", OUTLOOKCOM),
	P("blocked", "dy-001", OUTLOOKCOM),
	P("blocked", "dy-002", OUTLOOKCOM),
	P("blocked", "ou-001", OUTLOOKCOM),
	P("blocked", "ou-002", OUTLOOKCOM),
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
	/* "550 5.7.9 This mail has been blocked because the sender is
	 * unauthenticated. Yahoo requires all senders to authenticate with
	 * either SPF or DKIM" (Gmail's 5.7.26 says the same). */
	P("authfailure", "sender is unauthenticated", YAHOO),
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
	/* qmail-remote: "Connected to %s but connection died. (#4.4.2)". */
	PF("networkerror", "but connection died", QMAIL_REMOTE, F_CONN),
	P("networkerror", "message is looping", QMAIL_LOCAL),
	/* qmail-remote: "Sorry. Although I'm listed as a best-preference MX or
	 * A for that host, it isn't in my control/locals file, so I don't treat
	 * it as local. (#5.4.6)": a routing loop. */
	P("networkerror", "listed as a best-preference mx", QMAIL_REMOTE),
	/* Exim's smtp transport: "remote host address is the local host". */
	P("networkerror", "remote host address is the local host", EXIM_SMTP),
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
	/* Exim smtp_in.c: "554 SMTP synchronization error" (a client that
	 * talks before the server's reply), "421 ... Too many syntax or
	 * protocol errors". */
	P("syntaxerror", "smtp synchronization error", EXIM_SMTPIN),
	P("syntaxerror", "too many syntax or protocol errors", EXIM_SMTPIN),
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

const size_t reason_nphrases = sizeof reason_phrases / sizeof reason_phrases[0];
