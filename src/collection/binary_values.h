#pragma once
// Plain values in the collection's binary files, in this machine's byte order; the reader checks
// the stream.
#include <istream>
#include <ostream>

namespace beetroot {

template <typename T>
void write_value(std::ostream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
T read_value(std::istream& in) {
  T value{};
  in.read(reinterpret_cast<char*>(&value), sizeof value);
  return value;
}

}  // namespace beetroot
