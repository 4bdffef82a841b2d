"""A local server that answers like the real APIs, for tests, the demo and the benchmarks.

Each upstream has a module here named after its source (``smard.py``, ``tibber.py``, ...) with a function
``handle(request: ReplayRequest) -> ReplayResponse``. The server routes ``/<source>/<rest>`` to it, so the
Airflow connection ``smard`` with host ``http://127.0.0.1:8765/smard/app`` reaches the SMARD handler with path
``/app/...``, exactly as ``https://www.smard.de/app/...`` would.

Handlers serve a recorded real payload from the fixtures folder when one matches the request, and otherwise a
deterministic synthetic payload in the API's real format (marked with the header ``X-Gridcarbon-Synthetic``).
"""

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response

__all__ = ["ReplayRequest", "ReplayResponse", "json_response"]
