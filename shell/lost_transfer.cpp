#include "shell/lost_transfer.hpp"

#include "shell/client_errors.hpp"

namespace imgsh::shell {

LostTransfer lost_transfer(std::exception_ptr why) {
  try {
    std::rethrow_exception(why);
  } catch (const NotTransferred& e) {
    return e.interrupted() ? LostTransfer::no : LostTransfer::unsent;
  } catch (const ConnectionError&) {
    return LostTransfer::uncertain;
  } catch (...) {
    return LostTransfer::no;
  }
}

}  // namespace imgsh::shell
