"""履约 monitoring: each passed project against its land contract and commitments, as of a date.

- ``findings``: the pure computation (facts in, findings with amounts out).
- ``ledger``: gathering the facts from the ledger, finding statuses (notified, paid, waived,
  disputed) recorded as ledger events, and the report the CLI, workbook and PDF show.
"""
