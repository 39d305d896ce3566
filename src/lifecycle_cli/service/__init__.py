"""The use cases, one module each: what a verb does, between the options the CLI parsed and the
output render/ prints.

Every function takes the engine, the rules, the store's `today` (computed once from the clock in
`cli/common.py`; nothing below the CLI reads the clock) and its options, and returns plain data.
A date an option names for looking at another day is `day`. Long work reports through `steps`.
Errors are raised as `errors.py` classes; the CLI's root group turns them into exit codes.
"""
