"""The password rules' wording (SPEC §12: ≥ 10 characters, not all digits, not common). Django
ships them in Chinese except the length rule, whose (plural) message its zh-hans catalog lacks:
this validator says it in Chinese; the check itself is Django's."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import get_language


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        if (get_language() or "zh-hans").startswith("zh"):
            return f"密码太短，至少需要 {self.min_length} 个字符。"
        return str(super().get_error_message())
