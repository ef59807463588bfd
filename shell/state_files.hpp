#pragma once
// imgsh's files between sessions, in $XDG_STATE_HOME/imgsh (else
// ~/.local/state/imgsh): the prompt's history and the targets connected to
// (one HOST:PORT a line, newest first; the completion scripts read it).
#include <string>

namespace imgsh::shell {

// The directory, created (0700) if missing; empty when there is no home to put it in.
std::string state_dir();

std::string history_file();  // empty: no history kept
// Moves `target` to the top of the targets file, keeping at most 100 lines.
void remember_target(const std::string& target);

}  // namespace imgsh::shell
