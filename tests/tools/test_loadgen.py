"""`make ops-scale` (`python -m tools.ops_scale`): synthetic traffic written with set-based SQL, on a PostgreSQL
database of its own."""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

from support.llm.pricing import call_cost
from tests.production_stack import PG_HOST, PG_PORT, REPO, create_database, drop_database, require_postgres


def test_ops_scale_writes_escalation_logs_that_fit_the_current_schema(tmp_path):
    # given a migrated PostgreSQL database (the raw INSERTs must name every column without a default)
    require_postgres()
    dbname = create_database("shoppe_loadgen")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="shoppe.settings", SECRET_KEY="test", DEBUG="1", SHOPPE_DATA_DIR=str(tmp_path),
               DATABASE_URL=f"postgres://postgres@{PG_HOST}:{PG_PORT}/{dbname}", RAG_WARM_UP="0",
               METRICS_TOKEN="test-metrics-token")
    try:
        manage = [sys.executable, "manage.py"]
        migrated = subprocess.run([*manage, "migrate", "-v", "0"], cwd=REPO, env=env, capture_output=True, text=True,
                                  timeout=180)
        assert migrated.returncode == 0, migrated.stderr
        # when a small run writes its traffic and times the ops pages once
        done = subprocess.run([sys.executable, "-m", "tools.ops_scale", "--messages", "400", "--escalations", "40", "--repeat", "1"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
        # then it succeeds, and its escalations are Gemini's, as the numbers it writes are
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        assert "escalation logs" in done.stdout
        import psycopg

        with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{dbname}") as conn:
            rows = conn.execute("SELECT provider, model, count(*) FROM support_escalationlog GROUP BY 1, 2").fetchall()
            costs = conn.execute("SELECT input_tokens, output_tokens, latency_ms, cost_eur FROM support_escalationlog"
                                 ).fetchall()
        assert len(rows) == 1 and rows[0][:2] == ("gemini", "gemini-2.5-flash") and rows[0][2] > 0, rows
        # and each costs what its tokens cost at the configured prices, each with tokens of its own
        for input_tokens, output_tokens, latency_ms, cost_eur in costs:
            expected = call_cost(input_tokens=input_tokens, output_tokens=output_tokens, seconds=latency_ms / 1000)
            # the column keeps micro-euros: within half of one (a tie rounds either way in floating point)
            assert abs(cost_eur - expected) <= Decimal("0.0000005"), (input_tokens, output_tokens, cost_eur, expected)
        assert len({(i, o) for i, o, _, _ in costs}) > 1, costs
    finally:
        drop_database(dbname)
