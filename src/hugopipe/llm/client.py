"""One way to ask a local model: the ``ollama`` client, a JSON-schema answer, a timeout.

``ask`` either returns an answer that fits the prompt's schema or raises
``ModelFailure`` whose message is the note the pipeline shows instead (the jobs
are advisory: the caller falls back to its deterministic result). The host check
(``LLMSettings.check_host``) runs before the client is even created, so a refused
host sees no request at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hugopipe.errors import FailureClass, HugopipeError
from hugopipe.llm.prompts import load_prompt
from hugopipe.llm.settings import LLMSettings, Privacy


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

    def cache_key(self) -> str:
        import hashlib

        raw = json.dumps([self.digest, self.model, self.text], ensure_ascii=False)
        return f"llm-{self.prompt}-{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


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
    try:
        with ollama.Client(host=host, timeout=settings.timeout_seconds) as client:
            if prompt.spec.api == "generate":
                gen = client.generate(
                    model=req.model,
                    prompt=req.text,
                    format=schema,
                    options=options,
                    stream=settings.stream,
                )
                pieces = gen if settings.stream else [gen]
                content = "".join(p.response or "" for p in pieces)
            else:
                chat = client.chat(
                    model=req.model,
                    messages=[{"role": "user", "content": req.text}],
                    format=schema,
                    options=options,
                    stream=settings.stream,
                )
                parts = chat if settings.stream else [chat]
                content = "".join(p.message.content or "" for p in parts)
    except httpx.TimeoutException:
        raise ModelFailure(f"{who} did not answer within {settings.timeout_seconds:g} s") from None
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


Asker = Callable[[LLMSettings, Request], dict[str, Any]]


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
) -> Consulted:
    """Ask, never raise (unless ``strict``: a delegated task's own prompt errors are the
    task's failure). No model configured for the role → no answer and no note."""
    out = Consulted(prompt=prompt_name)
    try:
        req = prepare(settings, prompt_name, values, privacy)
        if req is None:
            return out
        out.model, out.digest = req.model, req.digest
        out.answer = (asker or ask)(settings, req)
    except ModelFailure as exc:
        out.note = exc.message
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
