/* bouncecat: MTA bounce categories -> reasons. PowerMTA's categories are those
 * of its User's Guide ("bad-mailbox", "quota-issues", ...); KumoMTA's
 * classifier (bounce_classifier/iana.toml) writes the same ideas in CamelCase
 * and adds SparkPost-style names ("InvalidRecipient", "SpamBlock", ...). */
#include "bouncecat.h"

#include <ctype.h>
#include <string.h>

static const struct {
	const char *cat;	/* lower case, no '-' or '_' */
	const char *reason;
	int force;
} cats[] = {
	{ "badmailbox", "userunknown", 1 },
	{ "invalidrecipient", "userunknown", 1 },
	{ "baddomain", "hostunknown", 1 },
	{ "inactivemailbox", "suspend", 1 },
	{ "quotaissues", "mailboxfull", 1 },
	{ "messageexpired", "expired", 1 },
	{ "virusrelated", "virusdetected", 1 },
	{ "relayingissues", "norelaying", 1 },
	{ "relayingdenied", "norelaying", 1 },
	{ "protocolerrors", "syntaxerror", 1 },
	{ "autoreply", "vacation", 1 },
	/* broad ones: the reply text may name a closer reason (a block list
	 * for "spam-related", a missing PTR for "policy-related") */
	{ "nomxforhost", "hostunknown", 0 },
	{ "noanswerfromhost", "networkerror", 0 },
	{ "badconnection", "networkerror", 0 },
	{ "dnsfailure", "networkerror", 0 },
	{ "routingerrors", "networkerror", 0 },
	{ "policyrelated", "policyviolation", 0 },
	{ "spamrelated", "spamdetected", 0 },
	{ "spamcontent", "spamdetected", 0 },
	{ "spamblock", "blocked", 0 },
	{ "contentrelated", "contenterror", 0 },
	{ "prohibitedattachment", "contenterror", 0 },
	{ "invalidsender", "rejected", 0 },
	{ "badconfiguration", "systemerror", 0 },
	{ "toolarge", "mesgtoobig", 1 },
	{ "messagetoobig", "mesgtoobig", 1 },
	/* other, uncategorized, transientfailure, ...: none */
};

const char *
bouncecat_reason(const char *cat, int *force)
{
	char key[32];
	size_t n = 0;

	*force = 0;
	if (cat == NULL)
		return NULL;
	for (; *cat && n + 1 < sizeof key; cat++)
		if (*cat != '-' && *cat != '_' && *cat != ' ')
			key[n++] = (char)tolower((unsigned char)*cat);
	if (*cat)
		return NULL;
	key[n] = '\0';
	for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
		if (strcmp(cats[i].cat, key) == 0) {
			*force = cats[i].force;
			return cats[i].reason;
		}
	return NULL;
}
