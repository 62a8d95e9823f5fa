"""Errors that services raise and every interface (page, API, CLI) turns into a clear message.

A service raises before it changes anything, or inside its transaction so that the whole
operation rolls back: bad input never leaves half a change behind.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": str(self.message)}


class BusinessError(Exception):
    """A request the business rules refuse. `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, *, field: str = "", rule: str = "invalid"):
        super().__init__(str(message))
        self.message = str(message)
        self.errors = [FieldError(field or "__all__", rule, str(message))]


class InvalidInput(BusinessError):
    """One or more fields break a rule. Each error names its field and rule."""

    status = 422

    def __init__(self, errors: list[FieldError]):
        if not errors:
            raise ValueError("InvalidInput needs at least one FieldError")
        Exception.__init__(self, "; ".join(f"{e.field}: {e.message}" for e in errors))
        self.message = str(self)
        self.errors = list(errors)

    @classmethod
    def single(cls, field: str, rule: str, message: str) -> "InvalidInput":
        return cls([FieldError(field, rule, str(message))])


class Conflict(BusinessError):
    """The object's state forbids the action (e.g. editing an issued invoice)."""

    status = 409
