"""The 通报: the annual 过会项目总体情况通报 and the monthly 月通报, computed from the ledger alone.

- ``annual`` and ``monthly``: the figures, as the reports contract defines them (the JSON).
- ``outputs``: the paragraph, tables, charts (matplotlib, vector), workbook and PDF of them.
"""
