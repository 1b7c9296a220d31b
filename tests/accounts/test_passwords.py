"""SPEC §12 passwords: the rules in Chinese; a change ends every other session and every API
token; a password an admin sets must be changed at the first login; the User admin honours
scope."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts import tokens
from accounts.models import Account, ApiToken
from demo.seed import PASSWORD
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW = "Qingshan-Tiaojie-2026"
CHANGE = "/accounts/password_change/"
MUST = "系统管理员为您设置了初始密码，请先修改密码再继续使用。"


def login(username, password=PASSWORD):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:300]
    return client


def change(client, old, new):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def api_me(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/")


# --- the rules -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("clerk", "Short-1", "密码太短，至少需要 10 个字符。"),
        ("clerk", "3141592653", "密码只包含数字。"),
        ("clerk", "password123", "这个密码太常见了。"),
        ("clerk", "qwertyuiop", "这个密码太常见了。"),
        ("supervisor", "supervisor1", "密码跟 用户名 太相似了。"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(world, username, password, message):
    client = login(username)
    response = change(client, PASSWORD, password)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "This password" not in body
    assert User.objects.get(username=username).check_password(PASSWORD)


def test_wrong_old_password_and_mismatch(clerk):
    client = login("clerk")
    body = change(client, "not-it", NEW).content.decode()
    assert "你的旧密码不正确。请重新输入。" in body
    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"}
    )
    assert response.status_code == 200 and "输入的两个密码不一致。" in response.content.decode()


def test_the_page_is_chinese_and_linked_from_the_account_page(clerk):
    client = login("clerk")
    assert 'href="/accounts/"' in client.get("/").content.decode()  # 账户 in the top bar
    account = client.get("/accounts/").content.decode()
    assert f'href="{CHANGE}"' in account and "修改密码" in account
    page = client.get(CHANGE).content.decode()
    for text in (
        "旧密码",
        "新密码",
        "新密码确认",
        "你的密码必须包含至少 10 个字符。",
        "你的密码不能全都是数字。",
    ):
        assert text in page
    assert MUST not in page


# --- a change logs out everywhere ----------------------------------------------------------
def test_a_change_ends_other_sessions_and_every_token(clerk, mediator):
    here, there = login("clerk"), login("clerk")
    _, phone = tokens.issue(clerk, "手机")
    _, laptop = tokens.issue(clerk, "电脑")
    _, others = tokens.issue(mediator, "手机")
    assert api_me(phone).status_code == 200
    response = change(here, PASSWORD, NEW)
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    done = here.get(response["Location"]).content.decode()
    assert "其他设备上的登录和全部 API 令牌已失效" in done
    assert here.get("/").status_code == 200  # this session goes on
    gone = there.get("/")  # the other one is logged out
    assert gone.status_code == 302 and gone["Location"].startswith("/accounts/login/")
    assert not ApiToken.objects.filter(user=clerk).exists()
    assert api_me(phone).status_code == 401 and api_me(laptop).status_code == 401
    assert api_me(others).status_code == 200
    account = Account.objects.get(user=clerk)
    assert account.password_changed_at is not None and not account.must_change_password
    assert login("clerk", NEW)


def test_the_command_line_change_revokes_too(clerk, monkeypatch):
    _, token = tokens.issue(clerk, "手机")
    clerk.set_password(NEW)
    clerk.save()
    assert api_me(token).status_code == 401


def test_seed_demo_does_not_ask_for_a_change(world):
    call_command("seed_demo", "--cases", "0")
    assert not Account.objects.filter(must_change_password=True).exists()
    client = login("mediator")
    assert client.get("/").status_code == 200


# --- an initial password set by an admin ---------------------------------------------------
@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_a_user_created_in_the_admin_must_change_the_password(admin_client, world):
    initial = "Chushi-Mima-2026"
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "newclerk",
            "usable_password": "true",
            "password1": initial,
            "password2": initial,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newclerk")
    assert Account.objects.get(user=user).must_change_password

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "newclerk", "password": initial, "next": "/cases/"}
    )
    assert response.status_code == 302
    for path in ("/cases/", "/", "/tasks/", "/admin/"):
        sent = client.get(path)
        assert sent.status_code == 302 and sent["Location"] == CHANGE, path
    page = client.get(CHANGE)
    assert page.status_code == 200 and MUST in page.content.decode()
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "password_change_required"
    weak = change(client, initial, "1234567890")
    assert weak.status_code == 200 and MUST in weak.content.decode()

    response = change(client, initial, NEW)
    assert response.status_code == 302
    done = client.get(response["Location"])
    assert done.status_code == 200 and MUST not in done.content.decode()
    account = Account.objects.get(user=user)
    assert not account.must_change_password and account.password_changed_at is not None
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_a_password_reset_in_the_admin_must_be_changed_and_logs_out(admin_client, clerk):
    session = login("clerk")
    _, token = tokens.issue(clerk, "手机")
    response = admin_client.post(
        f"/admin/auth/user/{clerk.pk}/password/",
        {
            "password1": "Reset-By-Admin-1",
            "password2": "Reset-By-Admin-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Account.objects.get(user=clerk).must_change_password
    assert session.get("/").status_code == 302
    assert api_me(token).status_code == 401
    again = login("clerk", "Reset-By-Admin-1")
    assert again.get("/").status_code == 302


def test_disabling_password_login_in_the_admin_revokes_the_tokens(admin_client, clerk):
    _, token = tokens.issue(clerk, "手机")
    response = admin_client.post(
        f"/admin/auth/user/{clerk.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/auth/user/{clerk.pk}/change/"
    clerk.refresh_from_db()
    assert not clerk.has_usable_password()
    assert api_me(token).status_code == 401


def test_an_admin_setting_their_own_password_is_not_asked_again(admin_client, admin_user):
    response = admin_client.post(
        f"/admin/auth/user/{admin_user.pk}/password/",
        {
            "password1": "Own-Admin-Pass-1",
            "password2": "Own-Admin-Pass-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert not Account.objects.get(user=admin_user).must_change_password
    assert admin_client.get("/admin/").status_code == 200


# --- the User admin honours scope ----------------------------------------------------------
@pytest.fixture
def staff_director(director):
    from django.contrib.auth.models import Permission

    director.is_staff = True
    director.save()
    director.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = Client()
    client.force_login(director)
    return client


def test_a_staff_user_sees_only_users_sharing_a_committee(staff_director, world, clerk, outsider):
    stranger = UserFactory(username="stranger")
    colleague = member(UserFactory(username="colleague"), "mediator", organization=world["east"])
    body = staff_director.get("/admin/auth/user/").content.decode()
    for seen in ("clerk", "mediator", "director", colleague.username):
        assert f">{seen}<" in body, seen
    for unseen in ("clerk_b", "mediator_b", "supervisor", "admin", stranger.username):
        assert f">{unseen}<" not in body, unseen
    assert staff_director.get(f"/admin/auth/user/{clerk.pk}/change/").status_code == 200
    outside = staff_director.get(f"/admin/auth/user/{outsider.pk}/change/")
    assert outside.status_code == 302 and outside["Location"] == "/admin/"
    page = staff_director.get(f"/admin/auth/user/{clerk.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page


def test_a_staff_supervisor_sees_users_of_their_region(world, supervisor):
    from django.contrib.auth.models import Permission

    colleague = member(UserFactory(username="colleague"), "supervisor", region=world["qingshan"])
    supervisor.is_staff = True
    supervisor.save()
    supervisor.user_permissions.add(Permission.objects.get(codename="view_user"))
    client = Client()
    client.force_login(supervisor)
    body = client.get("/admin/auth/user/").content.decode()
    assert f">{colleague.username}<" in body and ">supervisor<" in body
    assert ">clerk<" not in body and ">supervisor_city<" not in body
