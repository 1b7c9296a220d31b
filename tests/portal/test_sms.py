"""SMS backends (SPEC §14): the file outbox, and Aliyun and Tencent through their HTTPS APIs
against a local fake server that recomputes each request's signature from the shared secret."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal import services, sms
from portal.models import SmsMessage

SECRET = "test-secret-不外传"


class FakeProvider(BaseHTTPRequestHandler):
    received: list[dict] = []
    answer: dict = {}

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        kind = self.server.kind
        ok = verify_aliyun(body) if kind == "aliyun" else verify_tencent(self.headers, body)
        self.server.received.append({"ok": ok, "body": body, "headers": dict(self.headers)})
        if not ok:
            answer = {"Code": "SignatureDoesNotMatch"}
            if kind == "tencent":
                answer = {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure"}}}
        else:
            answer = self.server.answer
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def verify_aliyun(body: bytes) -> bool:
    params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    given = params.pop("Signature", "")
    return given == sms.aliyun_signature("POST", params, SECRET) and params["Action"] == "SendSms"


def verify_tencent(headers, body: bytes) -> bool:
    auth = headers["Authorization"]
    given = auth.rsplit("Signature=", 1)[-1]
    expected = sms.tencent_signature(
        secret=SECRET,
        host=headers["Host"],
        payload=body,
        timestamp=int(headers["X-TC-Timestamp"]),
        content_type=headers["Content-Type"],
    )
    return given == expected and headers["X-TC-Action"] == "SendSms"


@pytest.fixture
def provider(settings):
    def start(kind: str, answer: dict):
        server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
        server.kind, server.answer, server.received = kind, answer, []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        settings.SMS_BACKEND = kind
        settings.SMS_ENDPOINT = f"http://127.0.0.1:{server.server_address[1]}/"
        settings.SMS_ACCESS_KEY_ID = "AKID-test"
        settings.SMS_ACCESS_KEY_SECRET = SECRET
        settings.SMS_SDK_APP_ID = "1400000000"
        settings.SMS_TEMPLATES = {"verification": "SMS_123456"}
        return server

    started: list = []
    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def test_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_OUTBOX = tmp_path / "sms" / "outbox.jsonl"
    sms.send("13700000001", "verification", {"code": "123456"})
    sms.send("13700000002", "verification", {"code": "654321"})
    lines = [json.loads(x) for x in settings.SMS_OUTBOX.read_text().splitlines()]
    assert [x["phone"] for x in lines] == ["13700000001", "13700000002"]
    assert "123456" in lines[0]["text"] and lines[0]["template"] == "verification"


def test_aliyun_request_is_signed_and_carries_template_and_sign(provider):
    server = provider("aliyun", {"Code": "OK", "Message": "OK", "BizId": "biz-1"})
    assert sms.send("13700000001", "verification", {"code": "123456"}) == "biz-1"
    (request,) = server.received
    assert request["ok"]
    params = dict(urllib.parse.parse_qsl(request["body"].decode()))
    assert params["TemplateCode"] == "SMS_123456" and params["SignName"] == "人民调解"
    assert json.loads(params["TemplateParam"]) == {"code": "123456"}
    assert params["PhoneNumbers"] == "13700000001" and params["AccessKeyId"] == "AKID-test"


def test_aliyun_refuses_a_wrong_secret(provider, settings):
    provider("aliyun", {"Code": "OK", "BizId": "x"})
    settings.SMS_ACCESS_KEY_SECRET = "another"
    with pytest.raises(sms.SmsError, match="SignatureDoesNotMatch"):
        sms.send("13700000001", "verification", {"code": "123456"})


def test_tencent_request_is_signed_tc3(provider):
    answer = {"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "s-1"}], "RequestId": "r"}}
    server = provider("tencent", answer)
    assert sms.send("13700000001", "verification", {"code": "123456"}) == "s-1"
    (request,) = server.received
    assert request["ok"]
    body = json.loads(request["body"])
    assert body["PhoneNumberSet"] == ["+8613700000001"] and body["TemplateId"] == "SMS_123456"
    assert body["TemplateParamSet"] == ["123456"] and body["SmsSdkAppId"] == "1400000000"


def test_tencent_refuses_a_wrong_secret(provider, settings):
    provider("tencent", {"Response": {"SendStatusSet": [{"Code": "Ok"}]}})
    settings.SMS_ACCESS_KEY_SECRET = "another"
    with pytest.raises(sms.SmsError, match="SignatureFailure"):
        sms.send("13700000001", "verification", {"code": "123456"})


def test_a_provider_failure_is_retried_then_failed(
    provider, db, django_capture_on_commit_callbacks
):
    server = provider("aliyun", {"Code": "Throttling.User", "Message": "slow down"})
    with django_capture_on_commit_callbacks(execute=True):
        message = services.sms_enqueue(
            phone="13700000001", template="verification", params={"code": "123456"}
        )
    message.refresh_from_db()
    # The eager task retried until MAX_ATTEMPTS, then the message stays failed in the admin.
    assert message.status == SmsMessage.Status.FAILED
    assert message.attempts == services.MAX_ATTEMPTS == len(server.received)
    assert "Throttling" in message.error


def test_sent_after_commit_and_marked_sent(
    settings, tmp_path, db, django_capture_on_commit_callbacks
):
    settings.SMS_OUTBOX = tmp_path / "outbox.jsonl"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = services.sms_enqueue(
            phone="13700000001", template="verification", params={"code": "123456"}
        )
    assert not settings.SMS_OUTBOX.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.SENT and message.attempts == 1
    assert message.sent_at is not None and settings.SMS_OUTBOX.exists()


def test_never_for_an_imported_case(register, db):
    from workflows.models import CaseEvent

    case = register()
    CaseEvent.objects.filter(case=case).update(data={"imported": True, "source_row": 2})
    assert (
        services.sms_enqueue(
            phone="13700000001", template="verification", params={"code": "1"}, case=case
        )
        is None
    )
    assert not SmsMessage.objects.exists()


def test_the_admin_lists_messages_read_only(client, admin_user, settings, tmp_path, db):
    SmsMessage.objects.create(
        phone="13700000001", template="verification", text="您的验证码为123456"
    )
    client.force_login(admin_user)
    page = client.get("/admin/portal/smsmessage/")
    assert page.status_code == 200 and "0001" in page.content.decode()
    detail = client.get(f"/admin/portal/smsmessage/{SmsMessage.objects.get().pk}/change/")
    assert detail.status_code == 200 and "123456" not in detail.content.decode()
    assert client.get("/admin/portal/smsmessage/add/").status_code == 403
