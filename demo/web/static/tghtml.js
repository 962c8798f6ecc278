// Telegram's HTML (parse_mode=HTML) as DOM nodes, built one by one: only Telegram's tags pass,
// any other tag is dropped (its text stays, as text), and attributes other than a link's
// href, a code block's language and a quote's "expandable" are never read. The input is
// tokenised here, not handed to the browser's HTML parser: nothing in it is ever parsed as
// markup by the page (no innerHTML, no DOMParser, whose inert documents still look at
// inline handlers).

const KEPT = new Set(["b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler", "span"]);
const ALIASES = { strong: "b", em: "i", ins: "u", strike: "s", del: "s" };
const LINK_SCHEMES = ["http:", "https:", "mailto:", "tg:"];
const TAG = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[^\s=>\/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
const ENTITY = /&(?:#(\d{1,7})|#x([\da-fA-F]{1,6})|(lt|gt|amp|quot|apos));/g;
const NAMED = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function telegramHtml(html) {
  const root = document.createDocumentFragment();
  const open = [{ name: null, node: root }];
  for (const token of tokens(html ?? "")) {
    const top = open[open.length - 1];
    if (token.text !== undefined) {
      top.node.append(document.createTextNode(token.text));
    } else if (!token.closing) {
      const made = make(token.name, token.attributes);
      if (made) top.node.append(made);
      open.push({ name: token.name, node: made ?? top.node }); // a dropped tag's text goes to its parent
    } else {
      const at = open.map((entry) => entry.name).lastIndexOf(token.name);
      if (at >= 1) open.splice(at); // a closing tag that opened nothing is ignored
    }
  }
  return root;
}

export function plainText(html) {
  // For quotes of a replied message: the text a person reads, without tags.
  return tokens(html ?? "").map((token) => token.text ?? "").join("");
}

function* tokens(html) {
  let last = 0;
  for (const match of html.matchAll(TAG)) {
    if (match.index > last) yield { text: decode(html.slice(last, match.index)) };
    const name = match[2].toLowerCase();
    yield { name: ALIASES[name] ?? name, closing: match[1] === "/", attributes: attributes(match[3]) };
    last = match.index + match[0].length;
  }
  if (last < html.length) yield { text: decode(html.slice(last)) };
}

function attributes(text) {
  const found = new Map();
  for (const match of text.matchAll(ATTRIBUTE)) {
    found.set(match[1].toLowerCase(), decode(match[2] ?? match[3] ?? match[4] ?? ""));
  }
  return found;
}

function decode(text) {
  return text.replace(ENTITY, (whole, decimal, hex, named) => {
    if (named) return NAMED[named];
    const code = decimal ? Number(decimal) : parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function make(name, attributes) {
  if (!KEPT.has(name)) return null;
  if (name === "tg-spoiler" || name === "span") {
    if (name === "span" && attributes.get("class") !== "tg-spoiler") return null;
    const spoiler = document.createElement("span");
    spoiler.className = "spoiler";
    spoiler.tabIndex = 0;
    spoiler.addEventListener("click", () => spoiler.classList.add("shown"));
    spoiler.addEventListener("keydown", () => spoiler.classList.add("shown"));
    return spoiler;
  }
  const made = document.createElement(name);
  if (name === "a") {
    const href = safeHref(attributes.get("href"));
    if (href) {
      made.href = href;
      made.target = "_blank";
      made.rel = "noopener noreferrer";
    }
  } else if (name === "code") {
    const language = /^language-[\w+#.-]{1,32}$/.exec(attributes.get("class") ?? "");
    if (language) made.className = language[0];
  } else if (name === "blockquote" && attributes.has("expandable")) {
    made.className = "expandable";
    made.addEventListener("click", () => made.classList.toggle("open"));
  }
  return made;
}

function safeHref(href) {
  if (!href) return null;
  try {
    const url = new URL(href, window.location.href);
    return LINK_SCHEMES.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}
