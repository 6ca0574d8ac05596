"""A load run against the chat socket: many customers at once, every reply timed and checked.

`python -m tools.chat_load --url ws://127.0.0.1:8000/ws/chat/ --connections 500 --rate 100 --duration 60`
opens the connections, sends routine questions at a steady rate (each connection waits
for its reply before it asks again), and times each one from send to `reply.end`.
Afterwards it checks in the database that every message it sent was saved exactly
once and answered exactly once, and it reports the server's CPU and memory
(`--server-pid`, the process and its children). `--idle N` holds N more connections
that send nothing, and checks at the end that each still answers a ping.

It only talks to loopback addresses and is bounded in connections, rate and time, so
it cannot be turned on someone else's server by mistake; it deletes only the
conversations it can prove are its own (`tools.load.database`).

    plan.py      what a run is asked to do, and the report of what it found
    customer.py  one simulated customer's socket
    run.py       the run: open, send steadily, drain, read the server (sampler.py)
    database.py  the check in the database, and removing the run's own conversations
    servers.py   `--serve N`: daphne processes (and a worker) of its own
"""
from tools.load.database import load_check_database, load_conversations_remove
from tools.load.plan import LoadPlan, LoadReport, Question
from tools.load.run import load_run, load_run_async
from tools.load.servers import servers_started

__all__ = ["LoadPlan", "LoadReport", "Question", "load_check_database", "load_conversations_remove", "load_run",
           "load_run_async", "servers_started"]
