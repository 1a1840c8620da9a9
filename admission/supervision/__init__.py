"""Supervision (督办与考核): yearly targets and their completion, the 年考核, the projects to chase
and their lights, 督办 rounds and their replies. Read from the ledger as of a date; the rule
book's ``[supervision]`` terms set the bands, caps, deadlines and lists."""
