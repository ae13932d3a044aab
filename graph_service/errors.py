"""Domain errors. Each carries a reason in Chinese and English that a clerk can act on."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the service reports to a person."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    @property
    def reason(self) -> str:
        """The bilingual reason, as written to a rejects file or a problem response."""
        return f"{self.zh} / {self.en}"


class InvalidIdentifier(DomainError, ValueError):
    """A USCC, resident ID number or region code that fails its standard."""


class InvalidParameter(DomainError, ValueError):
    """A query parameter or body field out of its range or form (a draw record that is not
    one)."""


class NotFound(DomainError, LookupError):
    """A subject the store does not hold."""


class Conflict(DomainError):
    """The request clashes with the current state (a record's status, a key's owner)."""


class ServiceUnavailable(DomainError):
    """Something the service needs is missing or down (a renderer, a system library)."""


class StoreUnavailable(DomainError):
    """The configured store cannot be reached or opened."""


class RequestTimeout(DomainError):
    """The request (or a store query it made) took longer than ``GRAPH_REQUEST_TIMEOUT``."""


class ConfigError(DomainError):
    """The service is configured in a way it refuses to run with."""


class ResultMissing(Conflict):
    """A nationwide answer whose job has not run for that date (the reason says how to run
    it): the API pages stored results and never runs a nationwide pass in a request."""
