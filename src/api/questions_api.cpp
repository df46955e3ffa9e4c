#include "api/questions_api.h"

#include <httplib.h>

#include <set>

#include "api/rest.h"

namespace beetroot {
namespace {

using namespace rest;
constexpr size_t kFacesShown = 4;
constexpr size_t kMostQuestions = 100;

// A person as a question shows it: who, and a few of its faces (a candidate of which-are-person: one).
json shown_person(People& people, const std::string& person_id, size_t faces_shown = kFacesShown) {
  json out = person_json(people.get(person_id));
  json faces = json::array();
  for (const auto& f : people.faces_of(person_id)) {
    if (faces.size() == faces_shown) break;
    faces.push_back({{"faceId", f.face_id}, {"thumbUrl", thumb_url(f.thumb_key)}});
  }
  out["faces"] = faces;
  return out;
}

json question_json(People& people, const Question& q) {
  json out{{"kind", to_string(q.kind)}, {"personId", q.person_id}, {"similarity", q.similarity},
           {"person", shown_person(people, q.person_id)}};
  if (!q.other_person_id.empty()) {
    out["otherPersonId"] = q.other_person_id;
    out["otherPerson"] = shown_person(people, q.other_person_id);
  }
  if (!q.candidates.empty()) {
    json candidates = json::array();
    for (const auto& id : q.candidates) candidates.push_back(shown_person(people, id, 1));
    out["candidates"] = candidates;
  }
  if (!q.face_id.empty()) {
    // The face may be filed under another person than the one asked about: its own is named.
    if (const auto f = people.face(q.face_id))
      out["face"] = {{"faceId", f->face_id}, {"thumbUrl", thumb_url(f->thumb_key)},
                     {"photoUrl", "/api/photos/" + f->photo_id + "/image"}, {"photoId", f->photo_id},
                     {"personId", f->person_id}};
    out["faceId"] = q.face_id;
  }
  return out;
}

// A JSON array of personIds under `key`, at most kMostCandidates of them.
std::set<std::string> person_ids(const json& body, const char* key) {
  const auto found = body.find(key);
  if (found == body.end() || !found->is_array() || found->size() > Questions::kMostCandidates)
    throw Error(ErrorKind::InvalidParameter, std::string(key) + " must be an array of at most " +
                                                 std::to_string(Questions::kMostCandidates) + " personIds");
  std::set<std::string> out;
  for (const auto& id : *found) {
    if (!id.is_string()) throw Error(ErrorKind::InvalidParameter, std::string(key) + " must hold personIds");
    out.insert(person_id(id.get<std::string>()));
  }
  return out;
}

Question question_from(const json& body) {
  Question q{parse_question_kind(required_string(body, "kind")), person_id(required_string(body, "personId")), "", ""};
  if (q.kind == Question::Kind::BelongsToPerson) {
    q.face_id = face_id(required_string(body, "faceId"));
  } else if (q.kind == Question::Kind::WhichArePerson) {
    const auto candidates = person_ids(body, "candidates");
    q.candidates.assign(candidates.begin(), candidates.end());
  } else {
    q.other_person_id = person_id(required_string(body, "otherPersonId"));
  }
  return q;
}

}  // namespace

void QuestionsApi::add_routes(httplib::Server& server) {
  server.Get("/api/questions", [this](const httplib::Request& req, httplib::Response& res) {
    answer_errors(res, [&] {
      size_t limit = 10;
      if (req.has_param("limit")) {
        const std::string text = req.get_param_value("limit");
        if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(text) == 0 || std::stoul(text) > kMostQuestions)
          throw Error(ErrorKind::InvalidParameter, "limit must be a number from 1 to 100");
        limit = std::stoul(text);
      }
      json questions = json::array();
      for (const auto& q : questions_.next(limit)) questions.push_back(question_json(people_, q));
      send_json(res, {{"questions", questions}});
    });
  });

  server.Post("/api/questions/answer", [this](const httplib::Request& req, httplib::Response& res) {
    answer_errors(res, [&] {
      const json body = body_object(req);
      const Question q = question_from(body);
      if (q.kind == Question::Kind::WhichArePerson) {
        const auto chosen = person_ids(body, "chosen");
        questions_.answer_which(q, chosen);
        send_json(res, {{"kind", to_string(q.kind)}, {"chosen", chosen}});
        return;
      }
      const std::string answer = required_string(body, "answer");
      if (answer != "yes" && answer != "no") throw Error(ErrorKind::InvalidParameter, "answer must be yes or no");
      questions_.answer(q, answer == "yes");
      send_json(res, {{"kind", to_string(q.kind)}, {"answer", answer}});
    });
  });
}

}  // namespace beetroot
