"""``admit serve``: the engine, ledger, reports and monitor in a browser, with accounts and a JSON API.

- ``app``: the ASGI application (FastAPI): middleware, limits, core errors turned into answers.
- ``deps``: who is asking and what they may do (sessions, tokens, roles, CSRF) as dependencies.
- ``routers``: one router per part of the site (sign-in, 会前预审, 台账, 会议, 通报, the JSON API).
- ``jobs``: the worker process that runs screenings and documents.
- ``state``: what the server holds between requests.

Accounts are ledger records (``admission.ledger.accounts``). Nothing is computed here: every
figure and message comes from the same :class:`~admission.app.Admit` the CLI uses.
"""
