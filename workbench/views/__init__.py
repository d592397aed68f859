"""Read models shared by the CLI, the app and the reports.

Pair evidence, the review queue, passage search, the overview, agreement, highlighting and
JSON records. They read through the store and never write.
"""
