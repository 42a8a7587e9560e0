// A webhook URL as configured (`https://user:pass@host/hook`) → the request to send. undici's
// fetch refuses a URL with credentials, so each delivery failed with an error that echoed the
// password into the delivery log (black-box 10 #51). Sentry's webhook plugin posts with requests,
// which turns the userinfo into `Authorization: Basic` (requests.utils.get_auth_from_url, percent-
// decoded); curl and Alertmanager do the same. Pure.

export interface WebhookRequest {
  url: string;
  authorization?: string;
}

export function webhookRequest(configured: string): WebhookRequest {
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    return { url: configured };
  }
  if (url.username === '' && url.password === '') return { url: configured };
  const credentials = `${decode(url.username)}:${decode(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.href, authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}

/** The URL to show (delivery log, settings): a password in it becomes `***`. */
export function redactWebhookUrl(configured: string): string {
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    return configured;
  }
  if (url.password === '') return configured;
  url.password = '***';
  return url.href;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
