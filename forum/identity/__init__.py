"""Sign-in from elsewhere: the company's app (a signed token, GET /sso) and OpenID Connect providers
an admin sets up (/admin/sign-in). The rules live in forum/services/sign_in.py; this package holds
the pages and the Authlib client."""
