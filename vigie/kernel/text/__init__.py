"""What users read, in French (the default) or English: one catalogue of messages
(:mod:`.messages`, ``key: (fr, en)``) and one set of formats for numbers, percentages,
durations and dates (:class:`.language.Language`, on Babel). The CLI, the console and the
reports all speak through a :class:`~.language.Language`, so a figure reads the same
everywhere.
"""
