# Events in and plans out, for the tests of retry-plan and retry-due
# (tests/20, tests/21).

# ev TIME RCPT ACTION STATUS REASON CLASS QID: one event record.
ev() {
	printf '{"time":"%s","rcpt":"%s","domain":"%s","action":"%s","status":%s,"code":null,"reason":"%s","class":"%s","rhost":null,"diag":null,"from":"news@shop.example","msgid":"<%s@shop.example>","qid":"%s","source":"postfix","origin":"t:1"}\n' \
	    "$1" "$2" "${2#*@}" "$3" "$([ "$4" = null ] && echo null || echo "\"$4\"")" "$5" "$6" "$7" "$7"
}

# field RCPT KEY [FILE]: a key of the plan of RCPT (in $S by default).
field() {
	jq -r --arg r "$1" "select(.rcpt==\$r) | .$2" "${3:-$S}"
}
