"""The few exceptions that stop a run. Data problems are `Issue`s, not exceptions."""


class IntraxlError(Exception):
    """A problem that stops the command; its message is shown to the user as is."""


class MappingError(IntraxlError):
    """The mappings in `mappings/*.yaml` are invalid; one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
