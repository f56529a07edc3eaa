/* reason_rules.c: the phrase rules of the reason classifier: reply-text
 * phrases and marks, each with the first source its words come from; the
 * rules themselves are the data of reason_rules.def. */
#include "reason_int.h"

const struct phrase reason_phrases[] = {
#define MARK(m, text, src) { { text, src }, NULL, m, 0 }
#define MARKF(m, text, src) { { text, src }, NULL, m, F_FOLLOWS }
#define P(reason, text, src) { { text, src }, reason, 0, 0 }
#define PF(reason, text, src, f) { { text, src }, reason, 0, f }
#include "reason_rules.def"
#undef MARK
#undef MARKF
#undef P
#undef PF
};

const size_t reason_nphrases = sizeof reason_phrases / sizeof reason_phrases[0];
