// The People page's questions (#/questions): one at a time, faces side by side, answered with a
// click or a key (Y yes, N no, S not sure); the next one is already loaded when one is answered.
// "Which of these are ..?" shows up to 8 persons at once: clicks or keys 1-8 choose, Enter says
// the chosen are that person (the others are not), N says none is.
// Uses el, api, toast and personName from app.js.
"use strict";

// `settled`: questions answered or skipped in this visit, never shown again even by a list asked
// for before the answer landed.
const questions = { queue: [], settled: new Set(), asked: 0, answering: false };

function questionKey(q) {
  return [q.kind, q.personId, q.otherPersonId || "", q.faceId || "",
          ...(q.candidates || []).map((c) => c.personId)].join("/");
}

// Fills the queue from the server; of lists asked for at once, only the latest is kept.
async function refillQuestions() {
  const ask = ++questions.asked;
  const page = await api("/api/questions?limit=20");
  if (ask !== questions.asked) return;
  questions.queue = page.questions.filter((q) => !questions.settled.has(questionKey(q)));
  // A question shown from the list before an answer may be gone or changed after it: show the new first.
  const shown = document.getElementById("question")?.dataset.key;
  if (shown && !questions.answering && !questions.queue.some((q) => questionKey(q) === shown)) showQuestion();
  for (const q of questions.queue.slice(0, 3))  // the next faces load while this one is answered
    for (const person of [q.person, q.otherPerson, ...(q.candidates || [])].filter(Boolean))
      for (const face of person.faces) new Image().src = face.thumbUrl;
}

function faceStrip(person) {
  return el("a", { class: "faces-strip", href: `#/person/${person.personId}`, target: "_blank", title: "Open this person" },
    person.faces.map((f) => el("img", { src: f.thumbUrl, alt: "face", loading: "eager" })));
}

function questionText(q) {
  if (q.kind === "which-are-person")
    return q.person.name ? `Which of these are ${q.person.name}?` : "Which of these are the same person as these?";
  if (q.kind === "is-this-person") return `Is this ${personName(q.otherPerson)}?`;
  if (q.kind === "belongs-to-person") return `Is this face ${q.person.name || "the same person as these"}?`;
  return "Are these the same person?";
}

// A candidate of "which of these": one face, chosen or not by a click or its number key.
function candidateTile(candidate, number) {
  const tile = el("button", { class: "candidate", type: "button", "data-person-id": candidate.personId, "aria-pressed": "false",
    title: `${candidate.faceCount} ${candidate.faceCount === 1 ? "face" : "faces"}` },
    el("img", { src: candidate.faces[0].thumbUrl, alt: "face" }), el("kbd", {}, String(number)),
    candidate.faceCount > 1 ? el("span", { class: "count" }, `${candidate.faceCount} faces`) : null);
  tile.onclick = () => tile.setAttribute("aria-pressed", String(tile.getAttribute("aria-pressed") !== "true"));
  return tile;
}

// A person's side of a question: a few faces, name and face count.
function personSide(p) {
  return el("div", { class: "side" }, faceStrip(p),
    el("div", { class: "muted" }, `${personName(p)} · ${p.faceCount} ${p.faceCount === 1 ? "face" : "faces"}`));
}

function questionSides(q) {
  if (q.kind === "which-are-person")
    return [personSide(q.person), el("div", { class: "candidates" }, q.candidates.map((c, i) => candidateTile(c, i + 1)))];
  if (q.kind === "belongs-to-person")
    return [el("div", { class: "side asked" }, el("img", { class: "asked-face", src: q.face.thumbUrl, alt: "the face asked about" })),
            personSide(q.person)];
  return [q.person, q.otherPerson].map(personSide);
}

// One answer at a time: a key pressed twice never answers a question not yet on the screen.
async function answerQuestion(q, answer) {
  if (!q || questions.answering) return;
  questions.answering = true;
  questions.settled.add(questionKey(q));
  questions.queue = questions.queue.filter((other) => !questions.settled.has(questionKey(other)));
  if (answer !== "skip") {
    const body = { kind: q.kind, personId: q.personId };
    if (q.kind === "which-are-person") {
      body.candidates = q.candidates.map((c) => c.personId);
      body.chosen = answer === "no" ? [] :
        [...document.querySelectorAll("#question .candidate[aria-pressed=true]")].map((tile) => tile.dataset.personId);
    } else {
      body.answer = answer;
      if (q.faceId) body.faceId = q.faceId;
      else body.otherPersonId = q.otherPersonId;
    }
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
  const which = q.kind === "which-are-person";
  const answers = [which ? button("yes", "These are", "Enter", "primary") : button("yes", "Yes", "Y", "primary"),
                   button("no", which ? "None of them" : "No", "N", ""), button("skip", "Not sure", "S", "")];
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← People")),
    el("section", { class: "question", id: "question", "data-kind": q.kind, "data-key": questionKey(q) },
      el("h2", {}, questionText(q)),
      el("div", { class: which ? "sides which" : "sides" }, questionSides(q)),
      el("div", { class: "answers" }, answers),
      el("p", { class: "muted" }, `${questions.queue.length}${questions.queue.length >= 20 ? "+" : ""} questions waiting`)));
}

async function showQuestions() {
  questions.settled.clear();
  await refillQuestions();
  showQuestion();
}

addEventListener("keydown", (event) => {
  if (!document.getElementById("question") || event.target.closest("input, select, textarea")) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const which = document.getElementById("question").dataset.kind === "which-are-person";
  const tile = which && /^[1-8]$/.test(event.key) && document.querySelectorAll("#question .candidate")[Number(event.key) - 1];
  if (tile) {
    event.preventDefault();
    tile.click();
    return;
  }
  const answer = (which ? { enter: "yes", n: "no", s: "skip" } : { y: "yes", n: "no", s: "skip" })[event.key.toLowerCase()];
  if (!answer) return;
  event.preventDefault();
  answerQuestion(questions.queue[0], answer);
});
