/* webhook_azure: Azure Communication Services Email delivery reports, as Event
 * Grid hands them out (Microsoft.Communication.EmailDeliveryReportReceived, in
 * the Event Grid schema or as CloudEvents) -> event records. */
#include "webhook_int.h"
#include "util.h"

#include <string.h>
#include <strings.h>

/* The event's type: "eventType" in the Event Grid schema, "type" in a
 * CloudEvent. */
static const char *
azure_type(const struct jnode *o)
{
	return WEBHOOK_STR_OF(o, "eventType", "type");
}

static int
azure_is(const struct jnode *o)
{
	const char *type = azure_type(o);

	/* The other Communication events (engagement, SMS, chat) and Event
	 * Grid's own (subscription validation) come on the same subscription. */
	return type && jtree_is(webhook_get(o, "data"), JT_OBJ) &&
	    (strncmp(type, "Microsoft.Communication.", 24) == 0 ||
	    strncmp(type, "Microsoft.EventGrid.", 20) == 0);
}

/* data.status: any other than Delivered is a failure, the documentation says. */
static const struct webhook_kind azure_statuses[] = {
	{ "Delivered", "delivered", NULL, NULL, 0 },
	{ "Expanded", "expanded", NULL, NULL, 0 },	/* to a distribution list */
	{ "Bounced", "failed", NULL, "hard", 0 },	/* a hard bounce */
	{ "Failed", "failed", NULL, NULL, 0 },
	/* taken as spam, and rejected or blocked */
	{ "FilteredSpam", "failed", "spamdetected", "soft", 1 },
	/* held by the recipient's filter (spam, bulk mail, phishing) */
	{ "Quarantined", "failed", "filtered", "soft", 1 },
	/* not sent: on a suppression list */
	{ "Suppressed", "failed", "suppressed", "hard", 1 },
};

static int
azure_map(struct webhook_ctx *c, const struct jnode *o)
{
	const struct jnode *data = webhook_get(o, "data"), *det;
	const struct webhook_kind *k;
	struct event e;

	if (strcmp(azure_type(o), "Microsoft.Communication.EmailDeliveryReportReceived") != 0)
		return WEBHOOK_MAP_NONE;	/* engagement, validation, ...: no outcome */
	/* A status added later is a failure all the same. */
	if ((k = WEBHOOK_KIND(azure_statuses, webhook_str(data, "status"))) == NULL)
		k = WEBHOOK_KIND(azure_statuses, "Failed");
	if (webhook_skips(c, k->action))
		return WEBHOOK_MAP_NONE;
	det = webhook_get(data, "deliveryStatusDetails");
	webhook_ev_start(c, &e, k->action);
	if (webhook_ev_rcpt(c, &e, webhook_str(data, "recipient")) != 0)
		return WEBHOOK_MAP_ERR;
	/* The documentation's examples spell it TimeStamp, the SDKs Timestamp. */
	e.time = webhook_time(webhook_get(data, "deliveryAttemptTimeStamp"));
	if (e.time == (time_t)-1)
		e.time = webhook_time(webhook_get(data, "deliveryAttemptTimestamp"));
	if (e.time == (time_t)-1)
		e.time = webhook_time(webhook_get(o, "eventTime"));
	if (e.time == (time_t)-1)
		e.time = webhook_time(webhook_get(o, "time"));	/* a CloudEvent's */
	e.diag = webhook_str(det, "statusMessage");
	e.rhost = webhook_str(det, "recipientMailServerHostName");
	e.from = webhook_str(data, "sender");
	webhook_ev_ids(&e, webhook_str(data, "internetMessageId"), webhook_str(data, "messageId"));
	return webhook_ev_send_kind(c, &e, k);
}

const struct webhook_provider webhook_azure = { "azure", WEBHOOK_AZURE, azure_is, azure_map };
