# fish completion for imgsh and imgsrv
# (installed as share/fish/vendor_completions.d/imgsh.fish and imgsrv.fish: fish
# loads a command's completions from the file named after it).
# The option lists follow `imgsh --help`, `imgsrv --help` and `imgsrv token add --help`
# (tests/integration/test_completions.py fails when one is missing here).

function __imgsh_targets
    set -l state $XDG_STATE_HOME
    test -n "$state"; or set state $HOME/.local/state
    test -r $state/imgsh/targets; and cat $state/imgsh/targets
    # the named hosts of imgsh's config file (imgsh reads it: one parser for it)
    command imgsh --list-hosts 2>/dev/null
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
            case -b --batch --ca --token-file --connect-timeout --timeout --stall-timeout
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

# The connection options typed, for asking the server its names.
function __imgsh_connection
    set -l tokens (commandline -opc)
    set -e tokens[1]
    while set -q tokens[1]
        switch $tokens[1]
            case --tls --insecure --allow-plaintext-token
                echo $tokens[1]
            case --ca --token-file
                if set -q tokens[2]
                    echo $tokens[1]
                    string replace -r '^~/' "$HOME/" -- $tokens[2]
                    set -e tokens[1]
                end
            case '--ca=*' '--token-file=*'
                string split -m 1 = -- $tokens[1]
        end
        set -e tokens[1]
    end
end

function __imgsh_remote_names
    set -l p (__imgsh_positionals)
    timeout 3 imgsh -q (__imgsh_connection) $p[1] ls -1 (commandline -ct) 2>/dev/null
end

# TLS targets: imgs://HOST:PORT, offered once the word starts like it.
function __imgsh_tls_targets
    set -l cur (commandline -ct)
    test -n "$cur"; or return
    string match -q -- "$cur*" imgs://; or string match -q -- 'imgs://*' $cur; or return
    for t in (__imgsh_targets)
        echo imgs://$t
    end
end

set -l __imgsh_commands ls get mget put mput stat view lls lcd lpwd progress version help quit rm rename reget stats reput

complete -c imgsh -f
complete -c imgsh -s h -l help -d 'show help and exit'
complete -c imgsh -l version -d 'show the version and exit'
complete -c imgsh -s b -l batch -r -F -d 'run the commands in FILE'
complete -c imgsh -s q -l quiet -d 'no report line for commands that succeed'
complete -c imgsh -l json -d 'one JSON object per command on stdout'
complete -c imgsh -s v -l verbose -d 'trace the protocol on stderr'
complete -c imgsh -l tls -d 'connect with TLS (as does a target written imgs://HOST:PORT)'
complete -c imgsh -l ca -r -F -d 'trust the CA certificates in FILE (implies --tls)'
complete -c imgsh -l insecure -d 'TLS without checking the server certificate (DANGEROUS)'
complete -c imgsh -l token-file -r -F -d 'send the token in FILE (default: $IMGSH_TOKEN)'
complete -c imgsh -l allow-plaintext-token -d 'send the token over plain TCP to a non-loopback address (RISKY)'
complete -c imgsh -l connect-timeout -x -d 'give up connecting after S seconds (default 10)'
complete -c imgsh -l timeout -x -d 'give up when ls or stat gets no reply within S seconds (default 30)'
complete -c imgsh -l list-hosts -d 'print the host names of the config file and exit'
complete -c imgsh -l no-color -d 'report lines without colour'
complete -c imgsh -l stall-timeout -x -d 'give up on a get or put body that moves no byte for S seconds (default 60)'
complete -c imgsh -n __imgsh_needs_target -a '(__imgsh_targets)' -d 'past target'
complete -c imgsh -n __imgsh_needs_target -a '(__imgsh_tls_targets)' -d 'past target, with TLS'
complete -c imgsh -n __imgsh_needs_command -a "$__imgsh_commands"
complete -c imgsh -n '__imgsh_command_is get mget stat view ls list dir rm delete rename reget' -a '(__imgsh_remote_names)'
complete -c imgsh -n '__imgsh_command_is put mput lls lcd reput' -F
complete -c imgsh -n '__imgsh_command_is help' -a "$__imgsh_commands"

# The positionals typed so far: PORT, `token` and `add`, or `check`.
function __imgsrv_positionals
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --root --bind --log-level --max-file-size --max-sessions --max-sessions-per-address --hello-timeout --inline-put-max --threads --worker-threads \
                --header-timeout --idle-timeout --body-timeout --tls-cert --tls-key --tls-min --tokens \
                --config --grace-period --max-pixels --resume-window
                set skip 1
            case '-*'
            case '*'
                echo $t
        end
    end
end

# imgsrv's own options: before `token` or `check`.
function __imgsrv_not_token
    set -l p (__imgsrv_positionals)
    test "$p[1]" != token -a "$p[1]" != check
end

function __imgsrv_check
    set -l p (__imgsrv_positionals)
    test "$p[1]" = check
end

function __imgsrv_needs_port
    test (count (__imgsrv_positionals)) -eq 0
end

function __imgsrv_needs_token_command
    set -l p (__imgsrv_positionals)
    test (count $p) -eq 1 -a "$p[1]" = token
end

function __imgsrv_token_add
    set -l p (__imgsrv_positionals)
    test "$p[1]" = token -a "$p[2]" = add
end

complete -c imgsrv -f
complete -c imgsrv -s h -l help -d 'show help and exit'
complete -c imgsrv -n __imgsrv_not_token -l version -d 'show the version and exit'
complete -c imgsrv -n __imgsrv_not_token -l root -x -a '(__fish_complete_directories)' -d 'directory of the stored images'
complete -c imgsrv -n __imgsrv_not_token -l bind -x -d 'address to listen on'
complete -c imgsrv -n __imgsrv_not_token -l log-level -x -a 'trace debug info warn error off' -d 'log level'
complete -c imgsrv -n __imgsrv_not_token -l log-format -x -a 'text json' -d 'log line format'
complete -c imgsrv -n __imgsrv_not_token -l max-file-size -x -d 'largest file accepted'
complete -c imgsrv -n __imgsrv_not_token -l max-sessions -x -d 'most clients at once'
complete -c imgsrv -n __imgsrv_not_token -l max-sessions-per-address -x -d 'most clients at once from one address'
complete -c imgsrv -n __imgsrv_not_token -l inline-put-max -x -d 'largest put body sent without asking'
complete -c imgsrv -n __imgsrv_not_token -l max-pixels -x -d 'largest image accepted, in pixels'
complete -c imgsrv -n __imgsrv_not_token -l threads -x -d 'worker threads'
complete -c imgsrv -n __imgsrv_not_token -l worker-threads -x -d 'threads for whole-file work'
complete -c imgsrv -n __imgsrv_not_token -l header-timeout -x -d 'seconds a client may take to send a request header'
complete -c imgsrv -n __imgsrv_not_token -l hello-timeout -x -d 'seconds a new connection may take to send its hello'
complete -c imgsrv -n __imgsrv_not_token -l idle-timeout -x -d 'seconds a connection may stay idle between requests'
complete -c imgsrv -n __imgsrv_not_token -l body-timeout -x -d 'seconds a transfer may stall before it is abandoned'
complete -c imgsrv -n __imgsrv_not_token -l no-fsync -d 'acknowledge puts before the data reaches the disk'
complete -c imgsrv -n __imgsrv_not_token -l shared-root -d 'serve a root shared with other imgsrv servers'
complete -c imgsrv -n __imgsrv_not_token -l node-id -x -d 'this server\'s name among those sharing the root'
complete -c imgsrv -n __imgsrv_not_token -l config -r -F -d 'read options from FILE'
complete -c imgsrv -n __imgsrv_not_token -l check-config -d 'check the options and files, then exit'
complete -c imgsrv -n __imgsrv_not_token -l grace-period -x -d 'seconds requests may go on after SIGTERM'
complete -c imgsrv -n __imgsrv_not_token -l tls-cert -r -F -d 'speak TLS with this certificate chain (PEM)'
complete -c imgsrv -n __imgsrv_not_token -l tls-key -r -F -d 'the private key of the certificate (PEM)'
complete -c imgsrv -n __imgsrv_not_token -l tls-min -x -a '1.2 1.3' -d 'lowest TLS version accepted'
complete -c imgsrv -n '__imgsrv_not_token; or __imgsrv_token_add' -l tokens -r -F -d 'the token file'
complete -c imgsrv -n __imgsrv_needs_port -a token -d 'manage the tokens of a --tokens file'
complete -c imgsrv -n __imgsrv_needs_token_command -a add -d 'make a new token, store its hash in FILE and print it once'
complete -c imgsrv -n __imgsrv_token_add -l ro -d 'the token may list, stat and get, but not put'
complete -c imgsrv -n __imgsrv_token_add -l label -x -d 'a unique name for the token'
complete -c imgsrv -n __imgsrv_needs_token_command -a list -d 'show the tokens of FILE'
complete -c imgsrv -n __imgsrv_needs_token_command -a revoke -d 'remove a token from FILE'
complete -c imgsrv -n __imgsrv_token_add -l rwd -d 'the token may also delete and rename stored files'
complete -c imgsrv -n __imgsrv_not_token -l allow-delete -d 'without --tokens: let every client delete and rename'
complete -c imgsrv -n __imgsrv_needs_port -a check -d 'validate every file of a store'
complete -c imgsrv -n __imgsrv_check -l root -x -a '(__fish_complete_directories)' -d 'the store\'s directory'
complete -c imgsrv -n __imgsrv_check -l fix -d 'refresh stale caches, remove stray temporaries'
complete -c imgsrv -n __imgsrv_not_token -l metrics-listen -x -d 'serve Prometheus metrics on ADDR:PORT'
complete -c imgsrv -n __imgsrv_not_token -l resume-window -x -d 'seconds an interrupted put -c upload is kept for reput'
