#include "storage/sql/sql_person_table.h"

#include "storage/sql/face_schema.h"

namespace beetroot {
namespace {

// Persons as their faces grouped (one pass over the person index), joined with what users said
// about them. `%FILTER%` and `%ORDER%` complete it, `%FIRST%` is the insertion-order column; the
// cover thumbnail (the chosen face's while it is still the person's, else the earliest face's) is
// looked up only for the rows of the page.
constexpr const char* kPeopleQuery =
    "SELECT x.person_id, x.name, x.hidden, x.faces, x.photos, coalesce("
    "  (SELECT thumb_key FROM faces WHERE collection_id = $1 AND face_id = x.cover AND person_id = x.person_id),"
    "  (SELECT thumb_key FROM faces WHERE %FIRST% = x.first))"
    " FROM (SELECT g.person_id, coalesce(p.name, '') AS name, coalesce(p.hidden, 0) AS hidden, g.faces, g.photos,"
    "  g.first, coalesce(p.cover_face_id, '') AS cover"
    "  FROM (SELECT person_id, count(*) AS faces, count(DISTINCT photo_id) AS photos, min(%FIRST%) AS first"
    "   FROM faces WHERE collection_id = $1 %PERSON% GROUP BY person_id) g"
    "  LEFT JOIN persons p ON p.collection_id = $1 AND p.person_id = g.person_id"
    "  %FILTER% %ORDER%) x";

// The WHERE clause of a filter, over the grouped faces g and the persons p.
std::string where(const PeopleFilter& filter) {
  std::vector<std::string> terms;
  if (!filter.include_hidden) terms.push_back("coalesce(p.hidden, 0) = 0");
  const std::string main = "(g.faces >= " + std::to_string(filter.min_faces) + " OR coalesce(p.name, '') <> '')";
  if (filter.shelf == PeopleShelf::Main) terms.push_back(main);
  if (filter.shelf == PeopleShelf::Others) terms.push_back("NOT " + main);
  std::string out;
  for (const auto& term : terms) out += (out.empty() ? "WHERE " : " AND ") + term;
  return out;
}

std::string people_query(const std::string& first, const std::string& person, const std::string& filter,
                         const std::string& order) {
  std::string sql = kPeopleQuery;
  for (const auto& [slot, text] : {std::pair{"%PERSON%", person}, {"%FILTER%", filter}, {"%ORDER%", order}})
    sql.replace(sql.find(slot), std::string(slot).size(), text);
  for (size_t at; (at = sql.find("%FIRST%")) != std::string::npos;) sql.replace(at, 7, first);
  return sql;
}

PersonSummary read_person(const SqlRow& r) {
  return {r.text(0), r.text(1), r.integer(2) != 0, r.integer(3), r.integer(4), r.text(5)};
}

}  // namespace

SqlPersonTable::SqlPersonTable(std::shared_ptr<SqlDatabase> db) : db_(std::move(db)) {
  db_->migrate("faces", face_schema_steps(db_->dialect()));
}

std::vector<PersonSummary> SqlPersonTable::people(const std::string& collection_id, PeopleOrder order,
                                                const PeopleFilter& filter, size_t offset, size_t limit) const {
  const std::string order_by = order == PeopleOrder::Name
                                   ? "coalesce(p.name, '') = '', lower(coalesce(p.name, '')), "
                                   : "g.faces DESC, ";
  const int64_t page_size = limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit);
  std::vector<PersonSummary> out;
  for (const auto& r : db_->query(people_query(face_insertion_order(db_->dialect()), "", where(filter),
                                               "ORDER BY " + order_by + "g.person_id LIMIT $2 OFFSET $3"),
                                  {collection_id, page_size, static_cast<int64_t>(offset)})
                           .rows)
    out.push_back(read_person(r));
  return out;
}

int64_t SqlPersonTable::people_count(const std::string& collection_id, const PeopleFilter& filter) const {
  return db_->query("SELECT count(*) FROM (SELECT person_id, count(*) AS faces FROM faces WHERE collection_id = $1"
                    " GROUP BY person_id) g LEFT JOIN persons p ON p.collection_id = $1 AND p.person_id = g.person_id " +
                        where(filter),
                    {collection_id})
      .rows.front()
      .integer(0);
}

std::optional<PersonSummary> SqlPersonTable::person(const std::string& collection_id, const std::string& person_id) const {
  const auto rows =
      db_->query(people_query(face_insertion_order(db_->dialect()), "AND person_id = $2", "", ""), {collection_id, person_id}).rows;
  if (rows.empty()) return std::nullopt;
  return read_person(rows.front());
}

std::vector<PersonSummary> SqlPersonTable::named_or_hidden(const std::string& collection_id) const {
  std::vector<PersonSummary> out;
  for (const auto& r : db_->query("SELECT person_id, name, hidden FROM persons"
                                  " WHERE collection_id = $1 AND (name <> '' OR hidden <> 0)",
                                  {collection_id})
                           .rows)
    out.push_back({r.text(0), r.text(1), r.integer(2) != 0});
  return out;
}

void SqlPersonTable::set_name(const std::string& collection_id, const std::string& person_id,
                                   const std::string& name) {
  db_->query("INSERT INTO persons (collection_id, person_id, name) VALUES ($1, $2, $3)"
             " ON CONFLICT (collection_id, person_id) DO UPDATE SET name = excluded.name",
             {collection_id, person_id, name});
}

void SqlPersonTable::set_hidden(const std::string& collection_id, const std::string& person_id, bool hidden) {
  db_->query("INSERT INTO persons (collection_id, person_id, hidden) VALUES ($1, $2, $3)"
             " ON CONFLICT (collection_id, person_id) DO UPDATE SET hidden = excluded.hidden",
             {collection_id, person_id, static_cast<int64_t>(hidden)});
}

std::vector<std::string> SqlPersonTable::photos_with_all(const std::string& collection_id,
                                                       const std::vector<std::string>& person_ids) const {
  std::vector<SqlValue> args{collection_id};
  std::string in;
  for (const auto& id : person_ids) {
    args.emplace_back(id);
    in += (in.empty() ? "$" : ", $") + std::to_string(args.size());
  }
  std::vector<std::string> photos;
  for (const auto& r : db_->query("SELECT photo_id FROM faces WHERE collection_id = $1 AND person_id IN (" + in +
                                      ") GROUP BY photo_id HAVING count(DISTINCT person_id) = " +
                                      std::to_string(person_ids.size()),
                                  args)
                           .rows)
    photos.push_back(r.text(0));
  return photos;
}

void SqlPersonTable::set_cover(const std::string& collection_id, const std::string& person_id,
                                    const std::string& face_id) {
  db_->query("INSERT INTO persons (collection_id, person_id, cover_face_id) VALUES ($1, $2, $3)"
             " ON CONFLICT (collection_id, person_id) DO UPDATE SET cover_face_id = excluded.cover_face_id",
             {collection_id, person_id, face_id});
}

}  // namespace beetroot
