"""The project ledger (项目台账): applications, decisions, meetings and each project's life after
the meeting, in SQLite or PostgreSQL. Reports and the 履约 monitor read nothing else.

- ``database``: opening a ledger by path or URL, its schema version, one writing transaction.
- ``schema``: the tables.
- ``chain``: the hash-chained event log (who changed what, when, from where).
- ``records``: recording applications, resolutions, milestones, land contracts and yearly results.
- ``book``: the 台账 workbook (项目台账, 会议审议, 履约数据): reading, writing, the empty template.
- ``views``: one project, and filtered lists of projects, as the CLI and the web show them.
"""
