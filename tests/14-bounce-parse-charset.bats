#!/usr/bin/env bats
# bounce-parse on bounces written in other character sets: text parts,
# RFC 2047 headers and report fields decoded into UTF-8 through iconv(3);
# bytes that do not decode become U+FFFD, never dropped. The fixtures were
# written for these tests (tests/fixtures/email/charset/README).

load helper

C="$FIXTURES/email/charset"

setup() {
	T="$BATS_TEST_TMPDIR"
}

# rcpt and diag of the first record.
rcpt_diag() { bounce-parse -d "$1" | head -n 1 | jqr '.rcpt + " | " + .diag'; }

@test "charset: Japanese notices in ISO-2022-JP, Shift_JIS (base64) and EUC-JP" {
	want='taro@example.jp | 550 5.1.1 宛先のメールアドレスが存在しません'
	for f in iso-2022-jp euc-jp shift_jis; do
		[[ "$(rcpt_diag "$C/$f.eml")" == "$want"* ]]
	done
	# Shift_JIS as Microsoft writes it (CP932): NEC's circled digits.
	[[ "$(rcpt_diag "$C/shift_jis.eml")" == "$want ①"* ]]
}

@test "charset: ISO-2022-JP with CP50220's NEC row 13, and labelled so but written in EUC-JP" {
	[[ "$(rcpt_diag "$C/iso-2022-jp-nec.eml")" == *"存在しません ①"* ]]
	[[ "$(rcpt_diag "$C/iso-2022-jp-euc.eml")" == *"宛先のメールアドレスが存在しません"* ]]
}

@test "charset: a notice without MIME headers in ISO-2022-JP is known by its escapes" {
	[[ "$(rcpt_diag "$C/unlabelled-jis.eml")" == "taro@example.jp | 550 5.1.1 宛先のメールアドレスが存在しません"* ]]
}

@test "charset: eight-bit notices without a charset: Shift_JIS, EUC-JP, KOI8-R, windows-1251 by what they read as; Latin-1 stays" {
	want='hana@example.jp | 理由: 550 5.1.1 宛先のメールアドレスが存在しません'
	[ "$(rcpt_diag "$C/unlabelled-sjis.eml")" = "$want" ]
	[ "$(rcpt_diag "$C/unlabelled-euc-jp.eml")" = "$want" ]
	want='ivan@example.ru | 550 5.1.1 Почтовый ящик не существует'
	[ "$(rcpt_diag "$C/unlabelled-koi8-r.eml")" = "$want" ]
	[ "$(rcpt_diag "$C/unlabelled-windows-1251.eml")" = "$want" ]
	[ "$(rcpt_diag "$C/unlabelled-latin1.eml")" = \
	    "juergen@example.de | 550 5.1.1 Empfänger unbekannt; Adresse überprüfen" ]
}

@test "charset: Chinese (gb2312 holding GBK, base64) and Big5" {
	[[ "$(rcpt_diag "$C/gb2312.eml")" == "wang@example.cn | 550 5.1.1 收件人地址不存在 (用户不存在) 镕"* ]]
	[ "$(rcpt_diag "$C/big5.eml")" = "lin@example.tw | 550 5.1.1 收件者信箱不存在" ]
}

@test "charset: Russian in KOI8-R and windows-1251, Polish in ISO-8859-2" {
	[ "$(rcpt_diag "$C/koi8-r.eml")" = "ivan@example.ru | 550 5.1.1 Почтовый ящик не существует" ]
	[ "$(rcpt_diag "$C/windows-1251.eml")" = "ivan@example.ru | 550 5.1.1 Почтовый ящик не существует" ]
	[ "$(rcpt_diag "$C/iso-8859-2.eml")" = \
	    "jan@example.pl | 550 5.1.1 Skrzynka odbiorcy nie istnieje (użytkownik nieznany)" ]
}

@test "charset: windows-1252 (and iso-8859-1, which mail means by it) has its euro and quotes" {
	bounce-parse "$C/windows-1252.eml" >"$T/out"
	[ "$(jqr .rcpt <"$T/out")" = "anne@example.org" ]
	{
		printf 'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n'
		printf 'Content-Type: text/plain; charset=iso-8859-1\n\n'
		printf '<vic@example.org>:\nRemote host said: 550 \223unbekannt\224 \200 \374ber\n'
	} >"$T/latin.eml"
	[ "$(bounce-parse "$T/latin.eml" | jqr .diag)" = "Remote host said: 550 “unbekannt” € über" ]
}

@test "charset: RFC 2047 words in ISO-2022-JP (B) and KOI8-R (Q)" {
	run bounce-parse -d "$C/rfc2047-auto.eml"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jqr '.rcpt + " | " + .diag')" = "yamada@example.jp | 不在通知 отпуск" ]
}

@test "charset: bytes that do not decode are each one U+FFFD, the text around them kept" {
	[ "$(rcpt_diag "$C/utf-8-invalid.eml")" = \
	    "müller@example.de | 550 5.1.1 Empfänger unbekannt ��( – Ende" ]
	# A charset that iconv does not know: UTF-8 if valid, else windows-1252.
	{
		printf 'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n'
		printf 'Content-Type: text/plain; charset=x-no-such-charset\n\n'
		printf '<vic@example.org>:\n550 5.1.1 Empf\303\244nger unbekannt\n'
	} >"$T/unk.eml"
	[ "$(bounce-parse "$T/unk.eml" | jqr .diag)" = "550 5.1.1 Empfänger unbekannt" ]
	sed 's/\xc3\xa4/\xe4/' "$T/unk.eml" >"$T/unk1.eml"
	[ "$(bounce-parse "$T/unk1.eml" | jqr .diag)" = "550 5.1.1 Empfänger unbekannt" ]
	# Shift_JIS cut in the middle of a character: the last byte replaced.
	{
		printf 'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n'
		printf 'Content-Type: text/plain; charset=Shift_JIS\n\n'
		printf '<vic@example.org>:\n550 5.1.1 \202\240\202'
	} >"$T/cut.eml"
	[ "$(bounce-parse "$T/cut.eml" | jqr .diag)" = "550 5.1.1 あ�" ]
	# UTF-8 as iconv reads it (charset.c reads it by hand): an overlong
	# form, a surrogate and a cut sequence replaced byte by byte; four
	# bytes kept.
	{
		printf 'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n'
		printf '<vic@example.org>:\n550 5.1.1 a\300\257b\355\240\200c\342\202d \360\237\230\200\n'
	} >"$T/u8.eml"
	[ "$(bounce-parse "$T/u8.eml" | jqr .diag)" = "550 5.1.1 a��b���c��d 😀" ]
}

@test "charset: threads decode as one thread does (an iconv descriptor per thread)" {
	mkdir "$T/dir"
	for i in 1 2 3 4 5 6 7 8; do
		for f in "$C"/*.eml; do cp "$f" "$T/dir/$i-$(basename "$f")"; done
	done
	bounce-parse -d -j 1 "$T/dir" >"$T/one"
	bounce-parse -d -j 4 "$T/dir" >"$T/four"
	[ "$(wc -l <"$T/one")" -ge 100 ]
	cmp "$T/one" "$T/four"
}

@test "charset: report fields in ISO-2022-JP and in UTF-8 (message/global-delivery-status)" {
	run bounce-parse "$C/dsn-iso-2022-jp.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(echo "${lines[0]}" | jqr '.rcpt + " | " + .diag')" = "hanako@example.jp | 550 5.1.1 宛先が見つかりません" ]
	[ "$(echo "${lines[1]}" | jqr .diag)" = "552 5.2.2 Mailbox full" ]
	[ "$(echo "${lines[2]}" | jqr .diag)" = "550 5.1.1 Utilisateur inconnu (адресат)" ]
}
