"""Typed pandas DataFrames built from raw API objects; schema.py names every column.

`pull(source)` lists every kind concurrently and decodes each page straight into column lists
(msgspec structs that declare only the fields a frame needs), giving a `Frames` bundle. Importing
this package registers the ``df.k8s`` accessor.
"""

from workbench.frames import _accessor, schema
from workbench.frames._bundle import Frames
from workbench.frames._log_tails import logs_worth_reading, with_log_tails
from workbench.frames._logs import logs_frame
from workbench.frames._pull import pull
from workbench.frames.schema import validate

del _accessor  # imported for its side effect: registering the df.k8s accessor

__all__ = ["Frames", "logs_frame", "logs_worth_reading", "pull", "schema", "validate", "with_log_tails"]
