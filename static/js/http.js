// The pages' one way to call the JSON API, and to build elements: an ES module imported by the
// reader (reader_context.js), the documents pages (documents.js) and the opinions page
// (opinions.js). Every call sends the CSRF token from <meta name="csrf-token"> and the session
// cookie; a refusal becomes an Error carrying the server's message in the page's language
// (the JSON error's `text`, else its `message`) and its stable `code`.
// Exposes: csrf, api, el.

export const csrf = document.querySelector('meta[name="csrf-token"]').content;

export async function api(method, url, body) {
  const options = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const resp = await fetch(url, options);
  const data = resp.status === 204 ? null : await resp.json().catch(() => null);
  if (!resp.ok) {
    const error = (data && data.error) || {};
    const err = new Error(error.text || error.message || resp.statusText);
    err.code = error.code || "";
    throw err;
  }
  return data;
}

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}
