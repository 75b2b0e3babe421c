// Node peer: oauth-1.0a signing the same RESTlet request as nstba's signing bench
// (HMAC-SHA256, realm, token; a fresh nonce and timestamp per signature). Prints signatures per
// second, or signs once with --once (for the peak-memory figure).
'use strict';
const crypto = require('node:crypto');
const OAuth = require('oauth-1.0a');

const oauth = OAuth({
  consumer: {
    key: 'ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4',
    secret: 'd26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5',
  },
  realm: '1234567_SB1',
  signature_method: 'HMAC-SHA256',
  hash_function: (base, key) => crypto.createHmac('sha256', key).update(base).digest('base64'),
});
const token = {
  key: '2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc',
  secret: 'c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295',
};
const request = {
  url: 'https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=customscript_nstba_filecabinet&deploy=customdeploy_nstba_filecabinet',
  method: 'POST',
};
const sign = () => oauth.toHeader(oauth.authorize(request, token));

if (process.argv.includes('--once')) {
  sign();
  process.exit(0);
}
let n = 0;
const start = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
while (elapsed() < 2.0) {
  for (let i = 0; i < 1000; i++) sign();
  n += 1000;
}
console.log(n / elapsed());
