// Photos of the people selected on the grid (#/photos/<personId>,<personId>...): those showing
// every one of them, newest first; and a face the detector missed, drawn on a photo's page. Uses
// el, api, toast, personName and stillAt from app.js.
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

// Lets the user drag a box over the photo in `frame`; the box is filed as a face of the photo.
function drawFace(frame, photoId, done) {
  const image = frame.querySelector("img");
  const box = el("div", { class: "drawn-box" });
  let start = null;
  const at = (event) => {
    const r = image.getBoundingClientRect();
    return { x: Math.min(Math.max((event.clientX - r.left) / r.width, 0), 1),
             y: Math.min(Math.max((event.clientY - r.top) / r.height, 0), 1) };
  };
  const rect = (a, b) => ({ left: Math.min(a.x, b.x), top: Math.min(a.y, b.y),
                            width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) });
  frame.classList.add("drawing");
  frame.append(box);
  frame.onpointerdown = (event) => { event.preventDefault(); start = at(event); frame.setPointerCapture(event.pointerId); };
  frame.onpointermove = (event) => {
    if (!start) return;
    const r = rect(start, at(event));
    box.style.cssText = `left:${r.left * 100}%;top:${r.top * 100}%;width:${r.width * 100}%;height:${r.height * 100}%`;
  };
  frame.onpointerup = async (event) => {
    if (!start) return;
    const r = rect(start, at(event));
    start = null;
    frame.onpointerdown = frame.onpointermove = frame.onpointerup = null;
    frame.classList.remove("drawing");
    try {
      await api(`/api/photos/${photoId}/faces`, { method: "POST", body: JSON.stringify({ box: r }) });
      toast("Face added");
    } catch (error) { toast(`Adding the face failed: ${error.message}`); }
    done();
  };
}
