"""Either provider's fake, and the settings or environment that point the shop at it.

One parametrised suite drives both escalation providers: a test asks for the `llm`
fixture (tests/support/test_escalation.py) or a production stack's `provider_env`, and
scripts the fake with the same `Reply` objects whichever provider it is.
"""
from __future__ import annotations

from typing import Any

from tests.fakes.gemini import FakeGemini, Reply
from tests.fakes.openai_compatible import FakeOpenAICompatible

PROVIDERS = ("gemini", "openai-compatible")
# What each provider's EscalationLog rows name as the model.
MODELS = {"gemini": "gemini-2.5-flash", "openai-compatible": "gemma3:12b-it-qat"}
API_KEY = "test-key"


def fake_for(provider: str, *, default: Reply | None = None) -> FakeGemini:
    """A fake server speaking `provider`'s protocol (not started); `default` answers unscripted requests."""
    server = (FakeGemini if provider == "gemini" else FakeOpenAICompatible)(default=default)
    server.provider, server.model = provider, MODELS[provider]  # type: ignore[attr-defined]
    return server


def provider_settings(provider: str, server: FakeGemini) -> dict[str, Any]:
    """Django settings that send escalations to `server` (the same names as the environment variables)."""
    if provider == "gemini":
        return {"LLM_PROVIDER": "gemini", "GEMINI_API_KEY": API_KEY, "GEMINI_BASE_URL": server.base_url}
    return {"LLM_PROVIDER": "openai-compatible", "LLM_BASE_URL": f"{server.base_url}/v1",
            "LLM_MODEL": MODELS[provider], "LLM_API_KEY": API_KEY}


def provider_env(provider: str, server: FakeGemini) -> dict[str, str]:
    """The same, as a process's environment: switching the provider is LLM_PROVIDER and where its server is."""
    return {name: str(value) for name, value in provider_settings(provider, server).items()}
