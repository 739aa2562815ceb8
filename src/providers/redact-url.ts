/** Replaces `user:password@` in every URL inside `text` with `***@`, for log lines and error messages. */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]*@/gi, '$1***@');
}

/** `scheme://host[:port]/path` of a URL, without credentials, query or fragment; safe to show. */
export function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '<unparsable URL>';
  }
}
