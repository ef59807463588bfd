# bash completion for imgsh and imgsrv (installed as
# share/bash-completion/completions/imgsh, with imgsrv as a symlink to it).
#   imgsh <Tab>                 options, and HOST:PORT from imgsh's past targets
#   imgsh HOST:PORT <Tab>       commands
#   imgsh HOST:PORT get <Tab>   remote names, asked from the server (imgsh ls -1)
#   imgsh HOST:PORT put <Tab>   local files

_imgsh_commands="ls get mget put mput stat lls lcd lpwd progress version help quit"

_imgsh_targets() {
    local file="${XDG_STATE_HOME:-$HOME/.local/state}/imgsh/targets"
    [[ -r $file ]] && command cat -- "$file"
}

# The options a program's --help lists (so new options complete without edits here).
_imgsh_options_of() {
    "$1" --help 2>/dev/null | command grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | command tr -d ' ,' | command sort -u
}

_imgsh() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n : || return
    else
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi

    case $prev in
        -b|--batch)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
    esac

    # The positionals before the cursor: TARGET, then COMMAND and its arguments.
    local i target="" command="" nargs=0
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -b|--batch) ((i++)) ;;
            -*) ;;
            *)
                if [[ -z $target ]]; then target=${words[i]}
                elif [[ -z $command ]]; then command=${words[i]}
                else ((nargs++)); fi ;;
        esac
    done

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_imgsh_options_of "${words[0]}")" -- "$cur"))
        return
    fi
    if [[ -z $target ]]; then
        COMPREPLY=($(compgen -W "$(_imgsh_targets)" -- "$cur"))
        declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
        return
    fi
    if [[ -z $command ]]; then
        COMPREPLY=($(compgen -W "$_imgsh_commands" -- "$cur"))
        return
    fi
    case $command in
        get|mget|stat|ls|list|dir)
            local IFS=$'\n'
            COMPREPLY=($(command timeout 3 "${words[0]}" -q "$target" ls -1 "$cur" 2>/dev/null))
            compopt -o filenames 2>/dev/null  # names with spaces come back escaped
            ;;
        put|mput|lls|lcd)
            COMPREPLY=($(compgen -f -- "$cur"))
            ;;
        help)
            COMPREPLY=($(compgen -W "$_imgsh_commands" -- "$cur"))
            ;;
    esac
}

_imgsrv() {
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --log-level) COMPREPLY=($(compgen -W "trace debug info warn error off" -- "$cur")); return ;;
        --bind|--max-file-size|--max-sessions|--inline-put-max|--threads) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_imgsh_options_of "${COMP_WORDS[0]}")" -- "$cur"))
    fi
}

complete -F _imgsh imgsh
complete -F _imgsrv imgsrv
