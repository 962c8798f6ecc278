// The customer's mailbox: the list (newest first), one mail open, and a form to write or reply.
// Mail text is shown as text (textContent), never as HTML.
import { syncChildren } from "./chat.js";
import { t } from "./words.js";

export class Mailbox {
  constructor(section, { send, fail }) {
    this.section = section;
    this.send = send;
    this.fail = fail;
    this.mails = [];
    this.openId = null;
    this.inReplyTo = null;
    this.lang = "en";
    this.list = section.querySelector("#mail-list");
    this.form = section.querySelector("#mail-form");
    this.subject = section.querySelector("#write-subject");
    this.text = section.querySelector("#write-text");
    section.querySelector("#mail-write").addEventListener("click", () => this.write(null));
    section.querySelector("#mail-reply").addEventListener("click", () => {
      const mail = this.mails.find((one) => one.id === this.openId);
      if (mail) this.write(mail);
    });
    for (const back of section.querySelectorAll(".mail-back")) back.addEventListener("click", () => this.view("list"));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  show(state) {
    this.lang = state.lang;
    this.mails = state.mailbox ?? [];
    const customer = state.customer ?? {};
    this.section.querySelector("#customer").textContent =
      customer.name ? `${customer.name} <${customer.address ?? ""}>` : customer.address ?? "";
    this.section.querySelector("#mail-empty").hidden = this.mails.length > 0;
    const newest = [...this.mails].sort((a, b) => b.id - a.id);
    syncChildren(this.list, newest.map((mail) => this.row(mail)));
    if (this.openId != null) this.fill(this.mails.find((mail) => mail.id === this.openId));
  }

  row(mail) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = `mail-row ${mail.direction}`;
    button.dataset.mailId = mail.id;
    const top = document.createElement("span");
    top.className = "mail-row-top";
    const who = document.createElement("span");
    who.className = "mail-who";
    who.textContent = mail.direction === "in" ? mail.from : `${t("demo-page-to")} ${mail.to}`;
    const date = document.createElement("time");
    date.textContent = this.date(mail.date, true);
    top.append(who, date);
    const subject = document.createElement("span");
    subject.className = "mail-subject";
    subject.textContent = mail.subject;
    const snippet = document.createElement("span");
    snippet.className = "mail-snippet";
    snippet.textContent = (mail.text ?? "").replace(/\s+/g, " ").slice(0, 120);
    button.append(top, subject, snippet);
    button.addEventListener("click", () => this.open(mail.id));
    item.append(button);
    return item;
  }

  open(id) {
    this.openId = id;
    this.fill(this.mails.find((mail) => mail.id === id));
    this.view("read");
  }

  fill(mail) {
    if (!mail) return;
    this.section.querySelector("#read-subject").textContent = mail.subject;
    this.section.querySelector("#read-from").textContent = mail.from;
    this.section.querySelector("#read-to").textContent = mail.to;
    this.section.querySelector("#read-date").textContent = this.date(mail.date, false);
    this.section.querySelector("#read-text").textContent = mail.text;
    const files = this.section.querySelector("#read-files");
    files.replaceChildren(...(mail.attachments ?? []).map((name) => {
      const item = document.createElement("li");
      item.textContent = name;
      return item;
    }));
    files.hidden = files.children.length === 0;
  }

  write(replyTo) {
    this.inReplyTo = replyTo ? replyTo.message_id : null;
    this.subject.value = replyTo ? reSubject(replyTo.subject) : "";
    this.text.value = "";
    this.view("write");
    (replyTo ? this.text : this.subject).focus();
  }

  async submit() {
    const button = this.section.querySelector("#mail-send");
    button.disabled = true;
    try {
      await this.send({ subject: this.subject.value, text: this.text.value, in_reply_to: this.inReplyTo });
      this.form.reset();
      this.inReplyTo = null;
      this.view("list");
    } catch (error) {
      this.fail(error);
    } finally {
      button.disabled = false;
    }
  }

  view(name) {
    if (name !== "read") this.openId = name === "list" ? null : this.openId;
    for (const view of this.section.querySelectorAll(".mail-view")) view.hidden = view.dataset.view !== name;
  }

  date(iso, short) {
    if (!iso) return "";
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return iso ?? "";
    const options = short ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
      : { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" };
    return new Intl.DateTimeFormat(this.lang, options).format(when);
  }
}

function reSubject(subject) {
  return /^re:/i.test(subject ?? "") ? subject : `Re: ${subject ?? ""}`;
}
