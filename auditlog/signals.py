"""The hooks the audit core offers the floors above it (docs/architecture.md)."""

from django.dispatch import Signal

# A scheduled job failed, was retried, failed again and is now marked alarmed. Sent inside the
# transaction that marks the run, with `run` (the JobRun), `alarm` (`auditlog.jobs.Alarm`:
# whom to tell, what to say) and `now`. The notices app writes the notices (inquiries/apps.py);
# a receiver that raises rolls the alarm back and the run stays failed.
job_alarmed = Signal()
