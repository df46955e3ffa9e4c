// Photos of the people selected on the grid (#/photos/<personId>,<personId>...): those showing
// every one of them, newest first. Uses el, api, personName and stillAt from app.js.
"use strict";

function photoDate(photo) {
  const when = photo.takenAt || photo.uploadedAt;
  return (photo.takenAt ? "" : "added ") + when.slice(0, 10);
}

async function showPhotosOf(ids) {
  const people = await Promise.all(ids.map((id) => api(`/api/people/${id}`)));
  const page = await api(`/api/photos?people=${ids.join(",")}&limit=1000`);
  const names = people.map(personName);
  const title = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  if (!stillAt(`#/photos/${ids.join(",")}`)) return;
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← People")),
    el("div", { class: "toolbar" }, el("h2", {}, `Photos with ${title}`),
      el("span", { class: "count" }, `${page.total} ${page.total === 1 ? "photo" : "photos"}, newest first`)),
    page.total === 0 ? el("p", { class: "empty" }, "No photo shows all of them together.") :
      el("div", { class: "grid photos", id: "photos" }, page.photos.map((photo) =>
        el("article", { class: "tile photo", "data-photo": photo.photoId },
          el("a", { class: "cover", href: `#/photo/${photo.photoId}` },
            el("img", { src: photo.imageUrl, alt: photo.key, loading: "lazy", decoding: "async" })),
          el("div", { class: "meta" }, el("div", { class: "faces" }, photoDate(photo)))))));
}
