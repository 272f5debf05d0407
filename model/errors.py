"""The one exception type for bad user input (files, shapes, token ids, options).

The CLI turns a ``ModelError`` into a single ``error: ...`` line on stderr and a non-zero exit;
anything else escaping is a bug in the project, not in the input.
"""


class ModelError(ValueError):
    """Input that the reference cannot accept: the message is shown to the user as it is."""
