// The page's words come from the catalog (GET /api/words?lang=..., the catalog's demo-page-* keys):
// none are written in this code. Elements name their word with data-word (text),
// data-word-placeholder and data-word-label (aria-label and title).

let words = {};

export async function loadWords(lang) {
  const response = await fetch(`/api/words?lang=${encodeURIComponent(lang)}`);
  if (!response.ok) throw new Error(`words for ${lang}: HTTP ${response.status}`);
  words = await response.json();
  document.documentElement.lang = lang;
  applyWords(document);
}

export function t(key) {
  // A missing word shows its key: visible in a screenshot, never a crash.
  return words[key] ?? key;
}

export function applyWords(root) {
  for (const el of root.querySelectorAll("[data-word]")) el.textContent = t(el.dataset.word);
  for (const el of root.querySelectorAll("[data-word-placeholder]")) el.placeholder = t(el.dataset.wordPlaceholder);
  for (const el of root.querySelectorAll("[data-word-label]")) {
    el.setAttribute("aria-label", t(el.dataset.wordLabel));
    el.title = t(el.dataset.wordLabel);
  }
  document.title = t("demo-page-title");
}
