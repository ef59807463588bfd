#include "shell/line_editor.hpp"

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "shell/columns.hpp"

namespace imgsh::shell {
namespace {

constexpr int kHistorySize = 1000;

LineEditor* editor_of(EditLine* el) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  return static_cast<LineEditor*>(data);
}

// Characters (as libedit counts them: the locale's) in `text`.
int char_count(const std::string& text) {
  std::size_t n = std::mbstowcs(nullptr, text.c_str(), 0);
  return static_cast<int>(n == static_cast<std::size_t>(-1) ? text.size() : n);
}

}  // namespace

LineEditor::LineEditor(std::string prompt, std::string history_path, RemoteNames remote_names)
    : prompt_(std::move(prompt)), history_path_(std::move(history_path)), remote_names_(std::move(remote_names)) {
  HistEvent ev;
  history_ = history_init();
  history(history_, &ev, H_SETSIZE, kHistorySize);
  history(history_, &ev, H_SETUNIQUE, 1);
  if (!history_path_.empty()) history(history_, &ev, H_LOAD, history_path_.c_str());

  el_ = el_init("imgsh", stdin, stdout, stderr);
  el_set(el_, EL_CLIENTDATA, this);
  el_set(el_, EL_EDITOR, "emacs");
  el_set(el_, EL_SIGNAL, 1);
  el_set(el_, EL_PROMPT, &LineEditor::prompt_of);
  el_set(el_, EL_HIST, history, history_);
  // Ctrl-C is a key at the prompt (not a signal): it clears the line.
  el_set(el_, EL_SETTY, "-d", "-isig", nullptr);
  // The wide call: libedit keeps these strings (the narrow el_set copies them and leaks the copies).
  el_wset(el_, EL_ADDFN, L"imgsh-complete", L"complete a command, remote name or local path", &LineEditor::on_tab);
  el_wset(el_, EL_ADDFN, L"imgsh-clear-line", L"discard the line", &LineEditor::on_ctrl_c);
  el_set(el_, EL_BIND, "^I", "imgsh-complete", nullptr);
  el_set(el_, EL_BIND, "^C", "imgsh-clear-line", nullptr);
  el_set(el_, EL_BIND, "^R", "em-inc-search-prev", nullptr);
  el_source(el_, nullptr);  // ~/.editrc, as other libedit programs read it
}

LineEditor::~LineEditor() {
  el_end(el_);
  history_end(history_);
}

const char* LineEditor::prompt_of(EditLine* el) { return editor_of(el)->prompt_.c_str(); }

unsigned char LineEditor::on_tab(EditLine* el, int) { return editor_of(el)->complete(el); }

unsigned char LineEditor::on_ctrl_c(EditLine* el, int) {
  const LineInfo* li = el_line(el);
  std::string line(li->buffer, li->lastchar);
  el_cursor(el, INT_MAX);  // to the end, then delete it all
  el_deletestr(el, char_count(line));
  editor_of(el)->last_tab_line_.clear();
  std::fputs("^C\n", stdout);
  std::fflush(stdout);
  return CC_REDISPLAY;
}

unsigned char LineEditor::complete(EditLine* el) {
  const LineInfo* li = el_line(el);
  std::string before(li->buffer, li->cursor);
  std::string whole(li->buffer, li->lastchar);
  CompletionResult result = complete_line(before, remote_names_);
  if (result.shown.empty()) {
    last_tab_line_.clear();
    return CC_REFRESH_BEEP;
  }
  std::string current = before.substr(result.word_start);
  if (!result.replacement.empty() && result.replacement != current) {
    el_deletestr(el, char_count(current));
    el_insertstr(el, result.replacement.c_str());
    li = el_line(el);
    last_tab_line_.assign(li->buffer, li->lastchar);
    return result.unique() ? CC_REFRESH : CC_REFRESH_BEEP;
  }
  if (result.unique() || last_tab_line_ != whole) {
    last_tab_line_ = whole;
    return CC_REFRESH_BEEP;
  }
  // A second Tab with nothing left to add: show the candidates.
  // Appended, not "\n" + ...: g++ 12 at -O3 reports a false -Wrestrict for a literal
  // plus a temporary std::string (GCC bug 105329).
  std::string listing = "\n";
  listing += format_columns(result.shown, terminal_width());
  if (result.truncated) listing += "(the first " + std::to_string(result.shown.size()) + "; type more of the name)\n";
  std::fputs(listing.c_str(), stdout);
  std::fflush(stdout);
  return CC_REDISPLAY;
}

std::optional<std::string> LineEditor::read_line() {
  int count = 0;
  const char* raw = el_gets(el_, &count);
  last_tab_line_.clear();
  if (!raw || count <= 0) return std::nullopt;
  std::string line(raw, static_cast<std::size_t>(count));
  if (!line.empty() && line.back() == '\n') line.pop_back();
  if (auto last = line.find_last_not_of(" \t"); last != std::string::npos) {
    std::string entry = line.substr(0, last + 1);  // a completion's trailing space is not worth keeping
    HistEvent ev;
    history(history_, &ev, H_ENTER, entry.c_str());
    if (!history_path_.empty()) history(history_, &ev, H_SAVE, history_path_.c_str());
  }
  return line;
}

}  // namespace imgsh::shell
