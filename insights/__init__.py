"""Leaders' anonymised statistics: counts from structured assessments, never a case.

See docs/statistics.md for the privacy method: released periods are frozen, small cells
are suppressed with complementary suppression, periods coarsen when counts are small,
and calibrated noise can be switched on.
"""
