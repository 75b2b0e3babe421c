"""Python peer: oauthlib signing the same RESTlet request as nstba's signing bench (HMAC-SHA256,
realm, token; a fresh nonce and timestamp per signature). Prints signatures per second, or signs
once with --once (for the peak-memory figure)."""
import sys
import time

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

URL = ("https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl"
       "?script=customscript_nstba_filecabinet&deploy=customdeploy_nstba_filecabinet")
client = Client(
    "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
    client_secret="d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5",
    resource_owner_key="2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
    resource_owner_secret="c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
    signature_method=SIGNATURE_HMAC_SHA256,
    realm="1234567_SB1",
)

if "--once" in sys.argv:
    client.sign(URL, http_method="POST")
    sys.exit(0)
n = 0
start = time.perf_counter()
while time.perf_counter() - start < 2.0:
    for _ in range(1000):
        client.sign(URL, http_method="POST")
    n += 1000
print(n / (time.perf_counter() - start))
