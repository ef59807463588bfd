#include "shell/lost_transfer.hpp"

#include "shell/client_errors.hpp"

namespace imgsh::shell {

bool worth_retrying(std::exception_ptr why) {
  try {
    std::rethrow_exception(why);
  } catch (const NotTransferred& e) {
    return !e.interrupted();
  } catch (const RemoteError& e) {  // a Refusal, or an error reply that dropped the connection
    return e.code() == proto::Errc::busy;
  } catch (const ConnectionError&) {
    return true;  // TimedOut too
  } catch (...) {
    return false;
  }
}

}  // namespace imgsh::shell
