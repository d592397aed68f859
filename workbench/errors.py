"""Exceptions raised by the workbench. The CLI and the app turn them into messages."""


class WorkbenchError(Exception):
    """Base class: the message says what was wrong and what to do."""


class ConfigError(WorkbenchError):
    """A setting has a value the workbench cannot use."""


class ManifestError(WorkbenchError):
    """A metadata manifest cannot be read."""


class RejectedFile(WorkbenchError):
    """One input file cannot be ingested; the rest of the batch goes on."""


class StoreError(WorkbenchError):
    """The database cannot be opened or is not in the expected state."""


class ModelError(WorkbenchError):
    """The embedding model cannot be loaded or used."""


class NotFound(WorkbenchError):
    """A document, passage or pair id does not exist."""


class NothingToDo(WorkbenchError):
    """A stage needs the output of an earlier stage that has not run."""


class InvalidInput(WorkbenchError):
    """A value given by the user (label, name, id) is not acceptable."""
