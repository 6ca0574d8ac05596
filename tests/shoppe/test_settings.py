"""Production settings come from the environment; a malformed value stops start-up."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start_with(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "METRICS_TOKEN"}}
    return subprocess.run([sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','shoppe.settings'); django.setup()"],
                          cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "env, complaint",
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"DATABASE_URL": "mysql//nope"}, "DATABASE_URL must be a URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be a URL"),
        ({"CHAT_MESSAGES_PER_MINUTE": "lots"}, "CHAT_MESSAGES_PER_MINUTE must be a whole number"),
        ({"DEBUG": "0"}, "SECRET_KEY must be set"),
        # #13 item 12: /metrics and the /healthz details are never open in production.
        ({"DEBUG": "0", "SECRET_KEY": "k"}, "METRICS_TOKEN must be set"),
        ({"DATABASE_URL": "postgres://shop@127.0.0.1:5432/shop", "SECRET_KEY": "k"}, "METRICS_TOKEN must be set"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": "k", "DEBUG": "1"}, "METRICS_TOKEN must be set"),
        ({"LLM_PROVIDER": "chatgpt"}, "LLM_PROVIDER must be one of gemini, openai-compatible"),
        ({"LLM_PROVIDER": "openai-compatible"}, "LLM_PROVIDER=openai-compatible needs LLM_BASE_URL"),
        ({"LLM_PROVIDER": "openai-compatible", "LLM_BASE_URL": "http://127.0.0.1:11434/v1"}, "and LLM_MODEL"),
        ({"LLM_BASE_URL": "127.0.0.1:11434"}, "LLM_BASE_URL must be a URL"),
        ({"LLM_PRICE_PER_HOUR_EUR": "cheap"}, "LLM_PRICE_PER_HOUR_EUR must be a number"),
        ({"LLM_CONCURRENT_STREAMS": "0"}, "LLM_CONCURRENT_STREAMS must be at least 1"),
        ({"GEMINI_TOTAL_TIMEOUT_S": "soon"}, "GEMINI_TOTAL_TIMEOUT_S must be a number"),
        # #17 item 8: checked when the settings are read, not at the first message's encoding.
        ({"RAG_ENCODER": "bert"}, "RAG_ENCODER must be one of use-m3, onnx-int8, onnx, torch; got 'bert'"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, plain"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_a_clear_message(env, complaint):
    result = start_with(**env)
    assert result.returncode != 0 and complaint in result.stderr


@pytest.mark.parametrize("command", [
    [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:0"],  # Channels' runserver, on daphne
    [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", "0", "shoppe.asgi:application"],  # make run
])
def test_a_bad_encoder_stops_the_server_before_it_serves(command):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}}
    result = subprocess.run(command, cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "shoppe.settings",
                                                     "RAG_ENCODER": "onnx-int9", "RAG_WARM_UP": "0"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "RAG_ENCODER must be one of use-m3, onnx-int8, onnx, torch; got 'onnx-int9'" in result.stderr


def test_reading_the_settings_creates_no_folder_and_sets_no_variable(tmp_path: Path) -> None:
    """Side effects belong to start-up (the apps' ready()), not to importing the settings (#17 item 8)."""
    data_dir = tmp_path / "fresh"
    show = ("import os, importlib; s = importlib.import_module('shoppe.settings'); "
            "print(os.path.exists(s.DATA_DIR), 'HF_HUB_OFFLINE' in os.environ, 'TRANSFORMERS_OFFLINE' in os.environ); "
            "import django; django.setup(); "
            "print(os.path.isdir(s.DATA_DIR), os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'])")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "HF_HUB_OFFLINE",
                                                              "TRANSFORMERS_OFFLINE"}}
    result = subprocess.run([sys.executable, "-c", show], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**env, "DJANGO_SETTINGS_MODULE": "shoppe.settings", "SHOPPE_DATA_DIR": str(data_dir),
                                 "SECRET_KEY": "k"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "True", "1", "1"]


def test_no_environment_means_embedded_defaults():
    result = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();from django.conf import settings as s;"
         "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'], s.CELERY_BROKER_URL, s.DEBUG)"],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
        | {"DJANGO_SETTINGS_MODULE": "shoppe.settings"}, capture_output=True, text=True, timeout=60,
    )
    # SQLite and the in-memory layer, in versions of their own that scale with threads and sockets;
    # DEBUG off, so Django's debug pages never show URL patterns or tracebacks (#13 item 16).
    assert result.stdout.split() == ["shoppe.sqlite", "shoppe.channel_layers.InMemoryChannelLayer", "memory://", "False"]


LLM_SHOW = ("import django;django.setup();from django.conf import settings as s;print(s.LLM_PROVIDER, "
            "s.LLM_TOTAL_TIMEOUT_S, s.LLM_MAX_RETRIES, s.LLM_PRICE_INPUT_PER_MTOK, s.LLM_PRICE_OUTPUT_PER_MTOK, "
            "s.CELERY_VISIBILITY_TIMEOUT_S)")


@pytest.mark.parametrize("env, shown", [
    # Gemini by default, at Gemini 2.5 Flash's prices; the GEMINI_* names deployments set before still count
    ({}, "gemini 60.0 3 0.3 2.5 150"),
    ({"GEMINI_TOTAL_TIMEOUT_S": "20", "GEMINI_MAX_RETRIES": "1", "GEMINI_PRICE_INPUT_PER_MTOK": "0.1"},
     "gemini 20.0 1 0.1 2.5 70"),
    ({"GEMINI_TOTAL_TIMEOUT_S": "20", "LLM_TOTAL_TIMEOUT_S": "40"}, "gemini 40.0 3 0.3 2.5 110"),
    # a model the shop serves: one variable switches, two say where; no token price unless the shop sets one
    ({"LLM_PROVIDER": "openai-compatible", "LLM_BASE_URL": "http://127.0.0.1:11434/v1", "LLM_MODEL": "gemma3:12b"},
     "openai-compatible 60.0 3 0.0 0.0 150"),
    ({"LLM_PROVIDER": "openai-compatible", "LLM_BASE_URL": "http://127.0.0.1:11434/v1", "LLM_MODEL": "gemma3:12b",
      "GEMINI_PRICE_INPUT_PER_MTOK": "0.3", "LLM_PRICE_OUTPUT_PER_MTOK": "0.2"},
     "openai-compatible 60.0 3 0.0 0.2 150"),
])
def test_the_llm_provider_is_one_variable_and_the_gemini_names_still_count(env, shown):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "GEMINI_", "CELERY_"))}
    result = subprocess.run([sys.executable, "-c", LLM_SHOW], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**clean, "DJANGO_SETTINGS_MODULE": "shoppe.settings", **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == shown.split()


def test_embedded_mode_keeps_its_generated_secret_key_across_restarts(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}}
    env.update(DJANGO_SETTINGS_MODULE="shoppe.settings", SHOPPE_DATA_DIR=str(tmp_path))
    show = "import django;django.setup();from django.conf import settings as s;print(s.SECRET_KEY)"
    keys = [subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=60).stdout.strip() for _ in range(2)]
    assert len(keys[0]) >= 50 and keys[0] == keys[1]
    assert keys[0] == (tmp_path / "secret_key").read_text().strip()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # this user's only


def test_production_settings_pass_the_deploy_checklist():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(DEBUG="0", SECRET_KEY="k8#Zp2!vQ9x@Lm4^Rt7&Yw1*Nc6$Hb3%Gf5(Jd0)Se8-Ua2+Io9=Pk7",
               ALLOWED_HOSTS="shop.example.test", DJANGO_SETTINGS_MODULE="shoppe.settings",
               METRICS_TOKEN="Qm9vbGVhbiBzY3JhcGVyIHRva2Vu")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


EMBEDDED_WORKER_START = """
import json, logging, time, django
django.setup()
from celery.signals import worker_ready
ready = []
worker_ready.connect(lambda **kwargs: ready.append(time.monotonic()), weak=False)
from shoppe.startup import start_embedded_worker
start_embedded_worker(concurrency=1)
returned, loggers = time.monotonic(), set(logging.root.manager.loggerDict)
time.sleep(1.5)
print(json.dumps({"ready_before_return": bool(ready) and ready[0] <= returned,
                  "loggers_created_after": sorted(set(logging.root.manager.loggerDict) - loggers)}))
"""


def test_the_embedded_worker_is_consuming_when_the_server_start_returns():
    # pytest walks the logging registry around every test; a worker still starting on its
    # thread once made that walk fail ("dictionary changed size during iteration").
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="shoppe.settings", RAG_WARM_UP="0")
    result = subprocess.run([sys.executable, "-c", EMBEDDED_WORKER_START], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    started = json.loads(result.stdout.strip().splitlines()[-1])
    assert started == {"ready_before_return": True, "loggers_created_after": []}
