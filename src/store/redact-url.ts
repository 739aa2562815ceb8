/** A connection URL without user, password or secret query parameters, safe for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const name of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key|cert/i.test(name)) parsed.searchParams.set(name, 'redacted');
    }
    return parsed.toString();
  } catch {
    // Not parseable as a URL (a libpq keyword string, or a typo): drop anything that looks like credentials.
    return url.replace(/\/\/[^/?#]*@/, '//').replace(/password=\S*/gi, 'password=redacted');
  }
}

/** Removes the URL's password (and the URL itself) from a driver message before it is logged or rethrown. */
export function redactSecrets(message: string, url: string): string {
  let out = message.split(url).join(redactUrl(url));
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password.length > 0) out = out.split(password).join('[redacted]');
  } catch {
    // An unparseable URL has no password we could find; the whole-URL replacement above still applies.
  }
  return out;
}
