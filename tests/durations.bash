# Durations as the programs write them ("1d16h40m"), for the tests of the
# recovery figures and the adaptive schedule (tests/22, tests/41).

# "1d16h40m" in seconds.
secs() {
	awk -v s="$1" 'BEGIN {
		t = 0
		while (match(s, /^[0-9]+[wdhms]/)) {
			n = substr(s, 1, RLENGTH - 1); u = substr(s, RLENGTH, 1)
			t += n * (u == "w" ? 604800 : u == "d" ? 86400 : u == "h" ? 3600 : u == "m" ? 60 : 1)
			s = substr(s, RLENGTH + 1)
		}
		print t
	}'
}
