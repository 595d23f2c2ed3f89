"""The lessons of the scenario library, as a teacher presents them.

Each lesson is a pair of shipped scenarios that differ only in the lever it is
about (a single-scenario lesson is compared with ``baseline``), a short
explanation of the mechanism, the question to ask the class before pressing
Run, and the KPI to look at first. Only lessons whose scenario files exist
are listed, so the page works while the library is still being written.
"""

from __future__ import annotations

# the registry lives outside the UI so the experiments and docs use the same lessons
from cxsim.lessons import LESSONS, Lesson, available_lessons, missing_lessons

__all__ = ["LESSONS", "Lesson", "available_lessons", "missing_lessons"]
