# What retry-plan does, as a jq program (the simple part of it): plans from
# the state, then each event moves its recipient's plan on (first retry 24h
# after the bounce, hard bounce -> failed, later delivery -> resolved,
# deferrals counted). The new plan is computed first and then set with a
# plain assignment, which jq does in place (with |= or a path update it
# copies the whole object for every event: quadratic). Run as
#   jq -n -c -f retry-plan.jq state.jsonl events.jsonl
def step($r):
  if $r.state then $r
  elif $r.action == "failed" then
    if $r.class == "hard" then
      {rcpt: $r.rcpt, domain: $r.domain, state: "failed", status: $r.status,
       reason: $r.reason, attempts: 0, first_bounce: $r.time, last_bounce: $r.time,
       next_retry: null, msgids: [$r.msgid], from: $r.from, delays: 0}
    elif . == null or .state == "resolved" then
      {rcpt: $r.rcpt, domain: $r.domain, state: "waiting", status: $r.status,
       reason: $r.reason, attempts: 0, first_bounce: $r.time, last_bounce: $r.time,
       next_retry: ($r.time | fromdateiso8601 + 86400 | todateiso8601),
       msgids: [$r.msgid], from: $r.from, delays: 0}
    elif $r.time > .last_bounce then
      .last_bounce = $r.time | .msgids = (.msgids + [$r.msgid])[-4:]
    else . end
  elif . == null then null
  elif $r.action == "delivered" and $r.time > .last_bounce then
    .state = "resolved" | .next_retry = null
  elif $r.action == "delayed" then .delays += 1
  else . end;
reduce inputs as $r ({}; (.[$r.rcpt] | step($r)) as $new | .[$r.rcpt] = $new)
| .[] | select(. != null)
