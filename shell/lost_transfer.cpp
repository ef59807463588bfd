#include "shell/lost_transfer.hpp"

#include "shell/client_errors.hpp"

namespace imgsh::shell {

bool lost_with_connection(std::exception_ptr why) {
  try {
    std::rethrow_exception(why);
  } catch (const NotTransferred& e) {
    return !e.interrupted();
  } catch (const ConnectionError&) {
    return true;  // TimedOut too
  } catch (...) {
    return false;
  }
}

}  // namespace imgsh::shell
