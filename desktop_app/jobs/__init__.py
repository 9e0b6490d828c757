"""Qt-free job model, pipeline and history, shared by the GUI and the CLI."""

from desktop_app.jobs.links import PastedLinks, extract_links
from desktop_app.jobs.model import Job, JobState, format_duration, url_stem
from desktop_app.jobs.pipeline import Policy, ServiceTimeEstimator, Stopper, run_job
from desktop_app.jobs.store import HistoryStore

__all__ = ["PastedLinks", "extract_links", "Job", "JobState", "format_duration", "url_stem",
           "Policy", "ServiceTimeEstimator", "Stopper", "run_job", "HistoryStore"]
