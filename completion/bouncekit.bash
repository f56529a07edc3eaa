# bash completion for bouncekit: bounce-parse, retry-plan, retry-due,
# suppress, bounce-stats.
#
# The options, which of them take a value, and the lists of values that a
# --help text enumerates (--format, --by, suppress's commands) are read from
# the program's own --help once per shell, so that the completion follows
# the programs. Values of other kinds: file names for FILE and GLOB, record
# field names for --field, nothing for times, durations and numbers.

# _bouncekit_help PROG: PROG --help, cached per program and binary.
_bouncekit_help()
{
	local prog=$1 path var
	path=$(type -P "$prog") || return 1
	var=_bouncekit_help_${prog//-/_}
	if [[ ${!var-} != "$path"$'\n'* ]]; then
		printf -v "$var" '%s\n%s' "$path" "$("$prog" --help 2>/dev/null)"
	fi
	printf '%s\n' "${!var#*$'\n'}"
}

# _bouncekit_options PROG: every option, short and long, one a line.
_bouncekit_options()
{
	_bouncekit_help "$1" | sed -n 's/^ *\(-[A-Za-z0-9]\), \(--[a-z0-9-]*\).*/\1\n\2/p;
	    s/^ *\(--[a-z0-9-]*\).*/\1/p'
}

# _bouncekit_arg PROG OPTION: the value placeholder of OPTION (FILE, TIME,
# ...), or nothing when the option takes no value. The long name is printed
# first, so that a short option maps to its long twin.
_bouncekit_arg()
{
	_bouncekit_help "$1" | awk -v o="$2" '
	{ sub(/^ +/, "") }
	/^-/ {
		split($0, w, /[ ,=]+/)
		short = ""; long = ""; i = 1
		if (w[i] ~ /^-[^-]$/) { short = w[i]; i++ }
		if (w[i] ~ /^--/) { long = w[i]; i++ }
		if (o != short && o != long) next
		print long, (w[i] ~ /^[A-Z][A-Z_]*$/ ? w[i] : "")
		exit
	}'
}

# _bouncekit_enum PROG LONG: the words that the help text of LONG lists as
# its values ("auto (default), postfix, exim, ..." or "jsonl (default) or
# table"), following continuation lines.
_bouncekit_enum()
{
	_bouncekit_help "$1" | awk -v o="$2" '
	function take(s) {
		gsub(/\([^)]*\)/, "", s)
		n = split(s, w, /[ ,]+/)
		for (i = 1; i <= n; i++)
			if (w[i] ~ /^[a-z][a-z0-9_-]*$/ && w[i] != "or" && w[i] != "and")
				print w[i]
	}
	in_opt && /^ *-/ { exit }
	in_opt && /^            / { take($0); next }
	in_opt { exit }
	{
		line = $0; sub(/^ +/, "", line)
		if (line !~ /^-/) next
		split(line, w, /[ ,=]+/)
		if (w[1] != o && w[2] != o) next
		in_opt = 1
		sub(/^ *(-[A-Za-z0-9], )?--[a-z0-9-]+ [A-Z_]+ +/, "", line)
		take(line)
	}'
}

# _bouncekit_commands PROG: the commands of the "commands:" section.
_bouncekit_commands()
{
	_bouncekit_help "$1" | awk '/^commands:/ { on = 1; next } /^[a-z]/ { on = 0 }
	    on && /^  [a-z]/ { print $1 }'
}

_bouncekit()
{
	local cur prev words cword split=false
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -s || return
	else
		# bash splits "--format=po" into "--format" "=" "po"
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		if [[ $cur == = ]]; then
			cur= split=true
		elif [[ $prev == = && $cword -ge 2 ]]; then
			prev=${COMP_WORDS[COMP_CWORD-2]} split=true
		fi
	fi
	local prog=${words[0]##*/}

	if [[ $prev == -* ]]; then
		local long arg
		read -r long arg < <(_bouncekit_arg "$prog" "$prev")
		if [[ -n $arg ]]; then
			case $long:$arg in
			--format:*|--by:*)
				COMPREPLY=($(compgen -W "$(_bouncekit_enum "$prog" "$long")" -- "$cur")) ;;
			--field:*)
				COMPREPLY=($(compgen -W "rcpt orig_rcpt address from" -- "$cur")) ;;
			--segment:*|*:REASONS)
				COMPREPLY=($(compgen -W "systemfull mailboxfull userunknown hostunknown
				    filtered blocked rejected spamdetected securityerror policyviolation
				    expired suspend toomanyconn speeding notaccept networkerror
				    mailererror contenterror exceedlimit norelaying syntaxerror
				    systemerror undefined" -- "$cur")) ;;
			*:FILE|*:GLOB|*:DIR)
				_bouncekit_files ;;
			*)
				COMPREPLY=() ;;	# a time, duration, number or word
			esac
			return
		fi
	fi
	$split && return

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_bouncekit_options "$prog")" -- "$cur"))
		return
	fi
	# suppress: the command comes first among the operands.
	if [[ $prog == suppress ]]; then
		local i w have_cmd=false cmds
		cmds=$(_bouncekit_commands suppress)
		for ((i = 1; i < cword; i++)); do
			w=${words[i]}
			[[ $w == -* ]] && continue
			read -r _ arg < <(_bouncekit_arg suppress "${words[i-1]}")
			[[ ${words[i-1]} == -* && -n $arg && ${words[i-1]} != *=* ]] && continue
			[[ " "$cmds" " == *[[:space:]]"$w"[[:space:]]* ]] && have_cmd=true
		done
		if ! $have_cmd; then
			COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
			return
		fi
	fi
	_bouncekit_files
}

_bouncekit_files()
{
	if declare -F _filedir >/dev/null 2>&1; then
		_filedir
	else
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
	fi
}

complete -F _bouncekit bounce-parse retry-plan retry-due suppress bounce-stats
