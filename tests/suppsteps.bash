# The same suppress commands on any store (tests/32, tests/33): set F and T0
# first.

# Runs a command and says its exit status.
r() {
	local rc=0

	"$@" || rc=$?
	echo "rc=$rc"
}

# The same suppress commands on list $1, their output and exit status in $2.
steps() {
	local L=$1 p
	{
		r suppress -l "$L" -n $T0 list
		r suppress -l "$L" -n $T0 check a@example.com
		r suppress -l "$L" -n $T0 add "$F/suppress/events.jsonl"
		r suppress -l "$L" -n $T0 add "$F/suppress/plans.jsonl"
		r suppress -l "$L" -n $T0 add --for 2d @example.org Hand@Example.com ended@example.com
		r suppress -l "$L" -n $T0 -i add --for 3d HAND@example.com
		r suppress -l "$L" -n $T0 import "$F"/lists/*
		r suppress -l "$L" -n 2026-12-02T00:00:00Z check a@example.com hand@example.com \
		    Hand@example.com x@example.org
		r suppress -l "$L" -i -n 2026-12-02T00:00:00Z check hand@example.com HAND@example.com
		r suppress -l "$L" -n 2026-12-02T00:00:00Z filter "$F/suppress/recipients.txt"
		r suppress -l "$L" -i -n 2026-12-02T00:00:00Z filter "$F/suppress/recipients.txt"
		r suppress -l "$L" -n 2026-12-02T00:00:00Z filter -I -i "$F/suppress/recipients.txt" \
		    "$F/suppress/recipients.jsonl"
		r suppress -l "$L" -n 2026-12-02T00:00:00Z remove ended@example.com
		r suppress -l "$L" -n 2026-12-12T00:00:00Z add ended@example.com
		r suppress -l "$L" -n 2026-12-12T00:00:00Z add --for 1d ann@example.com
		# a pause that ended: the next one is longer (escalation)
		r suppress -l "$L" -n 2027-02-12T00:00:00Z add --for 1d ann@example.com
		r suppress -l "$L" -n 2026-12-20T00:00:00Z expire -k 1d
		r suppress -l "$L" -n 2026-12-20T00:00:00Z expire
		r suppress -l "$L" -n 2026-12-20T00:00:00Z list -a
		for p in sendgrid mailgun postmark ses sparkpost mandrill; do
			r suppress -l "$L" -n 2026-12-20T00:00:00Z export -f $p
		done
		r suppress -l "$L" -n 2026-12-20T00:00:00Z list
	} >"$2" 2>&1
}
