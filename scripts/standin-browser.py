"""A browser stand-in for the login tests: nstba starts it through NSTBA_BROWSER with the
consent page's URL as the last argument. It loads the page, clicks Allow or Deny the way the
form would (STANDIN_DECISION, default allow; STANDIN_ROLE picks the role), follows NetSuite's
redirect to nstba's callback listener, and writes the last page it got to STANDIN_OUT."""

import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


def fetch(url, data=None):
    try:
        resp = urllib.request.urlopen(url, data, timeout=30)
        return resp.geturl(), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.geturl(), e.read().decode("utf-8", "replace")


url, body = fetch(sys.argv[-1])
if 'id="allow"' in body:
    field = lambda name: re.search(r'name="%s" value="([^"]*)"' % name, body).group(1)
    form = {
        "oauth_token": field("oauth_token"),
        "state": field("state"),
        "role": os.environ.get("STANDIN_ROLE", "3"),
        "decision": os.environ.get("STANDIN_DECISION", "allow"),
    }
    action = urllib.parse.urljoin(url, "/app/login/secure/authorizetoken.nl")
    url, body = fetch(action, urllib.parse.urlencode(form).encode())
out = os.environ.get("STANDIN_OUT")
if out:
    with open(out, "w") as f:
        f.write(body)
