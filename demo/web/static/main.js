// The demo page: three phones (the dispatcher group, a specialist's private chat, the customer's
// mailbox) drawn from the back end's state snapshots, which arrive over the WebSocket.
import { fetchState, live, post } from "./api.js";
import { ChatPane } from "./chat.js";
import { Mailbox } from "./mailbox.js";
import { applyWords, loadWords, t } from "./words.js";

const page = {
  state: null,
  lang: null,
  groupAs: null, // the staff member who acts in the dispatcher group
  privateAs: null, // the specialist whose private chat is shown
};

const fail = (error) => toast(`${t("demo-page-failed")} ${error.message}`);
const notice = (text, alert) => toast(text, alert);
const actions = { press: (body) => post("/api/press", body), say: (body) => post("/api/say", body), fail, notice };
const group = new ChatPane(document.getElementById("pane-group"), actions);
const direct = new ChatPane(document.getElementById("pane-private"), actions);
const mailbox = new Mailbox(document.getElementById("pane-mail"), { send: (body) => post("/api/mail", body), fail });

let drawing = Promise.resolve();

function receive(state, fresh = false) {
  // A restarted demo counts from 1 again: the first snapshot of a connection is always taken.
  if (!fresh && page.state && typeof state.version === "number" && state.version < page.state.version) return;
  // Snapshots are drawn one after another: a language switch loads its words first.
  drawing = drawing.then(() => draw(state)).catch(fail);
}

async function draw(state) {
  page.state = state;
  if (state.lang !== page.lang) {
    await loadWords(state.lang);
    page.lang = state.lang;
    group.reset();
    direct.reset();
    for (const button of document.querySelectorAll("[data-lang]")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
    }
  }
  const staff = state.staff ?? [];
  const dispatchers = staff.filter((person) => (person.roles ?? []).includes("dispatcher"));
  page.groupAs = pick(page.groupAs, staff, dispatchers[0] ?? staff[0]);
  const specialists = staff.filter((person) => !(person.roles ?? []).includes("dispatcher"));
  page.privateAs = pick(page.privateAs, staff, specialists[0] ?? staff[0]);
  const chats = state.chats ?? {};
  fillStaff(document.getElementById("group-as"), [...dispatchers, ...staff.filter((p) => !dispatchers.includes(p))],
    page.groupAs, () => 0);
  fillStaff(document.getElementById("private-as"), staff, page.privateAs, (person) => unread(chats, person.user_id));

  const chat = state.dispatcher_chat ?? {};
  document.getElementById("group-title").textContent = chat.title ?? "";
  group.show(chat.chat_id ?? null, page.groupAs, chats[String(chat.chat_id)] ?? []);
  direct.show(page.privateAs, page.privateAs, chats[String(page.privateAs)] ?? []);
  mailbox.show(state);
  markNews({
    "pane-group": (chats[String(chat.chat_id)] ?? []).length,
    "pane-private": (chats[String(page.privateAs)] ?? []).length,
    "pane-mail": (state.mailbox ?? []).length,
  });
}

// On a phone one pane shows at a time (the tabs); a tab whose pane got something new gets a dot.
const seen = {};
function markNews(counts) {
  const active = document.getElementById("phones").dataset.active;
  for (const [pane, count] of Object.entries(counts)) {
    const tab = document.querySelector(`#tabs [data-pane="${pane}"]`);
    if (pane !== active && seen[pane] !== undefined && count > seen[pane]) tab.classList.add("news");
    seen[pane] = count;
  }
}

for (const tab of document.querySelectorAll("#tabs [data-pane]")) {
  tab.addEventListener("click", () => {
    document.getElementById("phones").dataset.active = tab.dataset.pane;
    for (const other of document.querySelectorAll("#tabs [data-pane]")) {
      other.setAttribute("aria-pressed", String(other === tab));
    }
    tab.classList.remove("news");
  });
}

function pick(current, staff, fallback) {
  return staff.some((person) => person.user_id === current) ? current : fallback?.user_id ?? null;
}

// What the bot sent a person since their chat was last on screen: the switcher shows "● N".
const read = {};
function unread(chats, userId) {
  const messages = (chats[String(userId)] ?? []).filter((message) => message.from === "bot");
  if (userId === page.privateAs || read[userId] === undefined) read[userId] = messages.length;
  return messages.length - read[userId];
}

function fillStaff(select, staff, chosen, news) {
  const options = staff.map((person) => {
    const option = document.createElement("option");
    option.value = String(person.user_id);
    const roles = (person.roles ?? []).join(", ");
    const count = news(person);
    option.textContent = (roles ? `${person.name} (${roles})` : person.name) + (count > 0 ? ` ● ${count}` : "");
    return option;
  });
  const same = options.length === select.options.length &&
    options.every((option, index) => option.value === select.options[index].value &&
      option.textContent === select.options[index].textContent);
  if (!same) select.replaceChildren(...options);
  select.value = String(chosen);
}

document.getElementById("group-as").addEventListener("change", (event) => {
  page.groupAs = Number(event.target.value);
  if (page.state) receive(page.state);
});
document.getElementById("private-as").addEventListener("change", (event) => {
  page.privateAs = Number(event.target.value);
  delete seen["pane-private"];
  if (page.state) receive(page.state);
});

document.getElementById("burst").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await post("/api/burst", {});
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
  }
});

for (const button of document.querySelectorAll("[data-lang]")) {
  button.addEventListener("click", () => post("/api/lang", { lang: button.dataset.lang }).catch(fail));
}

let toastTimer = null;
// A toast goes by itself; an alert (show_alert, as Telegram's alert box) stays until clicked.
function toast(text, alert = false) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.classList.toggle("alert", alert);
  box.hidden = false;
  clearTimeout(toastTimer);
  if (!alert) {
    toastTimer = setTimeout(() => {
      box.hidden = true;
    }, 6000);
  }
}
document.getElementById("toast").addEventListener("click", (event) => {
  event.currentTarget.hidden = true;
});

function status(name) {
  const badge = document.getElementById("live");
  badge.dataset.state = name;
  badge.dataset.word = `demo-page-status-${name}`;
  applyWords(badge.parentElement);
}

fetchState().then(receive).catch(fail);
live(receive, status);
