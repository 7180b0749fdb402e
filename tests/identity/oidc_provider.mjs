// A real OpenID Connect provider (the npm package oidc-provider) for the sign-in tests.
// Listens on a free loopback port and prints {"issuer": "..."} on its first line of output.
// One static client (OIDC_CLIENT_ID / OIDC_CLIENT_SECRET / OIDC_REDIRECT_URI from the environment)
// and three people: ada (verified, example.com), eve (address not verified), oscar (verified, other.org).
// Its development login and consent pages take any password.
import http from 'node:http';

import Provider from 'oidc-provider';

const people = {
  ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' },
  eve: { email: 'eve@example.com', email_verified: false, name: 'Eve Unverified' },
  oscar: { email: 'oscar@other.org', email_verified: true, name: 'Oscar Other' },
};

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(ctx, id) {
      if (!people[id]) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...people[id] }; } };
    },
    pkce: { required: () => true },
    cookies: { keys: ['a cookie key for the tests only'] },
  });
  // Plain http on loopback: the provider must not insist on secure cookies.
  provider.proxy = false;
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
