# fish completion for imgsh and imgsrv
# (installed as share/fish/vendor_completions.d/imgsh.fish and imgsrv.fish: fish
# loads a command's completions from the file named after it).

function __imgsh_targets
    set -l state $XDG_STATE_HOME
    test -n "$state"; or set state $HOME/.local/state
    test -r $state/imgsh/targets; and cat $state/imgsh/targets
end

# The positionals typed so far: TARGET, COMMAND, arguments.
function __imgsh_positionals
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case -b --batch
                set skip 1
            case '-*'
            case '*'
                echo $t
        end
    end
end

function __imgsh_needs_target
    test (count (__imgsh_positionals)) -eq 0
end

function __imgsh_needs_command
    test (count (__imgsh_positionals)) -eq 1
end

function __imgsh_command_is
    set -l p (__imgsh_positionals)
    test (count $p) -ge 2; and contains -- $p[2] $argv
end

function __imgsh_remote_names
    set -l p (__imgsh_positionals)
    timeout 3 imgsh -q $p[1] ls -1 (commandline -ct) 2>/dev/null
end

set -l __imgsh_commands ls get mget put mput stat lls lcd lpwd progress version help quit

complete -c imgsh -f
complete -c imgsh -s h -l help -d 'show help and exit'
complete -c imgsh -l version -d 'show the version and exit'
complete -c imgsh -s b -l batch -r -F -d 'run the commands in FILE'
complete -c imgsh -s q -l quiet -d 'no report line for commands that succeed'
complete -c imgsh -s v -l verbose -d 'trace the protocol on stderr'
complete -c imgsh -n __imgsh_needs_target -a '(__imgsh_targets)' -d 'past target'
complete -c imgsh -n __imgsh_needs_command -a "$__imgsh_commands"
complete -c imgsh -n '__imgsh_command_is get mget stat ls list dir' -a '(__imgsh_remote_names)'
complete -c imgsh -n '__imgsh_command_is put mput lls lcd' -F
complete -c imgsh -n '__imgsh_command_is help' -a "$__imgsh_commands"

complete -c imgsrv -f
complete -c imgsrv -s h -l help -d 'show help and exit'
complete -c imgsrv -l root -r -a '(__fish_complete_directories)' -d 'directory of the stored images'
complete -c imgsrv -l bind -r -d 'address to listen on'
complete -c imgsrv -l log-level -r -a 'trace debug info warn error off' -d 'log level'
complete -c imgsrv -l max-file-size -r -d 'largest file accepted'
complete -c imgsrv -l max-sessions -r -d 'most clients at once'
complete -c imgsrv -l inline-put-max -r -d 'largest put body sent without asking'
complete -c imgsrv -l threads -r -d 'worker threads'
complete -c imgsrv -l no-fsync -d 'acknowledge puts before the data reaches the disk'
