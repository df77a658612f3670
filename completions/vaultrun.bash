# bash completion for vaultrun(1)                         -*- shell-script -*-
#
# Installed as share/bash-completion/completions/vaultrun, where
# bash-completion loads it on first use; without bash-completion, source it
# from ~/.bashrc.  The options are those of launcher/cli.c (a test checks that
# none is missing); after "--" or the first operand the command's own
# completion takes over.
#
# shellcheck disable=SC2207 # COMPREPLY=($(compgen ...)): words without blanks,
# and file names split at newlines only (IFS)

# The options that take a value (in the next word, or after "=").
_vaultrun_valued='-f|--file|-t|--timeout|-j|--concurrency|--keep|--mask|--kill-after|--stop-signal|--watch|--on-change|--export|-o|--output'

# Files for the word $1: those matching the glob $2 if any ("" for all),
# and directories.
_vaultrun_files()
{
	local cur=$1 pat=$2
	compopt -o filenames 2>/dev/null
	if declare -F _filedir >/dev/null; then
		[[ $pat ]] && _filedir "${pat#\*.}"
		((${#COMPREPLY[@]})) || _filedir
		return
	fi
	local IFS=$'\n'
	[[ $pat ]] && COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X "!$pat" -- "$cur"))
	# Only directories matched: offer every file, too.
	if [[ -z $pat ]] || ! compgen -f -X "!$pat" -- "$cur" >/dev/null; then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

# The value of option $1, the word being completed being $2.
_vaultrun_value()
{
	local opt=$1 cur=$2
	case $opt in
	-f | --file)
		_vaultrun_files "$cur" '*.ini'
		# -f - reads the manifest from standard input
		[[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
		;;
	-o | --output) _vaultrun_files "$cur" '' ;;
	--keep) COMPREPLY=($(compgen -e -- "$cur")) ;;
	--mask) COMPREPLY=($(compgen -W 'all stderr none' -- "$cur")) ;;
	--on-change) COMPREPLY=($(compgen -W 'restart exit' -- "$cur")) ;;
	--export) COMPREPLY=($(compgen -W 'shell dotenv docker github json' -- "$cur")) ;;
	--stop-signal)
		# Those supervise_signal() takes: 1 to 31 but KILL and STOP.
		local sigs='HUP INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV USR2 PIPE
			ALRM TERM STKFLT CHLD CONT TSTP TTIN TTOU URG XCPU XFSZ VTALRM
			PROF WINCH IO PWR SYS'
		# shellcheck disable=SC2086 # one word a signal
		[[ $cur == [Ss][Ii][Gg]* ]] && sigs=$(printf 'SIG%s ' $sigs)
		COMPREPLY=($(compgen -W "$sigs" -- "${cur^^}"))
		;;
	*) COMPREPLY=() ;; # a number: nothing to offer
	esac
}

_vaultrun()
{
	local cur prev words cword split=false
	if declare -F _init_completion >/dev/null; then
		_init_completion -s || return
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${words[cword]}
		prev=${words[cword - 1]}
		# COMP_WORDBREAKS splits "--mask=st" into "--mask" "=" "st".
		if [[ $cur == = ]]; then
			split=true prev=${words[cword - 1]} cur=
		elif [[ $prev == = ]]; then
			split=true prev=${words[cword - 2]}
		elif [[ $cur == --*=* ]]; then
			split=true prev=${cur%%=*} cur=${cur#*=}
		fi
	fi

	# Where the command starts: after "--" or at the first operand, skipping
	# the options' values ("-f x", "-vf x", "-fx", "--file=x", "--file x").
	# In COMP_WORDS, where "=" is a word of its own, as _command_offset
	# counts.
	local i=1 w cmd='' raw=("${COMP_WORDS[@]}")
	while ((i < COMP_CWORD)); do
		w=${raw[i]}
		case $w in
		--)
			cmd=$((i + 1))
			break
			;;
		--*)
			if [[ ${raw[i + 1]-} == = ]]; then
				((i += 2)) # "--file" "=" "x"
			elif [[ $w == @($_vaultrun_valued) ]]; then
				((i++))
			fi
			;;
		-?*)
			# A cluster: the first option that takes a value ends it,
			# taking the rest of the word or, at its end, the next word.
			local j c
			for ((j = 1; j < ${#w}; j++)); do
				c=${w:j:1}
				if [[ -$c == @($_vaultrun_valued) ]]; then
					((j == ${#w} - 1)) && ((i++))
					break
				fi
			done
			;;
		*)
			cmd=$i
			break
			;;
		esac
		((i++))
	done

	if [[ $cmd ]] && ((COMP_CWORD >= cmd)); then
		if declare -F _command_offset >/dev/null; then
			_command_offset "$cmd"
		elif ((COMP_CWORD == cmd)); then
			COMPREPLY=($(compgen -c -- "$cur"))
		else
			_vaultrun_files "$cur" ''
		fi
		return
	fi

	if $split || [[ $prev == @($_vaultrun_valued) ]]; then
		_vaultrun_value "$prev" "$cur"
		return
	fi
	# "-vf FILE": a cluster that ends with an option taking a value.
	if [[ $prev == -[!-]?* ]]; then
		local j c
		for ((j = 1; j < ${#prev}; j++)); do
			c=${prev:j:1}
			if [[ -$c == @($_vaultrun_valued) ]]; then
				if ((j == ${#prev} - 1)); then
					_vaultrun_value "-$c" "$cur"
					return
				fi
				break
			fi
		done
	fi
	# "-fFILE": the value glued to a short option.
	if [[ $cur == -[ftjo]?* ]]; then
		local opt=${cur:0:2}
		_vaultrun_value "$opt" "${cur:2}"
		COMPREPLY=("${COMPREPLY[@]/#/$opt}")
		return
	fi

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-f --file -n --check -v --verbose -q --quiet
			-t --timeout -j --concurrency -i --ignore-environment --keep
			--keep-vault-env -s --supervise --mask --kill-after --watch
			--on-change --stop-signal --export -o --output -h --help
			-V --version --' -- "$cur"))
		return
	fi
	# The first operand: the command.
	COMPREPLY=($(compgen -c -- "$cur"))
} &&
	complete -F _vaultrun vaultrun

# ex: filetype=sh
