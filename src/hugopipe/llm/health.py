"""``hugopipe doctor``'s local-model rows: does Ollama answer, which models it has, and
whether each configured role's model is there (with the ``ollama pull`` that fixes it).

Advisory rows: every local-model job falls back to its deterministic result, so a
missing Ollama is a warning, never a failed doctor.
"""

from __future__ import annotations

from typing import Any

from hugopipe.errors import HugopipeError
from hugopipe.llm.settings import (
    ROLES,
    VARIABLE,
    LLMSettings,
    every_interface,
    host_kind,
    normalise_host,
)

#: the model ``doctor`` suggests pulling when none is configured (README: Local models)
SUGGESTED_MODEL = "llama3.2:3b"


def _tagged(model: str) -> str:
    return model if ":" in model else f"{model}:latest"


def ollama_checks(
    variable: Any = None, timeout: float = 3.0, note: str | None = None
) -> list[dict[str, Any]]:
    """Rows of ``{name, ok, detail, fix}``; ``variable`` is the ``hugopipe_llm`` value or None;
    ``note`` says why the variable was not read (the Prefect API did not answer)."""
    suffix = f" ({note})" if note else ""
    try:
        settings = LLMSettings.load(variable)
    except HugopipeError as exc:
        return [
            {
                "name": "ollama",
                "ok": False,
                "detail": exc.message + suffix,
                "fix": exc.hint or f"fix the {VARIABLE} variable (README: Local models)",
            }
        ]
    configured = {r: settings.role(r) for r in ROLES if settings.role(r).model}
    if not configured:
        return [_unconfigured(settings, timeout, suffix)]
    rows: list[dict[str, Any]] = []
    hosts: dict[str, set[str] | None] = {}
    for role, rs in configured.items():
        try:
            host = settings.check_host(role, rs.host or "")
        except HugopipeError as exc:
            rows.append(
                {
                    "name": f"ollama {role}",
                    "ok": False,
                    "detail": exc.message,
                    "fix": exc.hint or "",
                }
            )
            continue
        if host not in hosts:
            hosts[host] = _models(host, timeout)
            have = hosts[host]
            rows.append(
                {
                    "name": "ollama",
                    "ok": have is not None,
                    "detail": f"{host}{_this_machine(rs.host or '')}: "
                    + (
                        f"{len(have)} models ({', '.join(sorted(have)[:6])})"
                        if have is not None
                        else "not answering"
                    )
                    + f"; waits {settings.timeout_seconds:g} s per request, "
                    f"{settings.job_budget_seconds:g} s per job and run",
                    "fix": ""
                    if have is not None
                    else "install and start Ollama (https://ollama.com/download): `ollama serve`",
                }
            )
        have = hosts[host]
        model = str(rs.model)
        present = have is not None and _tagged(model) in have
        rows.append(
            {
                "name": f"ollama {role}",
                "ok": present,
                "detail": f"{model} "
                + (
                    "present"
                    if present
                    else "missing"
                    if have is not None
                    else "(Ollama not answering)"
                ),
                "fix": "" if present else f"`ollama pull {model}`",
            }
        )
    return rows


def _this_machine(written: str) -> str:
    """Said beside a host written as ``0.0.0.0`` or ``::`` (the server's "every interface"),
    which the rows show as the loopback address requests go to."""
    return f" (from {written.strip()}: this machine)" if every_interface(written) else ""


def _unconfigured(settings: LLMSettings, timeout: float, suffix: str) -> dict[str, Any]:
    """No model configured: still say whether Ollama answers at the host a model would use,
    so the next step is the right one (start it, pull a model, or only configure one)."""
    url = normalise_host(settings.host)
    host = url + _this_machine(settings.host)
    rules = "no local model configured: reviews and explanations use rules only"
    configure = f"set HUGOPIPE_OLLAMA_MODEL or the {VARIABLE} variable (README: Local models)"
    if host_kind(url, settings.private_networks) == "remote":  # no consent to contact it
        return {
            "name": "ollama",
            "ok": True,
            "detail": f"{rules}; {host} not probed (not this machine){suffix}",
            "fix": f"optional: {configure}",
        }
    have = _models(url, timeout)
    if have is None:
        return {
            "name": "ollama",
            "ok": False,
            "detail": f"{rules}; Ollama at {host} not answering{suffix}",
            "fix": "optional: install and start Ollama (https://ollama.com/download): "
            f"`ollama serve`, then `ollama pull {SUGGESTED_MODEL}`, then {configure}",
        }
    pull = "" if have else f"`ollama pull {SUGGESTED_MODEL}`, then "
    return {
        "name": "ollama",
        "ok": True,
        "detail": f"{rules}; Ollama at {host} answers with {len(have)} models{suffix}",
        "fix": f"optional: {pull}{configure}",
    }


def _models(host: str, timeout: float) -> set[str] | None:
    try:
        import ollama

        from hugopipe.llm.client import client_options

        with ollama.Client(**client_options(host, timeout)) as client:
            return {_tagged(m.model or "") for m in client.list().models}
    except Exception:  # not answering, or not Ollama: the row says so
        return None
