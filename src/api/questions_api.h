#pragma once
#include "people/questions.h"

namespace httplib {
class Server;
}

namespace beetroot {

// The People page's questions under /api/questions (behind the People API's token): the next
// ones, best first, with the faces to show; and the answers.
class QuestionsApi {
 public:
  QuestionsApi(Questions& questions, People& people) : questions_(questions), people_(people) {}
  void add_routes(httplib::Server& server);

 private:
  Questions& questions_;
  People& people_;
};

}  // namespace beetroot
