#pragma once
// JSON as text for answers and listings: strings that are not UTF-8 (a key stored before keys
// were checked, a client's bytes echoed in a message) come out with U+FFFD instead of throwing.
#include <nlohmann/json.hpp>
#include <string>

namespace beetroot {

template <typename Json>
std::string json_text(const Json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace beetroot
