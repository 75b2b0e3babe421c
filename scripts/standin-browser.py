"""A browser stand-in for the login tests: nstba starts it through NSTBA_BROWSER with the
consent page's URL as the last argument. It loads the page, clicks Allow or Deny the way the
form would (STANDIN_DECISION, default allow; STANDIN_ROLE picks the role), follows NetSuite's
redirect to nstba's callback listener, and writes the last page it got to STANDIN_OUT."""

import html
import os
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request


# nstba's https redirect URI uses its own loopback certificate: a real browser warns once;
# the stand-in, which only ever talks to loopback, accepts it.
LOOPBACK_TLS = ssl._create_unverified_context()


def fetch(url, data=None):
    try:
        resp = urllib.request.urlopen(url, data, timeout=30, context=LOOPBACK_TLS)
        return resp.geturl(), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.geturl(), e.read().decode("utf-8", "replace")


# A Windows batch file hands the URL on in the quotes Rust put around it for cmd.
url, body = fetch(sys.argv[-1].strip('"'))
if 'id="allow"' in body:
    # Submit the consent form as a browser would: its hidden fields, the role, the button.
    form = {
        html.unescape(k): html.unescape(v)
        for k, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', body)
    }
    form["role"] = os.environ.get("STANDIN_ROLE", "3")
    form["decision"] = os.environ.get("STANDIN_DECISION", "allow")
    action = html.unescape(re.search(r'<form method="post" action="([^"]*)"', body).group(1))
    url, body = fetch(urllib.parse.urljoin(url, action), urllib.parse.urlencode(form).encode())
out = os.environ.get("STANDIN_OUT")
if out and re.match(r"^[A-Za-z]:\\", out):
    # Started by nstba.exe under Wine (the Windows tests): a Windows path, made a Linux one.
    import subprocess
    out = subprocess.run(["winepath", "-u", out], capture_output=True, text=True).stdout.strip()
if out:
    with open(out, "w") as f:
        f.write(body)
