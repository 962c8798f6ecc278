// One phone's chat: the messages as bubbles, inline keyboards as buttons, a reply gesture
// (the ↩ on a bubble, or a double click) and a text box. Nodes are cached per message and
// rebuilt only when the message (or what it shows of another) changed.
import { plainText, telegramHtml } from "./tghtml.js";
import { t } from "./words.js";

const QUOTE_LENGTH = 80;
// A bot command in text: "/" and a name, at the start or after a space (a capture group: split keeps it).
const COMMAND = /(?<=^|\s)(\/[a-zA-Z][a-zA-Z0-9_]{0,63})(?=$|[\s.,;:!?)])/;

export class ChatPane {
  constructor(section, { press, say, fail, notice }) {
    this.section = section;
    this.list = section.querySelector(".messages");
    this.form = section.querySelector(".composer");
    this.input = this.form.querySelector("input[name=text]");
    this.replyBar = this.form.querySelector(".replying");
    this.replyText = this.form.querySelector(".replying-text");
    this.press = press;
    this.say = say;
    this.fail = fail;
    this.notice = notice;
    this.nodes = new Map();
    this.messages = [];
    this.replyTo = null;
    this.chatId = null;
    this.me = null;
    this.generation = 0;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.form.querySelector(".replying-cancel").addEventListener("click", () => this.setReply(null));
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.setReply(null);
    });
  }

  // Another chat (the staff switcher) or another language: start the list afresh.
  reset() {
    this.nodes.clear();
    this.list.replaceChildren();
    this.setReply(null);
    this.generation += 1;
  }

  show(chatId, me, messages) {
    if (chatId !== this.chatId || me !== this.me) {
      this.chatId = chatId;
      this.me = me;
      this.reset();
    }
    const stick = this.atBottom();
    this.messages = messages;
    const byId = new Map(messages.map((message) => [message.message_id, message]));
    const wanted = [];
    for (const message of messages) {
      const quoted = message.reply_to == null ? null : byId.get(message.reply_to) ?? null;
      const key = JSON.stringify([this.generation, message, quoted && quotedText(quoted)]);
      let cached = this.nodes.get(message.message_id);
      if (!cached || cached.key !== key) {
        cached = { key, node: this.bubble(message, quoted) };
        this.nodes.set(message.message_id, cached);
      }
      wanted.push(cached.node);
    }
    const shown = new Set(messages.map((message) => message.message_id));
    for (const id of this.nodes.keys()) if (!shown.has(id)) this.nodes.delete(id);
    syncChildren(this.list, wanted);
    if (this.list.children.length === 0) this.list.append(emptyNote());
    if (this.replyTo != null && !shown.has(this.replyTo)) this.setReply(null);
    if (stick) this.scrollDown();
  }

  bubble(message, quoted) {
    const item = document.createElement("li");
    const mine = message.user_id != null && message.user_id === this.me;
    item.className = `msg ${message.from === "bot" ? "bot" : mine ? "mine" : "other"}`;
    item.dataset.messageId = message.message_id;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    item.append(bubble);
    if (message.deleted) {
      item.classList.add("deleted");
      bubble.append(words("div", "body", "demo-page-deleted"));
      return item;
    }
    if (!mine) {
      const sender = document.createElement("div");
      sender.className = "sender";
      sender.textContent = message.from === "bot" ? t("demo-page-bot-name") : message.from;
      bubble.append(sender);
    }
    if (quoted) {
      const quote = document.createElement("button");
      quote.type = "button";
      quote.className = "quote";
      quote.textContent = quotedText(quoted);
      quote.addEventListener("click", () => this.reveal(quoted.message_id));
      bubble.append(quote);
    }
    const body = document.createElement("div");
    body.className = "body";
    body.append(telegramHtml(message.html));
    if (message.from === "bot") this.commandsAsButtons(body);
    bubble.append(body);
    if (message.document) bubble.append(documentLink(message.document));
    const meta = document.createElement("div");
    meta.className = "meta";
    if (message.edited) meta.append(words("span", "edited", "demo-page-edited"));
    const reply = words("button", "reply-action", null);
    reply.type = "button";
    reply.textContent = "↩";
    reply.setAttribute("aria-label", t("demo-page-reply-to-message"));
    reply.title = t("demo-page-reply-to-message");
    reply.addEventListener("click", () => this.setReply(message.message_id));
    meta.append(reply);
    bubble.append(meta);
    bubble.addEventListener("dblclick", () => this.setReply(message.message_id));
    if (message.buttons && message.buttons.length) item.append(this.keyboard(message));
    return item;
  }

  // As in Telegram, a /command in the bot's text sends that command when tapped (/ticket_12 in a digest).
  commandsAsButtons(body) {
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest("code, pre, a") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const texts = [];
    while (walker.nextNode()) texts.push(walker.currentNode);
    for (const text of texts) {
      const parts = text.data.split(COMMAND);
      if (parts.length === 1) continue;
      text.replaceWith(...parts.map((part, index) => {
        if (index % 2 === 0) return part;
        const command = document.createElement("button");
        command.type = "button";
        command.className = "command";
        command.textContent = part;
        command.addEventListener("click", () => this.sendText(part, null));
        return command;
      }));
    }
  }

  keyboard(message) {
    const board = document.createElement("div");
    board.className = "keyboard";
    for (const row of message.buttons) {
      const line = document.createElement("div");
      line.className = "keyboard-row";
      for (const key of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = key.text;
        if (key.url) {
          button.addEventListener("click", () => window.open(key.url, "_blank", "noopener"));
        } else {
          button.addEventListener("click", () => this.tap(button, message.message_id, key.data));
        }
        line.append(button);
      }
      board.append(line);
    }
    return board;
  }

  async tap(button, messageId, data) {
    button.classList.add("pending");
    try {
      const done = await this.press({ chat_id: this.chatId, user_id: this.me, message_id: messageId, data });
      // The bot's answer to the tap: Telegram shows it as a toast, or as an alert box.
      if (done.answer?.text) this.notice(done.answer.text, Boolean(done.answer.show_alert));
    } catch (error) {
      this.fail(error);
    } finally {
      button.classList.remove("pending");
    }
  }

  async send() {
    const text = this.input.value.trim();
    if (!text) return;
    if (await this.sendText(text, this.replyTo)) {
      this.input.value = "";
      this.setReply(null);
    }
  }

  async sendText(text, replyTo) {
    if (this.chatId == null) return false;
    try {
      await this.say({ chat_id: this.chatId, user_id: this.me, text, reply_to: replyTo });
      this.scrollDown();
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  setReply(messageId) {
    this.replyTo = messageId;
    const message = this.messages.find((one) => one.message_id === messageId);
    this.replyBar.hidden = messageId == null;
    this.replyText.textContent = message ? quotedText(message) : "";
    for (const node of this.list.querySelectorAll(".msg.replied")) node.classList.remove("replied");
    if (messageId != null) {
      this.nodes.get(messageId)?.node.classList.add("replied");
      this.input.focus();
    }
  }

  reveal(messageId) {
    const node = this.nodes.get(messageId)?.node;
    if (!node) return;
    node.scrollIntoView({ block: "center" });
    node.classList.remove("flash");
    void node.offsetWidth; // restart the animation
    node.classList.add("flash");
  }

  atBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 48;
  }

  scrollDown() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}

function quotedText(message) {
  if (message.deleted) return t("demo-page-deleted");
  const sender = message.from === "bot" ? t("demo-page-bot-name") : message.from;
  const text = plainText(message.html).replace(/\s+/g, " ").trim() || message.document?.name || "";
  return `${sender}: ${text.length > QUOTE_LENGTH ? `${text.slice(0, QUOTE_LENGTH)}…` : text}`;
}

const PICTURE = /\.(jpe?g|png|gif|webp)$/i;

// A file the bot or a person sent: a link to the back end's copy (only a path on this site),
// and the picture itself when it is one.
function documentLink(doc) {
  const link = document.createElement("a");
  link.className = "document";
  link.textContent = doc.name;
  const local = typeof doc.url === "string" && doc.url.startsWith("/") && !doc.url.startsWith("//");
  if (local) link.href = doc.url;
  link.download = doc.name;
  if (!local || !PICTURE.test(doc.name ?? "")) return link;
  const picture = document.createElement("img");
  picture.src = doc.url;
  picture.alt = doc.name;
  picture.className = "picture";
  const box = document.createElement("div");
  box.append(picture, link);
  return box;
}

function words(tag, className, key) {
  const el = document.createElement(tag);
  el.className = className;
  if (key) el.textContent = t(key);
  return el;
}

function emptyNote() {
  const note = words("li", "empty", "demo-page-chat-empty");
  return note;
}

// Puts `wanted` in `parent` in order, moving only what is out of place (scroll stays put).
export function syncChildren(parent, wanted) {
  const keep = new Set(wanted);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  let cursor = parent.firstElementChild;
  for (const node of wanted) {
    if (node === cursor) {
      cursor = cursor.nextElementSibling;
    } else {
      parent.insertBefore(node, cursor);
    }
  }
}
