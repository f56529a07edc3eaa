#!/usr/bin/perl
# sisimai-diff.pl: bounce-parse's verdict beside Sisimai's, on reply texts
# written from first sources. Each input line (a reply or diagnostic text,
# optionally "COMMAND: " first, as in tests/fixtures/rules/replies.tsv; only
# the first tab-separated column is read) is wrapped into bounce messages of
# several producers' shapes, and both parsers read the same folder:
#
#   dsn      a plain RFC 3464 report (multipart/report, message/delivery-status)
#   postfix  Postfix's notice and report ("host ... said: ... (in reply to ...)")
#   exim     Exim's plain notice ("SMTP error from remote mail server after ...")
#
# Prints, per text and shape, where the two differ in reason or hard/soft
# (all rows with -a), and counts. Sisimai is run as a black box (its
# make()/damn() API); nothing of it is read. Not part of make check: it needs
# libsisimai-perl. Usage:
#
#   sisimai-diff.pl [-a] [-s dsn,postfix,exim] [FILE...]   (bounce-parse from PATH)
use strict;
use warnings;
use File::Temp qw(tempdir);
use Getopt::Std;

my %opt;
getopts('as:k', \%opt) or die "usage: sisimai-diff.pl [-a] [-k] [-s shapes] [file...]\n";
my @shapes = split /,/, ($opt{s} // 'dsn,postfix,exim');
eval { require Sisimai; 1 } or die "sisimai-diff: Sisimai is not installed (libsisimai-perl)\n";

my $dir = tempdir(CLEANUP => !$opt{k});
mkdir "$dir/new"; mkdir "$dir/cur"; mkdir "$dir/tmp";
print STDERR "sisimai-diff: messages in $dir\n" if $opt{k};

my %cmdname = (C => 'EHLO', M => 'MAIL FROM', R => 'RCPT TO', D => 'DATA');
my (@texts, %seen);
while (my $l = <>) {
	chomp $l;
	next if $l =~ /^\s*(#|$)/;
	$l = (split /\t/, $l)[0];
	next if $seen{$l}++;
	push @texts, $l;
}

my $date = 'Thu, 01 Feb 2024 10:00:00 +0000';
my $n = 0;
my %case;	# file name -> [text, shape]
for my $t (@texts) {
	my $text = $t;
	my $cmd = '';
	if ($text =~ s/^(EHLO|HELO|MAIL FROM|RCPT TO|DATA|CONNECT): //) {
		$cmd = $1;
	}
	my ($code) = $text =~ /^([245]\d\d)[ -]/;
	my ($status) = $text =~ /(?:^|[ (#])([245]\.\d{1,3}\.\d{1,3})\b/;
	$status //= $code ? substr($code, 0, 1) . '.0.0' : '5.0.0';
	my $temp = $status =~ /^4/;
	for my $shape (@shapes) {
		$n++;
		my $rcpt = "rcpt$n\@example.org";
		my $name = sprintf "%05d.%s", $n, $shape;
		my $msg = $shape eq 'dsn' ? dsn($rcpt, $text, $status, $cmd, 0)
		    : $shape eq 'postfix' ? dsn($rcpt, $text, $status, $cmd, 1)
		    : exim($rcpt, $text, $cmd, $temp);
		open my $f, '>', "$dir/new/$name" or die "$dir/new/$name: $!\n";
		print $f $msg;
		close $f;
		$case{$name} = [$t, $shape, $rcpt];
	}
}

sub dsn {
	my ($rcpt, $text, $status, $cmd, $postfix) = @_;
	my $b = "BOUNDARY.$rcpt";
	my $said = "host mx.example.org[192.0.2.25] said: $text";
	$said .= " (in reply to $cmd command)" if $cmd ne '' && $cmd ne 'CONNECT';
	my $diag = $text =~ /^[245]\d\d[ -]/ || !$postfix ? "smtp; $text" : "X-Postfix; $text";
	my $from = $postfix ? 'MAILER-DAEMON@mx.example.net (Mail Delivery System)'
	    : 'Mail Delivery Subsystem <mailer-daemon@mx.example.net>';
	my $subj = $postfix ? 'Undelivered Mail Returned to Sender' : 'Delivery Status Notification (Failure)';
	my $intro = $postfix ? "This is the mail system at host mx.example.net.\n\n"
	    . "I'm sorry to have to inform you that your message could not\n"
	    . "be delivered to one or more recipients. It's attached below.\n\n"
	    . "                   The mail system\n\n<$rcpt>: $said\n"
	    : "Your message could not be delivered to one or more recipients.\n\n"
	    . "  $rcpt\n    $text\n";
	my $action = 'failed';
	my $mta = $postfix ? 'Reporting-MTA: dns; mx.example.net' . "\nX-Postfix-Queue-ID: 4ABCD1234\n"
	    . 'X-Postfix-Sender: rfc822; sender@example.net' : 'Reporting-MTA: dns; mx.example.net';
	return <<"EOM";
Return-Path: <>
Date: $date
From: $from
Subject: $subj
To: sender\@example.net
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="$b"
Message-Id: <dsn.$rcpt.\@mx.example.net>

This is a MIME-encapsulated message.

--$b
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

$intro
--$b
Content-Description: Delivery report
Content-Type: message/delivery-status

$mta
Arrival-Date: $date

Final-Recipient: rfc822; $rcpt
Original-Recipient: rfc822;$rcpt
Action: $action
Status: $status
Remote-MTA: dns; mx.example.org
Diagnostic-Code: $diag

--$b
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <sender\@example.net>
From: sender\@example.net
To: $rcpt
Subject: test
Message-Id: <orig.$rcpt\@example.net>
Date: $date

--$b--
EOM
}

sub exim {
	my ($rcpt, $text, $cmd, $temp) = @_;
	my $where = $cmd eq '' ? '' : $cmd eq 'CONNECT' ? ' after initial connection'
	    : $cmd eq 'DATA' ? ' after end of data' : " after $cmd:<" . ($cmd eq 'MAIL FROM' ? 'sender@example.net' : $rcpt) . ">";
	my $detail = $text =~ /^[245]\d\d[ -]/
	    ? "    host mx.example.org [192.0.2.25]\n    SMTP error from remote mail server$where:\n    $text"
	    : "    $text";
	my $kind = $temp ? "retry timeout exceeded" : '';
	$detail .= ": retry timeout exceeded" if $temp;
	return <<"EOM";
Return-path: <>
Received: from Debian-exim by mx.example.net with local (Exim 4.96)
	id 1rVxyz-000123-AB
	for sender\@example.net; $date
X-Failed-Recipients: $rcpt
Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon\@mx.example.net>
To: sender\@example.net
Content-Type: text/plain; charset=us-ascii
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1rVxyz-000123-AB\@mx.example.net>
Date: $date

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  $rcpt
$detail

------ This is a copy of the message, including all the headers. ------

Return-path: <sender\@example.net>
Received: from sender by mx.example.net with local (Exim 4.96)
	id 1rVxyy-000122-AA
	for $rcpt; $date
From: sender\@example.net
To: $rcpt
Subject: test
Message-Id: <orig.$rcpt\@example.net>
Date: $date

test
EOM
}

# Sisimai: one make() over the folder.
my %sis;
my $v = Sisimai->make("$dir/new", delivered => 1) || [];
for my $e (@$v) {
	my $d = $e->damn;
	$sis{lc $d->{recipient}} = [$d->{reason} // '', defined $d->{hardbounce} ? ($d->{hardbounce} ? 'hard' : 'soft')
	    : ($d->{softbounce} // 1) == 0 ? 'hard' : 'soft',
	    $d->{deliverystatus} // '', $d->{smtpcommand} // ''];
}
# bounce-parse: one run over the same folder.
my %bk;
open my $p, '-|', 'bounce-parse', '-d', '-f', 'maildir', $dir or die "bounce-parse: $!\n";
while (my $l = <$p>) {
	my ($rcpt) = $l =~ /"rcpt":"([^"]*)"/ or next;
	my ($reason) = $l =~ /"reason":"([^"]*)"/;
	my ($class) = $l =~ /"class":"([^"]*)"/;
	my ($status) = $l =~ /"status":"([^"]*)"/;
	$bk{lc $rcpt} = [$reason // '', ($class // '') eq 'hard' ? 'hard' : 'soft', $status // ''];
}
close $p;

my (%total, %rdiff, %hdiff);
for my $name (sort keys %case) {
	my ($t, $shape, $rcpt) = @{$case{$name}};
	my $s = $sis{$rcpt} // ['(none)', 'soft', '', ''];
	my $b = $bk{$rcpt} // ['(none)', 'soft', ''];
	$total{$shape}++;
	my $rd = $s->[0] ne $b->[0];
	my $hd = $s->[1] ne $b->[1];
	$rdiff{$shape}++ if $rd;
	$hdiff{$shape}++ if $hd;
	next unless $opt{a} || $rd || $hd;
	printf "%s\t%s\tsisimai %s/%s\tbk %s/%s\t%s\n", ($rd ? 'R' : '-') . ($hd ? 'H' : '-'),
	    $shape, $s->[0], $s->[1], $b->[0], $b->[1], $t;
}
for my $shape (@shapes) {
	printf STDERR "sisimai-diff: %s: %d texts, reason differs %d, hard/soft differs %d\n",
	    $shape, $total{$shape} // 0, $rdiff{$shape} // 0, $hdiff{$shape} // 0;
}
