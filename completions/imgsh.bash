# bash completion for imgsh and imgsrv (installed as
# share/bash-completion/completions/imgsh, with imgsrv as a symlink to it).
#   imgsh <Tab>                 options, and HOST:PORT from imgsh's past targets and
#                               the named hosts of its config file (imgsh --list-hosts)
#                               (imgs://HOST:PORT too, once imgs: is typed)
#   imgsh HOST:PORT <Tab>       commands
#   imgsh HOST:PORT get <Tab>   remote names, asked from the server (imgsh ls -1, with
#                               the --tls, --ca, --insecure and --token-file typed)
#   imgsh HOST:PORT put <Tab>   local files
#   imgsrv token add <Tab>      the subcommand's options
#   imgsrv check <Tab>          --root DIR and --fix
# The option lists follow `imgsh --help`, `imgsrv --help` and `imgsrv token add --help`
# (tests/integration/test_completions.py fails when one is missing here).

_imgsh_commands="ls get mget put mput stat view lls lcd lpwd progress version help quit rm rename reget stats reput"

_imgsh_targets() {
    local file="${XDG_STATE_HOME:-$HOME/.local/state}/imgsh/targets"
    [[ -r $file ]] && command cat -- "$file"
    _imgsh_hosts
}

# The named hosts of imgsh's config file (imgsh reads it: one parser for it).
_imgsh_hosts() {
    command imgsh --list-hosts 2>/dev/null
}

# File names for an option's argument.
_imgsh_files() {
    if declare -F _filedir >/dev/null; then
        _filedir
    else
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

_imgsh() {
    local cur prev words cword split
    if declare -F _init_completion >/dev/null; then
        _init_completion -s -n : || return
    else
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi
    local options="-h --help --version -b --batch -q --quiet --json -v --verbose --tls --ca --insecure --token-file --allow-plaintext-token --connect-timeout --timeout --list-hosts --no-color --stall-timeout"

    case $prev in
        -b|--batch|--ca|--token-file)
            _imgsh_files
            return ;;
        --connect-timeout|--timeout|--stall-timeout) return ;;  # seconds
    esac
    [[ $split == true ]] && return  # --OPTION=VALUE of an option not above

    # The positionals before the cursor: TARGET, then COMMAND and its arguments; and the
    # connection options, for asking the server its names.
    local i target="" command="" nargs=0 connection=()
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -b|--batch|--connect-timeout|--timeout|--stall-timeout) ((i++)) ;;
            --ca|--token-file)
                connection+=("${words[i]}" "${words[i+1]/#\~/$HOME}")
                ((i++)) ;;
            --ca=*|--token-file=*) connection+=("${words[i]%%=*}" "${words[i]#*=}") ;;
            --tls|--insecure|--allow-plaintext-token) connection+=("${words[i]}") ;;
            -*) ;;
            *)
                if [[ -z $target ]]; then target=${words[i]}
                elif [[ -z $command ]]; then command=${words[i]}
                else ((nargs++)); fi ;;
        esac
    done

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        return
    fi
    if [[ -z $target ]]; then
        local targets
        targets=$(_imgsh_targets)
        # TLS: imgs://HOST:PORT, offered once the word starts like it
        if [[ -n $targets && -n $cur && ( imgs:// == "$cur"* || $cur == imgs://* ) ]]; then
            targets+=$'\n'$(printf 'imgs://%s\n' $targets)
        fi
        COMPREPLY=($(compgen -W "$targets" -- "$cur"))
        declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
        return
    fi
    if [[ -z $command ]]; then
        COMPREPLY=($(compgen -W "$_imgsh_commands" -- "$cur"))
        return
    fi
    case $command in
        get|mget|stat|view|ls|list|dir|rm|delete|rename|reget)
            local IFS=$'\n'
            COMPREPLY=($(command timeout 3 "${words[0]}" -q "${connection[@]}" "$target" ls -1 "$cur" 2>/dev/null))
            compopt -o filenames 2>/dev/null  # names with spaces come back escaped
            ;;
        put|mput|lls|lcd|reput)
            COMPREPLY=($(compgen -f -- "$cur"))
            ;;
        help)
            COMPREPLY=($(compgen -W "$_imgsh_commands" -- "$cur"))
            ;;
    esac
}

_imgsrv() {
    local cur prev words cword split
    if declare -F _init_completion >/dev/null; then
        _init_completion -s || return
    else
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi
    local options="-h --help --version --root --bind --log-level --max-file-size --max-sessions --max-sessions-per-address --hello-timeout
        --inline-put-max --threads --worker-threads --header-timeout --idle-timeout --body-timeout --no-fsync --max-pixels
        --shared-root --node-id --tls-cert --tls-key --tls-min --tokens --config --check-config --grace-period --log-format --allow-delete --metrics-listen --resume-window"
    local token_add_options="-h --help --ro --rwd --label --tokens"
    local check_options="-h --help --root --fix"

    case $prev in
        --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --log-level) COMPREPLY=($(compgen -W "trace debug info warn error off" -- "$cur")); return ;;
        --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --tls-min) COMPREPLY=($(compgen -W "1.2 1.3" -- "$cur")); return ;;
        --tls-cert|--tls-key|--tokens|--config) _imgsh_files; return ;;
        --bind|--max-file-size|--max-sessions|--max-sessions-per-address|--hello-timeout|--inline-put-max|--threads|--worker-threads|--header-timeout|--idle-timeout|--body-timeout|--grace-period|--max-pixels|--resume-window)
            return ;;
    esac
    [[ $split == true ]] && return

    # The positionals before the cursor: PORT, `token` and `add`, or `check`.
    local i positionals=()
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --root|--bind|--log-level|--max-file-size|--max-sessions|--max-sessions-per-address|--hello-timeout|--inline-put-max|--threads|--worker-threads|--header-timeout|--idle-timeout|--body-timeout|--tls-cert|--tls-key|--tls-min|--tokens|--config|--grace-period|--log-format|--label|--max-pixels|--metrics-listen)
                ((i++)) ;;
            -*) ;;
            *) positionals+=("${words[i]}") ;;
        esac
    done

    if [[ ${positionals[0]} == token ]]; then
        if ((${#positionals[@]} == 1)); then
            COMPREPLY=($(compgen -W "add list revoke" -- "$cur"))
        elif [[ ${positionals[1]} == add && $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$token_add_options" -- "$cur"))
        fi
        return
    fi
    if [[ ${positionals[0]} == check ]]; then
        [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$check_options" -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    elif ((${#positionals[@]} == 0)); then
        COMPREPLY=($(compgen -W "token check" -- "$cur"))  # else PORT: nothing to offer
    fi
}

complete -F _imgsh imgsh
complete -F _imgsrv imgsrv
