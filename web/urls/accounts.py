"""/accounts/: the account page, login, logout and the password change (Django's views, our
templates), the second factor and the API tokens; nothing else is mounted (SPEC §12: no avatar
upload, no password reset by e-mail)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from web.forms import LoginForm, PasswordChangeForm
from web.views import account, tokens, two_factor

urlpatterns = [
    path("", account.account, name="account"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Second factor (SPEC §12, accounts/two_factor.py): set-up, and the code after the password.
    path("2fa/", two_factor.setup, name="two_factor_setup"),
    path("2fa/verify/", two_factor.verify, name="two_factor_verify"),
    # The user's own API tokens (SPEC §12, accounts/tokens.py): list and 吊销.
    path("tokens/", tokens.token_list, name="tokens"),
]
