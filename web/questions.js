// The People page's questions (#/questions): one at a time, faces side by side, answered with a
// click or a key (Y yes, N no, S not sure); the next one is already loaded when one is answered.
// Uses el, api, toast and personName from app.js.
"use strict";

// `settled`: questions answered or skipped in this visit, never shown again even by a list asked
// for before the answer landed.
const questions = { queue: [], settled: new Set(), asked: 0, answering: false };

function questionKey(q) {
  return [q.kind, q.personId, q.otherPersonId || "", q.faceId || ""].join("/");
}

// Fills the queue from the server; of lists asked for at once, only the latest is kept.
async function refillQuestions() {
  const ask = ++questions.asked;
  const page = await api("/api/questions?limit=20");
  if (ask !== questions.asked) return;
  questions.queue = page.questions.filter((q) => !questions.settled.has(questionKey(q)));
  for (const q of questions.queue.slice(0, 3))  // the next faces load while this one is answered
    for (const face of [...q.person.faces, ...(q.otherPerson ? q.otherPerson.faces : [])]) new Image().src = face.thumbUrl;
}

function faceStrip(person) {
  return el("a", { class: "faces-strip", href: `#/person/${person.personId}`, target: "_blank", title: "Open this person" },
    person.faces.map((f) => el("img", { src: f.thumbUrl, alt: "face", loading: "eager" })));
}

function questionText(q) {
  if (q.kind === "is-this-person") return `Is this ${personName(q.otherPerson)}?`;
  if (q.kind === "belongs-to-person") return `Is this face ${q.person.name || "the same person as these"}?`;
  return "Are these the same person?";
}

function questionSides(q) {
  if (q.kind === "belongs-to-person")
    return [el("div", { class: "side asked" }, el("img", { class: "asked-face", src: q.face.thumbUrl, alt: "the face asked about" })),
            el("div", { class: "side" }, faceStrip(q.person),
              el("div", { class: "muted" }, `${personName(q.person)} · ${q.person.faceCount} faces`))];
  return [q.person, q.otherPerson].map((p) => el("div", { class: "side" }, faceStrip(p),
    el("div", { class: "muted" }, `${personName(p)} · ${p.faceCount} ${p.faceCount === 1 ? "face" : "faces"}`)));
}

// One answer at a time: a key pressed twice never answers a question not yet on the screen.
async function answerQuestion(q, answer) {
  if (!q || questions.answering) return;
  questions.answering = true;
  questions.settled.add(questionKey(q));
  questions.queue = questions.queue.filter((other) => !questions.settled.has(questionKey(other)));
  if (answer !== "skip") {
    const body = { kind: q.kind, personId: q.personId, answer };
    if (q.faceId) body.faceId = q.faceId;
    else body.otherPersonId = q.otherPersonId;
    try { await api("/api/questions/answer", { method: "POST", body: JSON.stringify(body) }); }
    catch (error) { if (error.status !== 404) toast(`That answer failed: ${error.message}`); }
  }
  // An answer can settle others (a merge changes persons), so the queue is asked for again; until
  // it comes, the next question already loaded is shown.
  try {
    const refreshed = refillQuestions();
    if (questions.queue.length === 0) await refreshed;
  } finally { questions.answering = false; }
  showQuestion();
}

function showQuestion() {
  if (!stillAt("#/questions")) return;
  const q = questions.queue[0];
  if (!q) {
    view.replaceChildren(el("p", {}, el("a", { href: "#/" }, "← People")),
      el("p", { class: "empty", id: "no-questions" }, "Nothing to ask: everyone is where beetroot thinks they belong."));
    return;
  }
  const button = (answer, label, key, cls) =>
    el("button", { class: `button ${cls}`, "data-answer": answer, onclick: () => answerQuestion(q, answer) },
      label, el("kbd", {}, key));
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← People")),
    el("section", { class: "question", id: "question", "data-kind": q.kind, "data-key": questionKey(q) },
      el("h2", {}, questionText(q)),
      el("div", { class: "sides" }, questionSides(q)),
      el("div", { class: "answers" }, button("yes", "Yes", "Y", "primary"), button("no", "No", "N", ""),
        button("skip", "Not sure", "S", "")),
      el("p", { class: "muted" }, `${questions.queue.length}${questions.queue.length >= 20 ? "+" : ""} questions waiting`)));
}

async function showQuestions() {
  questions.settled.clear();
  await refillQuestions();
  showQuestion();
}

addEventListener("keydown", (event) => {
  if (!document.getElementById("question") || event.target.closest("input, select, textarea")) return;
  const answer = { y: "yes", n: "no", s: "skip" }[event.key.toLowerCase()];
  if (!answer || event.ctrlKey || event.metaKey || event.altKey) return;
  event.preventDefault();
  answerQuestion(questions.queue[0], answer);
});
