/* bouncecat: the bounce categories that MTAs for bulk senders write into
 * their logs (PowerMTA's bounceCat, KumoMTA's bounce_classification) as
 * reasons of our vocabulary. */
#ifndef BK_BOUNCECAT_H
#define BK_BOUNCECAT_H

/* The reason for category cat ("bad-mailbox", "InvalidRecipient", ...: case,
 * '-' and '_' ignored), or NULL when it names none ("other", "Uncategorized",
 * unknown words). *force says whether the category is specific enough to
 * stand over the reason the reply text gives. */
const char *bouncecat_reason(const char *cat, int *force);

#endif
