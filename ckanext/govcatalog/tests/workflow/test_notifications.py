"""Workflow e-mail goes through a real job queue (Redis) to a real SMTP server on 127.0.0.1."""
from __future__ import annotations

import email
import email.header
import email.utils
import threading
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller

import ckan.lib.jobs as jobs

from ckanext.govcatalog.tests import servers
from ckanext.govcatalog.workflow import notify

from .conftest import WORKFLOW_PLUGINS

PORT = servers.free_port()
pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.ckan_config("smtp.server", f"127.0.0.1:{PORT}"),
    pytest.mark.ckan_config("smtp.mail_from", "catalog@agency.go.th"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=PORT)
    controller.start()
    yield handler
    controller.stop()


def run_jobs() -> None:
    jobs.Worker([notify.QUEUE]).work(burst=True)


def subjects(inbox: Inbox) -> list[str]:
    return [str(email.header.make_header(email.header.decode_header(m["Subject"]))) for m in inbox.messages]


def test_approvers_hear_of_a_submission_and_the_submitter_of_the_decision(agency, inbox):
    agency.create()
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    assert inbox.messages == []  # nothing is sent inside the request
    run_jobs()
    recipients = sorted(email.utils.parseaddr(m["To"])[1] for m in inbox.messages)
    assert recipients == sorted([agency.users["admin"]["email"], agency.users["approver"]["email"]])
    assert all("รออนุมัติ" in s for s in subjects(inbox))
    inbox.messages.clear()
    agency.ok("govcatalog_workflow_reject", "approver", id="ds", reason="ขาดแหล่งที่มา")
    run_jobs()
    assert [email.utils.parseaddr(m["To"])[1] for m in inbox.messages] == [agency.users["editor"]["email"]]
    assert "ไม่อนุมัติ" in subjects(inbox)[0]


def test_an_smtp_failure_never_blocks_a_decision(agency):
    # no SMTP server listens on PORT in this test
    agency.create()
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    agency.ok("govcatalog_workflow_approve", "admin", id="ds")
    run_jobs()  # the job fails and is scheduled for a retry; the decision stands
    assert agency.public_view() is not None
    queue = jobs.get_queue(notify.QUEUE)
    assert queue.failed_job_registry.count + queue.scheduled_job_registry.count >= 1
