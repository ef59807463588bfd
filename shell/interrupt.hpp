#pragma once
// Ctrl-C during a command, for the interactive shell: the SIGINT handler
// only writes a byte to a pipe (async-signal-safe); the client watches the
// pipe's read end while it waits on the network and cancels the transfer.
namespace imgsh::shell {

// Installs the handler once; returns the pipe's read end (-1 on failure).
int install_interrupt_pipe();

// Forgets Ctrl-C presses that arrived while nothing could be cancelled.
void drain_interrupts();

}  // namespace imgsh::shell
