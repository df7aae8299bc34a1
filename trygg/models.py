"""Import every model module so the metadata (and Alembic) sees all tables."""

from __future__ import annotations

import accounts.models
import casework.directory  # local referral entries
import casework.models
import casework.workflow_models  # issue 12: notices, meetings, tasks
import exercise.models
import insights.models
import prevention.models
import trygg.jobs  # the daily jobs' record of days done

__all__ = ["accounts", "casework", "exercise", "insights", "prevention", "trygg"]
