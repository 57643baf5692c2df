"""Local only by default: a host that is not this machine (or a configured private network)
is refused before any request, unless its role opts in; ``local-only`` never leaves."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from hugopipe.llm.client import consult
from hugopipe.llm.delegate import run_delegated
from hugopipe.llm.settings import HostRefused, LLMSettings, host_kind, normalise_host
from tests.llm.fake_ollama import FakeOllama


@pytest.mark.parametrize(
    ("given", "url", "kind"),
    [
        ("", "http://127.0.0.1:11434", "loopback"),
        ("localhost", "http://localhost:11434", "loopback"),
        ("127.0.0.1:9999", "http://127.0.0.1:9999", "loopback"),
        ("http://[::1]:11434", "http://[::1]:11434", "loopback"),
        ("192.168.1.20", "http://192.168.1.20:11434", "private"),
        ("https://ollama.example.com", "https://ollama.example.com:443", "remote"),
        (
            "10.0.0.5:11434",
            "http://10.0.0.5:11434",
            "remote",
        ),  # private in RFC 1918, not configured
        ("127.0.0.1.nip.io", "http://127.0.0.1.nip.io:11434", "remote"),  # a name is never trusted
    ],
)
def test_hosts_are_judged_as_written(given: str, url: str, kind: str) -> None:
    assert normalise_host(given) == url
    assert host_kind(url, ["192.168.1.0/24"]) == kind


def _outside_address() -> str:
    """This machine's address on its outbound interface (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            addr = s.getsockname()[0]
        except OSError:
            addr = ""
    if not addr or addr.startswith("127."):
        pytest.skip("this machine has no non-loopback IPv4 address to stand in for a remote host")
    return addr


@pytest.fixture
def remote() -> Iterator[tuple[FakeOllama, str]]:
    """The fake Ollama reachable on a non-loopback address of this machine."""
    addr = _outside_address()
    fake = FakeOllama(host="0.0.0.0")
    yield fake, f"http://{addr}:{fake.port}"
    fake.stop()


def _settings(host: str, **role: object) -> LLMSettings:
    return LLMSettings.model_validate(
        {"host": host, "model": "llama3.2:3b", "timeout_seconds": 5, "roles": {"worker": role}}
    )


VALUES = {"log": "04:00 SlowDown", "categories": "retry, normal"}


def test_a_remote_host_without_opt_in_is_refused_before_any_request(
    remote: tuple[FakeOllama, str],
) -> None:
    fake, url = remote
    refused = consult(_settings(url), "classify_log", VALUES)
    assert refused.answer is None and "no consent" in (refused.note or "")
    assert "roles.worker.allow_remote" in (refused.note or "")
    assert fake.calls() == []
    # the same host with the role's consent is reached: the refusal was the policy, not the network
    allowed = consult(_settings(url, allow_remote=True), "classify_log", VALUES)
    assert allowed.answer is not None and len(fake.calls("/api/generate")) == 1


def test_local_only_never_leaves_the_machine_even_with_consent(
    remote: tuple[FakeOllama, str],
) -> None:
    fake, url = remote
    addr = url.split("//")[1].rsplit(":", 1)[0]
    s = _settings(url, allow_remote=True).model_copy(update={"private_networks": [f"{addr}/32"]})
    result = run_delegated(s, "t", "classify_log", VALUES, "local-only")
    assert result.status == "failed" and result.failure_class == "configuration"
    assert "local-only request is never sent" in result.outputs["note"]
    private = run_delegated(s, "t", "classify_log", VALUES, "private")
    assert private.status == "success"  # a configured private network is fine for `private`
    assert len(fake.calls()) == 1


def test_local_only_uses_loopback(ollama: FakeOllama) -> None:
    result = run_delegated(_settings(ollama.url), "t", "classify_log", VALUES, "local-only")
    assert result.status == "success" and len(ollama.calls()) == 1


def test_check_host_is_the_one_gate() -> None:
    s = _settings("https://ollama.example.com")
    with pytest.raises(HostRefused):
        s.check_host("worker", "https://ollama.example.com")
    with pytest.raises(HostRefused):
        s.check_host("worker", "http://127.0.0.1:1", privacy="local-only") and s.check_host(
            "worker", "10.1.1.1", privacy="local-only"
        )
    assert s.check_host("reviewer", "localhost:1234") == "http://localhost:1234"


def test_environment_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGOPIPE_OLLAMA_MODEL", "qwen2.5:1.5b")
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:5555")
    s = LLMSettings.load(None)
    assert s.models() == dict.fromkeys(
        ("summarizer", "reviewer", "explainer", "worker"), "qwen2.5:1.5b"
    )
    assert s.role("reviewer").host == "127.0.0.1:5555"
    v = LLMSettings.load({"model": "a", "roles": {"reviewer": {"model": "b"}}})
    assert v.role("reviewer").model == "b" and v.role("worker").model == "a"


# How people write "this machine" when the Ollama *server* listens on every interface
# (OLLAMA_HOST=0.0.0.0): a client reaches this machine through it, as the ollama command does.
@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("0.0.0.0:11434", "http://127.0.0.1:11434"),
        (" 0.0.0.0:8080 ", "http://127.0.0.1:8080"),
        ("http://0.0.0.0", "http://127.0.0.1:80"),
        ("https://0.0.0.0:11434", "https://127.0.0.1:11434"),
        ("::", "http://[::1]:11434"),
        ("[::]", "http://[::1]:11434"),
        ("[::]:11434", "http://[::1]:11434"),
        ("http://[::]:8080", "http://[::1]:8080"),
        ("http://[0:0:0:0:0:0:0:0]:8080", "http://[::1]:8080"),
        ("::1", "http://[::1]:11434"),
        ("[::ffff:127.0.0.1]:11434", "http://[::ffff:7f00:1]:11434"),
    ],
)
def test_every_interface_is_this_machine(given: str, url: str) -> None:
    assert normalise_host(given) == url
    assert host_kind(url, []) == "loopback"
    assert _settings(given).check_host("worker", given, privacy="local-only") == url


def test_every_interface_urls_are_loopback_as_written() -> None:
    for url in ("http://0.0.0.0:11434", "http://[::]:11434", "http://[0::0]:1"):
        assert host_kind(url, []) == "loopback", url


@pytest.mark.parametrize(
    "given",
    ["0.0.0.1", "0", "0.0.0.0.nip.io", "http://[::2]:11434", "[::ffff:10.0.0.1]", "1.0.0.0"],
)
def test_look_alikes_of_every_interface_are_still_refused(given: str) -> None:
    assert host_kind(normalise_host(given), []) == "remote"
    with pytest.raises(HostRefused):
        _settings(given).check_host("worker", given)


def test_ollama_host_0000_reaches_the_local_server(
    ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The common set-up: the server's OLLAMA_HOST=0.0.0.0 exported in the same shell."""
    monkeypatch.setenv("OLLAMA_HOST", f"0.0.0.0:{ollama.port}")
    monkeypatch.setenv("HUGOPIPE_OLLAMA_MODEL", "llama3.2:3b")
    result = run_delegated(LLMSettings.load, "t", "classify_log", VALUES, "local-only")
    assert result.status == "success", result.outputs
    assert len(ollama.calls("/api/generate")) == 1


def test_a_proxy_in_the_environment_is_never_used(
    ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ollama client is an httpx client, which reads HTTP(S)_PROXY: a local-only prompt
    would go to the proxy (off the machine, with a real one). hugopipe's client does not."""
    proxy = FakeOllama()  # stands in for a proxy: it records whatever reaches it
    try:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        result = run_delegated(_settings(ollama.url), "t", "classify_log", VALUES, "local-only")
        assert result.status == "success"
        assert len(ollama.calls()) == 1 and proxy.calls() == []
    finally:
        proxy.stop()


def test_a_private_network_that_is_not_one_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="'nonsense' is not a network"):
        LLMSettings.model_validate({"private_networks": ["192.168.1.0/24", "nonsense"]})
