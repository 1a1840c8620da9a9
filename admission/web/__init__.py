"""``admit serve``: the engine, ledger, reports and monitor in a browser, with accounts and a JSON API.

- ``accounts``: users, roles, password and token hashes (argon2), in the ledger database.
- ``app``: the ASGI application (FastAPI): pages, the API, sessions, CSRF, rate limits. It calls
  the same core functions as the CLI; nothing is computed here.
"""
