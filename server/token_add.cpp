#include "server/token_add.hpp"

#include <cstdio>

#include "server/token_store.hpp"

namespace imgsh::server {

TokenAddCommand::TokenAddCommand(CLI::App& app) {
  CLI::App* token = token_ = app.add_subcommand("token", "manage the tokens of a --tokens file");
  token->require_subcommand(1);
  add_ = token->add_subcommand("add", "make a new token, store its hash in FILE and print it once");
  add_->add_option("--tokens", file_, "the token file (created mode 0600 if missing)")->required()->type_name("FILE");
  add_->add_option("--label", label_,
                   "a unique name for the token, shown by token list and in the log (default: its fingerprint)")
      ->type_name("NAME");
  CLI::Option* ro = add_->add_flag("--ro", read_only_, "the token may list, stat and get, but not put");
  add_->add_flag("--rwd", delete_too_, "the token may also delete and rename stored files")->excludes(ro);
}

int TokenAddCommand::run() const {
  try {
    Rights rights = read_only_ ? Rights::read_only : delete_too_ ? Rights::read_write_delete : Rights::read_write;
    std::string token = add_token(file_, rights, label_);
    std::printf("%s\n", token.c_str());
    std::fprintf(stderr, "imgsrv: added a %s token labelled %s to %s (only its hash is stored; this is the only time it is shown)\n",
                 std::string(to_string(rights)).c_str(), label_.empty() ? "(its fingerprint)" : label_.c_str(), file_.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imgsrv: %s\n", e.what());
    return 1;
  }
}

}  // namespace imgsh::server
