"""Domain errors. The library raises these; only the edges (CLI, app) word them for people."""


class BotError(Exception):
    """Base class for errors a front end should turn into a clear message."""


class CorpusError(BotError):
    """A corpus file is malformed. The message names the file and the field."""

    def __init__(self, path: str, field: str, problem: str):
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: field '{field}': {problem}")


class StoreUnavailable(BotError):
    """The vector store is missing, empty or unreachable."""


class InputError(BotError):
    """A message that cannot be processed as given (empty, too long)."""


class PromptMissing(BotError):
    """A fixed text file under prompts/ is missing: fail loudly at start-up."""
