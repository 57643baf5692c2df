"""Which model answers for each role, where it runs, and whether a request may go there.

The configuration is one JSON value, the Prefect variable ``hugopipe_llm`` (the task
layer reads it; ``doctor`` reads it over the REST API), so a model can be switched in
the UI without restarting a worker. Without it, ``HUGOPIPE_OLLAMA_MODEL`` names the
model of every role and ``OLLAMA_HOST`` the host (the older switches still work).
No model configured means every job gives its deterministic result.

Local only by default: a request goes to a loopback host or to an address inside one
of ``private_networks``; any other host needs ``allow_remote: true`` on that role, and
a ``local-only`` request goes to loopback or nowhere. The check is on the host as
written — no DNS lookup is made before it, so a name cannot smuggle a request out.
``0.0.0.0`` and ``::`` (how Ollama's *server* is told to listen on every interface, so
``OLLAMA_HOST`` often holds them) mean this machine to a client, as they do to the
``ollama`` command: they are loopback, and requests go to ``127.0.0.1`` / ``::1``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hugopipe.errors import FailureClass, HugopipeError

VARIABLE = "hugopipe_llm"
Role = Literal["summarizer", "reviewer", "explainer", "worker"]
ROLES: tuple[Role, ...] = ("summarizer", "reviewer", "explainer", "worker")
Privacy = Literal["local-only", "private", "any"]
DEFAULT_HOST = "http://127.0.0.1:11434"


class HostRefused(HugopipeError):
    """A request that would leave the machine (or the private network) without consent."""

    failure_class = FailureClass.CONFIGURATION


class SettingsError(HugopipeError, ValueError):
    """The ``hugopipe_llm`` variable or the environment's switches do not make settings
    (a ``ValueError`` too, as pydantic's own errors are)."""

    failure_class = FailureClass.CONFIGURATION


def _valid_host(value: str | None) -> str | None:
    if value is not None:
        normalise_host(value)  # raises ValueError with what is wrong
    return value


class RoleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    host: str | None = None
    #: consent for this role's requests to go to a host that is neither loopback nor private
    allow_remote: bool = False

    _host = field_validator("host")(_valid_host)


class LLMSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = DEFAULT_HOST
    #: the model of every role that does not name its own
    model: str | None = None
    timeout_seconds: float = Field(60.0, gt=0, le=3600)
    #: stream answers: the timeout then bounds the wait for each piece, not the whole answer
    stream: bool = False
    #: addresses (CIDR) that count as this machine's private network, e.g. ``192.168.1.0/24``
    private_networks: list[str] = Field(default_factory=list)

    @field_validator("private_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for n in value:
            try:
                ipaddress.ip_network(n, strict=False)
            except ValueError:
                raise ValueError(f"{n!r} is not a network (CIDR such as 192.168.1.0/24)") from None
        return value

    roles: dict[Role, RoleSettings] = Field(default_factory=dict)
    #: pages the review scores below this (1–5) are warnings in the approval form
    review_min_score: int = Field(3, ge=1, le=5)
    #: at most this many changed pages go to the model per run (the rules check all)
    review_max_pages: int = Field(20, ge=0)
    #: the rules call a page with fewer words than this very short
    review_min_words: int = Field(40, ge=0)
    #: the most one job (review, summary, explanation) waits for the model in one run, all
    #: requests together: a slow model on many pages delays a publish by this, not by
    #: pages × ``timeout_seconds``; what is left unasked gets the deterministic result
    job_budget_seconds: float = Field(120.0, gt=0, le=86400)

    _host = field_validator("host")(_valid_host)

    @classmethod
    def load(cls, variable: Any = None) -> LLMSettings:
        """From the Prefect variable's value (a dict or JSON text), else the environment;
        ``SettingsError`` (one line: where, which field, what to write) when invalid."""
        source = f"the {VARIABLE} variable"
        try:
            if isinstance(variable, str) and variable.strip():
                return cls.model_validate_json(variable)
            if isinstance(variable, dict):
                return cls.model_validate(variable)
            source = "OLLAMA_HOST / HUGOPIPE_OLLAMA_MODEL"
            return cls(
                host=os.environ.get("OLLAMA_HOST") or DEFAULT_HOST,
                model=os.environ.get("HUGOPIPE_OLLAMA_MODEL") or None,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"])) or "value"
            msg = str(first["msg"]).removeprefix("Value error, ")
            raise SettingsError(
                f"{source} is not valid: {where}: {msg}",
                hint="a host is host[:port] or a URL, e.g. 127.0.0.1:11434 or "
                "http://192.168.1.20:11434 (docs/local-models.md)",
            ) from None

    def role(self, role: str) -> RoleSettings:
        own = self.roles.get(role, RoleSettings())  # type: ignore[call-overload]
        return RoleSettings(
            model=own.model or self.model,
            host=own.host or self.host,
            allow_remote=own.allow_remote,
        )

    def models(self) -> dict[str, str | None]:
        return {r: self.role(r).model for r in ROLES}

    def check_host(self, role: str, host: str, privacy: Privacy = "any") -> str:
        """The host, normalised, if ``role`` may send a request there; ``HostRefused`` if not."""
        url = normalise_host(host)
        where = host_kind(url, self.private_networks)
        if privacy == "local-only" and where != "loopback":
            raise HostRefused(
                f"a local-only request is never sent to {url} (not this machine)",
                hint="run Ollama on this machine (OLLAMA_HOST=127.0.0.1:11434) for local-only work",
            )
        if privacy == "private" and where == "remote":
            raise HostRefused(
                f"a private request is never sent to {url} (outside the private networks)",
                hint="add the host's network to private_networks in the hugopipe_llm variable",
            )
        if where == "remote" and not self.role(role).allow_remote:
            raise HostRefused(
                f"{url} is not this machine or a configured private network, and role "
                f"{role!r} has no consent to send prompts there",
                hint=f'set roles.{role}.allow_remote: true in the "{VARIABLE}" variable '
                "if that is intended",
            )
        return url


#: "every interface" addresses a client reaches as this machine (``OLLAMA_HOST=0.0.0.0``)
_UNSPECIFIED = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def normalise_host(host: str) -> str:
    """``host[:port]`` or a URL → ``scheme://host:port`` (Ollama's defaults: http, 11434).

    A bare IPv6 address (``::1``) is a host without a port, and ``0.0.0.0`` / ``::``
    become ``127.0.0.1`` / ``::1``: a client connecting to them reaches this machine
    (which is why the ``ollama`` command works with the server's own ``OLLAMA_HOST``),
    and the URL then says where requests go."""
    scheme, name, port = _split(host)
    name = _UNSPECIFIED.get(name, name)
    shown = f"[{name}]" if ":" in name else name
    return f"{scheme}://{shown}:{port}"


def every_interface(host: str) -> bool:
    """Whether ``host`` is written as ``0.0.0.0`` or ``::`` (a server's "listen on every
    interface"), so ``doctor`` can say it was taken as this machine."""
    try:
        return _split(host)[1] in _UNSPECIFIED
    except ValueError:
        return False


def _split(host: str) -> tuple[str, str, int]:
    """(scheme, host name or canonical IP address, port); ValueError saying what is wrong."""
    text = host.strip() or DEFAULT_HOST
    explicit = "://" in text
    if not explicit and text.count(":") > 1 and not text.startswith("["):
        with contextlib.suppress(ValueError):  # not an address: urllib below says what is wrong
            text = f"[{ipaddress.IPv6Address(text)}]"  # "::" or "::1": not host:port
    try:
        parts = urlsplit(text if explicit else "http://" + text)
        port = parts.port or (({"https": 443}.get(parts.scheme, 80)) if explicit else 11434)
    except ValueError:  # urllib: "Port could not be cast to integer value as 'abc'"
        raise ValueError(
            f"{host!r} is not a host: write host[:port] with a numeric port, or a URL"
        ) from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{host!r} is not a host: the URL scheme must be http or https")
    return parts.scheme, _canonical(parts.hostname or "127.0.0.1"), port


def _canonical(name: str) -> str:
    """An IP address in its one spelling (``0:0::0`` → ``::``); a name as it is."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def host_kind(url: str, private_networks: list[str]) -> Literal["loopback", "private", "remote"]:
    name = urlsplit(url).hostname or ""
    if name == "localhost":
        return "loopback"
    try:
        addr = ipaddress.ip_address(name)
    except ValueError:
        return "remote"  # a name: not resolved here, so not trusted
    mapped = getattr(addr, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
    if addr.is_loopback or addr.is_unspecified or (mapped is not None and mapped.is_loopback):
        return "loopback"
    if any(addr in ipaddress.ip_network(n, strict=False) for n in private_networks):
        return "private"
    return "remote"
