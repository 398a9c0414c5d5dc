"""The few exceptions that stop a run. Data problems are `Issue`s, not exceptions."""


class IntraxlError(Exception):
    """A problem that stops the command; its message is shown to the user as is."""


class ProblemsError(IntraxlError):
    """A stop with several problems to show, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class MappingError(ProblemsError):
    """The mappings in `mappings/*.yaml` are invalid; one line per problem."""


class UnreadableMasterError(IntraxlError):
    """A master workbook that cannot be read; its message names it and why, and each command
    adds its own advice."""


class MasterChangedError(ProblemsError):
    """The master was changed by hand since intraxl wrote it, so it was not replaced."""
