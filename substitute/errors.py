"""One error tree, rooted at :class:`SubstituteError`.

::

    SubstituteError
    ├── ConfigError              settings or a mapping file are wrong
    ├── DataError                input data cannot be used as given
    │   ├── MappingError         a column mapping does not fit the file
    │   └── BatchRejected        too many rejected rows: the batch was not activated
    ├── NotFound                 an id (SKU, store, customer, run) is unknown
    ├── StorageError             the database is unreachable or not migrated
    └── ArtifactError            a model artifact is missing, corrupt or foreign

Every message says what to do about it.
"""

from __future__ import annotations


class SubstituteError(Exception):
    """Root of every error this package raises on purpose."""

    #: HTTP status the API renders this error with.
    status = 500


class ConfigError(SubstituteError):
    status = 500


class DataError(SubstituteError):
    status = 400


class MappingError(DataError):
    pass


class BatchRejected(DataError):
    """Raised when a batch has more rejected rows than the configured share."""

    def __init__(self, message: str, summary: object | None = None) -> None:
        super().__init__(message)
        self.summary = summary


class NotFound(SubstituteError):
    status = 404


class StorageError(SubstituteError):
    status = 503


class ArtifactError(SubstituteError):
    status = 503
