"""For the crontabs that name this file: ``python3 vok_crawler/check_day.py HEALTH [...]`` runs the check.

The check is :mod:`vok_crawler.tools.check_day` (``vok_crawler/tools/check_day.py``, beside the other
tools that read a corpus offline); this file stays where crontabs name it and, like the check, needs
nothing but Python: it runs from a plain clone, with the crawler not installed.
"""

from __future__ import annotations

import runpy
from pathlib import Path

if __name__ == "__main__":
    runpy.run_path(str(Path(__file__).resolve().with_name("tools") / "check_day.py"), run_name="__main__")
