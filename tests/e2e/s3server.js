'use strict';
// An S3-compatible server for test_examples.py: s3rver (npm) on 127.0.0.1,
// an ephemeral port, one bucket and one key pair, and a check of each
// request's AWS Signature Version 4 (s3rver checks only the access key id).
// Prints "listening PORT", then one JSON line a request:
// {"method", "path", "region", "verdict": "ok" or why it was refused}.
//
//   node s3server.js NPM_DIR DATA_DIR BUCKET ACCESS_KEY_ID SECRET_ACCESS_KEY

const crypto = require('crypto');
const path = require('path');

const [npmDir, dataDir, bucket, keyId, secretKey] = process.argv.slice(2);
const lib = path.join(npmDir, 'node_modules', 's3rver');
const S3rver = require(lib);
const Account = require(path.join(lib, 'lib', 'models', 'account'));

const hmac = (key, text) => crypto.createHmac('sha256', key).update(text).digest();
const sha256 = text => crypto.createHash('sha256').update(text).digest('hex');
const uriEncode = s =>
  encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const byBytes = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// The refusal, or null when the request is signed with keyId and secretKey.
function refusal(req, scope) {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
    req.headers.authorization || '');
  if (!auth) return 'no SigV4 Authorization header';
  const [, id, date, region, signed, signature] = auth;
  scope.region = region;
  if (id !== keyId) return 'unknown access key id';
  const q = req.url.indexOf('?');
  const uri = q < 0 ? req.url : req.url.slice(0, q);
  const query = (q < 0 ? '' : req.url.slice(q + 1))
    .split('&').filter(Boolean)
    .map(p => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [uriEncode(decodeURIComponent(k)), uriEncode(decodeURIComponent(v))];
    })
    .sort((a, b) => byBytes(a[0], b[0]) || byBytes(a[1], b[1]))
    .map(([k, v]) => k + '=' + v).join('&');
  const headers = signed.split(';')
    .map(h => h + ':' + String(req.headers[h] === undefined ? '' : req.headers[h]).trim().replace(/\s+/g, ' ') + '\n')
    .join('');
  const canonical = [req.method, uri, query, headers, signed, req.headers['x-amz-content-sha256']].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', req.headers['x-amz-date'], [date, region, 's3', 'aws4_request'].join('/'),
    sha256(canonical)].join('\n');
  let key = hmac('AWS4' + secretKey, date);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  return hmac(key, toSign).toString('hex') === signature ? null : 'signature does not match';
}

Account.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
Account.DUMMY_ACCOUNT.createKeyPair(keyId, secretKey);
const server = new S3rver({
  address: '127.0.0.1', port: 0, silent: true, directory: dataDir,
  configureBuckets: [{ name: bucket, configs: [] }],
});
server.middleware.unshift(async (ctx, next) => {
  const scope = { region: null };
  const why = refusal(ctx.req, scope);
  console.log(JSON.stringify({ method: ctx.method, path: ctx.path, region: scope.region, verdict: why || 'ok' }));
  if (!why) return next();
  ctx.status = 403;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>' +
    why + '</Message></Error>';
});
server.run().then(({ port }) => console.log('listening %d', port), err => {
  console.error(err);
  process.exit(1);
});
