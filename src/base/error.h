#pragma once
#include <stdexcept>
#include <string>

namespace beetroot {

// Errors are values with a kind; the API layer maps kinds to protocol errors.
enum class ErrorKind {
  InvalidParameter,   // caller supplied something malformed
  InvalidImageFormat, // bytes are not a decodable image
  ImageTooLarge,      // refused before decoding
  ModelMissing,       // weights absent or corrupted
  NotFound,
  AlreadyExists,
  Conflict,           // the request contradicts what is stored (a user that exists already)
  Internal,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace beetroot
