/* The charset layer: text in a charset chosen by the first byte of the input
 * (among those mail uses, and names iconv does not know) into UTF-8. The
 * output must be valid UTF-8, and never shorter than the input says: each
 * byte that does not decode is one U+FFFD. */
#include <string.h>

#include "fuzz.h"
#include "charset.h"
#include "jsonl.h"

static const char *const names[] = {
	"", "us-ascii", "utf-8", "iso-8859-1", "windows-1252", "ISO-2022-JP", "Shift_JIS",
	"euc-jp", "gb2312", "big5", "koi8-r", "windows-1251", "iso-8859-2", "ks_c_5601-1987",
	"utf-16", "utf-7", "x-no-such-charset", "\"ISO-2022-JP\"", "utf-8*en", "hz-gb-2312",
	"iso-2022-kr", "tis-620", "gb18030", "cp50220",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct util_buf out = {0};
	const char *s = (const char *)data + 1;
	size_t n;
	char *clean;

	if (size == 0)
		return 0;
	n = size - 1;
	charset_to_utf8(s, n, names[data[0] % (sizeof names / sizeof names[0])], &out);
	/* Valid UTF-8: cleaning changes nothing but NUL bytes, which it drops. */
	clean = jsonl_utf8_clean(out.p ? out.p : "", out.len);
	{
		size_t k = 0;

		for (size_t i = 0; i < out.len; i++)
			if (out.p[i] != '\0' && out.p[i] != clean[k++])
				abort();
		if (clean[k] != '\0')
			abort();
	}
	free(clean);
	util_buf_free(&out);
	charset_thread_end();
	return 0;
}
