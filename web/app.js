// The People page: a grid of people, a page per person and per photo, uploads by drag and drop.
// Plain DOM and fetch, no build step; every change goes to the API at once.
"use strict";

const PAGE_SIZE = 120;
const view = document.getElementById("view");
const state = { sort: "faces", showHidden: false, othersOpen: false, selected: new Set(), uploading: 0 };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (value !== false && value !== undefined) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined)
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

// Whether the page's address still names `hash`: a page that loaded slowly does not cover the one
// the user went to meanwhile.
function stillAt(hash) {
  return (location.hash || "#/") === hash;
}

function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options,
    headers: { ...(options.body && !(options.body instanceof FormData) ? { "Content-Type": "application/json" } : {}),
               ...(options.headers || {}) } });
  if (response.status === 401) { showLogin(); throw new ApiError(401, "a token is needed"); }
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error ? body.error.message : response.statusText);
  return body;
}

function showLogin(message) {
  view.replaceChildren(el("form", { class: "login", onsubmit: async (event) => {
      event.preventDefault();
      const token = event.target.elements.token.value.trim();
      // The server sets the session cookie (HttpOnly): this script never stores the token.
      const response = await fetch("/api/login", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) });
      if (response.ok) route();
      else showLogin(response.status === 401 ? "That is not the API token." : "Signing in failed.");
    } },
    el("h2", {}, "Sign in"),
    el("p", { class: "muted" }, message || "Enter the API token (BEETROOT_API_TOKEN, or the file api-token in beetroot's data folder)."),
    el("input", { type: "password", name: "token", placeholder: "API token", autocomplete: "current-password", required: true }),
    el("button", { class: "button primary", type: "submit" }, "Open")));
}

function personName(person) {
  return person.name || "Unnamed";
}

// ---- The grid of people ----

function personTile(person) {
  const pick = el("input", { type: "checkbox", class: "pick", "aria-label": `Select ${personName(person)}`,
    checked: state.selected.has(person.personId), onchange: (event) => {
      event.target.checked ? state.selected.add(person.personId) : state.selected.delete(person.personId);
      tile.classList.toggle("selected", event.target.checked);
      updateMergeButton();
    } });
  const tile = el("article", { class: "tile" + (state.selected.has(person.personId) ? " selected" : ""),
                               "data-person": person.personId, "data-faces": person.faceCount },
    el("a", { class: "cover", href: `#/person/${person.personId}` },
      el("img", { src: person.coverUrl, alt: personName(person), loading: "lazy", decoding: "async" })),
    pick,
    el("div", { class: "meta" },
      el("div", { class: "name" + (person.name ? "" : " unnamed") }, personName(person)),
      el("div", { class: "faces" }, `${person.faceCount} ${person.faceCount === 1 ? "face" : "faces"}` +
        (person.hidden ? " · hidden" : ""))));
  return tile;
}

function updateMergeButton() {
  const photos = document.getElementById("photos-of");
  if (photos) {
    photos.disabled = state.selected.size === 0;
    photos.textContent = state.selected.size ? `Photos of ${state.selected.size}` : "Photos";
  }
  const button = document.getElementById("merge");
  if (button) {
    button.disabled = state.selected.size < 2;
    button.textContent = state.selected.size >= 2 ? `Merge ${state.selected.size}` : "Merge";
  }
}

async function mergeSelected() {
  const tiles = [...document.querySelectorAll(".tile")].filter((t) => state.selected.has(t.dataset.person));
  // The person with the most faces survives and keeps its personId.
  tiles.sort((a, b) => Number(b.dataset.faces) - Number(a.dataset.faces));
  const [survivor, ...others] = tiles.map((t) => t.dataset.person);
  try {
    await api(`/api/people/${survivor}/merge`, { method: "POST", body: JSON.stringify({ personIds: others }) });
    state.selected.clear();
    toast(`Merged ${others.length + 1} people`);
    showPeople();
  } catch (error) { toast(`Merge failed: ${error.message}`); }
}

// Persons seen too few times for the main grid (strangers in the background), loaded when opened;
// open or closed as the user left it, through the grid's refreshes during ingestion.
async function othersSection() {
  const hidden = state.showHidden ? "&hidden=true" : "";
  const first = await api(`/api/people?shelf=others&limit=1${hidden}`);
  const grid = el("div", { class: "grid", id: "others-grid" });
  const load = async () => {
    const page = await api(`/api/people?shelf=others&sort=${state.sort}&limit=1000${hidden}`);
    grid.replaceChildren(...page.people.map(personTile));
  };
  const section = el("details", { class: "others", id: "others", open: state.othersOpen, hidden: first.total === 0,
      ontoggle: () => {
        state.othersOpen = section.open;
        if (section.open && !grid.childElementCount) load();
      } },
    el("summary", {}, `Others (${first.total})`),
    el("p", { class: "muted" }, `Unnamed people with fewer than ${first.minFaces} faces: strangers in the ` +
                                "background, faces seen once. Name one to keep it on the main grid."),
    grid);
  if (state.othersOpen && first.total) await load();
  return section;
}

async function showPeople() {
  const grid = el("div", { class: "grid", id: "people" });
  const count = el("span", { class: "count" }, "");
  const sentinel = el("div", { class: "sentinel" });
  const toolbar = el("div", { class: "toolbar" }, count,
    el("label", {}, "Sort ",
      el("select", { "aria-label": "Sort people", onchange: (e) => { state.sort = e.target.value; showPeople(); } },
        el("option", { value: "faces", selected: state.sort === "faces" }, "Most faces"),
        el("option", { value: "name", selected: state.sort === "name" }, "Name"))),
    el("label", {}, el("input", { type: "checkbox", checked: state.showHidden,
      onchange: (e) => { state.showHidden = e.target.checked; showPeople(); } }), " Show hidden"),
    el("button", { class: "button", id: "photos-of", disabled: true,
      onclick: () => { location.hash = `#/photos/${[...state.selected].join(",")}`; } }, "Photos"),
    el("button", { class: "button", id: "merge", disabled: true, onclick: mergeSelected }, "Merge"));
  const others = await othersSection();
  if (!stillAt("#/")) return;
  view.replaceChildren(toolbar, grid, sentinel, others);
  updateMergeButton();

  let offset = 0, total = Infinity, loading = false;
  const loadMore = async () => {
    if (loading || offset >= total || !document.body.contains(grid)) return;
    loading = true;
    try {
      const page = await api(`/api/people?shelf=main&sort=${state.sort}&offset=${offset}&limit=${PAGE_SIZE}` +
                             (state.showHidden ? "&hidden=true" : ""));
      total = page.total;
      offset += page.people.length;
      grid.append(...page.people.map(personTile));
      count.textContent = `${total} ${total === 1 ? "person" : "people"}` +
        (page.queueDepth ? ` · ${page.queueDepth} photos waiting` : "");
      if (total === 0 && others.hidden)
        grid.replaceChildren(el("p", { class: "empty" }, "No people yet. Drop photos here to add them."));
    } finally { loading = false; }
    if (sentinel.getBoundingClientRect().top < innerHeight * 2) loadMore();
  };
  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadMore(); },
                           { rootMargin: "800px" }).observe(sentinel);
  await loadMore();
}

// ---- One person ----

async function movingTargets(exclude) {
  const page = await api(`/api/people?sort=name&limit=1000`);
  return page.people.filter((p) => p.personId !== exclude);
}

// The resource at `path`, or null after saying it is gone (merged away, deleted) if it is.
async function loadOrGone(path, what) {
  try { return await api(path); }
  catch (error) {
    if (error.status !== 404) throw error;
    view.replaceChildren(el("p", { class: "empty" }, `This ${what} no longer exists. `,
      el("a", { href: "#/" }, "Back to people")));
    return null;
  }
}

async function showPerson(id) {
  const person = await loadOrGone(`/api/people/${id}`, "person");
  if (!person) return;
  const rename = el("input", { type: "text", class: "rename", value: person.name, placeholder: "Add a name",
    "aria-label": "Name", maxlength: 200,
    onkeydown: (e) => { if (e.key === "Enter") e.target.blur(); },
    onchange: async (e) => {
      try { await api(`/api/people/${id}`, { method: "PATCH", body: JSON.stringify({ name: e.target.value.trim() }) });
            toast("Name saved"); }
      catch (error) { toast(`Rename failed: ${error.message}`); }
    } });
  const hide = el("button", { class: "button", onclick: async () => {
      await api(`/api/people/${id}`, { method: "PATCH", body: JSON.stringify({ hidden: !person.hidden }) });
      showPerson(id);
    } }, person.hidden ? "Unhide" : "Hide");
  const targets = await movingTargets(id);
  const targetOptions = () => [el("option", { value: "" }, "a new person"),
    targets.map((t) => el("option", { value: t.personId }, `${personName(t)} (${t.faceCount})`))];
  const selected = new Set();
  const act = async (what, request) => {
    try { await request(); toast(what); showPerson(id); }
    catch (error) { toast(`${what} failed: ${error.message}`); }
  };
  const post = (path, body) => api(path, { method: "POST", body: JSON.stringify(body) });

  // Many faces at once: moved together (to one new person, or an existing one), or said not to be
  // this person (each leaves for a person of its own and never comes back).
  const bulkTarget = el("select", { "aria-label": "Move the selected faces to", id: "bulk-target" }, targetOptions());
  const bulkMove = el("button", { class: "button", id: "bulk-move", disabled: true, onclick: () =>
    act(`Moved ${selected.size} faces`, async () => {
      let to = bulkTarget.value;
      for (const faceId of selected) to = (await post(`/api/faces/${faceId}/move`, to ? { personId: to } : {})).personId;
    }) }, "Move selected");
  const bulkRemove = el("button", { class: "button", id: "bulk-remove", disabled: true, onclick: () =>
    act(`Removed ${selected.size} faces`, async () => {
      for (const faceId of selected) await post(`/api/faces/${faceId}/not-person`, { personId: id });
    }) }, "Not this person");
  const updateBulk = () => {
    bulkMove.disabled = bulkRemove.disabled = selected.size === 0;
    bulkMove.textContent = selected.size ? `Move ${selected.size} to` : "Move selected to";
  };

  const faces = el("div", { class: "grid", id: "faces" }, person.faces.map((face) => {
    const destination = el("select", { "aria-label": "Move this face to", class: "move-target" }, targetOptions());
    const tile = el("article", { class: "tile face" + (face.thumbUrl === person.coverUrl ? " is-cover" : ""),
                                 "data-face": face.faceId },
      el("a", { class: "cover", href: `#/photo/${face.photoId}`, title: "Open the photo" },
        el("img", { src: face.thumbUrl, alt: "face", loading: "lazy" })),
      el("input", { type: "checkbox", class: "pick pick-face", "aria-label": "Select this face", onchange: (e) => {
        e.target.checked ? selected.add(face.faceId) : selected.delete(face.faceId);
        tile.classList.toggle("selected", e.target.checked);
        updateBulk();
      } }),
      el("div", { class: "tile-actions" }, destination,
        el("button", { class: "button move", onclick: () => act("Face moved", () =>
          post(`/api/faces/${face.faceId}/move`, destination.value ? { personId: destination.value } : {})) }, "Move"),
        el("button", { class: "button set-cover", title: "Show this face for the person", onclick: () =>
          act("Cover chosen", () => api(`/api/people/${id}`, { method: "PATCH", body: JSON.stringify({ coverFaceId: face.faceId }) }))
        }, "Cover"),
        el("button", { class: "button danger delete-face", title: "Not a face: delete it for good", onclick: () => {
          if (confirm("Delete this face? It will not come back when the photo is added again."))
            act("Face deleted", () => api(`/api/faces/${face.faceId}`, { method: "DELETE" }));
        } }, "Delete")));
    return tile;
  }));
  if (!stillAt(`#/person/${id}`)) return;
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← People")),
    el("div", { class: "person-head" }, el("img", { src: person.coverUrl, alt: "" }), rename, hide),
    el("p", { class: "muted" }, `${person.faceCount} ${person.faceCount === 1 ? "face" : "faces"} in ` +
                                `${person.photoCount} ${person.photoCount === 1 ? "photo" : "photos"}`),
    el("div", { class: "face-tools" }, bulkMove, bulkTarget, bulkRemove),
    faces);
}

// ---- One photo ----

async function showPhoto(id) {
  const photo = await loadOrGone(`/api/photos/${id}`, "photo");
  if (!photo) return;
  const frame = el("div", { class: "photo-frame" }, el("img", { src: photo.imageUrl, alt: photo.key }),
    photo.faces.map((f) => el("a", { class: "box", href: `#/person/${f.personId}`,
      style: `left:${f.box.left * 100}%;top:${f.box.top * 100}%;width:${f.box.width * 100}%;height:${f.box.height * 100}%` },
      el("span", {}, f.personName || "Unnamed"))));
  if (!stillAt(`#/photo/${id}`)) return;
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← People")),
    el("div", { class: "toolbar" }, el("span", { class: "count" }, `${photo.key} · ${photo.status} · ${photo.faces.length} faces`),
      el("button", { class: "button danger", id: "delete-photo", onclick: async () => {
        if (!confirm("Delete this photo, its faces and their thumbnails?")) return;
        try { await api(`/api/photos/${id}`, { method: "DELETE" }); toast("Photo deleted"); location.hash = "#/"; }
        catch (error) { toast(`Delete failed: ${error.message}`); }
      } }, "Delete photo"),
      el("button", { class: "button", id: "draw-face", title: "Drag a box around a face beetroot missed",
        onclick: () => { toast("Drag a box around the face"); drawFace(frame, id, () => showPhoto(id)); } }, "Add a face")),
    frame);
}

// ---- Uploads ----

function uploadOne(file) {
  const bar = el("progress", { max: 100, value: 0 });
  const status = el("span", { class: "state" }, "uploading");
  const row = el("div", { class: "upload" }, el("span", { class: "file" }, file.name), bar, status);
  const list = document.getElementById("uploads");
  list.hidden = false;
  list.append(row);
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/photos");
    request.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
    request.onload = () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { /* keep the status line */ }
      if (request.status === 202) { bar.value = 100; status.textContent = body.photos[0].outcome; }
      else { status.textContent = body.error ? body.error.message : `failed (${request.status})`; row.classList.add("failed"); }
      setTimeout(() => { row.remove(); list.hidden = !list.children.length; }, request.status === 202 ? 4000 : 15000);
      resolve();
    };
    request.onerror = () => { status.textContent = "network error"; resolve(); };
    const form = new FormData();
    form.append("photo", file, file.name);
    request.send(form);
  });
}

async function upload(files) {
  const photos = [...files].filter((f) => /^image\//.test(f.type) || /\.(jpe?g|png|webp)$/i.test(f.name));
  if (!photos.length) return toast("Only JPEG, PNG and WebP photos can be added");
  state.uploading += photos.length;
  for (let i = 0; i < photos.length; i += 2) await Promise.all(photos.slice(i, i + 2).map(uploadOne));
  state.uploading -= photos.length;
  watchIngestion();
}

// While photos are being ingested, the grid refreshes so that people appear as they are found.
async function watchIngestion() {
  if (watchIngestion.running) return;
  watchIngestion.running = true;
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1500));
      const page = await api(`/api/people?limit=1`);
      if (!location.hash || location.hash === "#/") await showPeople();
      if (!page.queueDepth && !state.uploading) break;
    }
  } finally { watchIngestion.running = false; }
}

document.getElementById("sign-out").addEventListener("click", async () => {
  await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
  showLogin("Signed out.");
});
document.getElementById("file-input").addEventListener("change", (e) => { upload(e.target.files); e.target.value = ""; });
const hint = document.getElementById("drop-hint");
addEventListener("dragover", (e) => { e.preventDefault(); hint.hidden = false; });
addEventListener("dragleave", (e) => { if (!e.relatedTarget) hint.hidden = true; });
addEventListener("drop", (e) => { e.preventDefault(); hint.hidden = true; upload(e.dataTransfer.files); });

// ---- Routing ----

async function route() {
  const [, page, id] = (location.hash || "#/").split("/");
  try {
    if (page === "person" && id) await showPerson(id);
    else if (page === "photo" && id) await showPhoto(id);
    else if (page === "questions") await showQuestions();
    else if (page === "photos" && id) await showPhotosOf(id.split(","));
    else await showPeople();
  } catch (error) {
    if (error.status !== 401) view.replaceChildren(el("p", { class: "empty" }, `Something went wrong: ${error.message}`));
  }
}
addEventListener("hashchange", route);
route();
