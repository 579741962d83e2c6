"""The burst worker tests run jobs with: RQ's `SimpleWorker` (every job in this process) that quits as
promptly as the portal's own worker does, instead of waiting up to a minute for its command listener."""

from rq import SimpleWorker

from portal.worker import PromptToQuit


class InProcessWorker(PromptToQuit, SimpleWorker):
    """Runs each job in the test's own process."""
