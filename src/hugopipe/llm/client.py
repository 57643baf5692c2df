"""One way to ask a local model: the ``ollama`` client, a JSON-schema answer, a timeout.

``ask`` either returns an answer that fits the prompt's schema or raises
``ModelFailure`` whose message is the note the pipeline shows instead (the jobs
are advisory: the caller falls back to its deterministic result). The host check
(``LLMSettings.check_host``) runs before the client is even created, so a refused
host sees no request at all. A ``Budget`` bounds all of one job's requests in a run
together (``job_budget_seconds``): each request's timeout is cut to what is left of it,
and once it is used up the job asks nothing more.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pydantic import ValidationError

from hugopipe.errors import FailureClass, HugopipeError
from hugopipe.llm.prompts import load_prompt
from hugopipe.llm.settings import LLMSettings, Privacy

P = TypeVar("P")


class ModelFailure(HugopipeError):
    """The model gave no usable answer; the message is the note shown instead."""

    failure_class = FailureClass.TRANSIENT


@dataclass(frozen=True)
class Request:
    """Everything that decides an answer (the cache key is made from it) and where to send it."""

    prompt: str  # prompt name
    digest: str  # prompt file hash
    model: str
    host: str
    role: str
    text: str  # the rendered prompt
    privacy: Privacy = "any"
    #: ``time.monotonic()`` by which the answer must be complete (the job's ``Budget``);
    #: not part of the cache key: it bounds the wait, not what is answered
    deadline: float | None = None

    def cache_key(self) -> str:
        import hashlib

        raw = json.dumps([self.digest, self.model, self.text], ensure_ascii=False)
        return f"llm-{self.prompt}-{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def client_options(host: str, timeout: float | None) -> dict[str, Any]:
    """The ``ollama.Client`` (an httpx client) for ``host`` and nothing else: no proxy from
    ``HTTP(S)_PROXY`` (a local-only prompt would reach the proxy) and no redirects (the
    policy checked the first host only)."""
    return {"host": host, "timeout": timeout, "trust_env": False, "follow_redirects": False}


def prepare(
    settings: LLMSettings, prompt_name: str, values: dict[str, Any], privacy: Privacy = "any"
) -> Request | None:
    """The request for ``prompt_name`` with ``values``, or None when its role has no model.

    Raises ``PromptError`` for a bad prompt or wrong variables and ``HostRefused`` for a
    host the role (or the privacy level) may not use — both before any request."""
    prompt = load_prompt(prompt_name)
    role = settings.role(prompt.spec.role)
    model = prompt.spec.model or role.model
    if not model:
        return None
    host = settings.check_host(prompt.spec.role, role.host or "", privacy)
    return Request(
        prompt=prompt_name,
        digest=prompt.digest,
        model=model,
        host=host,
        role=prompt.spec.role,
        text=prompt.render(values),
        privacy=privacy,
    )


def ask(settings: LLMSettings, req: Request) -> dict[str, Any]:
    """The model's answer to ``req``, checked against the prompt's answer schema."""
    import httpx
    import ollama

    prompt = load_prompt(req.prompt)
    if prompt.digest != req.digest:
        raise ModelFailure(f"prompt {req.prompt} changed while the request waited; ask again")
    # the host is checked again here: a Request built for one configuration is not
    # trusted under another
    host = settings.check_host(req.role, req.host, req.privacy)
    schema = prompt.spec.answer_schema
    options = {"temperature": prompt.spec.temperature}
    who = f"local model {req.model} at {host}"
    timeout = settings.timeout_seconds
    if req.deadline is not None:
        timeout = min(timeout, req.deadline - time.monotonic())
        if timeout <= 0:
            raise ModelFailure(f"{who} was not asked: the job's time budget is used up")
    try:
        with ollama.Client(**client_options(host, timeout)) as client:
            if prompt.spec.api == "generate":
                gen = client.generate(
                    model=req.model,
                    prompt=req.text,
                    format=schema,
                    options=options,
                    stream=settings.stream,
                )
                pieces = _until(gen, req.deadline) if settings.stream else [gen]
                content = "".join(p.response or "" for p in pieces)
            else:
                chat = client.chat(
                    model=req.model,
                    messages=[{"role": "user", "content": req.text}],
                    format=schema,
                    options=options,
                    stream=settings.stream,
                )
                parts = _until(chat, req.deadline) if settings.stream else [chat]
                content = "".join(p.message.content or "" for p in parts)
    except httpx.TimeoutException:
        raise ModelFailure(f"{who} did not answer within {timeout:g} s") from None
    except ConnectionError:
        raise ModelFailure(f"{who} is not reachable (connection refused)") from None
    except ollama.ResponseError as exc:
        hint = f" — pull it: `ollama pull {req.model}`" if exc.status_code == 404 else ""
        raise ModelFailure(f"{who} answered HTTP {exc.status_code}: {exc.error}{hint}") from None
    except (httpx.HTTPError, ValueError) as exc:
        raise ModelFailure(f"{who} failed: {type(exc).__name__}: {exc}") from None
    try:
        data = json.loads(content)
    except ValueError:
        raise ModelFailure(
            f"{who} answered with text that is not JSON ({content[:60]!r})"
        ) from None
    try:
        answer = prompt.answer_model().model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "answer"
        raise ModelFailure(
            f"{who} answered JSON that does not fit prompt {req.prompt}'s schema "
            f"({where}: {first['msg']})"
        ) from None
    return answer.model_dump(mode="json")


def _until(pieces: Iterable[P], deadline: float | None) -> Iterator[P]:
    """A streamed answer's pieces, cut off (as a timeout) once ``deadline`` has passed:
    streaming bounds the wait for each piece, the budget the whole answer."""
    import httpx

    for piece in pieces:
        yield piece
        if deadline is not None and time.monotonic() > deadline:
            raise httpx.ReadTimeout("the job's time budget ran out while the answer streamed")


Asker = Callable[[LLMSettings, Request], dict[str, Any]]


@dataclass
class Budget:
    """One job's time with its model in one run, all requests together.

    Made when the job starts; every request the job sends carries its deadline
    (``Request.deadline``), so no request outlasts it, and once it is used up the job
    sends nothing more and keeps its deterministic result."""

    seconds: float
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def used_up(self) -> bool:
        return time.monotonic() >= self.deadline

    def note(self) -> str:
        return f"time budget used up ({self.seconds:g} s per job and run, job_budget_seconds)"


@dataclass
class Consulted:
    """What a job got from its model: an answer, or the note saying why there is none."""

    prompt: str
    answer: dict[str, Any] | None = None
    note: str | None = None
    model: str | None = None
    digest: str | None = None

    def record(self) -> dict[str, Any]:
        """The fields recorded with every answer (result files): which prompt, which model."""
        return {
            k: v
            for k, v in {
                "prompt": self.prompt,
                "prompt_digest": self.digest,
                "model": self.model,
                "note": self.note,
            }.items()
            if v is not None
        }


def consult(
    settings: LLMSettings,
    prompt_name: str,
    values: dict[str, Any],
    *,
    privacy: Privacy = "any",
    asker: Asker | None = None,
    strict: bool = False,
    budget: Budget | None = None,
) -> Consulted:
    """Ask, never raise (unless ``strict``: a delegated task's own prompt errors are the
    task's failure). No model configured for the role → no answer and no note. With a
    ``budget`` the request ends by its deadline, and is not sent once it is used up."""
    out = Consulted(prompt=prompt_name)
    try:
        req = prepare(settings, prompt_name, values, privacy)
        if req is None:
            return out
        out.model, out.digest = req.model, req.digest
        if budget is not None:
            if budget.used_up():
                out.note = budget.note()
                return out
            req = replace(req, deadline=budget.deadline)
        out.answer = (asker or ask)(settings, req)
    except ModelFailure as exc:
        out.note = budget.note() if budget is not None and budget.used_up() else exc.message
    except HugopipeError as exc:  # a refused host, a bad prompt
        if strict:
            raise
        where = f"{exc.location()}: " if exc.file else ""  # a bad prompt: which file, which line
        out.note = where + (f"{exc.message} ({exc.hint})" if exc.hint else exc.message)
    except Exception as exc:  # advisory: a confused model layer never blocks the pipeline
        if strict:
            raise
        out.note = f"local model not used: {type(exc).__name__}: {exc}"
    return out
